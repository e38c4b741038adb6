//! Aggregates and conditions as polars expressions.
//!
//! Every aggregate of a query reads its column masked by its filter (rows that
//! do not match are null), an elementwise input, so a query stays one grouped
//! pass. Each distinct comparison of a query (`status == "paid"`) is computed
//! once, as a column of its own, however many filters use it.

use super::{SourceFile, EXACT_BOUND};
use crate::ir::{AggOutput, AggQuery, Operand, Pred};
use crate::vocab::ColType;
use crate::vocab::{AggFn, CmpOp};
use crate::vocab::{Constant, FileFormat};
use ::polars::prelude::*;

/// The comparisons of a query's filters, each computed once.
pub(super) struct Conditions {
    atoms: Vec<(Pred, String)>,
}

impl Conditions {
    pub(super) fn of(query: &AggQuery) -> Conditions {
        let mut conditions = Conditions { atoms: Vec::new() };
        for p in query.aggs.iter().filter_map(|a| a.filter.as_ref()) {
            conditions.collect(p);
        }
        conditions
    }

    fn collect(&mut self, p: &Pred) {
        crate::stack::with_stack(|| match p {
            Pred::And(a, b) | Pred::Or(a, b) => {
                self.collect(a);
                self.collect(b);
            }
            Pred::Not(a) => self.collect(a),
            Pred::Const(_) => {}
            comparison => {
                if !self.atoms.iter().any(|(q, _)| q == comparison) {
                    let name = format!("__cond{}", self.atoms.len());
                    self.atoms.push((comparison.clone(), name));
                }
            }
        })
    }

    /// The columns to add before grouping: one per comparison.
    pub(super) fn columns(&self) -> Vec<Expr> {
        self.atoms.iter().map(|(p, name)| atom(p).alias(name.as_str())).collect()
    }

    /// A condition over the comparison columns.
    pub(super) fn expr(&self, p: &Pred) -> Expr {
        crate::stack::with_stack(|| match p {
            Pred::And(a, b) => self.expr(a).and(self.expr(b)),
            Pred::Or(a, b) => self.expr(a).or(self.expr(b)),
            Pred::Not(a) => self.expr(a).not(),
            Pred::Const(b) => lit(*b),
            comparison => match self.atoms.iter().find(|(q, _)| q == comparison) {
                Some((_, name)) => col(name.as_str()),
                None => atom(comparison),
            },
        })
    }
}

pub(super) fn agg_exprs(scan: &SourceFile, a: &AggOutput, conditions: &Conditions) -> Vec<Expr> {
    let alias = a.alias.as_str();
    let Some(c) = agg_input(a, conditions) else {
        return vec![match &a.filter {
            // Rows where the condition is true; null counts as not true, as in SQL.
            // A condition that reads no column is one scalar in polars, not one
            // value per row: summed, `true` would count 1 row per group.
            Some(p) if constant(p) != Some(true) => {
                conditions.expr(p).fill_null(lit(false)).sum().cast(DataType::Float64).alias(alias)
            }
            _ => len().cast(DataType::Float64).alias(alias),
        }];
    };
    let ty = column_type(scan, a);
    let count = || c.clone().count().cast(DataType::Float64);
    match a.func {
        AggFn::Count => vec![count().alias(alias)],
        AggFn::CountDistinct => unreachable!("distinct counts are counted by kpic: distinct::counts"),
        AggFn::Sum | AggFn::Avg => {
            // The sum, exact ones as decimals that the table reads as the
            // nearest float ([`decimal_to_f64`]), float ones as each group's
            // values, which the table adds exactly ([`crate::exact::FloatSum`]):
            // a float sum in polars depends on how rows are split between
            // threads. And the count of values it adds: SQL's sum of no values
            // is null, not 0, and an average is the sum over the count.
            let sum = match exact_scale(ty) {
                Some(scale) => exact_decimal(c.clone(), scale).sum(),
                None => float_values(c.clone()),
            };
            vec![sum.alias(alias), count().alias(format!("{alias}__n"))]
        }
        AggFn::Min => vec![c.min().cast(DataType::Float64).alias(alias)],
        AggFn::Max => vec![c.max().cast(DataType::Float64).alias(alias)],
        AggFn::Median => vec![c.median().cast(DataType::Float64).alias(alias)],
        AggFn::Percentile => {
            vec![c.quantile(lit(a.param.unwrap_or(0.5)), QuantileMethod::Linear).cast(DataType::Float64).alias(alias)]
        }
    }
}

