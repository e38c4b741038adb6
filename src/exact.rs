//! Exact arithmetic on the decimals numbers are written and printed as.
//!
//! kpic's numbers are 64-bit floats, but people write and read decimals: a
//! weight of `70%`, a target of `0.3`, a bonus base of `10_000.50 RUB`. The
//! float nearest 0.7 is a little below it, so `0.7 × 1.5 + 0.3 × 1.5` in
//! floats is 1.4999999999999998, a score just under a payout breakpoint of
//! 150 % that a person computes as exactly 1.5. Here every float stands for
//! the shortest decimal that reads back as it (what JSON and the tables
//! print: 0.7, not 0.6999999999999999555910790149937), and results are exact
//! fractions of those decimals, rounded once, to the nearest float, when they
//! are reported (docs/evaluation.md, "Arithmetic").

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::ops::{Add, Div, Mul, Neg, Sub};

/// An exact rational number.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Exact(BigRational);

impl Exact {
    /// The decimal a float prints as: the shortest digits that read back as
    /// `x`. Not for NaN or infinities, which kpic never computes with.
    pub fn of(x: f64) -> Exact {
        debug_assert!(x.is_finite(), "{x} has no decimal");
        if !x.is_finite() {
            return Exact::zero();
        }
        if x.fract() == 0.0 && x.abs() < TWO_POW_53 {
            return Exact::from(x as i64);
        }
        // `{:e}` writes the shortest round-trip digits: "1.2345e-7".
        let text = format!("{x:e}");
        let (mantissa, exponent) = text.split_once('e').expect("`{:e}` writes an exponent");
        let negative = mantissa.starts_with('-');
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let exponent: i64 = exponent.parse().expect("an exponent");
        let whole: BigInt = digits.parse().expect("digits");
        // x = whole × 10^(exponent − (digits − 1))
        let shift = exponent - (digits.len() as i64 - 1);
        let ten = BigInt::from(10);
        let value = if shift >= 0 {
            BigRational::from_integer(whole * num_traits::pow(ten, shift as usize))
        } else {
            BigRational::new(whole, num_traits::pow(ten, (-shift) as usize))
        };
        Exact(if negative { -value } else { value })
    }

    /// `units` / 10^`scale`: a decimal as stored in a fixed-point integer.
    pub fn decimal(units: i128, scale: u32) -> Exact {
        Exact(BigRational::new(BigInt::from(units), num_traits::pow(BigInt::from(10), scale as usize)))
    }

    /// The nearest float (ties to even).
    pub fn to_f64(&self) -> f64 {
        self.0.to_f64().unwrap_or(f64::NAN)
    }

