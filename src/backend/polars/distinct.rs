//! Distinct counts, counted by kpic on the rows a plan collects.
//!
//! In polars a distinct count per group is a grouping on every (group, value)
//! pair: one hash table as large as the distinct pairs, which for distinct
//! customers per manager and month is most of the rows, so nearly every row
//! misses the caches (half of the benchmark's time, docs/performance.md). The
//! groups themselves are few. So the plan only collects each row's keys and
//! value (rows with a value), and here each row's group gets a small dense
//! number, the values are moved to their group's slice of one buffer (a
//! counting sort), and each group's values are sorted and counted on their own,
//! a few thousand at a time and in cache, on every core.
//!
//! Values are what polars' grouping tells apart: `-0.0` and `0.0` are one
//! value, as are all NaNs, and nulls are no value (SQL's `count(DISTINCT x)`).
//! A group whose key is null is a group.

use super::aggs::{agg_input, Conditions};
use crate::ir::AggOutput;
use ::polars::prelude::*;
use rayon::prelude::*;
use std::hash::Hash;

/// The column of [`pairs`] that holds the value counted.
pub(super) const VALUE: &str = "__value";

/// The rows that distinct count `a` counts, as the columns `by` and the value
/// ([`VALUE`]): the rows its filter matches that have a value.
pub(super) fn pairs(rows: LazyFrame, by: &[Expr], a: &AggOutput, conditions: &Conditions) -> LazyFrame {
    let value = agg_input(a, conditions).expect("a distinct count reads a column").alias(VALUE);
    rows.select(by.iter().cloned().chain([value]).collect::<Vec<_>>())
        .drop_nulls(Some(Selector::ByName { names: [VALUE.into()].into(), strict: true }))
}

/// The distinct count of `pairs`' column [`VALUE`] for each row of `grouped`,
/// whose columns `by` name one group per row; a group that has no value in
/// `pairs` counts 0. `pairs` holds the same `by` columns, and a non-null
/// [`VALUE`] on every row.
pub(super) fn counts(grouped: &DataFrame, pairs: &DataFrame, by: &[&str]) -> PolarsResult<Vec<f64>> {
    let columns = |df: &DataFrame| -> PolarsResult<Vec<Column>> { by.iter().map(|k| coded(df.column(k)?)).collect() };
    let keys = columns(pairs)?;
    let keys: Vec<&Column> = keys.iter().collect();
    let grouping = Grouping::of(&keys)?;
    let values = value_bits(&coded(pairs.column(VALUE)?)?)?;
    let per_group = count_per_group(&grouping.ids, grouping.groups, &values);
    let wanted = columns(grouped)?;
    let ids = grouping.lookup(&wanted.iter().collect::<Vec<_>>())?;
    Ok(ids.into_iter().map(|g| g.map_or(0.0, |g| per_group[g as usize] as f64)).collect())
}

/// Each row's group as a number below `groups`.
struct Grouping<'a> {
    ids: Vec<u32>,
    groups: u64,
    /// One step per key column: the column's codes, and the renumbering of the
    /// combined numbers when they grew past `limit`.
    steps: Vec<(Codes<'a>, Option<PlHashMap<u64, u32>>)>,
}