/// What an aggregate over a column aggregates: the column, with the rows its
/// filter does not match set to null, which every aggregate skips. An
/// elementwise input, so all aggregates of a query stay one grouped pass (also
/// in the streaming engine). `None` for `count(source)`.
pub(super) fn agg_input(a: &AggOutput, conditions: &Conditions) -> Option<Expr> {
    let c = col(a.column.as_deref()?);
    Some(match &a.filter {
        Some(p) => when(conditions.expr(p)).then(c).otherwise(lit(NULL)),
        None => c,
    })
}

pub(super) fn column_type<'s>(scan: &'s SourceFile, a: &AggOutput) -> Option<&'s ColType> {
    let name = a.column.as_deref()?;
    scan.columns.iter().find(|c| c.name == name).map(|c| &c.ty)
}

/// The decimal scale a column's sums are taken at, when they are exact:
/// integers, money and decimals are summed in 128-bit decimals, so a sum
/// neither overflows (as int64 would) nor depends on the order the rows arrive
/// in (as float addition does, which would make results differ between runs of
/// a parallel scan). Other numbers are summed as floats.
pub(super) fn exact_scale(ty: Option<&ColType>) -> Option<usize> {
    ty?.exact_scale().map(|s| s as usize)
}

/// A column as the decimal its exact sum is taken in.
pub(super) fn exact_decimal(c: Expr, scale: usize) -> Expr {
    c.map(move |c| to_decimal(&c, scale), move |_, f| Ok(Field::new(f.name().clone(), DataType::Decimal(38, scale))))
}

/// `c` cast to `Decimal(38, scale)`, with the values polars' cast gives (each
/// float scaled and rounded half to even, ints widened), computed on the
/// values buffer with the validity kept: the cast goes through an `Option`
/// per value and a software float-to-i128 conversion, which made exact sums a
/// quarter of the Parquet benchmark.
///
/// Floats of [`EXACT_BOUND`] or more in magnitude, NaN and infinities are for
/// [`guards`] to report (kpic's CSV reader refuses them as it reads): a chunk
/// holding one (perhaps only in a null slot) is clipped to the bound, so that
/// its decimal is defined, and cast by polars, which makes NaN null.
fn to_decimal(c: &Column, scale: usize) -> PolarsResult<Column> {
    let dtype = DataType::Decimal(38, scale);
    let decimal = |values: Vec<i128>, validity| {
        Int128Chunked::from_vec_validity(c.name().clone(), values, validity)
            .into_decimal_unchecked(38, scale)
            .into_column()
    };
    match c.dtype() {
        DataType::Int64 if scale == 0 => {
            let ints = c.i64()?.rechunk();
            let arr = ints.downcast_as_array();
            Ok(decimal(arr.values().iter().map(|&v| i128::from(v)).collect(), arr.validity().cloned()))
        }
        DataType::Float64 => {
            let pow = 10f64.powi(scale as i32);
            let floats = c.f64()?.rechunk();
            let arr = floats.downcast_as_array();
            let mut takes = true;
            let values = arr
                .values()
                .iter()
                .map(|&x| {
                    takes &= x.abs() < EXACT_BOUND;
                    let y = x * pow;
                    if y.abs() < TWO_POW_53 {
                        round_half_even(y) as i64 as i128
                    } else if x.abs() < EXACT_BOUND {
                        scaled_decimal(x, scale)
                    } else {
                        y as i128
                    }
                })
                .collect();
            if takes {
                return Ok(decimal(values, arr.validity().cloned()));
            }
            let clipped = floats.apply_values(|x| x.clamp(-EXACT_BOUND, EXACT_BOUND));
            clipped.into_series().cast(&dtype).map(Column::from)
        }
        _ => c.cast(&dtype),
    }
}