    pub fn zero() -> Exact {
        Exact(BigRational::zero())
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    pub fn is_negative(&self) -> bool {
        self.0.is_negative()
    }

    pub fn is_positive(&self) -> bool {
        self.0.is_positive()
    }

    pub fn abs(&self) -> Exact {
        Exact(self.0.abs())
    }

    /// `self / other`, none for a division by zero.
    pub fn checked_div(&self, other: &Exact) -> Option<Exact> {
        (!other.is_zero()).then(|| Exact(&self.0 / &other.0))
    }

    pub fn min(self, other: Exact) -> Exact {
        std::cmp::min(self, other)
    }

    pub fn max(self, other: Exact) -> Exact {
        std::cmp::max(self, other)
    }

    /// Rounded to `digits` decimal places, halves away from zero (as money is
    /// rounded on a payslip: 0.005 RUB is 0.01 RUB).
    pub fn round_half_away(&self, digits: u32) -> Exact {
        let scale = BigRational::from_integer(num_traits::pow(BigInt::from(10), digits as usize));
        let scaled = &self.0 * &scale;
        let half = BigRational::new(BigInt::from(1), BigInt::from(2));
        let rounded = if scaled.is_negative() { -(-scaled + half).floor() } else { (scaled + half).floor() };
        Exact(rounded / scale)
    }
}

impl From<i64> for Exact {
    fn from(n: i64) -> Exact {
        Exact(BigRational::from_integer(BigInt::from(n)))
    }
}

macro_rules! binary {
    ($trait:ident, $method:ident) => {
        impl $trait for Exact {
            type Output = Exact;
            fn $method(self, other: Exact) -> Exact {
                Exact($trait::$method(self.0, other.0))
            }
        }
        impl $trait<&Exact> for &Exact {
            type Output = Exact;
            fn $method(self, other: &Exact) -> Exact {
                Exact($trait::$method(&self.0, &other.0))
            }
        }
    };
}
binary!(Add, add);
binary!(Sub, sub);
binary!(Mul, mul);

impl Div for Exact {
    type Output = Exact;
    /// Panics on a division by zero: use [`Exact::checked_div`] where the
    /// divisor can be zero.
    fn div(self, other: Exact) -> Exact {
        Exact(self.0 / other.0)
    }
}

impl Neg for Exact {
    type Output = Exact;
    fn neg(self) -> Exact {
        Exact(-self.0)
    }
}

const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// Whether `x` is its own decimal (a whole number a float holds exactly), so
/// that the float operation on it is already the exact one rounded once.
fn whole(x: f64) -> bool {
    x.fract() == 0.0 && x.abs() < TWO_POW_53
}

/// `a + b` on their decimals, rounded once.
pub fn add(a: f64, b: f64) -> f64 {
    if whole(a) && whole(b) {
        return a + b;
    }
    (Exact::of(a) + Exact::of(b)).to_f64()
}

/// `a − b` on their decimals, rounded once.
pub fn sub(a: f64, b: f64) -> f64 {
    if whole(a) && whole(b) {
        return a - b;
    }
    (Exact::of(a) - Exact::of(b)).to_f64()
}

/// `a × b` on their decimals, rounded once.
pub fn mul(a: f64, b: f64) -> f64 {
    if whole(a) && whole(b) {
        return a * b;
    }
    (Exact::of(a) * Exact::of(b)).to_f64()
}

/// `a / b` on their decimals, rounded once; none for a division by zero.
pub fn div(a: f64, b: f64) -> Option<f64> {
    if b == 0.0 {
        return None;
    }
    if whole(a) && whole(b) {
        return Some(a / b);
    }
    Some((Exact::of(a) / Exact::of(b)).to_f64())
}

/// How `a` compares with `b` (both finite).
pub fn cmp(a: f64, b: f64) -> Ordering {
    // The decimals of two floats are in the floats' order: each lies inside
    // its float's rounding interval, and those do not overlap.
    a.total_cmp(&b)
}

/// The exact sum of floats, rounded once: the same bits whatever order the
/// values come in and however they are split between threads and batches
/// (float addition rounds at every step, so a parallel sum's last digits
/// depend on the split). Shewchuk's algorithm, as Python's `math.fsum`: the
/// sum is kept as a few non-overlapping partial floats whose total is exact.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FloatSum {
    partials: Vec<f64>,
    /// A partial left the finite floats: the sum is out of range.
    overflow: bool,
}

