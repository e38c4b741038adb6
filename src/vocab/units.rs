//! Units: what a literal states (`40%`, `3 days`, `100 RUB`), what a column
//! holds, what a metric measures, whether it adds up, and how a planning
//! table's numbers are read.

use super::{AggFn, BinOp};
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLit {
    None,
    Percent,
    Currency(String),
    Duration(DurationUnit),
}

/// What a literal's unit says it is: "a number", "a percentage", "an amount
/// in RUB", "a duration" (the one describer of written quantities).
impl fmt::Display for UnitLit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitLit::None => f.write_str("a number"),
            UnitLit::Percent => f.write_str("a percentage"),
            UnitLit::Currency(c) => write!(f, "an amount in {c}"),
            UnitLit::Duration(_) => f.write_str("a duration"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    Second,
    Minute,
    Hour,
    Day,
}

impl DurationUnit {
    pub fn seconds(self) -> f64 {
        match self {
            DurationUnit::Second => 1.0,
            DurationUnit::Minute => 60.0,
            DurationUnit::Hour => 3600.0,
            DurationUnit::Day => 86400.0,
        }
    }

    /// `day` or `days`, and so on ([`super::keywords::DURATION_WORDS`]).
    pub fn parse(word: &str) -> Option<DurationUnit> {
        Some(match word.strip_suffix('s').unwrap_or(word) {
            "second" => DurationUnit::Second,
            "minute" => DurationUnit::Minute,
            "hour" => DurationUnit::Hour,
            "day" => DurationUnit::Day,
            _ => return None,
        })
    }

    pub fn word(self, plural: bool) -> &'static str {
        match (self, plural) {
            (DurationUnit::Second, false) => "second",
            (DurationUnit::Second, true) => "seconds",
            (DurationUnit::Minute, false) => "minute",
            (DurationUnit::Minute, true) => "minutes",
            (DurationUnit::Hour, false) => "hour",
            (DurationUnit::Hour, true) => "hours",
            (DurationUnit::Day, false) => "day",
            (DurationUnit::Day, true) => "days",
        }
    }
}

/// The declared type of a source column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ColType {
    Int,
    Float,
    Decimal,
    Text,
    Bool,
    Date,
    Datetime,
    /// A number of the given unit per row (`duration(days)`).
    Duration(DurationUnit),
    /// Percentage points: 12.5 means 12.5 %.
    Percent,
    Money(String),
}

impl ColType {
    /// The decimal scale a column's sums are exact at, on every backend:
    /// integers at 0, money and decimals at 9; other numbers are summed as
    /// floats.
    pub fn exact_scale(&self) -> Option<u32> {
        match self {
            ColType::Int => Some(0),
            ColType::Money(_) | ColType::Decimal => Some(9),
            _ => None,
        }
    }

    /// The format a date or datetime column is read and written in when it
    /// declares none.
    pub fn default_format(&self) -> &'static str {
        match self {
            ColType::Date => "%Y-%m-%d",
            _ => "%Y-%m-%d %H:%M:%S",
        }
    }

    pub fn parse(name: &str, arg: Option<&str>) -> Result<ColType, TypeError> {
        let plain = |t: ColType| match arg {
            None => Ok(t),
            Some(a) => Err(TypeError::NoArgument { name: name.to_string(), arg: a.to_string() }),
        };
        match name {
            "int" => plain(ColType::Int),
            "float" => plain(ColType::Float),
            "decimal" => plain(ColType::Decimal),
            "text" => plain(ColType::Text),
            "bool" => plain(ColType::Bool),
            "date" => plain(ColType::Date),
            "datetime" => plain(ColType::Datetime),
            "percent" => plain(ColType::Percent),
            "money" => match arg {
                Some(c) if super::keywords::is_currency(c) => Ok(ColType::Money(c.to_string())),
                Some(a) => Err(TypeError::NotACurrency(a.to_string())),
                None => Err(TypeError::MoneyWithoutCurrency),
            },
            "duration" => match arg {
                Some(a) => {
                    DurationUnit::parse(a).map(ColType::Duration).ok_or(TypeError::NotADurationUnit(a.to_string()))
                }
                None => Err(TypeError::DurationWithoutUnit),
            },
            _ => Err(TypeError::Unknown(name.to_string())),
        }
    }

    pub fn is_temporal(&self) -> bool {
        matches!(self, ColType::Date | ColType::Datetime)
    }

    /// The unit of a value read from this column, for numeric columns.
    pub fn unit(&self) -> Option<Unit> {
        Some(match self {
            ColType::Int | ColType::Float | ColType::Decimal => Unit::Number,
            ColType::Percent => Unit::Ratio,
            ColType::Money(c) => Unit::Money(c.clone()),
            ColType::Duration(_) => Unit::Duration,
            _ => return None,
        })
    }
}

