//! The checked, resolved model: every name is an id, every expression is typed.
//! This is what the compiler lowers to plans. Spans are kept for run-time errors
//! but left out of dumps, which stay readable and stable.

use crate::span::Span;
use crate::vocab::*;
use crate::vocab::{Additivity, ColType, Unit};
use crate::vocab::{
    AggFn, BinOp, CmpOp, Direction, Field, Grain, MissingRule, PayoutRange, PayoutValue, RelOp, Status,
};
use chrono::NaiveDate;
use serde::Serialize;
use std::path::PathBuf;

macro_rules! id {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub struct $name(pub usize);
    )*};
}
id!(SourceId, FilterId, MetricId, KpiId);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ColumnId {
    pub source: SourceId,
    pub index: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    pub sources: Vec<SourceDef>,
    pub filters: Vec<FilterDef>,
    pub metrics: Vec<MetricDef>,
    pub kpis: Vec<KpiDef>,
    pub scorecards: Vec<ScorecardDef>,
    pub cascades: Vec<CascadeDef>,
    pub tests: Vec<TestDef>,
}

/// The walk behind [`Model::files`] and [`Model::files_mut`], written once and
/// expanded for shared and for mutable borrows, so the two cannot disagree.
macro_rules! walk_files {
    ($model:expr, $iter:ident, $deref:ident $(, $m:tt)?) => {{
        let model = $model;
        let mut out = Vec::new();
        for s in model.sources.$iter() {
            if let SourceLocation::File { resolved, .. } = & $($m)? s.location {
                out.push((resolved, s.path_span, FileKind::Data));
            }
        }
        for k in model.kpis.$iter() {
            for t in k.targets.$iter() {
                if let TargetSpec::Table { resolved, .. } = & $($m)? t.spec {
                    out.push((resolved, t.span, FileKind::TargetTable));
                }
            }
        }
        for c in model.scorecards.$iter() {
            if let Some(BaseDef::Table { resolved, span, .. }) = & $($m)? c.base {
                out.push((resolved, *span, FileKind::BonusBases));
            }
        }
        for c in model.cascades.$iter() {
            let span = c.span;
            if let CascadeBody::Levels(level) = & $($m)? c.body {
                let mut levels = vec![level];
                while let Some(level) = levels.pop() {
                    if let Some(org) = & $($m)? level.org {
                        out.push((org, span, FileKind::OrgChart));
                    }
                    if let Allocation::Shares(entries) | Allocation::Amounts(entries) = & $($m)? level.allocation {
                        levels.extend(entries.$iter().filter_map(|e| e.then.$deref()));
                    }
                    levels.extend(level.then.$deref());
                }
            }
        }
        for t in model.tests.$iter() {
            for d in t.data.$iter() {
                if let TestRows::File { resolved, .. } = & $($m)? d.rows {
                    out.push((resolved, d.span, FileKind::TestFixture));
                }
            }
        }
        out
    }};
}

impl Model {
    pub fn source(&self, id: SourceId) -> &SourceDef {
        &self.sources[id.0]
    }

    pub fn column(&self, id: ColumnId) -> &ColumnDef {
        &self.sources[id.source.0].columns[id.index]
    }

    pub fn filter(&self, id: FilterId) -> &FilterDef {
        &self.filters[id.0]
    }

    pub fn metric(&self, id: MetricId) -> &MetricDef {
        &self.metrics[id.0]
    }

    pub fn kpi(&self, id: KpiId) -> &KpiDef {
        &self.kpis[id.0]
    }

    pub fn kpi_by_name(&self, name: &str) -> Option<KpiId> {
        self.kpis.iter().position(|k| k.name == name).map(KpiId)
    }

    /// Every file the model names, where it names it and what it is: data
    /// files, planning tables and test fixtures. The one walk the project's
    /// sandbox checks and `kpic diff --base` pins, so that a new kind of file
    /// cannot be read unchecked.
    pub fn files(&self) -> Vec<(&PathBuf, Span, FileKind)> {
        walk_files!(self, iter, as_deref)
    }

    /// [`Model::files`], to rewrite the paths (`kpic diff --base`).
    pub fn files_mut(&mut self) -> Vec<(&mut PathBuf, Span, FileKind)> {
        walk_files!(self, iter_mut, as_deref_mut, mut)
    }
}

/// What a file a spec names holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Data,
    TargetTable,
    BonusBases,
    OrgChart,
    TestFixture,
}

