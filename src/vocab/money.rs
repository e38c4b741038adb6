//! Money as it is paid: in a currency's minor unit.

use crate::exact::Exact;

/// The number of decimal places of a currency's minor unit (ISO 4217): 2
/// for most (kopecks, cents), 0 for currencies without a minor unit in use
/// (JPY, KRW), 3 for the dinars of Bahrain, Iraq, Jordan, Kuwait, Libya,
/// Oman and Tunisia, 4 for the accounting units CLF and UYW.
pub fn minor_digits(currency: &str) -> u32 {
    const NONE: [&str; 17] = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF",
        "XPF",
    ];
    const THREE: [&str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
    const FOUR: [&str; 2] = ["CLF", "UYW"];
    if NONE.contains(&currency) {
        0
    } else if THREE.contains(&currency) {
        3
    } else if FOUR.contains(&currency) {
        4
    } else {
        2
    }
}

/// An exact amount rounded to the currency's minor unit, halves away from
/// zero: what is paid.
pub fn paid(amount: &Exact, currency: &str) -> Exact {
    amount.round_half_away(minor_digits(currency))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_paid_in_minor_units() {
        let paid = |x: f64, c| paid(&Exact::of(x), c).to_f64();
        assert_eq!(paid(77_500.833_333_333_37, "RUB"), 77_500.83);
        assert_eq!(paid(84_000.5, "RUB"), 84_000.5);
        assert_eq!(paid(0.125, "USD"), 0.13);
        assert_eq!(paid(1234.5, "JPY"), 1235.0);
        assert_eq!(paid(1.0005, "KWD"), 1.001);
    }
}
