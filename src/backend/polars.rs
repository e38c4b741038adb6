//! IR to polars `LazyFrame`s, and running them. Nothing else lives here.
//!
//! Reading is strict: CSV files are read by kpic's own reader (`csv.rs`) with the
//! declared schema (no type guessing) and every date in its exact format; Parquet
//! and NDJSON files by polars, their stored types checked against the
//! declaration. A value that does not fit stops the evaluation with the source,
//! column, row and value.
//!
//! Queries run on polars' streaming engine. Sums of ints, money and decimals are
//! taken in 128-bit decimals, so they are exact and the same however the rows are
//! split between threads or batches.

mod aggs;
mod batch;
mod csv;
mod diagnose;
mod distinct;
pub mod schema;
mod time;

use crate::diagnostics::Diagnostic;
use crate::ir::{AggOutput, AggQuery, AggTable, Location, Scan, ScanColumn, SideTable, TableProblem, TextTable};
use crate::vocab::ColType;
use crate::vocab::FileFormat;
use crate::vocab::{AggFn, Grain};
use ::polars::prelude::*;
use std::path::Path;

const PERIOD: &str = "__period";

/// Money and decimal sums are kept exact to 10^-9 (`ColType::exact_scale`)
/// for values below 10^20 in magnitude, so that no sum of fewer than 10^9
/// rows can leave the 128 bits they are added in.
const EXACT_BOUND: f64 = 1e20;

/// A scan ready to be grouped: only the used columns, in their evaluation types
/// (percents as fractions, durations in seconds), with the period of each row.
pub fn scan_frame(scan: &SourceFile, grains: &[Grain]) -> Result<LazyFrame, Diagnostic> {
    let time = col(scan.time_column.as_str());
    let periods: Vec<Expr> = grains
        .iter()
        .map(|&g| {
            time.clone()
                .map(move |c| time::period_starts(&c, g), |_, f| Ok(Field::new(f.name().clone(), DataType::Date)))
                .alias(period_column(g))
        })
        .collect();
    Ok(read(scan)?.with_columns(periods))
}

/// The plans of one aggregation query over its scan's frame: the grouped
/// aggregates, and for each distinct count the rows it counts, which kpic
/// counts per group after collecting ([`distinct`]).
pub struct QueryFrames {
    pub grouped: LazyFrame,
    /// Per distinct count: its alias and the keys and value of each row with a value.
    pub distinct: Vec<(String, LazyFrame)>,
}

/// The plans of one aggregation query over its scan's frame.
pub fn query_frame(scan: &SourceFile, scan_lf: LazyFrame, query: &AggQuery) -> QueryFrames {
    let conditions = aggs::Conditions::of(query);
    let lf = the_rows_read(scan_lf, query)
        .with_columns(conditions.columns())
        .with_column(col(period_column(query.grain)).alias(PERIOD));
    let by: Vec<Expr> = group_names(query).iter().map(|k| col(*k)).collect();
    let (distinct, rest): (Vec<&AggOutput>, Vec<_>) = query.aggs.iter().partition(|a| is_distinct_count(a));
    let mut aggs = Vec::new();
    for a in rest {
        aggs.extend(aggs::agg_exprs(scan, a, &conditions));
    }
    if aggs.is_empty() {
        // Every group of the rows, for the distinct counts to be looked up in.
        aggs.push(len().alias("__rows"));
    }
    let distinct =
        distinct.iter().map(|a| (a.alias.clone(), distinct::pairs(lf.clone(), &by, a, &conditions))).collect();
    QueryFrames { grouped: lf.group_by(by).agg(aggs), distinct }
}

/// The rows of `lf` a query reads (its [`AggQuery::reads`]): those whose
/// period falls in one of its windows, and those without a time, which the
/// readers refuse.
pub(crate) fn the_rows_read(lf: LazyFrame, query: &AggQuery) -> LazyFrame {
    let Some(windows) = &query.reads else { return lf };
    let period = || col(period_column(query.grain));
    let within = windows.iter().fold(period().is_null(), |any, w| {
        let mut inside = lit(true);
        if let Some(from) = w.from {
            inside = inside.and(period().gt_eq(lit(from)));
        }
        if let Some(until) = w.until {
            inside = inside.and(period().lt(lit(until)));
        }
        any.or(inside)
    });
    lf.filter(within)
}

