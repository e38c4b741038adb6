//! The words of the language every stage shares: comparison and arithmetic
//! operators, aggregate functions, grains, target directions, scorecard rules,
//! the fields and statuses of results.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CmpOp {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Ge => ">=",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Lt => "<",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AggFn {
    Count,
    CountDistinct,
    Sum,
    Avg,
    Min,
    Max,
    Median,
    Percentile,
}

impl AggFn {
    pub fn as_str(self) -> &'static str {
        match self {
            AggFn::Count => "count",
            AggFn::CountDistinct => "count_distinct",
            AggFn::Sum => "sum",
            AggFn::Avg => "avg",
            AggFn::Min => "min",
            AggFn::Max => "max",
            AggFn::Median => "median",
            AggFn::Percentile => "percentile",
        }
    }

    pub fn parse(s: &str) -> Option<AggFn> {
        Some(match s {
            "count" => AggFn::Count,
            "count_distinct" => AggFn::CountDistinct,
            "sum" => AggFn::Sum,
            "avg" => AggFn::Avg,
            "min" => AggFn::Min,
            "max" => AggFn::Max,
            "median" => AggFn::Median,
            "percentile" => AggFn::Percentile,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grain {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl Grain {
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Day => "day",
            Grain::Week => "week",
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }

    pub fn parse(s: &str) -> Option<Grain> {
        Some(match s.trim_end_matches('s') {
            "day" => Grain::Day,
            "week" => Grain::Week,
            "month" => Grain::Month,
            "quarter" => Grain::Quarter,
            "year" => Grain::Year,
            _ => return None,
        })
    }

    /// Whether one period of `self` is a whole number of `finer` periods, so an
    /// offset in `self` can be taken on a KPI computed per `finer`.
    pub fn is_multiple_of(self, finer: Grain) -> bool {
        match (self, finer) {
            (_, Grain::Day) => true,
            (Grain::Week, Grain::Week) => true,
            (Grain::Week, _) | (_, Grain::Week) => false,
            (coarse, fine) => coarse >= fine,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// `>=`: higher is better.
    AtLeast,
    /// `<=`: lower is better.
    AtMost,
}

impl Direction {
    /// As a spec and the machine formats write it: `>=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::AtLeast => ">=",
            Direction::AtMost => "<=",
        }
    }

    /// As the human formats write it: `≥`.
    pub fn symbol(self) -> &'static str {
        match self {
            Direction::AtLeast => "≥",
            Direction::AtMost => "≤",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RelOp {
    Add,
    Sub,
    Mul,
}

/// What a scorecard does with a KPI that has no data in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingRule {
    /// Leave the KPI out and renormalise the other weights.
    Exclude,
    /// Count the KPI's attainment as zero.
    Zero,
}

/// Bounds are fractions: `80%` is 0.8.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutRange {
    Below(f64),
    Above(f64),
    Between(f64, f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayoutValue {
    Constant(f64),
    Linear(f64, f64),
}

/// What a check compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Actual,
    Target,
    Attainment,
    Status,
    Gap,
    Score,
    Payout,
    Bonus,
}

impl Field {
    pub fn parse(s: &str) -> Option<Field> {
        Some(match s {
            "actual" => Field::Actual,
            "target" => Field::Target,
            "attainment" => Field::Attainment,
            "status" => Field::Status,
            "gap" => Field::Gap,
            "score" => Field::Score,
            "payout" => Field::Payout,
            "bonus" => Field::Bonus,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Actual => "actual",
            Field::Target => "target",
            Field::Attainment => "attainment",
            Field::Status => "status",
            Field::Gap => "gap",
            Field::Score => "score",
            Field::Payout => "payout",
            Field::Bonus => "bonus",
        }
    }
}

/// A KPI row's status: met, at risk (inside the warning band), missed, or no
/// data (no actual or no target).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    AtRisk,
    Missed,
    NoData,
}

impl Status {
    /// As written in a spec's `expect` and in JSON: `at_risk`.
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "met" => Status::Met,
            "at_risk" => Status::AtRisk,
            "missed" => Status::Missed,
            "no_data" => Status::NoData,
            _ => return None,
        })
    }

    /// As written in a spec's `expect` and in JSON: `at_risk`.
    pub fn key(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::AtRisk => "at_risk",
            Status::Missed => "missed",
            Status::NoData => "no_data",
        }
    }

    /// As people read it (tables, Markdown, HTML, messages): `at risk`.
    /// Machine formats (JSON, CSV) write [`Status::key`].
    pub fn label(self) -> &'static str {
        match self {
            Status::Met => "met",
            Status::AtRisk => "at risk",
            Status::Missed => "missed",
            Status::NoData => "no data",
        }
    }
}
