//! A source read in several batches (a CSV file larger than one batch): each
//! batch is aggregated on its own into partial results, and the partial results
//! are merged, so memory holds one batch and the groups, never the whole file.
//!
//! Merging is exact where the single pass is: counts add; sums of ints, money
//! and decimals add as 128-bit integers (the same decimals the single pass sums
//! in); minima and maxima combine; distinct values are kept per group in a set,
//! and the values of a median or percentile in a list, so those two cost memory
//! in proportion to the distinct values and the values they read; sums of
//! floats add each batch's values to an exact sum. The results equal the
//! single pass's bit for bit.

use super::aggs::{
    agg_exprs, agg_input, column_type, decimal_to_f64, exact_decimal, exact_scale, float_values, to_float, Conditions,
};
use super::Diagnostic;
use super::SourceFile;
use crate::exact::FloatSum;
use crate::ir::{AggOutput, AggQuery, AggTable};
use crate::vocab::AggFn;
use ::polars::prelude::*;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// Partial results of one source's queries, batch after batch.
pub(super) struct Merge<'q> {
    scan: &'q SourceFile,
    queries: Vec<&'q AggQuery>,
    /// Per query: the accumulators of each group.
    groups: Vec<HashMap<Group, Vec<Acc>>>,
}

/// A group: the start of its period (days since 1970) and its key values.
type Group = (i32, Vec<Option<String>>);

/// One aggregate's partial result in one group.
#[derive(Debug)]
enum Acc {
    Count(f64),
    /// A sum in units of 10^-scale, and how many values it holds.
    Exact {
        sum: i128,
        n: f64,
        scale: usize,
    },
    Float {
        sum: FloatSum,
        n: f64,
    },
    Min(Option<f64>),
    Max(Option<f64>),
    Distinct(Distinct),
    Values(Vec<f64>),
}

#[derive(Debug, Default)]
struct Distinct {
    numbers: HashSet<u64>,
    texts: HashSet<String>,
}

impl<'q> Merge<'q> {
    pub(super) fn new(scan: &'q SourceFile, queries: Vec<&'q AggQuery>) -> Merge<'q> {
        let groups = queries.iter().map(|_| HashMap::new()).collect();
        Merge { scan, queries, groups }
    }

    /// Aggregate one batch and merge it in.
    pub(super) fn add(&mut self, batch: DataFrame) -> Result<(), Diagnostic> {
        let lf = batch.lazy();
        let frames: Vec<LazyFrame> = self.queries.iter().map(|q| partial_frame(self.scan, lf.clone(), q)).collect();
        let fail = |e: PolarsError| super::diagnose::polars_failure(self.scan, &e);
        let results = super::collect_all(frames).map_err(fail)?;
        for (qi, df) in results.into_iter().enumerate() {
            // kpic's CSV reader refuses a row without a time; a typed file's
            // slice can hold one, whose group has a null period.
            if df.column(super::PERIOD).map_err(fail)?.null_count() > 0 {
                return Err(super::diagnose::null_time(self.scan));
            }
            self.merge(qi, &df).map_err(fail)?;
        }
        Ok(())
    }

    fn merge(&mut self, qi: usize, df: &DataFrame) -> PolarsResult<()> {
        let query = self.queries[qi];
        let periods = df.column(super::PERIOD)?.date()?.physical().clone();
        let mut keys = Vec::new();
        for key in &query.keys {
            keys.push(df.column(key)?.cast(&DataType::String)?.str()?.clone());
        }
        let parts: Vec<Part> = query.aggs.iter().map(|a| Part::of(df, a, self.scan)).collect::<PolarsResult<_>>()?;
        let groups = &mut self.groups[qi];
        for row in 0..df.height() {
            let period = periods.get(row).expect("add refuses null periods");
            let key: Vec<Option<String>> = keys.iter().map(|k| k.get(row).map(str::to_string)).collect();
            let accs = groups.entry((period, key)).or_insert_with(|| parts.iter().map(Part::empty).collect());
            for (acc, part) in accs.iter_mut().zip(&parts) {
                part.merge_into(acc, row)?;
            }
        }
        Ok(())
    }

    /// The merged results, one table per query.
    pub(super) fn finish(self) -> Result<Vec<AggTable>, Diagnostic> {
        let mut tables = Vec::new();
        for (query, groups) in self.queries.iter().zip(self.groups) {
            let mut table =
                AggTable { keys: vec![Vec::with_capacity(groups.len()); query.keys.len()], ..AggTable::default() };
            let mut values: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(groups.len()); query.aggs.len()];
            for ((period, key), accs) in groups {
                table.periods.push(date(period));
                for (column, k) in table.keys.iter_mut().zip(key) {
                    column.push(k);
                }
                for ((column, acc), a) in values.iter_mut().zip(accs).zip(&query.aggs) {
                    let v = acc.result(a);
                    if v.is_some_and(|v| !v.is_finite()) {
                        return Err(super::diagnose::not_finite(self.scan, a));
                    }
                    column.push(v);
                }
            }
            for (a, column) in query.aggs.iter().zip(values) {
                table.values.insert(a.alias.clone(), column);
            }
            tables.push(table);
        }
        Ok(tables)
    }
}