/// The columns a query groups by: the period, then its keys.
fn group_names(query: &AggQuery) -> Vec<&str> {
    std::iter::once(PERIOD).chain(query.keys.iter().map(String::as_str)).collect()
}

fn is_distinct_count(a: &AggOutput) -> bool {
    a.func == AggFn::CountDistinct && a.column.is_some()
}

/// Every query over `lf` in one plan, collected by `collect` (which reads the
/// file once for all of them), as tables.
fn run_plan(
    scan: &SourceFile,
    queries: &[&AggQuery],
    lf: LazyFrame,
    collect: impl FnOnce(Vec<LazyFrame>) -> Result<Vec<DataFrame>, Diagnostic>,
) -> Result<Vec<AggTable>, Diagnostic> {
    let plans: Vec<QueryFrames> = queries.iter().map(|q| query_frame(scan, lf.clone(), q)).collect();
    let mut frames = Vec::new();
    for plan in &plans {
        frames.push(plan.grouped.clone());
        frames.extend(plan.distinct.iter().map(|(_, f)| f.clone()));
    }
    let mut results = collect(frames)?.into_iter();
    let mut next = || results.next().expect("one result per frame");
    let mut tables = Vec::with_capacity(queries.len());
    for (query, plan) in queries.iter().zip(&plans) {
        let grouped = next();
        let pairs: Vec<(&str, DataFrame)> = plan.distinct.iter().map(|(alias, _)| (alias.as_str(), next())).collect();
        tables.push(to_table(scan, query, &grouped, &pairs)?);
    }
    Ok(tables)
}

/// Each planning table as text, or why it cannot be read.
pub fn read_tables(tables: &[SideTable]) -> Vec<Result<TextTable, TableProblem>> {
    tables.iter().map(|t| csv::text::read(&t.path)).collect()
}

/// A scan of a file: the plan's scan with its path and format, the only kind
/// polars reads.
#[derive(Debug, Clone)]
pub struct SourceFile {
    scan: Scan,
    pub path: std::path::PathBuf,
    pub format: FileFormat,
}

impl SourceFile {
    /// `scan` if it reads a file.
    pub fn of(scan: &Scan) -> Option<SourceFile> {
        match &scan.location {
            Location::File { path, format } => {
                Some(SourceFile { scan: scan.clone(), path: path.clone(), format: *format })
            }
            Location::Table { .. } => None,
        }
    }
}

impl std::ops::Deref for SourceFile {
    type Target = Scan;

    fn deref(&self) -> &Scan {
        &self.scan
    }
}

/// Every value of a CSV file that does not fit its column, a problem per
/// column (docs/evaluation.md): what a run reports beside the error that
/// stopped it.
pub fn every_bad_value(scan: &SourceFile) -> Vec<Diagnostic> {
    diagnose::every_bad_value(scan)
}

/// Every query of one file, read once for all of them; in batches of
/// `batch_bytes` (slices of about that share of a typed file's rows) when
/// given, else as the file's size and the machine's memory decide.
pub fn run_scan(
    scan: &SourceFile,
    queries: &[&AggQuery],
    batch_bytes: Option<usize>,
) -> Result<Vec<AggTable>, Diagnostic> {
    let batch_bytes = batch_bytes.unwrap_or_else(|| csv::batch_bytes(scan));
    match scan.format {
        FileFormat::Csv => run_csv(scan, queries, batch_bytes),
        _ => run_typed(scan, queries, batch_bytes),
    }
}

