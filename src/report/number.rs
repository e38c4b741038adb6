//! Numbers as people read them: thousands separators and units.

use crate::sema::types::Unit;

/// `1234567.891` with 2 decimals to "1,234,567.89"; trailing zeros dropped.
pub fn format_number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let frac = frac.trim_end_matches('0');
    let sign = if v < 0.0 && (grouped != "0" || !frac.is_empty()) { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A value in its unit: "2,000,000 RUB", "66.7%", "12.5 days", "3,000".
pub fn format_value(unit: &Unit, v: f64) -> String {
    match unit {
        Unit::Money(c) => format!("{} {c}", format_number(v, 2)),
        Unit::Ratio => format!("{}%", format_number(v * 100.0, 1)),
        Unit::Duration => {
            let days = v / 86400.0;
            if days.abs() >= 1.0 {
                format!("{} days", format_number(days, 1))
            } else {
                format!("{} hours", format_number(v / 3600.0, 1))
            }
        }
        Unit::Count => format_number(v, 1),
        Unit::Number | Unit::Scalar => format_number(v, 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands_and_keeps_units() {
        assert_eq!(format_number(2_000_000.0, 2), "2,000,000");
        assert_eq!(format_number(-1234.5, 2), "-1,234.5");
        assert_eq!(format_value(&Unit::Ratio, 2.0 / 3.0), "66.7%");
        assert_eq!(format_value(&Unit::Money("RUB".into()), 1500.0), "1,500 RUB");
        assert_eq!(format_value(&Unit::Duration, 86400.0 * 12.5), "12.5 days");
    }
}