impl FileKind {
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Data => "data file",
            FileKind::TargetTable => "target table",
            FileKind::BonusBases => "bonus base table",
            FileKind::OrgChart => "org chart",
            FileKind::TestFixture => "test fixture",
        }
    }

    /// A planning table: part of the spec, versioned with it.
    pub fn is_planning_table(self) -> bool {
        matches!(self, FileKind::TargetTable | FileKind::BonusBases | FileKind::OrgChart)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceDef {
    pub name: String,
    pub location: SourceLocation,
    pub columns: Vec<ColumnDef>,
    pub time_column: usize,
    #[serde(skip)]
    pub span: Span,
    /// The source's name, where messages about the source point.
    #[serde(skip)]
    pub name_span: Span,
    /// The quoted path or table, where messages about the data point.
    #[serde(skip)]
    pub path_span: Span,
}

/// Where a source's rows are.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceLocation {
    File {
        /// The path as written in the spec.
        path: String,
        /// The path resolved against the directory of the spec that declares it.
        resolved: PathBuf,
        format: FileFormat,
    },
    /// A table in a warehouse, through a connection `kpic.toml` declares.
    Table { table: TablePath, connection: Connection },
}

impl SourceDef {
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnDef {
    pub name: String,
    pub ty: ColType,
    /// strftime format for date and datetime columns.
    pub format: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct FilterDef {
    pub name: String,
    /// The source whose rows it selects; none for a constant filter.
    pub source: Option<SourceId>,
    pub pred: Pred,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Pred {
    pub kind: PredKind,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PredKind {
    And(Box<Pred>, Box<Pred>),
    Or(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
    Compare { lhs: Operand, op: CmpOp, rhs: Operand },
    InList { column: ColumnId, negated: bool, items: Vec<Constant> },
    InRange { column: ColumnId, negated: bool, low: Constant, high: Constant },
    IsNull { column: ColumnId, negated: bool },
    Const(bool),
    Filter(FilterId),
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    Column(ColumnId),
    #[serde(rename = "value")]
    Constant(Constant),
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricDef {
    pub name: String,
    pub label: Option<String>,
    pub expr: Expr,
    pub unit: Unit,
    pub additivity: Additivity,
    /// Every source the metric reads, through the metrics it uses.
    pub sources: Vec<SourceId>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExprKind {
    Aggregate(Aggregate),
    Metric(MetricId),
    Const(f64),
    Binary { op: BinOp, lhs: Box<Expr>, rhs: Box<Expr> },
    Neg(Box<Expr>),
    Offset { expr: Box<Expr>, periods: u32, grain: Grain },
    Change(Box<Expr>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    pub func: AggFn,
    pub source: SourceId,
    pub column: Option<ColumnId>,
    pub filter: Option<Pred>,
    /// The rank of a percentile, 0..=1.
    pub param: Option<f64>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct KpiDef {
    pub name: String,
    pub label: Option<String>,
    /// The metric expression: a reference to a named metric or an inline one.
    pub expr: Expr,
    pub unit: Unit,
    pub additivity: Additivity,
    /// A share: a count over a count of rows that include the counted ones,
    /// so never above 100 % (a target above it cannot be met).
    pub share: bool,
    pub sources: Vec<SourceId>,
    pub grain: Grain,
    pub by: Vec<String>,
    /// Ordered by `since`; the first has none.
    pub targets: Vec<TargetDef>,
    pub warn: Option<Warn>,
    pub owner: Option<String>,
    pub description: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

impl KpiDef {
    /// The one fixed target, when the KPI has exactly one.
    pub fn fixed_target(&self) -> Option<(Direction, f64)> {
        match self.targets.as_slice() {
            [TargetDef { spec: TargetSpec::Fixed { direction, value }, .. }] => Some((*direction, *value)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetDef {
    pub spec: TargetSpec,
    /// First day from which this target applies.
    pub since: Option<NaiveDate>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetSpec {
    Fixed {
        direction: Direction,
        value: f64,
    },
    /// The previous period's actual, adjusted.
    Previous {
        direction: Direction,
        adjust: Option<(RelOp, f64)>,
    },
    Between {
        low: f64,
        high: f64,
    },
    Table {
        direction: Direction,
        path: String,
        resolved: PathBuf,
        column: String,
        /// What the table's numbers are in.
        scale: TableScale,
    },
}

/// The at-risk band below a target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Warn {
    /// A fraction of the target: 0.1 is "within 10 %".
    Relative(f64),
    /// In the metric's unit.
    Absolute(f64),
}

#[derive(Debug, Clone, Serialize)]
pub struct ScorecardDef {
    pub name: String,
    pub by: String,
    pub grain: Grain,
    pub entries: Vec<ScorecardEntry>,
    /// Attainment cap as a fraction (1.2 = 120 %).
    pub cap: Option<f64>,
    pub missing: MissingRule,
    pub gates: Vec<KpiId>,
    pub base: Option<BaseDef>,
    pub payout: Vec<PayoutRule>,
    #[serde(skip)]
    pub span: Span,
}

/// One range of a payout curve and its coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PayoutRule {
    pub range: PayoutRange,
    pub value: PayoutValue,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScorecardEntry {
    pub kpi: KpiId,
    /// Fraction of the score (0.4 = 40 %).
    pub weight: f64,
}

/// A bonus base: money, in a currency.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseDef {
    Amount {
        value: f64,
        currency: String,
    },
    Table {
        path: String,
        resolved: PathBuf,
        currency: String,
        /// The quoted path, where problems with the table point.
        #[serde(skip)]
        span: Span,
    },
}

impl BaseDef {
    pub fn currency(&self) -> &str {
        match self {
            BaseDef::Amount { currency, .. } | BaseDef::Table { currency, .. } => currency,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CascadeDef {
    pub kpi: KpiId,
    pub body: CascadeBody,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CascadeBody {
    Levels(Level),
    Driver { kpi: KpiId, rate: f64 },
}

#[derive(Debug, Clone, Serialize)]
pub struct Level {
    pub dimension: String,
    /// The org chart file placing each child under its parent, resolved.
    pub org: Option<PathBuf>,
    pub allocation: Allocation,
    pub then: Option<Box<Level>>,
}

impl Level {
    /// Every org chart of this level and the levels under it.
    pub fn org_charts(&self) -> Vec<&std::path::Path> {
        let mut out: Vec<&std::path::Path> = self.org.iter().map(|p| p.as_path()).collect();
        for next in self.nexts() {
            out.extend(next.org_charts());
        }
        out
    }

    /// The levels right under this one: after the level, and after each entry.
    pub fn nexts(&self) -> Vec<&Level> {
        let mut out: Vec<&Level> = self.then.as_deref().into_iter().collect();
        if let Allocation::Shares(entries) | Allocation::Amounts(entries) = &self.allocation {
            out.extend(entries.iter().filter_map(|e| e.then.as_deref()));
        }
        out
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    Inherit,
    Evenly,
    Proportional { start: NaiveDate, grain: Grain },
    Shares(Vec<Entry>),
    Amounts(Vec<Entry>),
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub entity: String,
    /// A fraction for shares, an amount in the KPI's unit for amounts.
    pub value: f64,
    pub then: Option<Box<Level>>,
}

/// A golden test: fixture rows per source, and the results they must give.
#[derive(Debug, Clone, Serialize)]
pub struct TestDef {
    pub name: String,
    pub label: Option<String>,
    pub data: Vec<TestDataDef>,
    pub expects: Vec<ExpectDef>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestDataDef {
    pub source: SourceId,
    pub rows: TestRows,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestRows {
    /// A fixture file, resolved against the spec that declares the test.
    File { path: String, resolved: PathBuf, format: FileFormat },
    /// Rows written in the spec. Values are as a data file holds them: percent
    /// columns in percentage points, durations in the column's unit; `None` is
    /// null. `columns` are indexes into the source's columns, one per value.
    Inline { columns: Vec<usize>, rows: Vec<Vec<Option<Constant>>> },
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpectDef {
    pub subject: Subject,
    pub grain: Grain,
    /// First day of the expected period.
    pub period: NaiveDate,
    /// The expectation as written, for messages.
    pub text: String,
    pub checks: Vec<CheckDef>,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A KPI row: one entity value per `by` dimension.
    Kpi { kpi: KpiId, entity: Vec<String> },
    /// A scorecard row; `card` indexes `Model::scorecards`.
    Scorecard { card: usize, entity: String },
    /// A cascade node: the values of the levels from the top down (none: the top).
    Cascade { kpi: KpiId, path: Vec<String> },
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckDef {
    pub field: Field,
    pub expected: ExpectedValue,
    /// The value as written (`66.7%`).
    pub text: String,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectedValue {
    /// In the result's unit (fractions for percents, seconds for durations),
    /// matched within half a unit of the last digit written.
    Number {
        value: f64,
        tolerance: f64,
    },
    Null,
    Status(Status),
}
