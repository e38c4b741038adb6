//! The backend-neutral evaluation plan, lowered from the typed model.
//!
//! A plan is a set of [`AggQuery`]s (one scan of one source, grouped by period and
//! dimensions, computing every aggregate any KPI needs from it at that grouping:
//! fused, so each source is read once per grouping) and, per KPI, an expression
//! over those aggregates that the evaluator computes after aggregation. The IR
//! knows nothing of polars; `backend::polars` turns each query into a LazyFrame.

mod lower;

pub use lower::lower;

use crate::sema::model::SourceId;
use crate::span::Span;
use crate::vocab::FileFormat;
use crate::vocab::{AggFn, BinOp, CmpOp, Grain};
use crate::vocab::{ColType, Unit};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub scans: Vec<Scan>,
    pub queries: Vec<AggQuery>,
    pub kpis: Vec<KpiPlan>,
    /// A cascaded KPI recomputed at each chain of levels: actuals at every level
    /// come from the data, never from summing children.
    pub levels: Vec<LevelPlan>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelPlan {
    /// Index into the model's cascades.
    pub cascade: usize,
    /// The cascade's dimensions down to this level.
    pub dims: Vec<String>,
    pub plan: KpiPlan,
}

/// One source file and the columns the plan reads from it.
#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    pub source: SourceId,
    pub name: String,
    pub path: PathBuf,
    pub format: FileFormat,
    /// Every declared column (the reader needs the declared schema); `used` marks
    /// the ones the plan reads.
    pub columns: Vec<ScanColumn>,
    pub time_column: String,
    #[serde(skip)]
    pub span: Span,
}

impl Scan {
    /// A scan of a declared source that reads only its time column so far.
    pub fn of_source(source: SourceId, def: &crate::sema::model::SourceDef) -> Scan {
        let mut columns: Vec<ScanColumn> = def
            .columns
            .iter()
            .map(|c| ScanColumn {
                name: c.name.clone(),
                ty: c.ty.clone(),
                format: c.format.clone(),
                used: false,
                span: c.span,
            })
            .collect();
        columns[def.time_column].used = true;
        Scan {
            source,
            name: def.name.clone(),
            path: def.resolved.clone(),
            format: def.format,
            columns,
            time_column: def.columns[def.time_column].name.clone(),
            span: def.path_span,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanColumn {
    pub name: String,
    pub ty: ColType,
    pub format: Option<String>,
    pub used: bool,
    #[serde(skip)]
    pub span: Span,
}

/// `SELECT period, keys.., aggs.. FROM scan GROUP BY period, keys..`
#[derive(Debug, Clone, Serialize)]
pub struct AggQuery {
    pub scan: usize,
    pub grain: Grain,
    pub keys: Vec<String>,
    pub aggs: Vec<AggOutput>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AggOutput {
    /// Output column name, unique within the query.
    pub alias: String,
    pub func: AggFn,
    pub column: Option<String>,
    pub filter: Option<Pred>,
    pub param: Option<f64>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pred {
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
    Compare { lhs: Operand, op: CmpOp, rhs: Operand },
    InList { column: String, negated: bool, items: Vec<crate::vocab::Constant> },
    InRange { column: String, negated: bool, low: crate::vocab::Constant, high: crate::vocab::Constant },
    IsNull { column: String, negated: bool },
    Const(bool),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    Column(String),
    #[serde(rename = "value")]
    Constant(crate::vocab::Constant),
}

/// A KPI: its value expression over aggregate outputs, and what to compare it with.
#[derive(Debug, Clone, Serialize)]
pub struct KpiPlan {
    pub kpi: crate::sema::model::KpiId,
    pub name: String,
    pub grain: Grain,
    pub keys: Vec<String>,
    pub unit: Unit,
    pub value: Value,
    /// Indexes into `Plan::queries` whose rows define the KPI's periods and entities.
    pub queries: Vec<usize>,
}

/// A KPI's value per period and entity, computed after aggregation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Value {
    /// An aggregate output: query index and alias.
    Agg {
        query: usize,
        alias: String,
    },
    Const(f64),
    Binary {
        op: BinOp,
        lhs: Box<Value>,
        rhs: Box<Value>,
        #[serde(skip)]
        span: Span,
    },
    Neg(Box<Value>),
    /// The value `periods` periods of `grain` earlier.
    Offset {
        value: Box<Value>,
        periods: u32,
        grain: Grain,
    },
    /// This period minus the previous one.
    Change(Box<Value>),
}

/// The rows of one [`AggQuery`] after a backend ran it.
#[derive(Debug, Clone, Default)]
pub struct AggTable {
    /// First day of each row's period.
    pub periods: Vec<chrono::NaiveDate>,
    /// Dimension values per key, per row (`None` for a null dimension).
    pub keys: Vec<Vec<Option<String>>>,
    /// Aggregate values by alias, per row.
    pub values: std::collections::HashMap<String, Vec<Option<f64>>>,
}

/// A small side table (targets, bonus bases, org charts) read as text: column
/// name to values, `None` for an empty cell.
#[derive(Debug, Clone, Default)]
pub struct TextTable {
    pub columns: std::collections::HashMap<String, Vec<Option<String>>>,
}

impl TextTable {
    pub fn column(&self, name: &str) -> Result<&[Option<String>], String> {
        self.columns.get(name).map(Vec::as_slice).ok_or_else(|| format!("no column `{name}`"))
    }

    pub fn has(&self, name: &str) -> bool {
        self.columns.contains_key(name)
    }
}