fn date(days: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date") + chrono::Duration::days(i64::from(days))
}

/// The partial aggregation of one query over one batch: per group, what
/// [`Part::of`] reads back.
fn partial_frame(scan: &SourceFile, lf: LazyFrame, query: &AggQuery) -> LazyFrame {
    let conditions = Conditions::of(query);
    let mut aggs = Vec::new();
    for a in &query.aggs {
        let alias = a.alias.as_str();
        let Some(c) = agg_input(a, &conditions) else {
            // count(source [where p]) is complete in each batch.
            aggs.extend(agg_exprs(scan, a, &conditions));
            continue;
        };
        let n = || c.clone().count().cast(DataType::Float64).alias(format!("{alias}__n"));
        match a.func {
            AggFn::Count => aggs.push(c.count().cast(DataType::Float64).alias(alias)),
            AggFn::Sum | AggFn::Avg => {
                match exact_scale(column_type(scan, a)) {
                    Some(scale) => aggs.push(exact_decimal(c.clone(), scale).sum().alias(alias)),
                    None => aggs.push(float_values(c.clone()).alias(alias)),
                }
                aggs.push(n());
            }
            AggFn::Min => aggs.push(c.min().cast(DataType::Float64).alias(alias)),
            AggFn::Max => aggs.push(c.max().cast(DataType::Float64).alias(alias)),
            AggFn::CountDistinct => aggs.push(c.drop_nulls().unique().alias(alias)),
            AggFn::Median | AggFn::Percentile => aggs.push(to_float(c).drop_nulls().alias(alias)),
        }
    }
    let mut by = vec![col(super::period_column(query.grain)).alias(super::PERIOD)];
    by.extend(query.keys.iter().map(|k| col(k.as_str())));
    super::the_rows_read(lf, query).with_columns(conditions.columns()).group_by(by).agg(aggs)
}

/// One aggregate's column(s) of a partial frame.
enum Part {
    Count(Float64Chunked),
    Exact {
        sum: Int128Chunked,
        n: Float64Chunked,
        scale: usize,
    },
    /// Each group's values.
    Float {
        sum: ListChunked,
        n: Float64Chunked,
    },
    Min(Float64Chunked),
    Max(Float64Chunked),
    Distinct(ListChunked),
    Values(ListChunked),
}

impl Part {
    fn of(df: &DataFrame, a: &AggOutput, scan: &SourceFile) -> PolarsResult<Part> {
        let float = |name: &str| -> PolarsResult<Float64Chunked> {
            Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
        };
        let alias = a.alias.as_str();
        let n = || float(&format!("{alias}__n"));
        Ok(match a.func {
            AggFn::Count => Part::Count(float(alias)?),
            AggFn::Sum | AggFn::Avg => match exact_scale(column_type(scan, a)) {
                Some(scale) => {
                    let sum = df.column(alias)?.decimal()?.physical().clone();
                    Part::Exact { sum, n: n()?, scale }
                }
                None => Part::Float { sum: df.column(alias)?.list()?.clone(), n: n()? },
            },
            AggFn::Min => Part::Min(float(alias)?),
            AggFn::Max => Part::Max(float(alias)?),
            AggFn::CountDistinct => Part::Distinct(df.column(alias)?.list()?.clone()),
            AggFn::Median | AggFn::Percentile => Part::Values(df.column(alias)?.list()?.clone()),
        })
    }

    fn empty(&self) -> Acc {
        match self {
            Part::Count(_) => Acc::Count(0.0),
            Part::Exact { scale, .. } => Acc::Exact { sum: 0, n: 0.0, scale: *scale },
            Part::Float { .. } => Acc::Float { sum: FloatSum::default(), n: 0.0 },
            Part::Min(_) => Acc::Min(None),
            Part::Max(_) => Acc::Max(None),
            Part::Distinct(_) => Acc::Distinct(Distinct::default()),
            Part::Values(_) => Acc::Values(Vec::new()),
        }
    }

