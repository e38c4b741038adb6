//! Numbers as people read them: thousands separators and units.

use super::Unit;

/// `1234567.891` with 2 decimals to "1,234,567.89"; trailing zeros dropped.
pub fn format_number(v: f64, decimals: usize) -> String {
    grouped(v, decimals, true)
}

/// A fraction as percentage points, up to six decimals: 0.4 to "40", 0.125
/// to "12.5" (for messages about weights and payout bounds).
pub fn format_percent(fraction: f64) -> String {
    format_number(fraction * 100.0, 6)
}

/// Money as it is paid: every digit of the currency's minor unit, none
/// rounded away: "84,000.50 RUB", "10,000.00 RUB", "1,235 JPY".
pub fn format_money(v: f64, currency: &str) -> String {
    format!("{} {currency}", grouped(v, crate::vocab::money::minor_digits(currency) as usize, false))
}

/// `v` with `decimals` places and thousands separators.
fn grouped(v: f64, decimals: usize, trim: bool) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let frac = if trim { frac.trim_end_matches('0') } else { frac };
    let zero = grouped == "0" && frac.bytes().all(|b| b == b'0');
    let sign = if v < 0.0 && !zero { "-" } else { "" };
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

/// A value in its unit, rounded for a glance: whole amounts of money from
/// 1,000 up ("2,302,767 RUB"); other units as [`format_value`].
pub fn format_value_rounded(unit: &Unit, v: f64) -> String {
    match unit {
        Unit::Money(c) if v.abs() >= 1000.0 => format!("{} {c}", format_number(v, 0)),
        _ => format_value(unit, v),
    }
}

/// A value in its unit, abbreviated from 10,000 up: "252.8k RUB", "2.3M RUB",
/// "16.3k"; other values as [`format_value_rounded`].
pub fn format_value_short(unit: &Unit, v: f64) -> String {
    match (unit, short(v)) {
        (Unit::Money(c), Some(s)) => format!("{s} {c}"),
        (Unit::Count | Unit::Number | Unit::Scalar, Some(s)) => s,
        _ => format_value_rounded(unit, v),
    }
}

/// An axis label, short: "2.5M", "300k", "35%", "12.5" (money without its
/// currency, which the chart names once).
pub fn format_tick(unit: &Unit, v: f64) -> String {
    match unit {
        Unit::Ratio => format!("{}%", format_number(v * 100.0, 1)),
        Unit::Duration => format_value(unit, v),
        _ => short(v).unwrap_or_else(|| format_number(v, 2)),
    }
}

/// "2.3M", "252.8k" from 10,000 up.
fn short(v: f64) -> Option<String> {
    if v.abs() >= 1e6 {
        Some(format!("{}M", format_number(v / 1e6, 2)))
    } else if v.abs() >= 1e4 {
        Some(format!("{}k", format_number(v / 1e3, 1)))
    } else {
        None
    }
}

/// `units` × 10^-scale in plain digits: `-12500, 3` is `-12.500`. Read
/// back as a float, it is the decimal's nearest float.
pub fn decimal_digits(units: i128, scale: usize) -> String {
    if scale == 0 {
        return units.to_string();
    }
    let digits = format!("{:0>width$}", units.unsigned_abs(), width = scale + 1);
    let (whole, fraction) = digits.split_at(digits.len() - scale);
    format!("{}{whole}.{fraction}", if units < 0 { "-" } else { "" })
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

    #[test]
    fn money_keeps_its_minor_unit() {
        assert_eq!(format_money(84_000.5, "RUB"), "84,000.50 RUB");
        assert_eq!(format_money(10_000.0, "RUB"), "10,000.00 RUB");
        assert_eq!(format_money(-0.004, "RUB"), "0.00 RUB");
        assert_eq!(format_money(1235.0, "JPY"), "1,235 JPY");
        assert_eq!(format_money(1.001, "KWD"), "1.001 KWD");
    }

    #[test]
    fn rounded_and_short_forms() {
        let rub = Unit::Money("RUB".into());
        assert_eq!(format_value_rounded(&rub, 2_302_767.09), "2,302,767 RUB");
        assert_eq!(format_value_rounded(&rub, -39.62), "-39.62 RUB");
        assert_eq!(format_tick(&rub, 2_500_000.0), "2.5M");
        assert_eq!(format_value_short(&rub, 252_756.4), "252.8k RUB");
        assert_eq!(format_value_short(&rub, -2_302_767.09), "-2.3M RUB");
        assert_eq!(format_value_short(&rub, 9_999.4), "9,999 RUB");
        assert_eq!(format_value_short(&Unit::Ratio, 0.125), "12.5%");
        assert_eq!(format_tick(&Unit::Count, 30_000.0), "30k");
        assert_eq!(format_tick(&Unit::Count, 3_000.0), "3,000");
        assert_eq!(format_tick(&Unit::Ratio, 0.35), "35%");
    }
}
