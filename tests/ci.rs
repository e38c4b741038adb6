//! kpic as a CI citizen: machine-readable diagnostics from every command, golden
//! tests (`kpic test`), checks against real data and result diffs. Every case
//! snapshots exit code, standard output and standard error.

mod common;

use common::{kpic, stdout, transcript, validate_sarif};

const SALES: &str = "tests/fixtures/golden/sales.kpi";
const FAILING: &str = "tests/fixtures/golden/failing.kpi";

#[test]
fn test_passes_with_hand_checked_numbers() {
    let out = kpic(&["test", SALES]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!(transcript(&out));
}

#[test]
fn test_failures_show_expected_and_actual_at_the_check() {
    let out = kpic(&["test", FAILING]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(transcript(&out));
}

#[test]
fn test_filter_selects_by_name() {
    let out = kpic(&["test", FAILING, "--filter", "april"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("1 test: 1 passed, 0 failed"), "{}", stdout(&out));
}

#[test]
fn test_json_lists_every_check() {
    let out = kpic(&["test", FAILING, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!((json["passed"].as_u64(), json["failed"].as_u64()), (Some(2), Some(2)));
    insta::assert_json_snapshot!(json);
}

#[test]
fn test_github_annotates_failed_checks() {
    let out = kpic(&["test", FAILING, "--format", "github"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(transcript(&out));
}

#[test]
fn test_sarif_validates() {
    let out = kpic(&["test", FAILING, "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    validate_sarif(&out.stdout);
}

#[test]
fn test_with_spec_errors_runs_nothing() {
    let out = kpic(&["test", "tests/fixtures/check/test_problems.kpi"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("0 tests: 0 passed, 0 failed"), "{}", stdout(&out));
    assert!(common::stderr(&out).contains("E704"));
}

#[test]
fn check_json_is_documented_and_stable() {
    let out = kpic(&["check", "--format", "json", "tests/fixtures/check/unknown_names_did_you_mean.kpi"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn eval_errors_in_every_format() {
    let spec = "tests/fixtures/eval/bad_value/spec.kpi";
    let human = kpic(&["eval", spec]);
    assert_eq!(human.status.code(), Some(1));
    insta::assert_snapshot!("eval_error_human", transcript(&human));
    let json = kpic(&["eval", spec, "--error-format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    insta::assert_snapshot!("eval_error_json", transcript(&json));
    let github = kpic(&["eval", spec, "--error-format", "github"]);
    assert_eq!(github.status.code(), Some(1));
    insta::assert_snapshot!("eval_error_github", transcript(&github));
    let sarif = kpic(&["eval", spec, "--error-format", "sarif"]);
    assert_eq!(sarif.status.code(), Some(1));
    validate_sarif(&sarif.stdout);
    // Errors in the spec itself go the same way.
    let spec_error = kpic(&["eval", "tests/fixtures/check/unit_mismatch.kpi", "--error-format", "github"]);
    assert_eq!(spec_error.status.code(), Some(1));
    assert!(stdout(&spec_error).starts_with("::error file=tests/fixtures/check/unit_mismatch.kpi,line="));
}

/// `check --data` reads each file's schema (and a CSV's first records) and
/// reports every mismatch with the declaration; the Parquet file is written
/// here, with `amount` as int32 declared decimal.
#[test]
fn check_data_compares_declarations_with_files() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.parquet");
    let mut df = df!("day" => ["2025-03-01"], "account" => ["cash"], "amount" => [100i32]).unwrap();
    df.apply("day", |c| c.cast(&DataType::Date).unwrap()).unwrap();
    ParquetWriter::new(std::fs::File::create(&ledger).unwrap()).finish(&mut df).unwrap();
    let spec = "tests/fixtures/data/spec.kpi";
    let data = format!("--data=ledger={}", ledger.display());
    let out = kpic(&["check", spec, &data, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().replace(&*dir.path().to_string_lossy(), "TMP"),
            )
        })
        .collect();
    insta::assert_debug_snapshot!(found);
    let help = json["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "E102").unwrap()["help"].clone();
    assert_eq!(help, "the data file has a column `city`; declare it in the source with its type");

    // Without --data the same spec only has the undeclared column.
    let plain = kpic(&["check", spec, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
    assert_eq!(json["errors"], 1);
    // An override for a source no spec declares is a usage error.
    let unknown = kpic(&["check", spec, "--data=nope=x.csv"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(common::stderr(&unknown).contains("no checked spec declares a source `nope`"));
}

#[test]
fn check_data_on_clean_examples() {
    let out = kpic(&["check", "--data", "examples/"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
}