impl FloatSum {
    pub fn add(&mut self, mut x: f64) {
        if !x.is_finite() {
            self.overflow = true;
            return;
        }
        let mut i = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[i] = lo;
                i += 1;
            }
            x = hi;
        }
        if !x.is_finite() {
            self.overflow = true;
        }
        self.partials.truncate(i);
        self.partials.push(x);
    }

    /// Add another sum's values.
    pub fn merge(&mut self, other: &FloatSum) {
        self.overflow |= other.overflow;
        for p in &other.partials {
            self.add(*p);
        }
    }

    /// The exact sum rounded to the nearest float (ties to even); NaN when it
    /// is out of the floats' range.
    pub fn value(&self) -> f64 {
        if self.overflow {
            return f64::NAN;
        }
        let p = &self.partials;
        let Some((&last, rest)) = p.split_last() else { return 0.0 };
        let mut hi = last;
        let mut lo = 0.0;
        let mut n = rest.len();
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        // Round half to even across the partials below the one that stopped.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            if y == x - hi {
                hi = x;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_stand_for_the_decimals_they_print_as() {
        assert_eq!(add(0.1, 0.2), 0.3);
        assert_eq!(sub(0.3, 0.1), 0.2);
        assert_eq!(mul(0.7, 3.0), 2.1);
        assert_eq!(mul(100.0, 1.1), 110.0);
        assert_eq!(div(0.3, 0.1), Some(3.0));
        assert_eq!(div(1.0, 0.0), None);
        assert_eq!(div(2.0, 3.0), Some(2.0 / 3.0));
        let score = Exact::of(0.7) * Exact::of(1.5) + Exact::of(0.3) * Exact::of(1.5);
        assert_eq!(score, Exact::of(1.5));
        let four = [0.4, 0.2, 0.3, 0.1].into_iter().map(Exact::of).fold(Exact::zero(), |a, b| a + b);
        assert_eq!(four, Exact::from(1));
    }

    #[test]
    fn decimals_of_extreme_floats() {
        for x in [1e-300, -2.5e-8, 123_456.789, 1e22, 1.7976931348623157e308, 5e-324, -0.0, 9_007_199_254_740_993.0] {
            assert_eq!(Exact::of(x).to_f64(), x, "{x}");
        }
        assert_eq!(Exact::decimal(123_456, 2).to_f64(), 1234.56);
    }

    #[test]
    fn rounding_of_money_is_half_away_from_zero() {
        let r = |x: f64, d| Exact::of(x).round_half_away(d).to_f64();
        assert_eq!(r(0.005, 2), 0.01);
        assert_eq!(r(-0.005, 2), -0.01);
        assert_eq!(r(0.015, 2), 0.02);
        assert_eq!(r(77_500.833_333_333_37, 2), 77_500.83);
        assert_eq!(r(2.5, 0), 3.0);
        assert_eq!(r(-2.5, 0), -3.0);
        assert_eq!(r(1.0049, 2), 1.0);
    }

    #[test]
    fn nearest_float_of_a_fraction() {
        // 1/3 and 2/3, and a quotient of large numbers, rounded once.
        let third = Exact::from(1) / Exact::from(3);
        assert_eq!(third.to_f64(), 1.0 / 3.0);
        let big = Exact::of(12_345_678_901_234.56) / Exact::of(0.07);
        assert_eq!(big.to_f64(), "176366841446208".parse::<f64>().unwrap());
    }

    #[test]
    fn float_sums_are_exact_in_any_order() {
        let values = [0.1, 1e16, -1e16, 0.2, 3.3, -0.7, 1e-9, 123_456.789, -0.3];
        let exact =
            values.iter().map(|x| Exact(BigRational::from_float(*x).unwrap())).fold(Exact::zero(), |a, b| a + b);
        let mut forward = FloatSum::default();
        values.iter().for_each(|x| forward.add(*x));
        assert_eq!(forward.value(), exact.to_f64());
        // Reversed, and split in two halves merged: the same bits.
        let mut backward = FloatSum::default();
        values.iter().rev().for_each(|x| backward.add(*x));
        let (mut a, mut b) = (FloatSum::default(), FloatSum::default());
        values[..4].iter().for_each(|x| a.add(*x));
        values[4..].iter().for_each(|x| b.add(*x));
        a.merge(&b);
        assert_eq!(backward.value().to_bits(), forward.value().to_bits());
        assert_eq!(a.value().to_bits(), forward.value().to_bits());
        assert_eq!(FloatSum::default().value(), 0.0);
        let mut big = FloatSum::default();
        big.add(f64::MAX);
        big.add(f64::MAX);
        assert!(big.value().is_nan());
    }
}
