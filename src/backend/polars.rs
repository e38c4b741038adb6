//! IR to polars `LazyFrame`s, and running them. Nothing else lives here.
//!
//! Reading is strict: the declared schema is handed to the CSV reader (no type
//! guessing), dates are parsed with their exact format, and any value that does not
//! fit stops the evaluation with the source, column, row and value.

mod diagnose;
pub mod schema;

use crate::diagnostics::Diagnostic;
use crate::ir::{AggOutput, AggQuery, AggTable, Operand, Pred, Scan};
use crate::sema::model::{FileFormat, Value};
use crate::sema::types::ColType;
use crate::syntax::ast::{AggFn, CmpOp, Grain};
use ::polars::prelude::*;
use std::path::Path;

const PERIOD: &str = "__period";

/// A scan ready to be grouped: only the used columns, in their evaluation types
/// (percents as fractions, durations in seconds), with the period of each row.
pub fn scan_frame(scan: &Scan, grains: &[Grain]) -> Result<LazyFrame, Diagnostic> {
    let base = read(scan)?;
    let mut exprs = Vec::new();
    for c in scan.columns.iter().filter(|c| c.used) {
        exprs.push(convert(col(c.name.as_str()), &c.ty, c.format.as_deref()).alias(c.name.as_str()));
    }
    let mut lf = base.select(exprs);
    let time = col(scan.time_column.as_str());
    let periods: Vec<Expr> = grains.iter().map(|g| period_of(time.clone(), *g).alias(period_column(*g))).collect();
    lf = lf.with_columns(periods);
    Ok(lf)
}

/// The LazyFrame of one aggregation query over its scan's frame.
pub fn query_frame(scan_lf: LazyFrame, query: &AggQuery) -> LazyFrame {
    let mut by = vec![col(period_column(query.grain)).alias(PERIOD)];
    by.extend(query.keys.iter().map(|k| col(k.as_str())));
    let mut aggs = Vec::new();
    for a in &query.aggs {
        aggs.extend(agg_exprs(a));
    }
    scan_lf.group_by(by).agg(aggs)
}

/// Run every query of a plan: each source is scanned once per query group.
pub fn run(scans: &[Scan], queries: &[AggQuery]) -> Result<Vec<AggTable>, Diagnostic> {
    let mut tables = vec![AggTable::default(); queries.len()];
    for (si, scan) in scans.iter().enumerate() {
        let mine: Vec<usize> = (0..queries.len()).filter(|q| queries[*q].scan == si).collect();
        if mine.is_empty() {
            continue;
        }
        let mut grains: Vec<Grain> = mine.iter().map(|q| queries[*q].grain).collect();
        grains.sort();
        grains.dedup();
        let lf = scan_frame(scan, &grains)?;
        // All queries of a source run as one plan, so the file is read once.
        let frames: Vec<LazyFrame> = mine.iter().map(|q| query_frame(lf.clone(), &queries[*q])).collect();
        let results = collect_all(frames).map_err(|e| diagnose::failure(scan, &e))?;
        for (q, df) in mine.iter().zip(results) {
            tables[*q] = to_table(scan, &queries[*q], &df)?;
        }
    }
    Ok(tables)
}

/// The optimized polars plan of each query of a source, for `kpic plan`.
pub fn explain(scan: &Scan, query: &AggQuery) -> Result<String, Diagnostic> {
    let lf = query_frame(scan_frame(scan, &[query.grain])?, query);
    lf.explain(true).map_err(|e| diagnose::failure(scan, &e))
}

fn collect_all(frames: Vec<LazyFrame>) -> PolarsResult<Vec<DataFrame>> {
    if frames.len() == 1 {
        return frames.into_iter().map(|f| f.collect()).collect();
    }
    // One multi-output plan: polars' common-subplan elimination shares the scan,
    // so the file is read once for all groupings.
    let opt = frames[0].get_current_optimizations();
    let plans: Vec<DslPlan> = frames.into_iter().map(|f| f.logical_plan).collect();
    LazyFrame::collect_all_with_engine(plans, Engine::Auto, opt)
}

fn period_column(g: Grain) -> String {
    format!("__period_{}", g.as_str())
}

/// The first day of the period of a date or datetime.
fn period_of(time: Expr, grain: Grain) -> Expr {
    let every = match grain {
        Grain::Day => "1d",
        Grain::Week => "1w",
        Grain::Month => "1mo",
        Grain::Quarter => "1q",
        Grain::Year => "1y",
    };
    time.dt().truncate(lit(every)).cast(DataType::Date)
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

pub(crate) fn default_format(ty: &ColType) -> &'static str {
    match ty {
        ColType::Date => "%Y-%m-%d",
        _ => "%Y-%m-%d %H:%M:%S",
    }
}