    fn merge_into(&self, acc: &mut Acc, row: usize) -> PolarsResult<()> {
        match (self, acc) {
            (Part::Count(c), Acc::Count(total)) => *total += c.get(row).unwrap_or(0.0),
            (Part::Exact { sum, n, .. }, Acc::Exact { sum: total, n: count, .. }) => {
                let add = sum.get(row).unwrap_or(0);
                *total = total.checked_add(add).ok_or_else(|| polars_err!(ComputeError: "an exact sum overflows"))?;
                *count += n.get(row).unwrap_or(0.0);
            }
            (Part::Float { sum, n }, Acc::Float { sum: total, n: count }) => {
                if let Some(values) = sum.get_as_series(row) {
                    values.f64()?.into_no_null_iter().for_each(|x| total.add(x));
                }
                *count += n.get(row).unwrap_or(0.0);
            }
            (Part::Min(c), Acc::Min(m)) => *m = combine(*m, c.get(row), f64::min),
            (Part::Max(c), Acc::Max(m)) => *m = combine(*m, c.get(row), f64::max),
            (Part::Distinct(list), Acc::Distinct(set)) => {
                if let Some(values) = list.get_as_series(row) {
                    set.extend(&values)?;
                }
            }
            (Part::Values(list), Acc::Values(all)) => {
                if let Some(values) = list.get_as_series(row) {
                    all.extend(values.f64()?.into_no_null_iter());
                }
            }
            _ => unreachable!("accumulators are made from their parts"),
        }
        Ok(())
    }
}

fn combine(a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        (a, b) => a.or(b),
    }
}

impl Distinct {
    fn extend(&mut self, values: &Series) -> PolarsResult<()> {
        match values.dtype() {
            DataType::String => self.texts.extend(values.str()?.iter().flatten().map(str::to_string)),
            DataType::Float64 | DataType::Float32 => {
                // -0.0 and 0.0 are one value, as in SQL, and so is every NaN,
                // as in the single pass.
                let floats = values.cast(&DataType::Float64)?;
                let bits = floats.f64()?.into_no_null_iter().map(super::distinct::canonical_bits);
                self.numbers.extend(bits);
            }
            DataType::Boolean => self.numbers.extend(values.bool()?.iter().flatten().map(u64::from)),
            _ => {
                let ints = values.to_physical_repr().cast(&DataType::Int64)?;
                self.numbers.extend(ints.i64()?.into_no_null_iter().map(|x| x as u64));
            }
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.numbers.len() + self.texts.len()
    }
}

impl Acc {
    /// The aggregate's value, as the single pass computes it.
    fn result(self, a: &AggOutput) -> Option<f64> {
        match self {
            Acc::Count(n) => Some(n),
            Acc::Exact { n, .. } | Acc::Float { n, .. } if n == 0.0 => None,
            Acc::Exact { sum, n, scale } => Some(average(a, decimal_to_f64(sum, scale), n)),
            Acc::Float { sum, n } => Some(average(a, sum.value(), n)),
            Acc::Min(m) | Acc::Max(m) => m,
            Acc::Distinct(set) => Some(set.len() as f64),
            Acc::Values(mut values) if !values.is_empty() => {
                values.sort_by(f64::total_cmp);
                let q = if a.func == AggFn::Median { 0.5 } else { a.param.unwrap_or(0.5) };
                Some(quantile(&values, q))
            }
            Acc::Values(_) => None,
        }
    }
}

fn average(a: &AggOutput, sum: f64, n: f64) -> f64 {
    if a.func == AggFn::Avg {
        sum / n
    } else {
        sum
    }
}

/// polars' linear quantile of sorted values, operation for operation, so the
/// result is the same float.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let float_idx = (sorted.len() as f64 - 1.0) * q;
    let idx = (float_idx as usize).min(sorted.len() - 1);
    let top = f64::ceil(float_idx) as usize;
    let lower = sorted[idx];
    if top == idx {
        return lower;
    }
    let upper = sorted[idx + 1];
    if lower == upper {
        lower
    } else {
        (float_idx - idx as f64) * (upper - lower) + lower
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_between_ranks() {
        assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.5), 2.5);
        assert_eq!(quantile(&[1.0, 2.0, 3.0], 0.5), 2.0);
        assert_eq!(quantile(&[10.0], 0.9), 10.0);
        assert_eq!(quantile(&[0.0, 10.0], 0.9), 9.0);
        assert_eq!(quantile(&[0.0, 10.0, 20.0], 1.0), 20.0);
    }
}