/// A decimal of `units` × 10^-scale as the nearest float: `units as f64 /
/// 10^scale` rounds twice and can land a float away (the sum
/// 400,000,000,000,000 RUB at scale 9 read as 399,999,999,999,999.94); the
/// decimal's digits are read once, rounded once.
pub(super) fn decimal_to_f64(units: i128, scale: usize) -> f64 {
    if scale == 0 || units.unsigned_abs() < 1 << 53 && scale <= 22 {
        // Both exact floats (10^22 is the largest exact power of ten), so
        // the division is the one rounding.
        return units as f64 / 10f64.powi(scale as i32);
    }
    crate::vocab::number::decimal_digits(units, scale).parse().expect("digits read as a float")
}

/// Below it, a float product is whole or within half a unit of its exact
/// value, so rounding it gives the decimal; `as i64` of it is exact (and fast;
/// `as i128` is a call into the compiler's runtime).
const TWO_POW_53: f64 = 9_007_199_254_740_992.0;

/// `x` in units of 10^-scale, for `x × 10^scale` of 2^53 or more, where the
/// float product is off by up to half its spacing (400,000,000,000,000 RUB
/// became 399,999,999,999,999.966 at scale 9): the decimal is taken from the
/// shortest digits that read back as `x` (the digits of the file's text when it
/// has at most 15 significant ones), rounded half to even at `scale` places.
fn scaled_decimal(x: f64, scale: usize) -> i128 {
    let text = format!("{:e}", x.abs());
    let (mantissa, exponent) = text.split_once('e').expect("`{:e}` writes an exponent");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let whole: i128 = digits.parse().expect("at most 17 digits");
    let exponent: i64 = exponent.parse().expect("an exponent");
    // x = whole × 10^(exponent - digits + 1), so x × 10^scale is whole × 10^shift.
    let shift = exponent - digits.len() as i64 + 1 + scale as i64;
    let value = if shift >= 0 {
        whole * 10i128.pow(shift as u32)
    } else {
        let divisor = 10i128.pow((-shift).min(38) as u32);
        let (q, r) = (whole / divisor, whole % divisor);
        if 2 * r > divisor || (2 * r == divisor && q % 2 == 1) {
            q + 1
        } else {
            q
        }
    };
    if x < 0.0 {
        -value
    } else {
        value
    }
}

/// `x.round_ties_even()`, which without SSE4.1 is a call into libm per value:
/// for |x| < 2^52, adding 2^52 (away from zero) lands where floats are whole
/// numbers, so the addition rounds half to even and taking it away again is
/// exact; a float of 2^52 or more is whole already.
fn round_half_even(x: f64) -> f64 {
    const TWO_POW_52: f64 = 4_503_599_627_370_496.0;
    if x.abs() >= TWO_POW_52 || x.is_nan() {
        x
    } else if x >= 0.0 {
        (x + TWO_POW_52) - TWO_POW_52
    } else {
        (x - TWO_POW_52) + TWO_POW_52
    }
}

pub(super) fn to_float(c: Expr) -> Expr {
    c.cast(DataType::Float64)
}

/// A group's values of `c` as floats, nulls left out: a list per group.
pub(super) fn float_values(c: Expr) -> Expr {
    to_float(c).drop_nulls()
}

/// The exact sum of a list of floats, rounded once.
pub(super) fn exact_float_sum(values: Option<Series>) -> PolarsResult<f64> {
    let mut sum = crate::exact::FloatSum::default();
    if let Some(values) = values {
        values.f64()?.into_no_null_iter().for_each(|x| sum.add(x));
    }
    Ok(sum.value())
}

/// The value of a condition that reads no column (`true`, `not false`).
pub(super) fn constant(p: &Pred) -> Option<bool> {
    match p {
        Pred::Const(b) => Some(*b),
        Pred::Not(a) => constant(a).map(|b| !b),
        Pred::And(a, b) => Some(constant(a)? && constant(b)?),
        Pred::Or(a, b) => Some(constant(a)? || constant(b)?),
        _ => None,
    }
}