/// From the read type to the evaluation type.
fn convert(e: Expr, ty: &ColType, format: Option<&str>) -> Expr {
    let options = |ty: &ColType| StrptimeOptions {
        format: Some(format.unwrap_or(default_format(ty)).into()),
        strict: true,
        exact: true,
        cache: true,
    };
    match ty {
        ColType::Date => e.str().to_date(options(ty)),
        ColType::Datetime => e.str().to_datetime(Some(TimeUnit::Microseconds), None, options(ty), lit("raise")),
        ColType::Percent => divided(e, 100.0),
        ColType::Duration(u) => e * lit(u.seconds()),
        _ => e,
    }
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

fn read(scan: &Scan) -> Result<LazyFrame, Diagnostic> {
    diagnose::check_file(scan)?;
    let path = pl_path(&scan.path);
    match scan.format {
        FileFormat::Csv => {
            diagnose::check_layout(scan)?;
            let header = diagnose::csv_header(scan)?;
            let mut schema = Schema::default();
            for name in &header {
                let dtype =
                    scan.columns.iter().find(|c| &c.name == name).map_or(DataType::String, |c| read_dtype(&c.ty));
                schema.with_column(name.as_str().into(), dtype);
            }
            LazyCsvReader::new(path)
                .with_glob(false)
                .with_has_header(true)
                .with_schema(Some(Arc::new(schema)))
                .with_raise_if_empty(true)
                .with_missing_is_null(true)
                .finish()
                .map_err(|e| diagnose::failure(scan, &e))
        }
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

fn agg_exprs(a: &AggOutput) -> Vec<Expr> {
    let filtered = |e: Expr| match &a.filter {
        Some(p) => e.filter(pred(p)),
        None => e,
    };
    let alias = a.alias.as_str();
    let column = a.column.as_deref().map(col);
    match (a.func, column) {
        (AggFn::Count, None) => vec![match &a.filter {
            // Rows where the condition is true; null counts as not true, as in SQL.
            // A condition that reads no column is one scalar in polars, not one
            // value per row: summed, `true` would count 1 row per group.
            Some(p) if constant(p) != Some(true) => {
                pred(p).fill_null(lit(false)).sum().cast(DataType::Float64).alias(alias)
            }
            _ => len().cast(DataType::Float64).alias(alias),
        }],
        (AggFn::Count, Some(c)) => vec![filtered(c).count().cast(DataType::Float64).alias(alias)],
        (AggFn::CountDistinct, Some(c)) => {
            vec![filtered(c).drop_nulls().n_unique().cast(DataType::Float64).alias(alias)]
        }
        (AggFn::Sum, Some(c)) => vec![
            // In floats: a sum of int64 values can overflow int64 (SQL widens it too).
            filtered(c.clone().cast(DataType::Float64)).sum().alias(alias),
            // SQL: the sum of no values is null, not 0.
            filtered(c).count().cast(DataType::Float64).alias(format!("{alias}__n")),
        ],
        (AggFn::Avg, Some(c)) => vec![filtered(c).mean().alias(alias)],
        (AggFn::Min, Some(c)) => vec![filtered(c).min().cast(DataType::Float64).alias(alias)],
        (AggFn::Max, Some(c)) => vec![filtered(c).max().cast(DataType::Float64).alias(alias)],
        (AggFn::Median, Some(c)) => vec![filtered(c).median().cast(DataType::Float64).alias(alias)],
        (AggFn::Percentile, Some(c)) => {
            vec![filtered(c)
                .quantile(lit(a.param.unwrap_or(0.5)), QuantileMethod::Linear)
                .cast(DataType::Float64)
                .alias(alias)]
        }
        // The checker guarantees a column for every aggregate but count.
        (_, None) => vec![lit(NULL).cast(DataType::Float64).alias(alias)],
    }
}

/// The value of a condition that reads no column (`true`, `not false`).
fn constant(p: &Pred) -> Option<bool> {
    match p {
        Pred::Const(b) => Some(*b),
        Pred::Not(a) => constant(a).map(|b| !b),
        Pred::And(a, b) => Some(constant(a)? && constant(b)?),
        Pred::Or(a, b) => Some(constant(a)? || constant(b)?),
        _ => None,
    }
}

fn pred(p: &Pred) -> Expr {
    crate::guard(|| pred_unguarded(p))
}

fn pred_unguarded(p: &Pred) -> Expr {
    match p {
        Pred::And(a, b) => pred(a).and(pred(b)),
        Pred::Or(a, b) => pred(a).or(pred(b)),
        Pred::Not(a) => pred(a).not(),
        Pred::Const(b) => lit(*b),
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
    }
}

fn operand(o: &Operand) -> Expr {
    match o {
        Operand::Column(c) => col(c.as_str()),
        Operand::Value(v) => value(v),
    }
}

fn value(v: &Value) -> Expr {
    match v {
        Value::Number(n) => lit(*n),
        Value::Text(s) => lit(s.clone()),
        Value::Bool(b) => lit(*b),
        Value::Date(d) => lit(*d),
        Value::DateTime(dt) => lit(*dt).cast(DataType::Datetime(TimeUnit::Microseconds, None)),
    }
}

fn to_table(scan: &Scan, query: &AggQuery, df: &DataFrame) -> Result<AggTable, Diagnostic> {
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
    for a in &query.aggs {
        let mut values = float_column(df, &a.alias).map_err(fail)?;
        if a.func == AggFn::Sum {
            let counts = float_column(df, &format!("{}__n", a.alias)).map_err(fail)?;
            for (v, n) in values.iter_mut().zip(counts) {
                if n.unwrap_or(0.0) == 0.0 {
                    *v = None;
                }
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

fn float_column(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<f64>>> {
    let s = df.column(name)?.cast(&DataType::Float64)?;
    Ok(s.f64()?.iter().collect())
}

/// Read a small CSV side table with every column as text (targets, bonus bases,
/// org charts); the caller parses the values it needs and reports bad ones.
pub fn read_text_table(path: &Path) -> Result<crate::ir::TextTable, String> {
    let first_line = |e: PolarsError| e.to_string().lines().next().unwrap_or("").to_string();
    let df = LazyCsvReader::new(pl_path(path))
        .with_glob(false)
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
        .and_then(|lf| lf.collect())
        .map_err(first_line)?;
    let mut table = crate::ir::TextTable::default();
    for c in df.columns() {
        let values = c.str().map_err(first_line)?.iter().map(|v| v.map(str::to_string)).collect();
        table.columns.insert(c.name().to_string(), values);
    }
    Ok(table)
}