/// A Parquet or NDJSON source: polars reads it, and all queries run as one
/// plan; a file larger than `batch_bytes` is read in slices of rows whose
/// partial results are merged, as a large CSV file is, so that memory holds a
/// slice and the partial results rather than the hash tables of the whole
/// file (a distinct count over 100M Parquet rows took 9 GiB in one plan).
fn run_typed(scan: &SourceFile, queries: &[&AggQuery], batch_bytes: usize) -> Result<Vec<AggTable>, Diagnostic> {
    let lf = scan_frame(scan, &grains(queries))?;
    let size = std::fs::metadata(&scan.path).map_or(0, |m| m.len() as usize);
    if size > batch_bytes {
        // Compressed columns: a byte of Parquet holds about four of CSV.
        return run_typed_in_slices(scan, queries, lf, batch_bytes as f64 / size as f64 / 4.0);
    }
    let guards = aggs::guards(scan, queries);
    run_plan(scan, queries, lf.clone(), |frames| collect_guarded(scan, frames, lf, &guards))
}

/// `frames` collected in one plan with the `guards` over `rows`, stopping on a
/// value the guards refuse; the results of `frames` only.
fn collect_guarded(
    scan: &SourceFile,
    mut frames: Vec<LazyFrame>,
    rows: LazyFrame,
    guards: &[Expr],
) -> Result<Vec<DataFrame>, Diagnostic> {
    let wanted = frames.len();
    if !guards.is_empty() {
        frames.push(rows.select(guards));
    }
    let mut results = collect_all(frames).map_err(|e| diagnose::failure(scan, &e))?;
    if results.len() > wanted {
        check_guards(scan, &results.pop().expect("the guards"))?;
    }
    Ok(results)
}

/// [`run_typed`] on slices of `share` of the file's rows each.
fn run_typed_in_slices(
    scan: &SourceFile,
    queries: &[&AggQuery],
    lf: LazyFrame,
    share: f64,
) -> Result<Vec<AggTable>, Diagnostic> {
    let fail = |e: PolarsError| diagnose::failure(scan, &e);
    let counted = lf.clone().select([len().alias("rows")]).collect().map_err(fail)?;
    let rows = counted.column("rows").map_err(fail)?.idx().map_err(fail)?.get(0).unwrap_or(0) as u64;
    let per_slice = ((rows as f64 * share).ceil() as u64).max(1);
    let guards = aggs::guards(scan, queries);
    let mut merge = batch::Merge::new(scan, queries.to_vec());
    let mut offset = 0;
    while offset < rows {
        let slice = lf.clone().slice(offset as i64, per_slice as IdxSize);
        let mut results = collect_guarded(scan, vec![slice.clone()], slice, &guards)?;
        merge.add(results.pop().expect("the slice"))?;
        offset += per_slice;
    }
    merge.finish()
}

/// Stop on the values of a typed file that exact sums cannot take.
fn check_guards(scan: &SourceFile, guards: &DataFrame) -> Result<(), Diagnostic> {
    let fail = |e: PolarsError| diagnose::polars_failure(scan, &e);
    for c in guards.columns() {
        let name = c.name().as_str();
        if let Some(column) = name.strip_prefix("__nan_") {
            if c.bool().map_err(fail)?.any() {
                return Err(diagnose::not_finite_in(scan, column));
            }
        } else if let Some(column) = name.strip_prefix("__max_") {
            let max = c.cast(&DataType::Float64).map_err(fail)?.f64().map_err(fail)?.get(0);
            if max.is_some_and(|m| m >= EXACT_BOUND) {
                return Err(diagnose::too_large_in(scan, column, None));
            }
        }
    }
    Ok(())
}

/// A CSV source: read by kpic's reader, in one batch when it fits in one (and
/// then like any other frame), in batches whose partial results are merged
/// when it does not.
fn run_csv(scan: &SourceFile, queries: &[&AggQuery], batch_bytes: usize) -> Result<Vec<AggTable>, Diagnostic> {
    let mut reader = csv::CsvReader::with_batch_bytes(scan, &grains(queries), batch_bytes)?;
    let first = reader.next_batch()?.expect("the first batch is always there");
    if reader.done() {
        let collect = |frames| collect_all(frames).map_err(|e| diagnose::polars_failure(scan, &e));
        return run_plan(scan, queries, first.lazy(), collect);
    }
    let mut merge = batch::Merge::new(scan, queries.to_vec());
    merge.add(first)?;
    while let Some(batch) = reader.next_batch()? {
        merge.add(batch)?;
    }
    merge.finish()
}

