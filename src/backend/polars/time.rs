//! Dates and times as the CSV reader parses them: one exact format per column,
//! with a fast path for formats made of fixed-width numbers (`%Y-%m-%d
//! %H:%M:%S` and its kin), and the start of each row's period.
//!
//! The fast path accepts exactly what chrono's `parse_from_str` accepts for
//! such a value and gives the same result; anything else (another width, a
//! format with names or fractions) goes to chrono, so the accepted values are
//! chrono's, as everywhere else in kpic.

use crate::vocab::Grain;
use ::polars::prelude::*;
use chrono::{NaiveDate, NaiveDateTime};

/// The first and last day (since 1970) of the calendar kpic reads, chrono's:
/// -262143-01-01 and 262142-12-31.
const FIRST_DAY: i32 = -96_465_292;
const LAST_DAY: i32 = 95_026_236;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// What a polars error raised by the functions below says, for
/// `diagnose::polars_failure` to recognise: the column's name follows.
pub(super) const OUT_OF_RANGE: &str = "kpic: a time outside the calendar in column ";

fn out_of_range(c: &Column) -> PolarsError {
    polars_err!(ComputeError: "{OUT_OF_RANGE}{}", c.name())
}

/// The first day of the period of each date or datetime of `c`, as dates: the
/// calendar arithmetic of [`period_start`] on the column's numbers, which is
/// several times cheaper than polars' `dt().truncate`, and an error rather
/// than a panic for a time outside the calendar.
pub(super) fn period_starts(c: &Column, grain: Grain) -> PolarsResult<Column> {
    let days = match c.dtype() {
        DataType::Date => c.date()?.physical().clone(),
        DataType::Datetime(TimeUnit::Microseconds, _) => {
            let micros = c.datetime()?.physical();
            let first = i64::from(FIRST_DAY) * MICROS_PER_DAY;
            let last = (i64::from(LAST_DAY) + 1) * MICROS_PER_DAY - 1;
            if micros.min().is_some_and(|m| m < first) || micros.max().is_some_and(|m| m > last) {
                return Err(out_of_range(c));
            }
            micros.apply_nonnull_values_generic(DataType::Int32, |v| v.div_euclid(MICROS_PER_DAY) as i32)
        }
        other => polars_bail!(ComputeError: "the period of a {other} column"),
    };
    if days.min().is_some_and(|d| d < FIRST_DAY) || days.max().is_some_and(|d| d > LAST_DAY) {
        return Err(out_of_range(c));
    }
    Ok(days.apply_values(|d| period_start(d, grain)).into_date().into_column())
}

/// A date or datetime column of any unit as microseconds since 1970, with an
/// error where a value does not fit (a cast would make it null, which would
/// then read as a row without a time).
pub(super) fn to_micros(c: &Column) -> PolarsResult<Column> {
    let (values, per) = match c.dtype() {
        DataType::Date => (c.date()?.physical().cast(&DataType::Int64)?, MICROS_PER_DAY),
        DataType::Datetime(TimeUnit::Microseconds, _) => (c.datetime()?.physical().clone().into_series(), 1),
        DataType::Datetime(TimeUnit::Milliseconds, _) => (c.datetime()?.physical().clone().into_series(), 1000),
        DataType::Datetime(TimeUnit::Nanoseconds, _) => {
            let nanos = c.datetime()?.physical();
            let micros: Int64Chunked = nanos.apply_values(|v| v.div_euclid(1000));
            return Ok(micros.into_datetime(TimeUnit::Microseconds, None).into_column());
        }
        other => polars_bail!(ComputeError: "microseconds of a {other} column"),
    };
    let values = values.i64()?;
    let fits = |v: Option<i64>| v.is_none_or(|v| v.checked_mul(per).is_some());
    if !fits(values.min()) || !fits(values.max()) {
        return Err(out_of_range(c));
    }
    let micros = values.apply_values(|v| v * per);
    Ok(micros.into_datetime(TimeUnit::Microseconds, None).into_column())
}

