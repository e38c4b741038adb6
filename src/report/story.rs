//! Findings in words (docs/report.md), for the terminal and the HTML report.
//! The analysis is `eval::trends`; only the wording lives here.

use super::{format_number, format_value_rounded};
use crate::eval::trends::{Finding, Kind, Move};
use crate::eval::Status;
use crate::vocab::Unit;

/// What a finding says, without whom it is about: "missed the last 4 periods
/// in a row (2025-03 to 2025-06)".
pub fn sentence(f: &Finding, unit: &Unit) -> String {
    let value = |v: f64| format_value_rounded(unit, v);
    match f.kind {
        Kind::MissedRun { periods, ongoing: true } => {
            format!("missed the last {periods} periods in a row ({} to {})", f.first, f.last)
        }
        Kind::MissedRun { periods, ongoing: false } => {
            format!("missed {periods} periods in a row ({} to {})", f.first, f.last)
        }
        Kind::Outlier { value: v, low, high } => {
            let side = if v > high { "above" } else { "below" };
            let range = if low == high { value(low) } else { format!("{} to {}", value(low), value(high)) };
            format!("{} in {} is far {side} its recent range ({range})", value(v), f.last)
        }
        Kind::Steady { direction, steps, from, to } => {
            let verb = match direction {
                Move::Down => "fell",
                Move::Up => "rose",
            };
            // A relative change of a ratio ("+100 % of 3 %") reads badly; the two
            // values say it.
            let change = if from != 0.0 && *unit != Unit::Ratio {
                let pct = (to - from) / from.abs() * 100.0;
                format!(", {}{}%", if pct > 0.0 { "+" } else { "" }, format_number(pct, 1))
            } else {
                String::new()
            };
            format!(
                "{verb} {steps} periods in a row, from {} in {} to {} in {}{change}",
                value(from),
                f.first,
                value(to),
                f.last
            )
        }
    }
}

/// Whom a finding is about: the entity's values ("Anna", "Retail / Anna"), or
/// none for a KPI without `by`.
pub fn entity_text(entity: &[Option<String>]) -> Option<String> {
    if entity.is_empty() {
        return None;
    }
    Some(entity.iter().map(|v| v.as_deref().unwrap_or("(empty)")).collect::<Vec<_>>().join(" / "))
}

/// The status a finding is about, for its symbol and colour: a run of misses and
/// a trend away from the target are bad news; an outlier is a warning.
pub fn severity(f: &Finding) -> Status {
    match f.kind {
        Kind::MissedRun { .. } | Kind::Steady { .. } => Status::Missed,
        Kind::Outlier { .. } => Status::AtRisk,
    }
}

/// The symbol a finding is listed with.
pub fn symbol(f: &Finding) -> &'static str {
    match f.kind {
        Kind::MissedRun { .. } => "✗",
        Kind::Steady { direction: Move::Down, .. } => "↘",
        Kind::Steady { direction: Move::Up, .. } => "↗",
        Kind::Outlier { .. } => "!",
    }
}

/// The order findings are told in, most pressing first: misses that go on,
/// steady trends away from the target, outliers, misses that are over.
pub fn rank(f: &Finding) -> (u8, std::cmp::Reverse<usize>) {
    match f.kind {
        Kind::MissedRun { periods, ongoing: true } => (0, std::cmp::Reverse(periods)),
        Kind::Steady { steps, .. } => (1, std::cmp::Reverse(steps)),
        Kind::Outlier { .. } => (2, std::cmp::Reverse(0)),
        Kind::MissedRun { periods, ongoing: false } => (3, std::cmp::Reverse(periods)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::period::Period;
    use crate::vocab::Grain;

    fn month(m: u32) -> Period {
        Period { grain: Grain::Month, start: chrono::NaiveDate::from_ymd_opt(2025, m, 1).unwrap() }
    }

    fn finding(first: u32, last: u32, kind: Kind) -> Finding {
        Finding { kpi: "k".into(), entity: vec![Some("Anna".into())], first: month(first), last: month(last), kind }
    }

    #[test]
    fn sentences() {
        let rub = Unit::Money("RUB".into());
        let run = finding(3, 6, Kind::MissedRun { periods: 4, ongoing: true });
        assert_eq!(sentence(&run, &rub), "missed the last 4 periods in a row (2025-03 to 2025-06)");
        let out = finding(5, 5, Kind::Outlier { value: 512_000.0, low: 180_000.0, high: 230_000.0 });
        assert_eq!(
            sentence(&out, &rub),
            "512,000 RUB in 2025-05 is far above its recent range (180,000 RUB to 230,000 RUB)"
        );
        let fall = finding(2, 6, Kind::Steady { direction: Move::Down, steps: 4, from: 230_000.0, to: 180_000.0 });
        assert_eq!(
            sentence(&fall, &rub),
            "fell 4 periods in a row, from 230,000 RUB in 2025-02 to 180,000 RUB in 2025-06, -21.7%"
        );
        let rise = finding(3, 6, Kind::Steady { direction: Move::Up, steps: 3, from: 0.02, to: 0.05 });
        assert_eq!(sentence(&rise, &Unit::Ratio), "rose 3 periods in a row, from 2% in 2025-03 to 5% in 2025-06");
        assert_eq!(entity_text(&[Some("Retail".into()), None]).as_deref(), Some("Retail / (empty)"));
        assert_eq!(entity_text(&[]), None);
    }
}
