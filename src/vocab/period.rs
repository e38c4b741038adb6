//! Periods: a grain and the first day. ISO weeks start on Monday. Parsing
//! one as written is the syntax's (`eval::period::parse`).

use crate::vocab::Grain;
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub grain: Grain,
    pub start: NaiveDate,
}

impl Period {
    /// The period of `grain` that contains `day`.
    pub fn containing(grain: Grain, day: NaiveDate) -> Period {
        let start = match grain {
            Grain::Day => day,
            Grain::Week => day - chrono::Duration::days(day.weekday().num_days_from_monday() as i64),
            Grain::Month => day.with_day(1).unwrap_or(day),
            Grain::Quarter => NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1).unwrap_or(day),
            Grain::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1).unwrap_or(day),
        };
        Period { grain, start }
    }

    /// The period `n` steps of `step` earlier (or later for negative `n`), at this
    /// period's grain: one month before March is February; one year before
    /// March 2025 is March 2024.
    pub fn shift(self, step: Grain, n: i64) -> Period {
        let start = shift_date(self.start, step, -n);
        Period::containing(self.grain, start)
    }

    pub fn previous(self) -> Period {
        self.shift(self.grain, 1)
    }

    pub fn next(self) -> Period {
        self.shift(self.grain, -1)
    }

    /// First day after the period.
    pub fn end(self) -> NaiveDate {
        self.next().start
    }

    pub fn overlaps(self, from: NaiveDate, until: NaiveDate) -> bool {
        self.start < until && from < self.end()
    }
}

fn shift_date(d: NaiveDate, step: Grain, n: i64) -> NaiveDate {
    let months = |m: i64| {
        if m >= 0 {
            d.checked_add_months(Months::new(m as u32))
        } else {
            d.checked_sub_months(Months::new((-m) as u32))
        }
        .unwrap_or(d)
    };
    match step {
        Grain::Day => d + chrono::Duration::days(n),
        Grain::Week => d + chrono::Duration::days(7 * n),
        Grain::Month => months(n),
        Grain::Quarter => months(3 * n),
        Grain::Year => months(12 * n),
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.start;
        match self.grain {
            Grain::Day => write!(f, "{}", d.format("%Y-%m-%d")),
            Grain::Week => {
                let w = d.iso_week();
                write!(f, "{}-W{:02}", w.year(), w.week())
            }
            Grain::Month => write!(f, "{}", d.format("%Y-%m")),
            Grain::Quarter => write!(f, "{}-Q{}", d.year(), d.month0() / 3 + 1),
            Grain::Year => write!(f, "{}", d.year()),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn labels_and_steps() {
        let march = Period::containing(Grain::Month, d(2025, 3, 14));
        assert_eq!(march.to_string(), "2025-03");
        assert_eq!(march.previous().to_string(), "2025-02");
        assert_eq!(march.shift(Grain::Year, 1).to_string(), "2024-03");
        assert_eq!(Period::containing(Grain::Quarter, d(2025, 5, 1)).to_string(), "2025-Q2");
        // 2025-01-01 is a Wednesday in ISO week 1, which starts on Monday 2024-12-30.
        let w = Period::containing(Grain::Week, d(2025, 1, 1));
        assert_eq!((w.start, w.to_string()), (d(2024, 12, 30), "2025-W01".to_string()));
        assert_eq!(Period::containing(Grain::Month, d(2025, 3, 31)).end(), d(2025, 4, 1));
    }
}