/// A compiled `format`.
#[derive(Clone, Debug)]
pub(super) struct TimeFormat {
    text: String,
    /// Where each part of a value in the format lies, when the format is only
    /// fixed-width parts and has the fields of its kind (a date, or a date and
    /// a time to the second).
    fixed: Option<Fixed>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Part {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Byte(u8),
}

impl Part {
    fn width(self) -> usize {
        match self {
            Part::Year => 4,
            Part::Byte(_) => 1,
            _ => 2,
        }
    }
}

/// A fixed-width format: the value's length, its literal bytes, and the offset
/// of each number (year, month, day, hour, minute, second; `None` if absent).
#[derive(Clone, Debug)]
struct Fixed {
    len: usize,
    literals: Vec<(usize, u8)>,
    at: [Option<usize>; 6],
}

impl Fixed {
    fn new(parts: &[Part]) -> Option<Fixed> {
        let mut fixed = Fixed { len: 0, literals: Vec::new(), at: [None; 6] };
        for part in parts {
            let slot = match part {
                Part::Byte(b) => {
                    fixed.literals.push((fixed.len, *b));
                    None
                }
                Part::Year => Some(0),
                Part::Month => Some(1),
                Part::Day => Some(2),
                Part::Hour => Some(3),
                Part::Minute => Some(4),
                Part::Second => Some(5),
            };
            if let Some(i) = slot {
                if fixed.at[i].replace(fixed.len).is_some() {
                    return None;
                }
            }
            fixed.len += part.width();
        }
        Some(fixed)
    }

    fn has_date(&self) -> bool {
        self.at[..3].iter().all(Option::is_some)
    }

    fn has_time(&self) -> bool {
        self.at[3..].iter().all(Option::is_some)
    }

    fn has_no_time(&self) -> bool {
        self.at[3..].iter().all(Option::is_none)
    }

    /// The numbers of a value in this format; `None` if it is not in it.
    #[inline]
    fn read(&self, v: &[u8]) -> Option<[u32; 6]> {
        if v.len() != self.len || self.literals.iter().any(|&(i, b)| v[i] != b) {
            return None;
        }
        let mut out = [0; 6];
        for (slot, at) in self.at.iter().enumerate() {
            let Some(at) = *at else { continue };
            let width = if slot == 0 { 4 } else { 2 };
            let mut n = 0;
            for &d in &v[at..at + width] {
                if !d.is_ascii_digit() {
                    return None;
                }
                n = n * 10 + u32::from(d - b'0');
            }
            out[slot] = n;
        }
        Some(out)
    }
}

impl TimeFormat {
    pub(super) fn new(format: &str) -> TimeFormat {
        let fixed = compile(format).and_then(|parts| Fixed::new(&parts)).filter(Fixed::has_date);
        TimeFormat { text: format.to_string(), fixed }
    }

    /// A date as days since 1970-01-01.
    pub(super) fn date(&self, value: &[u8]) -> Option<i32> {
        if let Some(fixed) = self.fixed.as_ref().filter(|f| f.has_no_time()) {
            if let Some([y, m, d, ..]) = fixed.read(value) {
                return days_from_civil(y as i32, m, d);
            }
        }
        let date = NaiveDate::parse_from_str(std::str::from_utf8(value).ok()?, &self.text).ok()?;
        Some(days(date))
    }

    /// A date and time as microseconds since 1970-01-01 00:00.
    pub(super) fn datetime(&self, value: &[u8]) -> Option<i64> {
        if let Some(fixed) = self.fixed.as_ref().filter(|f| f.has_time()) {
            if let Some([y, mo, d, h, mi, s]) = fixed.read(value) {
                if h < 24 && mi < 60 && s < 60 {
                    let day = days_from_civil(y as i32, mo, d)?;
                    let seconds = i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
                    return Some(i64::from(day) * 86_400_000_000 + seconds * 1_000_000);
                }
            }
        }
        let time = NaiveDateTime::parse_from_str(std::str::from_utf8(value).ok()?, &self.text).ok()?;
        Some(time.and_utc().timestamp_micros())
    }
}

/// The fixed-width parts of a format, if it has nothing else.
fn compile(format: &str) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    let mut bytes = format.bytes();
    while let Some(b) = bytes.next() {
        if b != b'%' {
            // Digits and whitespace are matched loosely by chrono; keep them off
            // the fast path.
            if b.is_ascii_digit() || b.is_ascii_whitespace() && b != b' ' || !b.is_ascii() {
                return None;
            }
            parts.push(Part::Byte(b));
            continue;
        }
        parts.push(match bytes.next()? {
            b'Y' => Part::Year,
            b'm' => Part::Month,
            b'd' => Part::Day,
            b'H' => Part::Hour,
            b'M' => Part::Minute,
            b'S' => Part::Second,
            _ => return None,
        });
    }
    // chrono reads a space in a format as any run of whitespace, and a number
    // next to a space loosely: only formats whose spaces sit between two
    // fixed-width numbers keep the fast path.
    let space_ok = |i: usize| {
        i > 0 && i + 1 < parts.len() && !matches!(parts[i - 1], Part::Byte(_)) && !matches!(parts[i + 1], Part::Byte(_))
    };
    let spaces_ok = parts.iter().enumerate().all(|(i, p)| *p != Part::Byte(b' ') || space_ok(i));
    spaces_ok.then_some(parts)
}