/// Why a column type does not parse.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeError {
    NoArgument { name: String, arg: String },
    NotACurrency(String),
    MoneyWithoutCurrency,
    NotADurationUnit(String),
    DurationWithoutUnit,
    Unknown(String),
}

impl fmt::Display for TypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeError::NoArgument { name, arg } => write!(f, "`{name}` takes no argument, found `{arg}`"),
            TypeError::NotACurrency(a) => write!(f, "`{a}` is not a currency code"),
            TypeError::MoneyWithoutCurrency => f.write_str("`money` needs a currency: `money(RUB)`"),
            TypeError::NotADurationUnit(a) => write!(f, "`{a}` is not a duration unit"),
            TypeError::DurationWithoutUnit => f.write_str("`duration` needs a unit: `duration(days)`"),
            TypeError::Unknown(name) => write!(f, "`{name}` is not a column type"),
        }
    }
}

impl fmt::Display for ColType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ColType::Int => f.write_str("int"),
            ColType::Float => f.write_str("float"),
            ColType::Decimal => f.write_str("decimal"),
            ColType::Text => f.write_str("text"),
            ColType::Bool => f.write_str("bool"),
            ColType::Date => f.write_str("date"),
            ColType::Datetime => f.write_str("datetime"),
            ColType::Duration(u) => write!(f, "duration({})", u.word(true)),
            ColType::Percent => f.write_str("percent"),
            ColType::Money(c) => write!(f, "money({c})"),
        }
    }
}

/// What a metric's value measures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A number of rows or distinct values.
    Count,
    /// A plain number (units sold, a score).
    Number,
    /// A fraction: 0.25 is 25 %.
    Ratio,
    Money(String),
    /// Seconds.
    Duration,
    /// A bare constant in an expression: takes the unit of what it meets.
    Scalar,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unit::Count => f.write_str("a count"),
            Unit::Number => f.write_str("a number"),
            Unit::Ratio => f.write_str("a ratio"),
            Unit::Money(c) => write!(f, "money in {c}"),
            Unit::Duration => f.write_str("a duration"),
            Unit::Scalar => f.write_str("a constant"),
        }
    }
}

/// Why a number written with a unit is not a quantity of another unit.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitMisfit {
    /// `3` where a duration is meant: which unit?
    NoDurationUnit { value: f64 },
    /// `40` for a ratio would be 4000 %.
    RatioAsNumber { value: f64 },
    /// A percentage for money, an amount for a count, and so on.
    Written { written: UnitLit, unit: Unit },
}

impl Unit {
    pub fn of_literal(unit: &UnitLit) -> Unit {
        match unit {
            UnitLit::None => Unit::Scalar,
            UnitLit::Percent => Unit::Ratio,
            UnitLit::Currency(c) => Unit::Money(c.clone()),
            UnitLit::Duration(_) => Unit::Duration,
        }
    }

    /// Whether `value`, written with `lit`, is a quantity of this unit: the
    /// one check behind targets, expected values, cascade amounts and filter
    /// literals. A bare number fits any unit but a duration (which needs its
    /// unit) and a ratio above 1 in size (`40` is not 40 %); a unit fits its
    /// own kind. A [`Unit::Scalar`] is a metric that did not check, whose own
    /// error says why, so anything fits it.
    pub fn accepts(&self, lit: &UnitLit, value: f64) -> Result<(), UnitMisfit> {
        match (lit, self) {
            (_, Unit::Scalar) => Ok(()),
            (UnitLit::None, Unit::Duration) => Err(UnitMisfit::NoDurationUnit { value }),
            (UnitLit::None, Unit::Ratio) if value.abs() > 1.0 => Err(UnitMisfit::RatioAsNumber { value }),
            (UnitLit::None, _) | (UnitLit::Percent, Unit::Ratio) | (UnitLit::Duration(_), Unit::Duration) => Ok(()),
            (UnitLit::Currency(c), Unit::Money(m)) if c == m => Ok(()),
            (written, unit) => Err(UnitMisfit::Written { written: written.clone(), unit: unit.clone() }),
        }
    }

    fn is_plain(&self) -> bool {
        matches!(self, Unit::Count | Unit::Number | Unit::Scalar)
    }