fn grains(queries: &[&AggQuery]) -> Vec<Grain> {
    let mut grains: Vec<Grain> = queries.iter().map(|q| q.grain).collect();
    grains.sort();
    grains.dedup();
    grains
}

/// The optimized polars plan of each query of a source, for `kpic plan`. A CSV
/// source's plan starts from the frame kpic's reader fills.
pub fn explain(scan: &SourceFile, query: &AggQuery) -> Result<String, Diagnostic> {
    let lf = match scan.format {
        FileFormat::Csv => {
            let reader = csv::CsvReader::open(scan, &[query.grain])?;
            reader.empty_frame()?.lazy()
        }
        _ => scan_frame(scan, &[query.grain])?,
    };
    let frames = query_frame(scan, lf, query);
    let explain = |lf: LazyFrame| lf.explain(true).map_err(|e| diagnose::failure(scan, &e));
    let mut plan = explain(frames.grouped)?;
    for (alias, pairs) in frames.distinct {
        plan.push_str(&format!("\nDISTINCT COUNT {alias}: the values of each group, counted by kpic, from"));
        for line in explain(pairs)?.lines() {
            plan.push_str("\n  ");
            plan.push_str(line);
        }
    }
    if scan.format != FileFormat::Csv {
        return Ok(plan);
    }
    let used: Vec<&str> = scan.columns.iter().filter(|c| c.used).map(|c| c.name.as_str()).collect();
    Ok(format!(
        "{plan}\n  FROM kpic's CSV reader: {} ({} of {} columns: {}; the period of each row computed while reading)",
        scan.path.display(),
        used.len(),
        scan.columns.len(),
        used.join(", ")
    ))
}

fn collect_all(frames: Vec<LazyFrame>) -> PolarsResult<Vec<DataFrame>> {
    let Some(first) = frames.first() else { return Ok(Vec::new()) };
    // One multi-output plan: polars' common-subplan elimination shares the scan,
    // so the file is read once for all groupings.
    let opt = first.get_current_optimizations();
    let plans: Vec<DslPlan> = frames.into_iter().map(|f| f.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::Streaming, opt)
}

fn period_column(g: Grain) -> String {
    format!("__period_{}", g.as_str())
}

/// The type a declared column is read as before conversion.
pub(crate) fn read_dtype(ty: &ColType) -> DataType {
    match ty {
        ColType::Int => DataType::Int64,
        ColType::Float | ColType::Decimal | ColType::Money(_) | ColType::Percent | ColType::Duration(_) => {
            DataType::Float64
        }
        ColType::Text | ColType::Date | ColType::Datetime => DataType::String,
        ColType::Bool => DataType::Boolean,
    }
}

/// A used column in its evaluation type, from the type the file stores it as:
/// text dates parsed with their one exact format, typed dates and times kept,
/// numbers cast exactly, percents as fractions, durations in seconds.
pub(crate) fn evaluation_column(c: &ScanColumn, stored: &DataType) -> Expr {
    let e = col(c.name.as_str());
    let options = || StrptimeOptions {
        format: Some(c.format.as_deref().unwrap_or(c.ty.default_format()).into()),
        strict: true,
        exact: true,
        cache: true,
    };
    let converted = match (&c.ty, stored) {
        (ColType::Date, DataType::Date) => e,
        (ColType::Datetime, DataType::Datetime(..) | DataType::Date) => e.map(
            |c| time::to_micros(&c),
            |_, f| Ok(Field::new(f.name().clone(), DataType::Datetime(TimeUnit::Microseconds, None))),
        ),
        (ColType::Date, _) => e.str().to_date(options()),
        (ColType::Datetime, _) => e.str().to_datetime(Some(TimeUnit::Microseconds), None, options(), lit("raise")),
        (ColType::Percent, _) => divided(e.strict_cast(DataType::Float64), 100.0),
        (ColType::Duration(u), _) => e.strict_cast(DataType::Float64) * lit(u.seconds()),
        (ty, _) => e.strict_cast(read_dtype(ty)),
    };
    converted.alias(c.name.as_str())
}