fn days(date: NaiveDate) -> i32 {
    date.signed_duration_since(NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date")).num_days() as i32
}

/// Days since 1970-01-01 of a calendar date, if it is one (in chrono's range).
fn days_from_civil(year: i32, month: u32, day: u32) -> Option<i32> {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month || !(-262_143..=262_142).contains(&year) {
        return None;
    }
    // Howard Hinnant's days_from_civil: years start in March, so leap days end them.
    let (m, d) = (i64::from(month), i64::from(day));
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) as i32)
}

/// Year and month of a day since 1970-01-01 (Hinnant's civil_from_days).
fn year_month(day: i32) -> (i32, u32) {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    ((yoe + era * 400 + i64::from(month <= 2)) as i32, month as u32)
}

/// The first day of the period of `grain` holding `day` (days since 1970):
/// ISO weeks start on Monday.
pub(super) fn period_start(day: i32, grain: Grain) -> i32 {
    if grain == Grain::Day {
        return day;
    }
    if grain == Grain::Week {
        // 1970-01-01 was a Thursday: three days after a Monday.
        return day - (day + 3).rem_euclid(7);
    }
    let (year, month) = year_month(day);
    let first_month = match grain {
        Grain::Month => month,
        Grain::Quarter => (month - 1) / 3 * 3 + 1,
        _ => 1,
    };
    days_from_civil(year, first_month, 1).expect("the first of a month")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chrono_datetime(value: &str, format: &str) -> Option<i64> {
        NaiveDateTime::parse_from_str(value, format).ok().map(|t| t.and_utc().timestamp_micros())
    }

    #[test]
    fn fast_path_agrees_with_chrono() {
        let format = TimeFormat::new("%Y-%m-%d %H:%M:%S");
        assert!(format.fixed.as_ref().is_some_and(Fixed::has_time));
        for value in [
            "2025-03-01 10:00:00",
            "2024-02-29 23:59:59",
            "2025-02-29 10:00:00",
            "2025-13-01 10:00:00",
            "2025-03-01 24:00:00",
            "2025-03-01 10:60:00",
            "2025-03-01 10:00:60",
            "2025-3-01 10:00:00",
            "2025-03-01 10:00:00+03:00",
            "2025-03-01T10:00:00",
            "0000-01-01 00:00:00",
            "1969-12-31 23:59:59",
            "2025-03-01  10:00:00",
            "+2025-03-01 10:00:0",
        ] {
            assert_eq!(format.datetime(value.as_bytes()), chrono_datetime(value, "%Y-%m-%d %H:%M:%S"), "{value}");
        }
    }

    #[test]
    fn dates_agree_with_chrono() {
        let format = TimeFormat::new("%Y-%m-%d");
        for value in ["2025-03-01", "2025-02-30", "1900-02-29", "2000-02-29", "2025-3-1", "03/01/2025", ""] {
            let chrono = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok().map(days);
            assert_eq!(format.date(value.as_bytes()), chrono, "{value}");
        }
        let other = TimeFormat::new("%d.%m.%Y");
        assert_eq!(other.date(b"01.03.2025"), days_from_civil(2025, 3, 1));
    }

    #[test]
    fn calendar_arithmetic_agrees_with_chrono() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        for day in (-800_000..800_000).step_by(7).chain(-1000..1000) {
            let date = epoch + chrono::Duration::days(i64::from(day));
            let (y, m, d) =
                (chrono::Datelike::year(&date), chrono::Datelike::month(&date), chrono::Datelike::day(&date));
            assert_eq!(days_from_civil(y, m, d), Some(day), "{date}");
            assert_eq!(year_month(day), (y, m), "{date}");
        }
        assert_eq!(days_from_civil(2025, 2, 29), None);
        assert_eq!(days_from_civil(2024, 2, 29), Some(19_782));
        assert_eq!(days_from_civil(1900, 2, 29), None);
        assert_eq!(days_from_civil(2025, 4, 31), None);
        assert_eq!(days_from_civil(2025, 0, 1), None);
    }

    #[test]
    fn the_calendar_is_chronos() {
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!(days(NaiveDate::MIN), FIRST_DAY);
        assert_eq!(days(NaiveDate::MAX), LAST_DAY);
        assert_eq!(days_from_civil(-262_143, 1, 1), Some(FIRST_DAY));
        assert_eq!(days_from_civil(262_142, 12, 31), Some(LAST_DAY));
        assert_eq!(epoch + chrono::Duration::days(i64::from(LAST_DAY)), NaiveDate::MAX);
    }

    #[test]
    fn periods_of_a_column_agree_with_period_start() {
        let day = |y, m, d| days_from_civil(y, m, d).unwrap();
        let dates = [Some(day(2025, 3, 5)), None, Some(day(1969, 12, 31)), Some(FIRST_DAY), Some(LAST_DAY)];
        let column = Int32Chunked::new("d".into(), &dates).into_date().into_column();
        for grain in [Grain::Day, Grain::Week, Grain::Month, Grain::Quarter, Grain::Year] {
            let got = period_starts(&column, grain).unwrap();
            let got: Vec<Option<i32>> = got.date().unwrap().physical().iter().collect();
            let want: Vec<Option<i32>> = dates.iter().map(|d| d.map(|d| period_start(d, grain))).collect();
            assert_eq!(got, want, "{grain:?}");
        }
        // Datetimes: 1969-12-31 23:59:59.999999 is still in 1969.
        let micros = [Some(-1), Some(0), None];
        let column = Int64Chunked::new("t".into(), &micros).into_datetime(TimeUnit::Microseconds, None).into_column();
        let got = period_starts(&column, Grain::Day).unwrap();
        let got: Vec<Option<i32>> = got.date().unwrap().physical().iter().collect();
        assert_eq!(got, vec![Some(-1), Some(0), None]);
    }

    #[test]
    fn times_outside_the_calendar_are_errors() {
        let far = Int32Chunked::new("d".into(), &[Some(LAST_DAY + 1)]).into_date().into_column();
        let err = period_starts(&far, Grain::Month).unwrap_err().to_string();
        assert!(err.contains(&format!("{OUT_OF_RANGE}d")), "{err}");
        let millis = Int64Chunked::new("t".into(), &[Some(i64::MAX - 10)])
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_column();
        assert!(to_micros(&millis).unwrap_err().to_string().contains(OUT_OF_RANGE));
        let micros = Int64Chunked::new("t".into(), &[Some(i64::MAX - 10)])
            .into_datetime(TimeUnit::Microseconds, None)
            .into_column();
        assert!(period_starts(&micros, Grain::Year).unwrap_err().to_string().contains(OUT_OF_RANGE));
        let ms = Int64Chunked::new("t".into(), &[Some(1500), Some(-1500)])
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_column();
        let got: Vec<Option<i64>> = to_micros(&ms).unwrap().datetime().unwrap().physical().iter().collect();
        assert_eq!(got, vec![Some(1_500_000), Some(-1_500_000)]);
        let ns = Int64Chunked::new("t".into(), &[Some(-1)]).into_datetime(TimeUnit::Nanoseconds, None).into_column();
        let got: Vec<Option<i64>> = to_micros(&ns).unwrap().datetime().unwrap().physical().iter().collect();
        assert_eq!(got, vec![Some(-1)], "a nanosecond before 1970 is in the microsecond before it");
    }

    #[test]
    fn periods_start_on_their_first_day() {
        let day = |y, m, d| days_from_civil(y, m, d).unwrap();
        // 2025-03-05 is a Wednesday; its ISO week starts on Monday 2025-03-03.
        assert_eq!(period_start(day(2025, 3, 5), Grain::Week), day(2025, 3, 3));
        assert_eq!(period_start(day(2025, 3, 3), Grain::Week), day(2025, 3, 3));
        assert_eq!(period_start(day(2025, 3, 9), Grain::Week), day(2025, 3, 3));
        assert_eq!(period_start(day(1969, 12, 31), Grain::Week), day(1969, 12, 29));
        assert_eq!(period_start(day(2025, 3, 5), Grain::Month), day(2025, 3, 1));
        assert_eq!(period_start(day(2025, 8, 5), Grain::Quarter), day(2025, 7, 1));
        assert_eq!(period_start(day(2025, 8, 5), Grain::Year), day(2025, 1, 1));
        assert_eq!(period_start(day(1965, 8, 5), Grain::Quarter), day(1965, 7, 1));
    }
}