    /// The unit of `lhs op rhs`, or why there is none.
    pub fn combine(op: BinOp, lhs: &Unit, rhs: &Unit) -> Result<Unit, UnitError> {
        use Unit::*;
        match op {
            BinOp::Add | BinOp::Sub => match (lhs, rhs) {
                (a, Scalar) => Ok(a.clone()),
                (Scalar, b) => Ok(b.clone()),
                (a, b) if a == b => Ok(a.clone()),
                (a, b) if a.is_plain() && b.is_plain() => Ok(Number),
                (Money(a), Money(b)) => Err(UnitError::AddCurrencies(a.clone(), b.clone())),
                (a, b) => Err(UnitError::AddUnits { op, lhs: a.clone(), rhs: b.clone() }),
            },
            BinOp::Mul => match (lhs, rhs) {
                (a, Scalar | Ratio) => Ok(a.clone()),
                (Scalar | Ratio, b) => Ok(b.clone()),
                (Money(_), Money(_)) => Err(UnitError::MoneyTimesMoney),
                (Duration, Duration) => Err(UnitError::DurationTimesDuration),
                (Money(_), Duration) | (Duration, Money(_)) => Err(UnitError::MoneyTimesDuration),
                (m @ (Money(_) | Duration), _) | (_, m @ (Money(_) | Duration)) => Ok(m.clone()),
                _ => Ok(Number),
            },
            BinOp::Div => match (lhs, rhs) {
                (Money(a), Money(b)) if a != b => Err(UnitError::DivideCurrencies(a.clone(), b.clone())),
                (a, b) if a == b && *a != Scalar => Ok(Ratio),
                (Count | Number, Count | Number) => Ok(Ratio),
                (a, Scalar | Ratio | Count | Number) => Ok(a.clone()),
                _ => Ok(Number),
            },
        }
    }
}

/// Why two units do not combine.
#[derive(Debug, Clone, PartialEq)]
pub enum UnitError {
    AddCurrencies(String, String),
    AddUnits { op: BinOp, lhs: Unit, rhs: Unit },
    MoneyTimesMoney,
    DurationTimesDuration,
    MoneyTimesDuration,
    DivideCurrencies(String, String),
}

impl fmt::Display for UnitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnitError::AddCurrencies(a, b) => write!(f, "cannot add {a} and {b}: convert one currency first"),
            UnitError::AddUnits { op, lhs, rhs } => write!(f, "cannot {} {rhs} {} {lhs}", verb(*op), prep(*op)),
            UnitError::MoneyTimesMoney => f.write_str("cannot multiply money by money"),
            UnitError::DurationTimesDuration => f.write_str("cannot multiply a duration by a duration"),
            UnitError::MoneyTimesDuration => f.write_str("cannot multiply money by a duration"),
            UnitError::DivideCurrencies(a, b) => write!(f, "cannot divide {a} by {b}: convert one currency first"),
        }
    }
}

fn verb(op: BinOp) -> &'static str {
    if op == BinOp::Add {
        "add"
    } else {
        "subtract"
    }
}

fn prep(op: BinOp) -> &'static str {
    if op == BinOp::Add {
        "to"
    } else {
        "from"
    }
}

/// Whether a metric can be summed across entities: a department's revenue is the
/// sum of its managers' revenues, its average check is not the sum of theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Additivity {
    Additive,
    NonAdditive,
}

impl Additivity {
    pub fn of_aggregate(func: AggFn) -> Additivity {
        match func {
            AggFn::Count | AggFn::Sum => Additivity::Additive,
            _ => Additivity::NonAdditive,
        }
    }

    /// Additivity of `lhs op rhs`; `*_const` says whether a side is a constant.
    pub fn combine(op: BinOp, lhs: (Additivity, bool), rhs: (Additivity, bool)) -> Additivity {
        use Additivity::*;
        match op {
            BinOp::Add | BinOp::Sub if lhs.0 == Additive && rhs.0 == Additive && !lhs.1 && !rhs.1 => Additive,
            BinOp::Mul if (lhs.1 && rhs.0 == Additive) || (rhs.1 && lhs.0 == Additive) => Additive,
            BinOp::Div if rhs.1 && lhs.0 == Additive => Additive,
            _ => NonAdditive,
        }
    }
}

/// The unit of an aggregate over a column of type `ty`, or why it does not apply.
pub fn aggregate_unit(func: AggFn, ty: Option<&ColType>) -> Result<Unit, AggregateError> {
    match (func, ty) {
        (AggFn::Count | AggFn::CountDistinct, _) => Ok(Unit::Count),
        (_, None) => Err(AggregateError::NeedsColumn(func)),
        (AggFn::Sum, Some(ColType::Percent)) => Err(AggregateError::SumOfPercents),
        (_, Some(t)) => t.unit().ok_or_else(|| AggregateError::NotNumeric(func, t.clone())),
    }
}

