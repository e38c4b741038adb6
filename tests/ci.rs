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
