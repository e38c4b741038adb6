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

/// The currency codes of ISO 4217 in use (and its funds, metals and testing
/// codes), for suggestions when a spec misspells one.
pub const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF",
    "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS",
    "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT",
    "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP",
    "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE",
    "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS",
    "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU",
    "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER",
    "ZAR", "ZMW", "ZWG",
];

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