/// Why an aggregate does not apply to a column.
#[derive(Debug, Clone, PartialEq)]
pub enum AggregateError {
    NeedsColumn(AggFn),
    SumOfPercents,
    NotNumeric(AggFn, ColType),
}

impl fmt::Display for AggregateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AggregateError::NeedsColumn(func) => write!(f, "`{}` needs a column, not a whole source", func.as_str()),
            AggregateError::SumOfPercents => f.write_str("percentages do not add up; use `avg` or a ratio of sums"),
            AggregateError::NotNumeric(func, t) => write!(f, "cannot take `{}` of a {t} column", func.as_str()),
        }
    }
}

/// How a planning table's numbers become values in the metric's unit, as the
/// table's `in UNIT` says (durations in seconds, percents as fractions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableScale {
    /// Counts, numbers, fractions and amounts in the metric's currency.
    AsWritten,
    /// Percentage points: 12.5 is 0.125.
    Percent,
    /// A number of these units, read as seconds.
    Duration(DurationUnit),
}

impl TableScale {
    /// A number from the table in the metric's unit, converted as a source
    /// column of the same unit is (one rounding).
    pub fn apply(self, x: f64) -> f64 {
        match self {
            TableScale::AsWritten => x,
            TableScale::Percent => x / 100.0,
            TableScale::Duration(u) => x * u.seconds(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rub() -> Unit {
        Unit::Money("RUB".into())
    }

    #[test]
    fn money_per_count_is_money_and_count_per_count_is_ratio() {
        assert_eq!(Unit::combine(BinOp::Div, &rub(), &Unit::Count), Ok(rub()));
        assert_eq!(Unit::combine(BinOp::Div, &Unit::Count, &Unit::Count), Ok(Unit::Ratio));
        assert_eq!(Unit::combine(BinOp::Div, &rub(), &rub()), Ok(Unit::Ratio));
    }

    #[test]
    fn currencies_do_not_mix() {
        let usd = Unit::Money("USD".into());
        assert!(Unit::combine(BinOp::Add, &rub(), &usd).is_err());
        assert!(Unit::combine(BinOp::Div, &rub(), &usd).is_err());
        assert!(Unit::combine(BinOp::Add, &rub(), &Unit::Count).is_err());
        assert!(Unit::combine(BinOp::Mul, &rub(), &rub()).is_err());
    }

    #[test]
    fn ratios_and_averages_are_not_additive() {
        use Additivity::*;
        assert_eq!(Additivity::combine(BinOp::Div, (Additive, false), (Additive, false)), NonAdditive);
        assert_eq!(Additivity::combine(BinOp::Add, (Additive, false), (Additive, false)), Additive);
        assert_eq!(Additivity::combine(BinOp::Mul, (Additive, false), (Additive, true)), Additive);
        assert_eq!(Additivity::of_aggregate(AggFn::CountDistinct), NonAdditive);
    }

    #[test]
    fn what_fits_a_unit() {
        let rub = || UnitLit::Currency("RUB".into());
        let days = UnitLit::Duration(DurationUnit::Day);
        assert_eq!(Unit::Count.accepts(&UnitLit::None, 3000.0), Ok(()));
        assert_eq!(Unit::Money("RUB".into()).accepts(&rub(), 5.0), Ok(()));
        assert_eq!(Unit::Ratio.accepts(&UnitLit::Percent, 40.0), Ok(()));
        assert_eq!(Unit::Ratio.accepts(&UnitLit::None, 0.4), Ok(()));
        assert_eq!(Unit::Ratio.accepts(&UnitLit::None, 40.0), Err(UnitMisfit::RatioAsNumber { value: 40.0 }));
        assert_eq!(Unit::Duration.accepts(&days, 3.0), Ok(()));
        assert_eq!(Unit::Duration.accepts(&UnitLit::None, 3.0), Err(UnitMisfit::NoDurationUnit { value: 3.0 }));
        assert_eq!(
            Unit::Money("EUR".into()).accepts(&rub(), 5.0),
            Err(UnitMisfit::Written { written: rub(), unit: Unit::Money("EUR".into()) })
        );
        assert!(Unit::Count.accepts(&UnitLit::Percent, 5.0).is_err());
        assert_eq!(Unit::Scalar.accepts(&days, 1.0), Ok(()));
        assert_eq!(rub().to_string(), "an amount in RUB");
    }
}
