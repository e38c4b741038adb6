//! The backend-neutral evaluation plan, lowered from the typed model.
//!
//! A plan is a set of [`AggQuery`]s (one scan of one source, grouped by period and
//! dimensions, computing every aggregate any KPI needs from it at that grouping:
//! fused, so each source is read once per grouping), the planning tables the
//! evaluation reads ([`SideTable`]: target tables, bonus bases, org charts), and,
//! per KPI, an expression over the aggregates that the evaluator computes after
//! aggregation. A backend reads everything the plan names and returns
//! [`AggTable`]s and [`TextTable`]s; the evaluator reads no file.
//!
//! The IR's types depend only on the shared vocabulary: it knows nothing of the
//! checker's model (only [`lower`] reads it), of polars or of SQL.

mod lower;
mod window;

pub use lower::{lower, scan_of, side_tables};
pub use window::narrow;

use crate::span::Span;
use crate::vocab::{AggFn, BinOp, CmpOp, ColType, Connection, Constant, FileFormat, Grain, TablePath, Unit};
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
    /// The planning tables the evaluation reads, each file once.
    pub tables: Vec<SideTable>,
}

/// A planning table: a small CSV file read as text, parsed by the evaluator.
#[derive(Debug, Clone, Serialize)]
pub struct SideTable {
    pub path: PathBuf,
    pub kind: SideKind,
    /// Where the spec names it.
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SideKind {
    Targets,
    BonusBases,
    OrgChart,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelPlan {
    /// Index into the model's cascades.
    pub cascade: usize,
    /// The cascade's dimensions down to this level.
    pub dims: Vec<String>,
    pub plan: KpiPlan,
}

/// Days, `[from, until)`; `None` is unbounded. The periods an evaluation
/// reports, and the rows a query reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Inclusive first day.
    pub from: Option<chrono::NaiveDate>,
    /// Exclusive last day.
    pub until: Option<chrono::NaiveDate>,
}

impl Window {
    /// Whether the period has a day in the window.
    pub fn contains(&self, p: crate::vocab::period::Period) -> bool {
        p.overlaps(self.from.unwrap_or(chrono::NaiveDate::MIN), self.until.unwrap_or(chrono::NaiveDate::MAX))
    }

    /// Every day.
    pub fn is_all(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }
}

/// One source and the columns the plan reads from it.
#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    /// The source's index among the spec's sources.
    pub source: usize,
    pub name: String,
    pub location: Location,
    /// Every declared column (the reader needs the declared schema); `used` marks
    /// the ones the plan reads.
    pub columns: Vec<ScanColumn>,
    pub time_column: String,
    #[serde(skip)]
    pub span: Span,
}

/// Where a scan's rows are, and so which backend reads them.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    /// A file, read by the polars backend.
    File { path: PathBuf, format: FileFormat },
    /// A table in a warehouse, queried in its engine's SQL.
    Table { table: TablePath, connection: Connection },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File { path, .. } => write!(f, "{}", path.display()),
            Location::Table { table, connection } => write!(f, "table {table} in {}", connection.name),
        }
    }
}

impl Scan {
    /// Read a file instead (`--data SOURCE=PATH`): its format follows its
    /// extension, or stays the declared one (CSV for a table source).
    pub fn read_from(&mut self, path: &std::path::Path) {
        let format = FileFormat::from_path(path).unwrap_or(match &self.location {
            Location::File { format, .. } => *format,
            Location::Table { .. } => FileFormat::Csv,
        });
        self.location = Location::File { path: path.to_path_buf(), format };
    }

    /// Read a table instead (`--table SOURCE=CONNECTION:TABLE`).
    pub fn read_table(&mut self, table: TablePath, connection: Connection) {
        self.location = Location::Table { table, connection };
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
    /// The rows the query reads: every row (`None`), or those whose time falls
    /// in one of these windows, each aligned to the query's periods (and those
    /// without a time, which a backend must report rather than drop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reads: Option<Vec<Window>>,
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

impl AggOutput {
    /// Whether every backend computes the same bits for it: counts, minima,
    /// maxima and sums of integers, money and decimals (sums of floats and
    /// percentiles depend on the order of additions).
    pub fn is_exact(&self, scan: &Scan) -> bool {
        let ty = self.column.as_ref().and_then(|c| scan.columns.iter().find(|x| &x.name == c)).map(|c| &c.ty);
        match self.func {
            AggFn::Count | AggFn::CountDistinct | AggFn::Min | AggFn::Max => true,
            AggFn::Sum | AggFn::Avg => matches!(ty, None | Some(ColType::Int | ColType::Money(_) | ColType::Decimal)),
            AggFn::Median | AggFn::Percentile => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pred {
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
    Compare { lhs: Operand, op: CmpOp, rhs: Operand },
    InList { column: String, negated: bool, items: Vec<Constant> },
    InRange { column: String, negated: bool, low: Constant, high: Constant },
    IsNull { column: String, negated: bool },
    Const(bool),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    Column(String),
    #[serde(rename = "value")]
    Constant(Constant),
}

/// A KPI: its value expression over aggregate outputs, and what to compare it with.
#[derive(Debug, Clone, Serialize)]
pub struct KpiPlan {
    /// The KPI's index among the spec's KPIs.
    pub kpi: usize,
    pub name: String,
    pub grain: Grain,
    pub keys: Vec<String>,
    pub unit: Unit,
    pub value: KpiExpr,
    /// Indexes into `Plan::queries` whose rows define the KPI's periods and entities.
    pub queries: Vec<usize>,
}

/// A KPI's value per period and entity, computed after aggregation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiExpr {
    /// An aggregate output: query index and alias.
    Agg {
        query: usize,
        alias: String,
    },
    Const(f64),
    Binary {
        op: BinOp,
        lhs: Box<KpiExpr>,
        rhs: Box<KpiExpr>,
        #[serde(skip)]
        span: Span,
    },
    Neg(Box<KpiExpr>),
    /// The value `periods` periods of `grain` earlier.
    Offset {
        value: Box<KpiExpr>,
        periods: u32,
        grain: Grain,
    },
    /// This period minus the previous one.
    Change(Box<KpiExpr>),
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

/// A planning table after a backend read it: every column as text, `None`
/// for an empty cell, and the line of the file each data row starts on.
#[derive(Debug, Clone, Default)]
pub struct TextTable {
    pub columns: std::collections::HashMap<String, Vec<Option<String>>>,
    pub lines: Vec<usize>,
}

impl TextTable {
    pub fn column(&self, name: &str) -> Option<&[Option<String>]> {
        self.columns.get(name).map(Vec::as_slice)
    }

    pub fn rows(&self) -> usize {
        self.lines.len()
    }
}

/// Why a planning table could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum TableProblem {
    /// The file cannot be opened (the system's reason).
    Open(String),
    Directory,
    Empty,
    /// A line that is not CSV as RFC 4180 says, or not UTF-8.
    Malformed {
        line: usize,
        what: String,
    },
    /// A column name twice in the header.
    DuplicateColumn(String),
}

/// What a backend returns for a plan: each query's table, and each planning
/// table's text (aligned with [`Plan::tables`]).
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub aggregates: Vec<AggTable>,
    pub tables: Vec<Result<TextTable, TableProblem>>,
}
