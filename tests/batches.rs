//! A CSV file larger than one batch is aggregated batch by batch and the partial
//! results merged (src/backend/polars/batch.rs). Every eval fixture and example
//! is run both ways here, with batches as small as one block of records, and the
//! merged tables must equal the single pass: every group, and every value to the
//! bit (sums of ints, money and decimals are exact; no example sums a `float`).

mod common;

use kpic::ir::AggTable;
use std::path::{Path, PathBuf};

fn specs() -> Vec<PathBuf> {
    let mut specs = Vec::new();
    for entry in std::fs::read_dir("tests/fixtures/eval").unwrap() {
        let dir = entry.unwrap().path();
        if dir.is_dir() && !dir.file_name().unwrap().to_string_lossy().starts_with("bad_") {
            specs.push(dir.join("spec.kpi"));
        }
    }
    for entry in std::fs::read_dir("examples").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "kpi") {
            specs.push(path);
        }
    }
    specs.sort();
    specs
}

/// A table's rows as sortable text, values as their exact bits.
fn rows(table: &AggTable) -> Vec<String> {
    let mut aliases: Vec<&String> = table.values.keys().collect();
    aliases.sort();
    let mut rows: Vec<String> = (0..table.periods.len())
        .map(|r| {
            let keys: Vec<String> = table.keys.iter().map(|k| format!("{:?}", k[r])).collect();
            let values: Vec<String> =
                aliases.iter().map(|a| format!("{a}={:?}", table.values[*a][r].map(f64::to_bits))).collect();
            format!("{} {} {}", table.periods[r], keys.join(","), values.join(" "))
        })
        .collect();
    rows.sort();
    rows
}

fn plan(spec: &Path) -> kpic::ir::Plan {
    let checked = kpic::check_spec(spec, &|p| std::fs::read(p)).unwrap();
    assert!(!checked.has_errors(), "{}: {:?}", spec.display(), checked.diagnostics);
    kpic::lower(&checked, &kpic::Selection::default()).unwrap()
}

fn tables(spec: &Path, batch_bytes: Option<usize>) -> Vec<Vec<String>> {
    let plan = plan(spec);
    let result = match batch_bytes {
        None => kpic::backend::run(&plan, &|_, _, _| {}).map(|r| r.aggregates),
        Some(bytes) => kpic::backend::run_in_batches(&plan, bytes).map(|r| r.aggregates),
    };
    let tables = result.unwrap_or_else(|d| panic!("{}: {}", spec.display(), d.message));
    tables.iter().map(rows).collect()
}

#[test]
fn batches_merge_to_the_single_pass() {
    let specs = specs();
    assert!(specs.len() >= 15, "{specs:?}");
    let mut groups = 0;
    let mut merges = 0;
    for spec in &specs {
        let whole = tables(spec, None);
        // Batches of a few records, and a few batches a file.
        let largest = plan(spec)
            .scans
            .iter()
            .map(|s| match &s.location {
                kpic::ir::Location::File { path, .. } => std::fs::metadata(path).map_or(0, |m| m.len()),
                kpic::ir::Location::Table { .. } => 0,
            })
            .max();
        let largest = largest.unwrap_or(0) as usize;
        for batch_bytes in [(largest / 40).max(64), (largest / 3).max(64)] {
            merges += largest / batch_bytes;
            let merged = tables(spec, Some(batch_bytes));
            assert_eq!(merged, whole, "{} in batches of {batch_bytes} bytes", spec.display());
        }
        groups += whole.iter().map(Vec::len).sum::<usize>();
    }
    assert!(groups > 400, "only {groups} groups compared");
    assert!(merges > 300, "only {merges} batches merged");
}

/// Parquet copies of fixtures (the time column a real date) give the CSV's
/// results in one plan and in slices of a single row merged.
#[test]
fn parquet_slices_merge_to_the_single_pass() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("nulls_and_grains", "sales", "sold_at"),
        ("ratio_of_sums", "orders", "created_at"),
        ("distinct_nulls", "orders", "created_at"),
    ];
    for (case, source, time) in cases {
        let spec = Path::new("tests/fixtures/eval").join(case).join("spec.kpi");
        let parquet = dir.path().join(format!("{case}.parquet"));
        common::parquet_copy(&spec.with_file_name("data").join(format!("{source}.csv")), time, &parquet);

        let checked = kpic::check_spec(&spec, &|p| std::fs::read(p)).unwrap();
        let opts = kpic::Selection { data: vec![(source.to_string(), parquet.clone())], ..Default::default() };
        let plan = kpic::lower(&checked, &opts).unwrap();
        let run = |batch_bytes: Option<usize>| -> Vec<Vec<String>> {
            let result = match batch_bytes {
                None => kpic::backend::run(&plan, &|_, _, _| {}).map(|r| r.aggregates),
                Some(bytes) => kpic::backend::run_in_batches(&plan, bytes).map(|r| r.aggregates),
            };
            result.unwrap_or_else(|d| panic!("{case}: {}", d.message)).iter().map(rows).collect()
        };
        let whole = run(None);
        assert_eq!(whole, tables(&spec, None), "{case}: Parquet and CSV differ");
        // A few bytes a slice: one row each.
        assert_eq!(run(Some(1)), whole, "{case}: in slices of one row");
        assert!(whole.iter().map(Vec::len).sum::<usize>() >= 5, "{case}: too few groups to compare");
    }
    // Bad values are found in slices too, never merged.
    for (case, says) in [("parquet_null_time", "rows with an empty `day`"), ("parquet_nan", "NaN or infinite")] {
        let spec = Path::new("tests/fixtures/bad").join(case).join("spec.kpi");
        let plan = plan(&spec);
        let err = kpic::backend::run_in_batches(&plan, 1).unwrap_err();
        assert!(err.message.contains(says), "{case}: {}", err.message);
    }
}
