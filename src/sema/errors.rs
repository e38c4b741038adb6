//! What the checker finds wrong, as data, and its wording, in one place: the
//! checker reports a [`SemaError`] with the names, spans and numbers of the
//! problem; [`SemaError::to_diagnostic`] says it. The codes are in
//! `diagnostics/codes.rs`, with the explanation `kpic explain` prints.

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::span::Span;
use crate::vocab::number::{format_number, format_percent};
use crate::vocab::{
    AggFn, AggregateError, ColType, Direction, DurationUnit, Engine, Grain, TablePathError, TypeError, Unit, UnitError,
    UnitMisfit,
};

/// One problem in a spec, found by the checker.
#[derive(Debug, Clone, PartialEq)]
pub enum SemaError {
    // ---------------------------------------------------------------- names
    /// A declaration whose name another of its kind already has.
    Duplicate {
        kind: &'static str,
        name: String,
        span: Span,
        first: Span,
    },
    UnknownSource {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    UnknownColumn {
        source: String,
        column: String,
        span: Span,
        source_span: Span,
        suggestion: Option<String>,
        columns: Vec<String>,
    },
    /// A `by` dimension (or cascade level) that is not a column of a source.
    NotADimension {
        code: Code,
        source: String,
        dimension: String,
        span: Span,
        source_span: Span,
        suggestion: Option<String>,
        columns: Vec<String>,
    },
    UnknownFilter {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    UnknownMetric {
        name: String,
        span: Span,
        is_kpi: bool,
        suggestion: Option<String>,
    },
    UnknownKpi {
        name: String,
        span: Span,
        is_metric: bool,
        suggestion: Option<String>,
    },

    // ---------------------------------------------------------------- sources
    UnknownFileType {
        path: String,
        span: Span,
    },
    DuplicateColumn {
        name: String,
        span: Span,
        first: Span,
    },
    UnknownType {
        why: TypeError,
        span: Span,
    },
    FormatOnNonDate {
        span: Span,
    },
    FormatOnTable {
        column: String,
        span: Span,
    },
    BadTablePath {
        why: TablePathError,
        span: Span,
    },
    /// A table source without `in NAME` in a project without a default connection.
    NoConnection {
        known: Vec<String>,
        span: Span,
    },
    UnknownConnection {
        name: String,
        known: Vec<String>,
        suggestion: Option<String>,
        span: Span,
    },
    /// An aggregate with no exact form on the engine of the source it reads.
    EngineCannotCompute {
        func: AggFn,
        source: String,
        connection: String,
        engine: Engine,
        span: Span,
    },
    NoTimeColumn {
        source: String,
        span: Span,
    },
    SecondTimeColumn {
        source: String,
        span: Span,
        first: Span,
    },
    TimeColumnNotTemporal {
        column: String,
        ty: ColType,
        span: Span,
    },

    // ---------------------------------------------------------------- filters and metrics
    /// `kind` is "filter" or "metric"; `chain` the names from the first to the repeat.
    Cycle {
        kind: &'static str,
        chain: Vec<String>,
        span: Span,
    },
    FilterOfSeveralSources {
        filter: String,
        sources: Vec<String>,
        span: Span,
    },
    ColumnsNotComparable {
        lhs: String,
        lhs_ty: ColType,
        rhs: String,
        rhs_ty: ColType,
        span: Span,
    },
    CompareConstants {
        span: Span,
    },
    BoolNotOrdered {
        op: &'static str,
        span: Span,
    },
    LiteralDoesNotFit {
        column: String,
        ty: ColType,
        written: String,
        help: Misfit,
        span: Span,
    },
    WhereFiltersNothing {
        span: Span,
    },
    UnitsDoNotCombine {
        op: &'static str,
        lhs: Unit,
        rhs: Unit,
        why: UnitError,
        span: Span,
        lhs_span: Span,
        rhs_span: Span,
    },
    BadAggregate {
        func: &'static str,
        why: AggregateError,
        span: Span,
    },
    PercentileWithoutRank {
        span: Span,
    },
    PercentileOutOfRange {
        rank: f64,
        span: Span,
    },
    UnexpectedRank {
        func: &'static str,
        span: Span,
    },
    ForeignFilter {
        filter_source: String,
        source: String,
        span: Span,
    },
    TooBig {
        kind: String,
        name: String,
        limit: String,
        span: Span,
    },
    OffsetNotWhole {
        step: Grain,
        grain: Grain,
        span: Span,
    },

    // ---------------------------------------------------------------- KPIs
    NoMetric {
        kpi: String,
        span: Span,
    },
    NoGrain {
        kpi: String,
        span: Span,
    },
    NoTarget {
        kpi: String,
        span: Span,
    },
    SecondTarget {
        since: Option<chrono::NaiveDate>,
        span: Span,
        first: Span,
    },
    EveryTargetHasFrom {
        span: Span,
    },
    EmptyRange {
        span: Span,
    },
    PreviousNotScaled {
        span: Span,
    },
    TargetUnit {
        misfit: UnitMisfit,
        span: Span,
    },
    /// A target table's unit (as written after `in`, if it is) does not
    /// state the metric's.
    TableUnit {
        written: Option<String>,
        unit: Unit,
        span: Span,
    },
    CountBelowZero {
        span: Span,
    },
    BadWarnBand {
        span: Span,
    },

    // ---------------------------------------------------------------- scorecards
    WeightedTwice {
        kpi: String,
        span: Span,
        first: Span,
    },
    WeightTotal {
        card: String,
        total: f64,
        span: Span,
    },
    NoWeights {
        card: String,
        span: Span,
    },
    CapNotPositive {
        span: Span,
    },
    GateNotWeighted {
        gate: String,
        span: Span,
    },
    UncappedLowerIsBetter {
        card: String,
        kpi: String,
        span: Span,
    },
    ScorecardMismatch {
        kpi: String,
        card: String,
        problems: Vec<String>,
        span: Span,
        kpi_span: Span,
        by: String,
        grain: Grain,
    },
    BaseWithoutCurrency {
        span: Span,
    },
    BaseTableWithoutCurrency {
        path: String,
        span: Span,
    },
    OpenLinearPayout {
        span: Span,
    },
    EmptyPayoutRange {
        span: Span,
    },
    NoPayoutRules {
        span: Span,
    },
    PayoutStartsLate {
        from: f64,
        span: Span,
    },
    /// Two ranges that do not meet: a gap when `from < to`, an overlap otherwise.
    PayoutRangesDoNotMeet {
        from: f64,
        to: f64,
        span: Span,
        previous: Span,
    },
    PayoutEndsEarly {
        at: f64,
        span: Span,
    },

    // ---------------------------------------------------------------- cascades
    RepeatedLevel {
        dimension: String,
        span: Span,
    },
    NonAdditiveSplit {
        kpi: String,
        dimension: String,
        span: Span,
        kpi_span: Span,
    },
    MixedAllocation {
        dimension: String,
        span: Span,
    },
    ChildTwice {
        child: String,
        span: Span,
        first: Span,
    },
    AmountUnit {
        unit: Unit,
        span: Span,
    },
    ShareTotal {
        dimension: String,
        total: f64,
        span: Span,
    },
    AmountTotal {
        dimension: String,
        total: f64,
        parent: f64,
        span: Span,
    },
    AmountsWithoutFixedTarget {
        span: Span,
        kpi_span: Span,
    },
    RateUnit {
        driver_unit: Unit,
        rate_unit: Unit,
        gives: Unit,
        parent: String,
        parent_unit: Unit,
        driver: String,
        span: Span,
    },
    RateDoesNotCombine {
        why: UnitError,
        span: Span,
    },
    DriverGrain {
        parent: String,
        parent_grain: Grain,
        driver: String,
        driver_grain: Grain,
        span: Span,
    },
    DriverTargetsNotFixed {
        span: Span,
    },
    DriverDirections {
        parent: String,
        parent_direction: Direction,
        driver: String,
        driver_direction: Direction,
        span: Span,
    },
    DriverShortfall {
        parent: String,
        parent_target: f64,
        driver: String,
        driver_target: f64,
        rate: f64,
        implied: f64,
        direction: Direction,
        span: Span,
    },

    // ---------------------------------------------------------------- tests
    DataGivenTwice {
        test: String,
        source: String,
        span: Span,
        first: Span,
    },
    TestWithoutExpectations {
        test: String,
        span: Span,
    },
    FixtureType {
        path: String,
        span: Span,
    },
    ColumnListedTwice {
        column: String,
        span: Span,
    },
    RowsWithoutTime {
        source: String,
        time: String,
        span: Span,
    },
    RowLength {
        values: usize,
        columns: usize,
        span: Span,
    },
    RowValue {
        text: String,
        column: String,
        ty: ColType,
        why: Misfit,
        span: Span,
        column_span: Span,
    },
    ExpectGrain {
        written: String,
        written_grain: Grain,
        grain: Grain,
        example: String,
        span: Span,
    },
    TestWithoutData {
        test: String,
        missing: Vec<String>,
        span: Span,
    },
    WrongEntity {
        kpi: String,
        by: Vec<String>,
        given: usize,
        span: Span,
    },
    UnknownScorecard {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    NotCascaded {
        kpi: String,
        span: Span,
    },
    PathTooDeep {
        kpi: String,
        depth: usize,
        given: usize,
        span: Span,
    },
    NotAResult {
        field: &'static str,
        what: String,
        fields: Vec<&'static str>,
        span: Span,
    },
    StatusForNumber {
        field: &'static str,
        span: Span,
    },
    ExpectedUnit {
        field: &'static str,
        why: ExpectedMisfit,
        span: Span,
    },
}

fn diag(code: Code, message: impl Into<String>, span: Span, label: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, message, Label::new(span, label))
}

fn or_else(suggestion: &Option<String>, fallback: impl FnOnce() -> String) -> String {
    suggestion.clone().unwrap_or_else(fallback)
}

impl SemaError {
    /// The problem in words, with its code, labels and help.
    pub fn to_diagnostic(&self) -> Diagnostic {
        crate::stack::with_stack(|| self.words())
    }

    fn words(&self) -> Diagnostic {
        use SemaError::*;
        match self {
            Duplicate { kind, name, span, first } => {
                diag(Code::Duplicate, format!("{kind} `{name}` is declared twice"), *span, "declared again")
                    .with_secondary(Label::new(*first, "first declared here"))
                    .with_help("rename one of them; every name refers to exactly one declaration")
            }
            UnknownSource { name, span, suggestion } => {
                diag(Code::UnknownSource, format!("unknown source `{name}`"), *span, "not declared").with_help(or_else(
                    suggestion,
                    || "declare it with `source NAME from \"file.csv\" { ... }`".into(),
                ))
            }
            UnknownColumn { source, column, span, source_span, suggestion, columns } => diag(
                Code::UnknownColumn,
                format!("source `{source}` has no column `{column}`"),
                *span,
                "unknown column",
            )
            .with_secondary(Label::new(*source_span, "source declared here"))
            .with_help(or_else(suggestion, || format!("`{source}` declares: {}", columns.join(", ")))),
            NotADimension { code, source, dimension, span, source_span, suggestion, columns } => diag(
                *code,
                format!("source `{source}` has no column `{dimension}` to group by"),
                *span,
                "not a column of every source",
            )
            .with_secondary(Label::new(*source_span, "source declared here"))
            .with_help(or_else(suggestion, || format!("`{source}` declares: {}", columns.join(", ")))),
            UnknownFilter { name, span, suggestion } => {
                diag(Code::UnknownFilter, format!("unknown filter `{name}`"), *span, "not declared").with_help(
                    or_else(suggestion, || {
                        "declare it with `filter NAME = condition`, or write the condition inline".into()
                    }),
                )
            }
            UnknownMetric { name, span, is_kpi, suggestion } => {
                let help = if *is_kpi {
                    format!("`{name}` is a KPI; use the metric it measures")
                } else {
                    or_else(suggestion, || "declare it with `metric NAME = ...`".into())
                };
                diag(Code::UnknownMetric, format!("unknown metric `{name}`"), *span, "not declared").with_help(help)
            }
            UnknownKpi { name, span, is_metric, suggestion } => {
                let help = if *is_metric {
                    format!("`{name}` is a metric; declare a KPI that measures it")
                } else {
                    or_else(suggestion, || "declare it with `kpi NAME { ... }`".into())
                };
                diag(Code::UnknownKpi, format!("unknown KPI `{name}`"), *span, "not declared").with_help(help)
            }

            UnknownFileType { path, span } => diag(
                Code::InvalidLiteral,
                format!("`{path}` is not a CSV, Parquet or NDJSON file"),
                *span,
                "unknown file type",
            )
            .with_help("name the file with a .csv, .parquet or .ndjson extension"),
            DuplicateColumn { name, span, first } => {
                diag(Code::Duplicate, format!("column `{name}` is declared twice"), *span, "declared again")
                    .with_secondary(Label::new(*first, "first declared here"))
                    .with_help("remove one of the declarations")
            }
            UnknownType { why, span } => {
                use crate::vocab::TypeError;
                let types = ["int", "float", "decimal", "text", "bool", "date", "datetime", "duration", "percent", "money"];
                let hint = match why {
                    TypeError::Unknown(name) => crate::diagnostics::did_you_mean(name, types),
                    TypeError::NotADurationUnit(unit) => {
                        crate::diagnostics::did_you_mean(unit, crate::vocab::keywords::DURATION_WORDS)
                    }
                    TypeError::NotACurrency(code) => {
                        crate::diagnostics::did_you_mean(&code.to_uppercase(), crate::vocab::money::ISO_4217.iter().copied())
                    }
                    _ => None,
                };
                let all = "types: int, float, decimal, text, bool, date, datetime, duration(days), percent, money(RUB)";
                diag(Code::UnknownType, why.to_string(), *span, "unknown type")
                    .with_help(hint.map_or(all.to_string(), |h| format!("{h} ({all})")))
            }
            FormatOnNonDate { span } => {
                diag(Code::UnknownType, "only date and datetime columns take a `format`", *span, "not a date column")
            }
            FormatOnTable { column, span } => diag(
                Code::FormatOnTable,
                format!("column `{column}` of a table source has a `format`"),
                *span,
                "tables store dates in their own types",
            )
            .with_help("remove `format`; store the column as a DATE or TIMESTAMP in the table"),
            BadTablePath { why, span } => {
                let (what, label) = match why {
                    TablePathError::Empty => ("the table path is empty".to_string(), "no table"),
                    TablePathError::EmptySegment => ("the table path has an empty name between dots".to_string(), "empty name"),
                    TablePathError::TooManySegments(n) => (
                        format!("the table path has {n} dotted names; at most three: catalog.schema.table"),
                        "too many names",
                    ),
                    TablePathError::Character(c) => (
                        format!("the table path holds {}, which could end its quoting", shown_char(*c)),
                        "not allowed in a table name",
                    ),
                    TablePathError::Comment(c) => (format!("the table path holds `{c}`, which starts an SQL comment"), "not allowed in a table name"),
                };
                diag(Code::BadTablePath, what, *span, label)
                    .with_help("write dotted names: \"orders\", \"sales.orders\" or \"warehouse.sales.orders\"")
            }
            NoConnection { known, span } => diag(
                Code::UnknownConnection,
                "the table source names no connection, and kpic.toml has no default",
                *span,
                "which connection?",
            )
            .with_help(match known.as_slice() {
                [] => "declare one in kpic.toml: `[connections.dwh]` with `engine = \"postgres\"` (docs/warehouses.md), and write `in dwh`".to_string(),
                names => format!("write `in NAME` after the table (kpic.toml declares {}), or set `[connections] default = \"NAME\"`", names.join(", ")),
            }),
            UnknownConnection { name, known, suggestion, span } => diag(
                Code::UnknownConnection,
                format!("kpic.toml declares no connection `{name}`"),
                *span,
                "unknown connection",
            )
            .with_help(match (suggestion, known.as_slice()) {
                (Some(s), _) => s.clone(),
                (None, []) => format!("declare it in kpic.toml: `[connections.{name}]` with its `engine` (docs/warehouses.md)"),
                (None, names) => format!("kpic.toml declares {}", names.join(", ")),
            }),
            EngineCannotCompute { func, source, connection, engine, span } => diag(
                Code::EngineCannotCompute,
                format!("{engine} has no exact `{}`: source `{source}` reads from connection `{connection}`", func.as_str()),
                *span,
                format!("not exact on {engine}"),
            )
            .with_help(format!("{engine} computes percentiles only approximately; compute this KPI from a source on another engine")),
            NoTimeColumn { source, span } => diag(
                Code::BadTimeColumn,
                format!("source `{source}` has no time column"),
                *span,
                "no column is marked `time`",
            )
            .with_help("mark the date or datetime column that places a row in a period: `time created_at: datetime`"),
            SecondTimeColumn { source, span, first } => diag(
                Code::BadTimeColumn,
                format!("source `{source}` has more than one time column"),
                *span,
                "second time column",
            )
            .with_secondary(Label::new(*first, "first time column"))
            .with_help("keep `time` on the one column that places a row in a period"),
            TimeColumnNotTemporal { column, ty, span } => diag(
                Code::BadTimeColumn,
                format!("time column `{column}` is {ty}, not a date or datetime"),
                *span,
                "not a date or datetime",
            )
            .with_help("declare it `date` or `datetime`"),

            Cycle { kind, chain, span } => {
                let help = if *kind == "filter" {
                    "a filter cannot use itself, directly or through other filters"
                } else {
                    "a derived metric is built from other metrics, never from itself"
                };
                diag(Code::Cycle, format!("{kind} cycle: {}", chain.join(" -> ")), *span, "defined in terms of itself")
                    .with_help(help)
            }
            FilterOfSeveralSources { filter, sources, span } => diag(
                Code::ForeignFilter,
                format!("filter `{filter}` reads several sources: {}", sources.join(", ")),
                *span,
                "rows of which source?",
            )
            .with_help("a filter selects rows of one source; split it into one filter per source"),
            ColumnsNotComparable { lhs, lhs_ty, rhs, rhs_ty, span } => diag(
                Code::TypeMismatch,
                format!("cannot compare `{lhs}` ({lhs_ty}) with `{rhs}` ({rhs_ty})"),
                *span,
                "incompatible types",
            )
            .with_help("two columns compare when they hold the same kind of value: numbers, the same currency, durations (in any unit), dates and times, text, or bools"),
            CompareConstants { span } => {
                diag(Code::TypeMismatch, "a comparison of two constants", *span, "no column here")
                    .with_help("compare a column with a value: `orders.city == \"Moscow\"`")
            }
            BoolNotOrdered { op, span } => {
                diag(Code::TypeMismatch, format!("`{op}` does not order true and false"), *span, "bool column")
                    .with_help("use `==` or `!=` with a bool column")
            }
            LiteralDoesNotFit { column, ty, written, help, span } => diag(
                Code::TypeMismatch,
                format!("column `{column}` is {ty}, but the value is {written}"),
                *span,
                format!("not {ty}"),
            )
            .with_help(help.to_string()),
            WhereFiltersNothing { span } => diag(
                Code::ForeignFilter,
                "this `where` filters nothing: the expression has no aggregate of its own",
                *span,
                "applies to no aggregate",
            )
            .with_help("put the filter on the metrics it should filter, or write the aggregates inline"),
            // The labels are the two sides, which do not overlap (a label
            // over the whole expression as well is drawn past its end).
            UnitsDoNotCombine { op, lhs, rhs, why, span: _, lhs_span, rhs_span } => diag(
                Code::UnitMismatch,
                format!("`{op}` of {lhs} and {rhs}: {why}"),
                *rhs_span,
                format!("{rhs}"),
            )
            .with_secondary(Label::new(*lhs_span, format!("{lhs}")))
            .with_help(match *op {
                "+" | "-" => format!(
                    "`{op}` needs the same unit on both sides; docs/language.md (\"Units and additivity\") lists how units combine"
                ),
                _ => format!("docs/language.md (\"Units and additivity\") lists the units `{op}` combines"),
            }),
            BadAggregate { func, why, span } => {
                diag(Code::BadAggregate, why.to_string(), *span, format!("`{func}` does not apply here")).with_help(
                    "sum, avg, median and percentile need a numeric, money, percent or duration column; count works on anything",
                )
            }
            PercentileWithoutRank { span } => diag(Code::BadPercentile, "`percentile` needs a rank", *span, "no rank")
                .with_help("write `percentile(orders.amount, 0.9)` for the 90th percentile"),
            PercentileOutOfRange { rank, span } => {
                diag(Code::BadPercentile, format!("percentile rank {rank} is outside 0..1"), *span, "rank out of range")
                    .with_help("the rank is a fraction: 0.9 is the 90th percentile")
            }
            UnexpectedRank { func, span } => {
                diag(Code::BadPercentile, format!("`{func}` takes no second argument"), *span, "unexpected argument")
                    .with_help("only `percentile` takes a rank")
            }
            ForeignFilter { filter_source, source, span } => diag(
                Code::ForeignFilter,
                format!("this filter reads `{filter_source}`, but the aggregate counts rows of `{source}`"),
                *span,
                "filter of another source",
            )
            .with_help("a `where` selects rows of the source being aggregated; use a filter on that source"),
            TooBig { kind, name, limit, span } => diag(
                Code::TooDeep,
                format!(
                    "{kind} `{name}` expands to more than {limit} terms once the metrics and filters it uses are written out"
                ),
                *span,
                "too big to compute",
            )
            .with_help("each use of a metric or filter copies it, and `change` computes its argument twice; use each part once per expression"),
            OffsetNotWhole { step, grain, span } => diag(
                Code::BadOffset,
                format!("a {} offset does not step whole {} periods", step.as_str(), grain.as_str()),
                *span,
                "offset grain",
            )
            .with_help(format!(
                "use an offset in {}s or a coarser grain that contains whole {}s",
                grain.as_str(),
                grain.as_str()
            )),

            NoMetric { kpi, span } => {
                diag(Code::NoMetric, format!("KPI `{kpi}` has no metric"), *span, "what does it measure?").with_help(
                    "add `metric NAME` or an inline expression such as `metric count(orders) where paid`",
                )
            }
            NoGrain { kpi, span } => diag(Code::NoGrain, format!("KPI `{kpi}` has no grain"), *span, "not time-bound")
                .with_help("every KPI is measured per period: add `per month` (or day, week, quarter, year)"),
            NoTarget { kpi, span } => diag(Code::NoTarget, format!("KPI `{kpi}` has no target"), *span, "no target")
                .with_help("add e.g. `target >= 3000` (higher is better) or `target <= 14 days` (lower is better)"),
            SecondTarget { since, span, first } => {
                let message = match since {
                    None => "more than one target without `from`".to_string(),
                    Some(d) => format!("more than one target from {d}"),
                };
                diag(Code::DuplicateClause, message, *span, "second target")
                    .with_secondary(Label::new(*first, "first target"))
                    .with_help(
                        "a target that changes over time gives each new value a `from` date: `target >= 3500 from 2025-07`",
                    )
            }
            EveryTargetHasFrom { span } => diag(
                Code::NoTarget,
                "every target has a `from` date: periods before the first have no target",
                *span,
                "earliest target",
            )
            .with_help("drop `from` on the first target so that it applies from the start"),
            EmptyRange { span } => diag(
                Code::ImpossibleTarget,
                "this range is empty: the low bound is above the high bound",
                *span,
                "never met",
            )
            .with_help("write the lower bound first: `between 5 and 10`"),
            PreviousNotScaled { span } => diag(
                Code::TargetUnit,
                "the previous period is scaled by a factor or a percentage",
                *span,
                "not a factor",
            )
            .with_help("write `previous * 110%` or `previous * 1.1`"),
            TargetUnit { misfit, span } => {
                diag(Code::TargetUnit, "the target's unit does not match the metric", *span, misfit_words(misfit, "the target"))
                    .with_help("write the target in the metric's unit, or fix the metric")
            }
            TableUnit { written, unit, span } => {
                let (why, help) = match (written, unit) {
                    (None, Unit::Duration) => (
                        "the table's numbers have no unit, and the metric is a duration".to_string(),
                        "say which unit they are in: `in minutes` (or days, hours, seconds)",
                    ),
                    (None, _) => (
                        format!("the table's numbers have no unit, and the metric is {unit}"),
                        "say whether 40 means 40 %: `in percent`, or `in fraction` for tables that write 0.4",
                    ),
                    (Some(w), _) => (
                        format!("the table's numbers are in {w}, but the metric is {unit}"),
                        "write the unit the table's numbers are in, or fix the metric",
                    ),
                };
                diag(Code::TargetUnit, why, *span, "unit of the table").with_help(help)
            }
            CountBelowZero { span } => diag(Code::ImpossibleTarget, "a count can never be below zero", *span, "never met")
                .with_help("a count is 0 or more: use `target >= N`, or `<=` with a bound of 0 or more"),
            BadWarnBand { span } => diag(
                Code::BadWarnBand,
                "a warning band must be positive (and a percent below 100%)",
                *span,
                "bad band",
            )
            .with_help("`warn within 10%` marks the KPI at risk when it misses by less than 10 %"),

            WeightedTwice { kpi, span, first } => {
                diag(Code::DuplicateWeight, format!("KPI `{kpi}` is weighted twice"), *span, "weighted again")
                    .with_secondary(Label::new(*first, "first weight"))
                    .with_help("give each KPI one weight")
            }
            WeightTotal { card, total, span } => diag(
                Code::WeightTotal,
                format!("weights of scorecard `{card}` total {}%, not 100%", format_percent(*total)),
                *span,
                format!("{}% in total", format_percent(*total)),
            )
            .with_help(if *total < 1.0 {
                format!("{}% of the bonus is driven by nothing; add it to a KPI", format_percent(1.0 - total))
            } else {
                format!("remove {}% from the weights", format_percent(total - 1.0))
            }),
            NoWeights { card, span } => {
                diag(Code::WeightTotal, format!("scorecard `{card}` weighs no KPI"), *span, "no KPIs")
                    .with_help("list the role's KPIs with their weights: `revenue_plan 40%`")
            }
            CapNotPositive { span } => diag(Code::BadPayout, "the cap must be above 0%", *span, "bad cap"),
            GateNotWeighted { gate, span } => diag(
                Code::BadGate,
                format!("gate `{gate}` is not one of the scorecard's KPIs"),
                *span,
                "not weighted here",
            )
            .with_help("a gate withholds the bonus when one of the scorecard's own KPIs is missed; weigh it first"),
            UncappedLowerIsBetter { card, kpi, span } => diag(
                Code::UncappedLowerIsBetter,
                format!("scorecard `{card}` weighs the lower-is-better KPI `{kpi}` without a cap"),
                *span,
                "lower is better",
            )
            .with_help("add a `cap` (e.g. `cap 120%`): an actual of 0 then counts as the cap, and less is never worse"),
            ScorecardMismatch { kpi, card, problems, span, kpi_span, by, grain } => diag(
                Code::ScorecardMismatch,
                format!("KPI `{kpi}` does not fit scorecard `{card}`: {}", problems.join("; ")),
                *span,
                "mismatched KPI",
            )
            .with_secondary(Label::new(*kpi_span, "KPI declared here"))
            .with_help(format!(
                "a scorecard by {by} per {} weighs KPIs `by {by}` and `per {}`",
                grain.as_str(),
                grain.as_str()
            )),
            BaseWithoutCurrency { span } => {
                diag(Code::TargetUnit, "a bonus base is money: say in which currency", *span, "no currency")
                    .with_help("bonuses are paid in a currency, rounded to its minor unit: `base 50_000 RUB`")
            }
            BaseTableWithoutCurrency { path, span } => {
                diag(Code::TargetUnit, "a bonus base table holds money: say in which currency", *span, "no currency")
                    .with_help(format!("bonuses are paid in a currency: `base table {path:?} in RUB`"))
            }
            OpenLinearPayout { span } => diag(
                Code::BadPayout,
                "a `linear` value needs a range with two ends to run between",
                *span,
                "open range",
            )
            .with_help(
                "end the range and hold the last value after it: `100% .. 150% => linear 1.0 .. 2.0` and `above 150% => 2.0`",
            ),
            EmptyPayoutRange { span } => diag(
                Code::BadPayout,
                "this range is empty: its low bound is not below its high bound",
                *span,
                "empty range",
            ),
            NoPayoutRules { span } => diag(Code::BadPayout, "the payout curve has no rules", *span, "empty curve"),
            PayoutStartsLate { from, span } => diag(
                Code::BadPayout,
                format!("scores below {}% have no payout", format_percent(*from)),
                *span,
                "curve starts here",
            )
            .with_help(format!("add `below {}% => 0`", format_percent(*from))),
            PayoutRangesDoNotMeet { from, to, span, previous } => {
                let (message, label) = if from < to {
                    (
                        format!("scores from {}% to {}% have no payout", format_percent(*from), format_percent(*to)),
                        "gap before this range",
                    )
                } else {
                    (
                        format!("scores from {}% to {}% are covered twice", format_percent(*to), format_percent(*from)),
                        "overlaps the previous range",
                    )
                };
                diag(Code::BadPayout, message, *span, label)
                    .with_secondary(Label::new(*previous, "previous range"))
                    .with_help("ranges meet exactly: `below 80%`, `80% .. 100%`, `above 100%`")
            }
            PayoutEndsEarly { at, span } => diag(
                Code::BadPayout,
                format!("scores above {}% have no payout", format_percent(*at)),
                *span,
                "curve ends here",
            )
            .with_help(format!("add `above {}% => ...`", format_percent(*at))),

            RepeatedLevel { dimension, span } => diag(
                Code::CascadeDimension,
                format!("the cascade already splits by `{dimension}` above this level"),
                *span,
                "repeated level",
            ),
            NonAdditiveSplit { kpi, dimension, span, kpi_span } => diag(
                Code::NonAdditiveSplit,
                format!("KPI `{kpi}` measures a non-additive metric and cannot be split by {dimension}"),
                *span,
                "split of a non-additive metric",
            )
            .with_secondary(Label::new(*kpi_span, "KPI declared here"))
            .with_help(format!(
                "averages and ratios do not add up: children inherit the target, write `by {dimension} inherit`"
            )),
            MixedAllocation { dimension, span } => diag(
                Code::MixedAllocation,
                format!("the split by {dimension} mixes shares and amounts"),
                *span,
                "shares and amounts",
            )
            .with_help("give every child a share or every child an amount"),
            ChildTwice { child, span, first } => {
                diag(Code::Duplicate, format!("`{child}` appears twice in this split"), *span, "again")
                    .with_secondary(Label::new(*first, "first here"))
                    .with_help("give each child one share or amount")
            }
            AmountUnit { unit, span } => {
                diag(Code::TargetUnit, format!("the amount is not in the KPI's unit ({unit})"), *span, "wrong unit")
            }
            ShareTotal { dimension, total, span } => diag(
                Code::ShareTotal,
                format!("shares by {dimension} total {}%, not 100%", format_percent(*total)),
                *span,
                format!("{}% in total", format_percent(*total)),
            )
            .with_help(if *total < 1.0 {
                format!("{}% of the target is owned by nobody", format_percent(1.0 - total))
            } else {
                format!("{}% of the target is owned twice", format_percent(total - 1.0))
            }),
            AmountTotal { dimension, total, parent, span } => {
                let (word, diff) = if total < parent { ("short of", parent - total) } else { ("above", total - parent) };
                diag(
                    Code::AmountTotal,
                    format!(
                        "amounts by {dimension} add up to {}, {word} the parent target {} by {}",
                        format_number(*total, 2),
                        format_number(*parent, 2),
                        format_number(diff, 2)
                    ),
                    *span,
                    format!("{} in total", format_number(*total, 2)),
                )
                .with_help("make the children's amounts add up to the parent's target, or use shares")
            }
            AmountsWithoutFixedTarget { span, kpi_span } => {
                diag(Code::CascadeTarget, "amounts split one fixed target, and this KPI has none", *span, "amounts")
                    .with_secondary(Label::new(*kpi_span, "KPI declared here"))
                    .with_help("give the KPI a single fixed target, or split by shares")
            }
            RateUnit { driver_unit, rate_unit, gives, parent, parent_unit, driver, span } => diag(
                Code::UnitMismatch,
                format!("{driver_unit} at {rate_unit} gives {gives}, but `{parent}` is {parent_unit}"),
                *span,
                "rate unit",
            )
            .with_help(format!("state the rate in {parent_unit} per unit of `{driver}`")),
            RateDoesNotCombine { why, span } => diag(Code::UnitMismatch, why.to_string(), *span, "rate unit"),
            DriverGrain { parent, parent_grain, driver, driver_grain, span } => diag(
                Code::CascadeTarget,
                format!("`{parent}` is per {} but `{driver}` per {}", parent_grain.as_str(), driver_grain.as_str()),
                *span,
                "different grains",
            ),
            DriverTargetsNotFixed { span } => {
                diag(Code::CascadeTarget, "a driver cascade compares two fixed targets", *span, "target not fixed")
                    .with_help("both KPIs need a single fixed target")
            }
            DriverDirections { parent, parent_direction, driver, driver_direction, span } => diag(
                Code::CascadeTarget,
                format!(
                    "`{parent}` is a {} target but `{driver}` a {} one",
                    bound_word(*parent_direction),
                    bound_word(*driver_direction)
                ),
                *span,
                "targets point different ways",
            )
            .with_help("a driver links two floors (`>=`) or two ceilings (`<=`)"),
            DriverShortfall { parent, parent_target, driver, driver_target, rate, implied, direction, span } => {
                let (gap, relation, fix_driver, fix_parent) = match direction {
                    Direction::AtLeast => (parent_target - implied, "short of", "raise", "lower"),
                    Direction::AtMost => (implied - parent_target, "above", "lower", "raise"),
                };
                let message = format!(
                    "`{driver}` target {} at {} implies {}, {relation} `{parent}` target {} by {}",
                    format_number(*driver_target, 2),
                    format_number(*rate, 2),
                    format_number(*implied, 2),
                    format_number(*parent_target, 2),
                    format_number(gap, 2)
                );
                diag(Code::DriverShortfall, message, *span, "targets do not add up").with_help(format!(
                    "{fix_driver} `{driver}` to {} or {fix_parent} `{parent}` to {}",
                    format_number(parent_target / rate, 2),
                    format_number(*implied, 2)
                ))
            }

            DataGivenTwice { test, source, span, first } => diag(
                Code::DuplicateClause,
                format!("test `{test}` gives rows for `{source}` twice"),
                *span,
                "second data clause",
            )
            .with_secondary(Label::new(*first, "first given here"))
            .with_help("merge the rows into one `data` clause"),
            TestWithoutExpectations { test, span } => {
                diag(Code::TestWithoutExpectations, format!("test `{test}` expects nothing"), *span, "no `expect`")
                    .with_help("add `expect KPI [for \"entity\"] in PERIOD: actual N, status met`")
            }
            FixtureType { path, span } => diag(
                Code::TestDataShape,
                format!("`{path}` is not a .csv, .parquet or .ndjson file"),
                *span,
                "unknown file type",
            )
            .with_help("save the fixture rows as CSV, Parquet or NDJSON, or write them inline as `(column, ...)` rows"),
            ColumnListedTwice { column, span } => {
                diag(Code::TestDataShape, format!("column `{column}` is listed twice"), *span, "again")
                    .with_help("list each column once")
            }
            RowsWithoutTime { source, time, span } => diag(
                Code::TestDataShape,
                format!("the rows of `{source}` have no `{time}`, its time column"),
                *span,
                "time column missing",
            )
            .with_help(format!("add `{time}` to the list: every row needs a time to fall in a period")),
            RowLength { values, columns, span } => diag(
                Code::TestDataShape,
                format!("this row has {values} values, but {columns} columns are listed"),
                *span,
                "wrong number of values",
            )
            .with_help("give a value for every listed column, in order; write `null` for a missing one"),
            RowValue { text, column, ty, why, span, column_span } => {
                diag(Code::TestDataValue, format!("`{text}` does not fit column `{column}` ({ty})"), *span, why.to_string())
                    .with_secondary(Label::new(*column_span, "declared here"))
                    .with_help(format!("write a value of the column's type, {ty}, as a spec writes one, or `null`"))
            }
            ExpectGrain { written, written_grain, grain, example, span } => diag(
                Code::BadExpectation,
                format!("`{written}` is a {}, but this is evaluated per {}", written_grain.as_str(), grain.as_str()),
                *span,
                "period of another grain",
            )
            .with_help(format!("name a {} such as `{example}`", grain.as_str())),
            TestWithoutData { test, missing, span } => {
                let list = missing.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(", ");
                diag(
                    Code::TestWithoutData,
                    format!("test `{test}` gives no rows for {list}, which this reads"),
                    *span,
                    "reads data the test does not give",
                )
                .with_help(format!(
                    "add `data {} (...) {{ ... }}`; tests never read the real data files",
                    missing[0]
                ))
            }
            WrongEntity { kpi, by, given, span } => {
                let help = if by.is_empty() {
                    format!("`{kpi}` is one number per period: drop `for ...`")
                } else {
                    let example: Vec<String> = by.iter().map(|b| format!("\"<{b}>\"")).collect();
                    format!("give one value per dimension: `for {}`", example.join(", "))
                };
                let message = format!(
                    "`{kpi}` is computed by {}, but {given} entity value{} given",
                    if by.is_empty() { "nothing".to_string() } else { by.join(", ") },
                    if *given == 1 { " is" } else { "s are" }
                );
                diag(Code::BadExpectation, message, *span, "wrong entity").with_help(help)
            }
            UnknownScorecard { name, span, suggestion } => {
                diag(Code::BadExpectation, format!("unknown scorecard `{name}`"), *span, "not declared").with_help(
                    or_else(suggestion, || "declare it with `scorecard NAME by DIM per GRAIN { ... }`".into()),
                )
            }
            NotCascaded { kpi, span } => {
                diag(Code::BadExpectation, format!("`{kpi}` is not split by a cascade"), *span, "no cascade")
                    .with_help("expect the KPI itself: `expect KPI in PERIOD: ...`")
            }
            PathTooDeep { kpi, depth, given, span } => diag(
                Code::BadExpectation,
                format!("the cascade of `{kpi}` has {depth} levels, but the path has {given}"),
                *span,
                "too deep",
            )
            .with_help("name one value per level from the top: `at \"Retail\" / \"Anna\"`"),
            NotAResult { field, what, fields, span } => {
                diag(Code::BadExpectation, format!("`{field}` is not a result of {what}"), *span, "not checked here")
                    .with_help(format!("{what} has {}", fields.join(", ")))
            }
            StatusForNumber { field, span } => diag(
                Code::BadExpectation,
                format!("`{field}` takes a number or `null`, not a status"),
                *span,
                "a status",
            )
            .with_help("check the status with `status met`"),
            ExpectedUnit { field, why, span } => {
                let label = match why {
                    ExpectedMisfit::Metric(m) => misfit_words(m, &format!("the expected {field}")),
                    ExpectedMisfit::NotAFraction => format!("`{field}` is a fraction: write a percent such as `85%`"),
                    ExpectedMisfit::NoBonusBase { currency: Some(c) } => {
                        format!("the scorecard has no bonus base, so `{c}` cannot match")
                    }
                    ExpectedMisfit::NoBonusBase { currency: None } => "the scorecard has no bonus base".to_string(),
                    ExpectedMisfit::BonusCurrency { base } => format!("the bonus is money in {base}"),
                };
                diag(Code::BadExpectation, format!("the expected {field} has the wrong unit"), *span, label)
                    .with_help(format!("write the expected {field} in the unit kpic reports it in (`kpic eval` shows it)"))
            }
        }
    }
}

fn bound_word(d: Direction) -> &'static str {
    match d {
        Direction::AtLeast => "floor (>=)",
        Direction::AtMost => "ceiling (<=)",
    }
}

/// Why an expected number in a test is not in the unit of what it checks.
#[derive(Debug, Clone, PartialEq)]
pub enum ExpectedMisfit {
    /// Not in the metric's unit (actuals, targets, gaps).
    Metric(UnitMisfit),
    /// Attainment, score and payout are fractions.
    NotAFraction,
    /// A bonus expected of a scorecard with no bonus base.
    NoBonusBase { currency: Option<String> },
    /// A bonus in another currency than the base's.
    BonusCurrency { base: String },
}

/// Why `what` ("the target", "the expected actual") does not fit the metric.
fn misfit_words(misfit: &UnitMisfit, what: &str) -> String {
    match misfit {
        UnitMisfit::NoDurationUnit { value } => format!("state the unit of a duration: `{value} days`"),
        UnitMisfit::RatioAsNumber { value } => {
            format!("the metric is a ratio, so {value} would mean {}%; write `{value}%`", value * 100.0)
        }
        UnitMisfit::Written { written, unit } => format!("{what} is {written}, but the metric is {unit}"),
    }
}

/// Why a value written in a spec does not fit a column: in a comparison
/// (`orders.city == 3000`) or in a test's rows.
#[derive(Debug, Clone, PartialEq)]
pub enum Misfit {
    // In comparisons.
    CompareText,
    CompareBool,
    DateInQuotes,
    CompareDate,
    CompareDatetime,
    PercentSign,
    CompareAmount(String),
    DurationUnit,
    CompareNumber,
    CompareMoney(String),
    // In test rows.
    WholeNumber,
    RowAmount(String),
    RowDuration(DurationUnit),
    RowType(ColType),
}

impl std::fmt::Display for Misfit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Misfit::CompareText => f.write_str("compare text with a quoted string: \"Moscow\""),
            Misfit::CompareBool => f.write_str("compare a bool column with `true` or `false`"),
            Misfit::DateInQuotes => f.write_str("write dates without quotes: 2025-01-31"),
            Misfit::CompareDate => f.write_str("compare a date column with a date: 2025-01-31"),
            Misfit::CompareDatetime => {
                f.write_str("compare a datetime column with a date or date and time: 2025-01-31 18:00")
            }
            Misfit::PercentSign => f.write_str("write percentages with a percent sign: 12.5%"),
            Misfit::CompareAmount(c) => write!(f, "compare with an amount in {c}, e.g. `1000 {c}` or `1000`"),
            Misfit::DurationUnit => f.write_str("state the unit of a duration: `3 days`, `4 hours`"),
            Misfit::CompareNumber => f.write_str("compare a number column with a number without unit"),
            Misfit::CompareMoney(c) => write!(f, "compare with an amount in {c}"),
            Misfit::WholeNumber => f.write_str("an int column takes whole numbers"),
            Misfit::RowAmount(c) => write!(f, "write a number or an amount in {c}"),
            Misfit::RowDuration(unit) => write!(f, "write a number of {} or a duration", unit.word(true)),
            Misfit::RowType(ty) => write!(f, "a {ty} column takes {}", literal_for(ty)),
        }
    }
}

fn literal_for(ty: &ColType) -> &'static str {
    match ty {
        ColType::Int => "a whole number",
        ColType::Float | ColType::Decimal => "a number",
        ColType::Text => "a string in quotes",
        ColType::Bool => "true or false",
        ColType::Date => "a date like 2025-03-01",
        ColType::Datetime => "a date and time like 2025-03-01 10:00",
        ColType::Duration(_) => "a number or a duration",
        ColType::Percent => "a percent like 12.5%",
        ColType::Money(_) => "an amount",
    }
}

/// A character as a message shows it: `;`, a quote, or its code point.
fn shown_char(c: char) -> String {
    if c.is_control() {
        format!("the control character U+{:04X}", c as u32)
    } else {
        format!("`{c}`")
    }
}