/// One comparison as a polars expression.
fn atom(p: &Pred) -> Expr {
    match p {
        Pred::IsNull { column, negated: false } => col(column.as_str()).is_null(),
        Pred::IsNull { column, negated: true } => col(column.as_str()).is_not_null(),
        Pred::Compare { lhs, op, rhs } => {
            let (l, r) = (operand(lhs), operand(rhs));
            match op {
                CmpOp::Eq => l.eq(r),
                CmpOp::Ne => l.neq(r),
                CmpOp::Ge => l.gt_eq(r),
                CmpOp::Le => l.lt_eq(r),
                CmpOp::Gt => l.gt(r),
                CmpOp::Lt => l.lt(r),
            }
        }
        Pred::InList { column, negated, items } => {
            let c = col(column.as_str());
            let any = items.iter().map(|v| c.clone().eq(value(v))).reduce(|a, b| a.or(b)).unwrap_or(lit(false));
            if *negated {
                any.not()
            } else {
                any
            }
        }
        Pred::InRange { column, negated, low, high } => {
            let c = col(column.as_str());
            let inside = c.clone().gt_eq(value(low)).and(c.lt_eq(value(high)));
            if *negated {
                inside.not()
            } else {
                inside
            }
        }
        Pred::And(..) | Pred::Or(..) | Pred::Not(_) | Pred::Const(_) => unreachable!("not a comparison"),
    }
}

fn operand(o: &Operand) -> Expr {
    match o {
        Operand::Column(c) => col(c.as_str()),
        Operand::Constant(v) => value(v),
    }
}

fn value(v: &Constant) -> Expr {
    match v {
        Constant::Number(n) => lit(*n),
        Constant::Text(s) => lit(s.clone()),
        Constant::Bool(b) => lit(*b),
        Constant::Date(d) => lit(*d),
        Constant::DateTime(dt) => lit(*dt).cast(DataType::Datetime(TimeUnit::Microseconds, None)),
    }
}

