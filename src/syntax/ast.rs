//! The syntax tree: what the user wrote, every node with its span. Names are still
//! strings here; `sema` resolves them to ids.

use crate::span::{FileId, Span};
use crate::vocab::*;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Module {
    pub file: FileId,
    pub decls: Vec<Decl>,
    /// Names of declarations that did not parse: the checker stays silent about
    /// references to them, since the syntax error already explains the problem.
    pub broken: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
// Declarations are built once each; boxing the large ones buys nothing measurable.
#[allow(clippy::large_enum_variant)]
pub enum Decl {
    Import(Import),
    Source(Source),
    Filter(FilterDecl),
    Metric(MetricDecl),
    Kpi(Kpi),
    Scorecard(Scorecard),
    Cascade(Cascade),
    Test(TestDecl),
}

impl Decl {
    pub fn span(&self) -> Span {
        match self {
            Decl::Import(d) => d.span,
            Decl::Source(d) => d.span,
            Decl::Filter(d) => d.span,
            Decl::Metric(d) => d.span,
            Decl::Kpi(d) => d.span,
            Decl::Scorecard(d) => d.span,
            Decl::Cascade(d) => d.span,
            Decl::Test(d) => d.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Import {
    pub path: StrLit,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    pub name: Ident,
    #[serde(flatten)]
    pub from: SourceFrom,
    pub columns: Vec<Column>,
    pub span: Span,
}

/// Where a source's rows are: a file, or a table in a warehouse.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFrom {
    /// `from "data/orders.csv"`
    #[serde(rename = "path")]
    File(StrLit),
    /// `from table "sales.orders" in dwh`
    Table { table: StrLit, connection: Option<Ident> },
}

impl SourceFrom {
    /// The quoted path or table name, where messages about the data point.
    pub fn span(&self) -> Span {
        match self {
            SourceFrom::File(p) => p.span,
            SourceFrom::Table { table, .. } => table.span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub name: Ident,
    pub is_time: bool,
    pub ty: TypeExpr,
    pub format: Option<StrLit>,
    pub span: Span,
}

/// `int`, `money(RUB)`, `duration(days)`: the type name and its optional argument.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeExpr {
    pub name: Ident,
    pub arg: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterDecl {
    pub name: Ident,
    pub pred: Pred,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pred {
    pub kind: PredKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PredKind {
    Or(Box<Pred>, Box<Pred>),
    And(Box<Pred>, Box<Pred>),
    Not(Box<Pred>),
    /// Parentheses are kept so that the formatter writes back what the user grouped.
    Paren(Box<Pred>),
    Compare {
        lhs: Operand,
        op: CmpOp,
        rhs: Operand,
    },
    InList {
        column: ColumnRef,
        negated: bool,
        items: Vec<Literal>,
    },
    InRange {
        column: ColumnRef,
        negated: bool,
        low: Literal,
        high: Literal,
    },
    IsNull {
        column: ColumnRef,
        negated: bool,
    },
    Bool(bool),
    FilterRef(Ident),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    Column(ColumnRef),
    Literal(Literal),
}

impl Operand {
    pub fn span(&self) -> Span {
        match self {
            Operand::Column(c) => c.span,
            Operand::Literal(l) => l.span,
        }
    }
}

/// `orders.amount`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnRef {
    pub source: Ident,
    pub column: Ident,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Literal {
    pub kind: LitKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LitKind {
    Quantity(Quantity),
    Str(String),
    Date(chrono::NaiveDate),
    DateTime(chrono::NaiveDateTime),
    Bool(bool),
}

/// A number with an optional unit: `3000`, `2_000_000 RUB`, `40%`, `3 days`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    /// The value as written: `40%` has value 40.
    pub value: f64,
    pub unit: UnitLit,
    pub span: Span,
}

impl Quantity {
    /// The value in the unit's base: `40%` is 0.4, `2 days` is 172800 seconds.
    pub fn base_value(&self) -> f64 {
        match self.unit {
            UnitLit::Percent => self.value / 100.0,
            UnitLit::Duration(d) => self.value * d.seconds(),
            UnitLit::None | UnitLit::Currency(_) => self.value,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricDecl {
    pub name: Ident,
    pub label: Option<StrLit>,
    pub expr: Expr,
    pub filter: Option<Pred>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(clippy::large_enum_variant)]
pub enum ExprKind {
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Neg(Box<Expr>),
    Paren(Box<Expr>),
    Quantity(Quantity),
    Aggregate(Aggregate),
    MetricRef(Ident),
    /// `revenue[-1 month]`
    Offset {
        expr: Box<Expr>,
        periods: u32,
        grain: Grain,
    },
    /// `change(revenue)`: this period minus the previous one.
    Change(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Aggregate {
    pub func: AggFn,
    pub func_span: Span,
    pub arg: AggArg,
    /// `count(orders where paid)`
    pub filter: Option<Pred>,
    /// The rank of `percentile(x, 0.9)`.
    pub param: Option<(f64, Span)>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AggArg {
    Source(Ident),
    Column(ColumnRef),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    pub name: Ident,
    pub label: Option<StrLit>,
    pub metric: Option<KpiMetric>,
    pub grain: Option<(Grain, Span)>,
    pub by: Vec<Ident>,
    pub targets: Vec<Target>,
    pub warn: Option<Quantity>,
    pub owner: Option<StrLit>,
    pub description: Option<StrLit>,
    pub span: Span,
}

impl Kpi {
    /// A KPI with its name and label and no clause yet.
    pub fn new(name: Ident, label: Option<StrLit>, span: Span) -> Kpi {
        Kpi {
            name,
            label,
            metric: None,
            grain: None,
            by: Vec::new(),
            targets: Vec::new(),
            warn: None,
            owner: None,
            description: None,
            span,
        }
    }
}

/// `metric paid_revenue` or an inline `metric sum(orders.amount) where paid`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiMetric {
    pub expr: Expr,
    pub filter: Option<Pred>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Target {
    pub kind: TargetKind,
    pub since: Option<PeriodLit>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    Fixed { direction: Direction, value: Quantity },
    Previous { direction: Direction, adjust: Option<(RelOp, Quantity)> },
    Between { low: Quantity, high: Quantity },
    Table { direction: Direction, path: StrLit, column: Option<StrLit>, unit: Option<TableUnit> },
}

/// `in minutes`, `in percent`, `in fraction`, `in RUB`: what a table's numbers
/// are in, as a literal's unit says what it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableUnit {
    pub kind: TableUnitKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableUnitKind {
    /// Percentage points: 12.5 is 12.5 %.
    Percent,
    /// Fractions: 0.125 is 12.5 %.
    Fraction,
    Currency(String),
    Duration(DurationUnit),
}

impl TableUnitKind {
    /// As written after `in`.
    pub fn word(&self) -> String {
        match self {
            TableUnitKind::Percent => "percent".into(),
            TableUnitKind::Fraction => "fraction".into(),
            TableUnitKind::Currency(c) => c.clone(),
            TableUnitKind::Duration(d) => d.word(true).into(),
        }
    }
}

/// A named period: `2025`, `2025-Q1`, `2025-03`, `2025-W07`, `2025-03-14`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodLit {
    pub grain: Grain,
    /// The first day of the period.
    pub start: chrono::NaiveDate,
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scorecard {
    pub name: Ident,
    pub by: Ident,
    pub grain: (Grain, Span),
    pub weights: Vec<Weight>,
    pub cap: Option<Quantity>,
    pub missing: Option<(MissingRule, Span)>,
    pub gates: Vec<Ident>,
    pub base: Option<Base>,
    pub payout: Option<Payout>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Weight {
    pub kpi: Ident,
    pub weight: Quantity,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    Amount(Quantity),
    Table(StrLit, Option<TableUnit>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payout {
    pub rules: Vec<PayoutRule>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PayoutRule {
    pub range: PayoutRange,
    pub value: PayoutValue,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cascade {
    pub kpi: Ident,
    pub body: CascadeBody,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CascadeBody {
    Levels(Level),
    /// `from units_plan at 10_000 RUB`
    Driver {
        kpi: Ident,
        rate: Quantity,
    },
}

/// `by department { ... } then by manager evenly`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    pub dimension: Ident,
    /// `by manager from "org.csv"`: the org chart placing each child under its parent.
    pub org: Option<StrLit>,
    pub allocation: Allocation,
    pub then: Option<Box<Level>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Allocation {
    Inherit,
    Evenly,
    Proportional(PeriodLit),
    Explicit(Vec<AllocEntry>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AllocEntry {
    pub entity: StrLit,
    pub amount: Quantity,
    pub then: Option<Box<Level>>,
    pub span: Span,
}

/// `test NAME "label" { data ... expect ... }`: fixture data and the results it
/// must give.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestDecl {
    pub name: Ident,
    pub label: Option<StrLit>,
    pub data: Vec<TestData>,
    pub expects: Vec<Expect>,
    pub span: Span,
}

/// The rows one source has in a test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestData {
    pub source: Ident,
    pub body: TestDataBody,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TestDataBody {
    /// `from "fixtures/orders.csv"`, relative to the spec.
    File(StrLit),
    /// `(a, b) { (1, "x") (2, null) }`
    Rows { columns: Vec<Ident>, rows: Vec<TestRow> },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestRow {
    /// `None` for `null`.
    pub values: Vec<(Option<LitKind>, Span)>,
    pub span: Span,
}

/// `expect SUBJECT in PERIOD: field value, ...`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expect {
    pub subject: ExpectSubject,
    pub period: PeriodLit,
    pub checks: Vec<Check>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExpectSubject {
    /// `kpi_name [for "entity", ...]`
    Kpi { kpi: Ident, entity: Vec<StrLit> },
    /// `scorecard name for "entity"`
    Scorecard { card: Ident, entity: StrLit },
    /// `cascade kpi_name [at "Retail" / "Anna"]`
    Cascade { kpi: Ident, path: Vec<StrLit> },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub field: Field,
    pub field_span: Span,
    pub value: Expected,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    Number(Quantity),
    Null(Span),
    Status(Status, Span),
}