impl<'a> Grouping<'a> {
    fn of(keys: &[&'a Column]) -> PolarsResult<Grouping<'a>> {
        let rows = keys.first().map_or(0, |k| k.len());
        // Combined numbers stay below a few times the rows, so the counting
        // sort's table of group starts is never much larger than the rows,
        // and within 32 bits (as polars' row numbers are).
        let limit = (4 * rows as u64 + 1024).min(u64::from(u32::MAX));
        let mut ids = vec![0u64; rows];
        let mut groups = 1u64;
        let mut steps = Vec::new();
        for key in keys {
            let mut codes = Codes::new(key);
            let column = codes.insert(key)?;
            let card = codes.len();
            for (id, code) in ids.iter_mut().zip(column) {
                *id = *id * card + u64::from(code);
            }
            groups *= card;
            let mut renumbered = None;
            if groups > limit {
                let mut map = PlHashMap::new();
                for id in ids.iter_mut() {
                    let next = map.len() as u32;
                    *id = u64::from(*map.entry(*id).or_insert(next));
                }
                groups = map.len() as u64;
                renumbered = Some(map);
            }
            steps.push((codes, renumbered));
        }
        Ok(Grouping { ids: ids.into_iter().map(|id| id as u32).collect(), groups, steps })
    }

    /// The group number of each row of `keys` (the same columns, of other
    /// rows), `None` for a group no row of the grouping has.
    fn lookup(&self, keys: &[&Column]) -> PolarsResult<Vec<Option<u32>>> {
        let rows = keys.first().map_or(0, |k| k.len());
        let mut ids: Vec<Option<u64>> = vec![Some(0); rows];
        for ((codes, renumbered), key) in self.steps.iter().zip(keys) {
            let card = codes.len();
            for (id, code) in ids.iter_mut().zip(codes.find(key)?) {
                *id = id.zip(code).map(|(id, code)| id * card + u64::from(code));
                if let (Some(map), Some(n)) = (renumbered, *id) {
                    *id = map.get(&n).map(|&n| u64::from(n));
                }
            }
        }
        Ok(ids.into_iter().map(|id| id.map(|id| id as u32)).collect())
    }
}

/// Dense codes for the values of one column, null included.
enum Codes<'a> {
    Text(Dictionary<Option<&'a str>>),
    Int(Dictionary<Option<i64>>),
    Wide(Dictionary<Option<i128>>),
    Float(Dictionary<Option<u64>>),
}

struct Dictionary<K> {
    codes: PlHashMap<K, u32>,
}

impl<K: Hash + Eq + Copy> Dictionary<K> {
    fn new() -> Self {
        Dictionary { codes: PlHashMap::new() }
    }

    fn insert(&mut self, key: K) -> u32 {
        let next = self.codes.len() as u32;
        *self.codes.entry(key).or_insert(next)
    }

    fn find(&self, key: &K) -> Option<u32> {
        self.codes.get(key).copied()
    }
}

/// How a column's values are told apart: its text, its integer (also the
/// physical number of dates, times and durations), its 128-bit decimal, or its
/// float canonicalised. Other types go through their text ([`coded`]).
enum Kind {
    Text,
    Int,
    Wide,
    Float,
}

/// `column` in a type [`kind`] codes as itself: as text when it has no kind.
fn coded(column: &Column) -> PolarsResult<Column> {
    match (kind(column.dtype()), column.dtype()) {
        (Kind::Text, DataType::String) | (Kind::Int | Kind::Wide | Kind::Float, _) => Ok(column.clone()),
        (Kind::Text, _) => column.cast(&DataType::String),
    }
}

fn kind(dtype: &DataType) -> Kind {
    match dtype {
        DataType::String => Kind::Text,
        DataType::Float32 | DataType::Float64 => Kind::Float,
        DataType::Decimal(..) => Kind::Wide,
        d if d.is_integer() || d.is_temporal() || *d == DataType::Boolean => Kind::Int,
        _ => Kind::Text,
    }
}

impl<'a> Codes<'a> {
    fn new(column: &Column) -> Codes<'a> {
        match kind(column.dtype()) {
            Kind::Text => Codes::Text(Dictionary::new()),
            Kind::Int => Codes::Int(Dictionary::new()),
            Kind::Wide => Codes::Wide(Dictionary::new()),
            Kind::Float => Codes::Float(Dictionary::new()),
        }
    }

    fn len(&self) -> u64 {
        (match self {
            Codes::Text(d) => d.codes.len(),
            Codes::Int(d) => d.codes.len(),
            Codes::Wide(d) => d.codes.len(),
            Codes::Float(d) => d.codes.len(),
        }) as u64
    }

    /// The code of each value of `column`, new values coded as they come.
    fn insert(&mut self, column: &'a Column) -> PolarsResult<Vec<u32>> {
        Ok(match self {
            Codes::Text(d) => {
                let mut out = Vec::with_capacity(column.len());
                for array in column.str()?.downcast_iter() {
                    // The same view in one array is the same text: most rows
                    // are coded by their 16-byte view without reading the text.
                    let mut seen: PlHashMap<u128, u32> = PlHashMap::new();
                    for (view, text) in array.views().iter().zip(array.iter()) {
                        let code = match text {
                            None => d.insert(None),
                            Some(text) => *seen.entry(view.as_u128()).or_insert_with(|| d.insert(Some(text))),
                        };
                        out.push(code);
                    }
                }
                out
            }
            Codes::Int(d) => ints(column)?.iter().map(|v| d.insert(v)).collect(),
            Codes::Wide(d) => column.decimal()?.physical().iter().map(|v| d.insert(v)).collect(),
            Codes::Float(d) => floats(column)?.iter().map(|v| d.insert(v.map(canonical_bits))).collect(),
        })
    }

    /// The code of each value of `column`, `None` for values not coded.
    fn find(&self, column: &Column) -> PolarsResult<Vec<Option<u32>>> {
        Ok(match self {
            Codes::Text(d) => column.str()?.iter().map(|v| d.find(&v)).collect(),
            Codes::Int(d) => ints(column)?.iter().map(|v| d.find(&v)).collect(),
            Codes::Wide(d) => column.decimal()?.physical().iter().map(|v| d.find(&v)).collect(),
            Codes::Float(d) => floats(column)?.iter().map(|v| d.find(&v.map(canonical_bits))).collect(),
        })
    }
}

fn ints(column: &Column) -> PolarsResult<Int64Chunked> {
    Ok(column.to_physical_repr().cast(&DataType::Int64)?.i64()?.clone())
}

fn floats(column: &Column) -> PolarsResult<Float64Chunked> {
    Ok(column.cast(&DataType::Float64)?.f64()?.clone())
}

/// A float's bits with `-0.0` as `0.0` and every NaN as one NaN, the values
/// polars' grouping tells apart.
pub(super) fn canonical_bits(x: f64) -> u64 {
    if x == 0.0 {
        0
    } else if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

/// Each value of a column with no nulls as 64 bits that are equal exactly when
/// the values are: integers and times as themselves, floats canonicalised, text
/// and decimals by a dictionary of their distinct values.
fn value_bits(column: &Column) -> PolarsResult<Vec<u64>> {
    Ok(match kind(column.dtype()) {
        Kind::Int => ints(column)?.into_no_null_iter().map(|v| v as u64).collect(),
        Kind::Float => floats(column)?.into_no_null_iter().map(canonical_bits).collect(),
        Kind::Text | Kind::Wide => {
            let mut codes = Codes::new(column);
            codes.insert(column)?.into_iter().map(u64::from).collect()
        }
    })
}

/// The number of distinct values in each of `groups` groups, given each row's
/// group and value: the values moved to their group's slice, then each slice
/// sorted and its runs counted.
fn count_per_group(ids: &[u32], groups: u64, values: &[u64]) -> Vec<u64> {
    let groups = groups as usize;
    let mut starts = vec![0usize; groups + 1];
    for &g in ids {
        starts[g as usize + 1] += 1;
    }
    for g in 0..groups {
        starts[g + 1] += starts[g];
    }
    let mut next = starts.clone();
    let mut sorted = vec![0u64; values.len()];
    for (&g, &v) in ids.iter().zip(values) {
        let at = &mut next[g as usize];
        sorted[*at] = v;
        *at += 1;
    }
    let mut slices = Vec::with_capacity(groups);
    let mut rest = sorted.as_mut_slice();
    for g in 0..groups {
        let (slice, tail) = rest.split_at_mut(starts[g + 1] - starts[g]);
        slices.push(slice);
        rest = tail;
    }
    slices
        .into_par_iter()
        .map(|slice| {
            slice.sort_unstable();
            let runs = slice.windows(2).filter(|w| w[0] != w[1]).count();
            if slice.is_empty() {
                0
            } else {
                runs as u64 + 1
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};

    /// The distinct counts the slow way: a set of values per key tuple.
    fn naive(keys: &[Vec<Option<i64>>], values: &[f64], wanted: &[Vec<Option<i64>>]) -> Vec<f64> {
        let mut sets: HashMap<&Vec<Option<i64>>, HashSet<u64>> = HashMap::new();
        for (k, v) in keys.iter().zip(values) {
            sets.entry(k).or_default().insert(canonical_bits(*v));
        }
        wanted.iter().map(|k| sets.get(k).map_or(0.0, |s| s.len() as f64)).collect()
    }

    fn frame(width: usize, rows: &[Vec<Option<i64>>], values: Option<&[f64]>) -> DataFrame {
        let mut columns: Vec<Column> = (0..width)
            .map(|k| {
                let name = format!("k{k}");
                // Even keys as text, odd keys as integers: both ways of coding.
                if k % 2 == 0 {
                    let text: Vec<Option<String>> = rows.iter().map(|r| r[k].map(|v| format!("v{v}"))).collect();
                    Column::new(name.into(), text)
                } else {
                    Column::new(name.into(), rows.iter().map(|r| r[k]).collect::<Vec<_>>())
                }
            })
            .collect();
        if let Some(values) = values {
            columns.push(Column::new(VALUE.into(), values));
        }
        DataFrame::new_infer_height(columns).unwrap()
    }

    fn by(width: usize) -> Vec<String> {
        (0..width).map(|k| format!("k{k}")).collect()
    }

    #[test]
    fn groups_count_their_own_values_and_null_keys_are_groups() {
        let keys = vec![vec![Some(1)], vec![Some(1)], vec![None], vec![Some(2)], vec![None], vec![Some(1)]];
        let values = [10.0, 10.0, 10.0, -0.0, 0.0, f64::NAN];
        let wanted = vec![vec![Some(1)], vec![None], vec![Some(2)], vec![Some(3)]];
        let names = by(1);
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let got = counts(&frame(1, &wanted, None), &frame(1, &keys, Some(&values)), &names).unwrap();
        // 10 and NaN; 10 and ±0 in the null group; -0.0 alone; no rows.
        assert_eq!(got, vec![2.0, 2.0, 1.0, 0.0]);
    }

    #[test]
    fn text_values_are_told_apart_by_their_text() {
        let pairs = df!(
            "k0" => ["a", "a", "a", "b", "b"],
            VALUE => ["x", "a long value past twelve bytes", "x", "a long value past twelve bytes", "y"],
        )
        .unwrap();
        let grouped = df!("k0" => ["b", "a"]).unwrap();
        assert_eq!(counts(&grouped, &pairs, &["k0"]).unwrap(), vec![2.0, 2.0]);
    }

    proptest! {
        /// Against sets per key tuple, with three key columns of up to 40
        /// values each, so that the combined group numbers outgrow their
        /// limit and are renumbered.
        #[test]
        fn counts_are_the_sizes_of_the_sets(
            rows in prop::collection::vec(
                (prop::collection::vec(prop::option::weighted(0.9, 0..40i64), 3), prop::sample::select(vec![0.0, -0.0, 1.5, 2.0, f64::NAN, 7.0])),
                0..300,
            ),
            extra in prop::collection::vec(prop::collection::vec(prop::option::of(0..40i64), 3), 0..5),
        ) {
            let keys: Vec<Vec<Option<i64>>> = rows.iter().map(|(k, _)| k.clone()).collect();
            let values: Vec<f64> = rows.iter().map(|(_, v)| *v).collect();
            let mut wanted: Vec<Vec<Option<i64>>> = keys.iter().cloned().collect::<HashSet<_>>().into_iter().collect();
            wanted.extend(extra);
            let names = by(3);
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let got = counts(&frame(3, &wanted, None), &frame(3, &keys, Some(&values)), &names).unwrap();
            prop_assert_eq!(got, naive(&keys, &values, &wanted));
        }
    }
}