/// Per money or decimal column that a typed file's query sums exactly: whether
/// it holds NaN or infinity (`__nan_<column>`), and its largest magnitude
/// (`__max_<column>`), which must stay below [`EXACT_BOUND`].
pub(super) fn guards(scan: &SourceFile, queries: &[&AggQuery]) -> Vec<Expr> {
    if scan.format == FileFormat::Csv {
        return Vec::new();
    }
    let mut columns: Vec<&str> = Vec::new();
    for a in queries.iter().flat_map(|q| &q.aggs) {
        let summed = matches!(a.func, AggFn::Sum | AggFn::Avg);
        if summed && exact_scale(column_type(scan, a)).is_some_and(|s| s > 0) {
            let name = a.column.as_deref().expect("a sum reads a column");
            if !columns.contains(&name) {
                columns.push(name);
            }
        }
    }
    let mut out = Vec::new();
    for c in columns {
        out.push(col(c).is_finite().not().any(true).alias(format!("__nan_{c}")));
        out.push(col(c).abs().max().alias(format!("__max_{c}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decimals(c: &Column) -> Vec<Option<i128>> {
        c.decimal().unwrap().physical().iter().collect()
    }

    #[test]
    fn fast_decimals_are_the_casts() {
        let values = [
            Some(0.1),
            Some(0.29),
            Some(-0.29),
            None,
            Some(1e-10),
            Some(5e-10),
            Some(1.5e-9),
            Some(2.5e-9),
            Some(-2.5e-9),
            Some(123_456_789.123_456_79),
            Some(9.2e9),
            Some(-0.0),
            Some(1234.5678),
            Some(1e19),
        ];
        let column = Float64Chunked::new("x".into(), &values).into_column();
        for scale in [0, 2, 9] {
            let fast = decimals(&to_decimal(&column, scale).unwrap());
            let cast = decimals(&column.cast(&DataType::Decimal(38, scale)).unwrap());
            for ((x, fast), cast) in values.iter().zip(&fast).zip(&cast) {
                let small = x.is_none_or(|x| (x * 10f64.powi(scale as i32)).abs() < TWO_POW_53);
                if small {
                    assert_eq!(fast, cast, "{x:?} at scale {scale}");
                }
            }
        }
        // Beyond 2^53 units the float product is inexact, and polars' cast
        // with it; the decimal is the one the value's digits say.
        let large = [4e14, -4e14, 123_456_789.123_456_79, 1e19, 12_345_678_901_234.56, 9_007_199.254_740_993];
        let column = Float64Chunked::new("x".into(), &large).into_column();
        let expected: Vec<Option<i128>> = vec![
            Some(400_000_000_000_000_000_000_000),
            Some(-400_000_000_000_000_000_000_000),
            Some(123_456_789_123_456_790),
            Some(10_000_000_000_000_000_000_000_000_000),
            Some(12_345_678_901_234_560_000_000),
            Some(9_007_199_254_740_993),
        ];
        assert_eq!(decimals(&to_decimal(&column, 9).unwrap()), expected);
        assert_eq!(scaled_decimal(1.25e7, 0), 12_500_000);
        assert_eq!(scaled_decimal(2.5e16, 0), 25_000_000_000_000_000);
        assert_eq!(scaled_decimal(12_345_678.5, 0), 12_345_678);
        assert_eq!(scaled_decimal(12_345_679.5, 0), 12_345_680);
        assert_eq!(scaled_decimal(-12_345_679.5, 0), -12_345_680);
        // Values the fast path does not take, which the guards report: NaN is
        // null, beyond the bound is the bound, as polars' clip and cast make them.
        let odd = [Some(1.0), Some(f64::NAN), Some(f64::INFINITY), Some(-1e25)];
        let fast = to_decimal(&Float64Chunked::new("x".into(), &odd).into_column(), 9).unwrap();
        let clipped: Vec<Option<f64>> = odd.iter().map(|x| x.map(|x| x.clamp(-EXACT_BOUND, EXACT_BOUND))).collect();
        let cast = Float64Chunked::new("x".into(), &clipped).into_column().cast(&DataType::Decimal(38, 9)).unwrap();
        assert_eq!(decimals(&fast), decimals(&cast));
        assert_eq!(decimals(&fast)[1], None);
        let ints = Int64Chunked::new("n".into(), &[Some(i64::MAX), None, Some(i64::MIN), Some(-3)]).into_column();
        let fast = to_decimal(&ints, 0).unwrap();
        assert_eq!(decimals(&fast), vec![Some(i128::from(i64::MAX)), None, Some(i128::from(i64::MIN)), Some(-3)]);
    }

    #[test]
    fn decimals_read_as_the_nearest_float() {
        // 4e23 units are no float: as f64 and divided, they were 0.0625 short.
        assert_eq!(decimal_to_f64(-400_000_000_000_000_000_000_000, 9), -4e14);
        assert_eq!(decimal_to_f64(123_456_789_123_456_790, 9), 123_456_789.123_456_79);
        assert_eq!(decimal_to_f64(5, 9), 5e-9);
        assert_eq!(decimal_to_f64(-5, 9), -5e-9);
        assert_eq!(decimal_to_f64(0, 9), 0.0);
        assert_eq!(decimal_to_f64(i128::from(i64::MAX), 0), i64::MAX as f64);
        for units in [1i128 << 53, (1 << 60) + 12_345, -(1 << 90) - 7, 99_999_999_999_999_999_999] {
            let text = format!("{}e-9", units);
            assert_eq!(decimal_to_f64(units, 9), text.parse::<f64>().unwrap(), "{units}");
        }
    }

    #[test]
    fn rounding_is_half_to_even() {
        let cases = [
            0.5,
            1.5,
            2.5,
            -0.5,
            -2.5,
            -0.25,
            0.49999999999999994,
            4503599627370495.5,
            -4503599627370495.5,
            2251799813685248.5,
            4503599627370497.0,
            1e300,
            -7.25,
        ];
        for x in cases.into_iter().chain((0..100_000).map(|i| f64::from(i) * 0.125 - 6000.0)) {
            // Equal as numbers: -0.25 gives 0 where round_ties_even gives -0.
            assert_eq!(round_half_even(x), x.round_ties_even(), "{x}");
        }
    }
}