/// Each value divided by `d`, rounded once as `82.5 / 100` is: polars divides
/// by a constant through its reciprocal, and 82.5 × 0.01 is 0.8250000000000001,
/// which would put a cell of 82.5 above the literal `82.5%`.
fn divided(e: Expr, d: f64) -> Expr {
    e.map(
        move |c| Ok(c.f64()?.apply_values(|x| x / d).into_column()),
        |_, field| Ok(Field::new(field.name().clone(), DataType::Float64)),
    )
}

/// The used columns of a Parquet or NDJSON file, in their evaluation types.
fn read(scan: &SourceFile) -> Result<LazyFrame, Diagnostic> {
    diagnose::check_file(scan)?;
    let path = pl_path(&scan.path);
    match scan.format {
        FileFormat::Csv => unreachable!("CSV files are read by csv::CsvReader"),
        FileFormat::Parquet => {
            let lf =
                LazyFrame::scan_parquet(path, ScanArgsParquet::default()).map_err(|e| diagnose::failure(scan, &e))?;
            diagnose::typed_schema(scan, lf)
        }
        FileFormat::Ndjson => {
            let lf = LazyJsonLineReader::new(path).finish().map_err(|e| diagnose::failure(scan, &e))?;
            diagnose::typed_schema(scan, lf)
        }
    }
}

pub(crate) fn pl_path(path: &Path) -> PlRefPath {
    PlRefPath::new(path.to_string_lossy().as_ref())
}

/// A query's table from its grouped frame `df` and the collected rows of each
/// of its distinct counts, by alias.
fn to_table(
    scan: &SourceFile,
    query: &AggQuery,
    df: &DataFrame,
    distinct: &[(&str, DataFrame)],
) -> Result<AggTable, Diagnostic> {
    let fail = |e: PolarsError| diagnose::failure(scan, &e);
    let periods = df.column(PERIOD).map_err(fail)?.as_materialized_series().date().map_err(fail)?.clone();
    let null_periods = periods.null_count();
    if null_periods > 0 {
        return Err(diagnose::null_time(scan));
    }
    let mut table =
        AggTable { periods: periods.as_date_iter().map(|d| d.unwrap_or_default()).collect(), ..AggTable::default() };
    for key in &query.keys {
        let s = df.column(key).map_err(fail)?.cast(&DataType::String).map_err(fail)?;
        let s = s.str().map_err(fail)?.clone();
        table.keys.push(s.iter().map(|v| v.map(str::to_string)).collect());
    }
    let by = group_names(query);
    for (alias, pairs) in distinct {
        let counts = distinct::counts(df, pairs, &by).map_err(fail)?;
        table.values.insert(alias.to_string(), counts.into_iter().map(Some).collect());
    }
    for a in query.aggs.iter().filter(|a| !is_distinct_count(a)) {
        let mut values = float_column(df, &a.alias).map_err(fail)?;
        if matches!(a.func, AggFn::Sum | AggFn::Avg) {
            // The sum of no values is no value; an average is the sum over the count.
            let counts = float_column(df, &format!("{}__n", a.alias)).map_err(fail)?;
            for (v, n) in values.iter_mut().zip(counts) {
                let n = n.unwrap_or(0.0);
                *v = v.filter(|_| n > 0.0).map(|v| if a.func == AggFn::Avg { v / n } else { v });
            }
        }
        if values.iter().flatten().any(|v| !v.is_finite()) {
            // NaN or infinity in the data: never silently a missing value.
            return Err(diagnose::not_finite(scan, a));
        }
        table.values.insert(a.alias.clone(), values);
    }
    Ok(table)
}

/// A column of numbers as floats; decimals (exact sums) each as the nearest
/// float, lists of floats (float sums) each as their exact sum.
fn float_column(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let c = df.column(name)?;
    if let DataType::Decimal(_, scale) = c.dtype() {
        let scale = *scale;
        return Ok(c.decimal()?.physical().iter().map(|v| v.map(|v| aggs::decimal_to_f64(v, scale))).collect());
    }
    if let DataType::List(_) = c.dtype() {
        let lists = c.list()?;
        return (0..lists.len()).map(|row| aggs::exact_float_sum(lists.get_as_series(row)).map(Some)).collect();
    }
    Ok(c.cast(&DataType::Float64)?.f64()?.iter().collect())
}
