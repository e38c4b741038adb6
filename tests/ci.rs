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

/// Each format writes where `kpic test --help` says it does.
#[test]
fn test_formats_write_where_the_help_says() {
    let help = stdout(&kpic(&["test", "--help"]));
    let says = |format: &str| help.lines().find(|l| l.trim_start().starts_with(&format!("- {format}:"))).unwrap();
    assert!(says("human").contains("result and the totals on standard output"), "{help}");
    let human = kpic(&["test", FAILING]);
    assert!(stdout(&human).contains("FAILED  wrong_expectations") && stdout(&human).contains("4 tests: 2 passed"));
    assert!(common::stderr(&human).contains("E705"));

    assert!(says("json").contains("every test and check"), "{help}");
    let json: serde_json::Value = serde_json::from_slice(&kpic(&["test", FAILING, "--format", "json"]).stdout).unwrap();
    assert_eq!(json["tests"].as_array().unwrap().len(), 4);

    for format in ["github", "sarif"] {
        assert!(says(format).contains("the totals on standard error"), "{help}");
        let out = kpic(&["test", FAILING, "--format", format]);
        assert!(stdout(&out).contains("E705"), "{format}: {}", transcript(&out));
        assert!(common::stderr(&out).ends_with("4 tests: 2 passed, 2 failed\n"), "{format}: {}", transcript(&out));
        assert!(!stdout(&out).contains("4 tests"), "{format}: {}", transcript(&out));
    }
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

/// `check --data` alone checks the declared files, so its value needs `=`; the
/// forms with a space get an error that says how to write them, and `eval` takes
/// either form.
#[test]
fn check_data_forms() {
    let data = "tests/fixtures/diff/data/orders.csv";
    let with_equals = format!("--data=orders={data}");
    let with_space = format!("orders={data}");
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    insta::assert_snapshot!(common::session(
        here,
        &[
            &["check", OLD, &with_equals],
            &["check", OLD, "--data"],
            &["check", OLD, "--data", &with_space],
            &["check", OLD, "--data", "orders", data],
            &["check", OLD, "--data=orders"],
            &["eval", OLD, "--data", "orders", data],
        ],
    ));
    let eval = kpic(&["eval", OLD, "--data", &with_space, "--format", "csv"]);
    assert_eq!(eval.status.code(), Some(0), "{}", transcript(&eval));
    assert_eq!(stdout(&eval), stdout(&kpic(&["eval", OLD, &with_equals, "--format", "csv"])));
}

#[test]
fn check_data_on_clean_examples() {
    let out = kpic(&["check", "--data", "examples/"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
}

const OLD: &str = "tests/fixtures/diff/old.kpi";
const NEW: &str = "tests/fixtures/diff/new.kpi";

/// Two versions of a spec on the same data: tests/fixtures/diff/README.md has the
/// hand arithmetic behind every value.
#[test]
fn diff_of_two_specs_reports_what_moved() {
    let md = kpic(&["diff", OLD, NEW, "--format", "markdown"]);
    assert_eq!(md.status.code(), Some(0));
    insta::assert_snapshot!("diff_markdown", stdout(&md));
    let table = kpic(&["diff", OLD, NEW]);
    insta::assert_snapshot!("diff_table", stdout(&table));

    let json = kpic(&["diff", OLD, NEW, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let diff = &doc["diff"];
    assert_eq!(diff["added"], serde_json::json!(["refund_count"]));
    assert_eq!(diff["removed"], serde_json::json!(["company_orders"]));
    let payout = |who: &str| diff["payouts"].as_array().unwrap().iter().find(|p| p["entity"] == who).unwrap().clone();
    assert_eq!(payout("Vera")["new"]["bonus"], 8687.5);
    assert!((payout("Gleb")["old"]["coefficient"].as_f64().unwrap() - 0.825).abs() < 1e-9);
    assert_eq!(payout("Gleb")["new"]["coefficient"], 0.0);
    let anna = diff["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kpi"] == "manager_revenue" && r["entity"] == "Anna")
        .unwrap();
    assert_eq!((anna["old"]["actual"].as_f64(), anna["new"]["actual"].as_f64()), (Some(350.0), Some(850.0)));
    // Targets in the machine vocabulary in JSON (the tables above say `≥ 300 RUB`).
    let target = &diff["targets"][0];
    assert_eq!(
        (target["kpi"].as_str(), target["old"].as_str(), target["new"].as_str()),
        (Some("manager_revenue"), Some(">= 300 RUB"), Some(">= 400 RUB"))
    );

    assert_eq!(kpic(&["diff", OLD, NEW, "--exit-code"]).status.code(), Some(4));
    assert_eq!(kpic(&["diff", OLD, OLD, "--exit-code"]).status.code(), Some(0));
    let usage = kpic(&["diff", OLD]);
    assert_eq!(usage.status.code(), Some(2));
}

/// Scorecards and cascades declared in one version only are listed by name; the
/// cascade of the KPIs in both versions reports its nodes that moved (above: the
/// refunds reach Retail and Anna).
#[test]
fn diff_lists_scorecards_and_cascades_added_and_removed() {
    let reorganized = "tests/fixtures/diff/reorganized.kpi";
    let table = kpic(&["diff", OLD, reorganized, "--exit-code"]);
    assert_eq!(table.status.code(), Some(4), "{}", transcript(&table));
    insta::assert_snapshot!("diff_reorganized_table", transcript(&table));
    let md = kpic(&["diff", OLD, reorganized, "--format", "markdown"]);
    insta::assert_snapshot!("diff_reorganized_markdown", stdout(&md));
    let json = kpic(&["diff", OLD, reorganized, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let diff = &doc["diff"];
    assert_eq!(diff["scorecards"], serde_json::json!({"added": ["orders_card"], "removed": ["manager_card"]}));
    let cascades = serde_json::json!({
        "added": ["company_orders by department"],
        "removed": ["company_revenue by department, then manager"],
    });
    assert_eq!(diff["cascades"], cascades);
    assert_eq!(diff["payouts"], serde_json::json!([]));

    let moved = kpic(&["diff", OLD, NEW, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&moved.stdout).unwrap();
    let nodes: Vec<(&str, f64, f64)> = doc["diff"]["cascade_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["node"].as_str().unwrap(), r["old"]["actual"].as_f64().unwrap(), r["new"]["actual"].as_f64().unwrap())
        })
        .collect();
    assert_eq!(nodes, [("Retail", 450.0, 950.0), ("Retail / Anna", 350.0, 850.0)]);
}

/// A scorecard's weights, cap or payout curve are no declared target: what they
/// change shows as the payouts that moved.
#[test]
fn diff_shows_scorecard_changes_as_payouts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    std::fs::copy("tests/fixtures/diff/data/orders.csv", dir.path().join("data/orders.csv")).unwrap();
    let old = std::fs::read_to_string(OLD).unwrap();
    std::fs::write(dir.path().join("old.kpi"), &old).unwrap();
    let edits = [
        ("manager_revenue 70%\n  manager_orders  30%", "manager_revenue 50%\n  manager_orders  50%"),
        ("cap 120%", "cap 110%"),
        ("linear 0.5 .. 1.0", "linear 0.6 .. 1.0"),
    ];
    for (from, to) in edits {
        assert!(old.contains(from), "{from}");
        std::fs::write(dir.path().join("new.kpi"), old.replace(from, to)).unwrap();
        let out = common::kpic_in(dir.path(), &["diff", "old.kpi", "new.kpi", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let diff = &doc["diff"];
        assert!(!diff["payouts"].as_array().unwrap().is_empty(), "{to}: {diff:#}");
        assert_eq!(diff["rows"], serde_json::json!([]), "{to}");
    }
}

/// `--base REF`: the old spec and its planning table come from git, the data from
/// the working tree; a plan table edited in the working tree shows as moved
/// targets.
#[test]
fn diff_against_a_git_ref() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let git = |args: &[&str]| git_in(root, args);
    std::fs::create_dir_all(root.join("specs/data")).unwrap();
    std::fs::copy("tests/fixtures/diff/data/orders.csv", root.join("specs/data/orders.csv")).unwrap();
    std::fs::copy(OLD, root.join("specs/sales.kpi")).unwrap();
    let planned = "\nkpi planned {\n  metric revenue\n  per month\n  by manager\n  target >= table \"plan.csv\"\n}\n";
    let mut spec = std::fs::read_to_string(root.join("specs/sales.kpi")).unwrap();
    spec.push_str(planned);
    std::fs::write(root.join("specs/sales.kpi"), &spec).unwrap();
    std::fs::write(root.join("specs/plan.csv"), "manager,target\nAnna,300\nBoris,300\nVera,300\nGleb,300\n").unwrap();
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "v1"]);

    // No change yet.
    let same = common::kpic_in(root, &["diff", "--base", "HEAD", "specs/sales.kpi", "--exit-code"]);
    assert_eq!(same.status.code(), Some(0), "{}", transcript(&same));

    // The plan of Anna goes up, and the spec becomes the new version.
    std::fs::write(root.join("specs/plan.csv"), "manager,target\nAnna,900\nBoris,300\nVera,300\nGleb,300\n").unwrap();
    let mut new = std::fs::read_to_string(NEW).unwrap();
    new.push_str(planned);
    std::fs::write(root.join("specs/sales.kpi"), new).unwrap();
    let out = common::kpic_in(root, &["diff", "--base", "HEAD", "specs/sales.kpi", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["old"], "HEAD");
    let from_files = kpic(&["diff", OLD, NEW, "--format", "json"]);
    let files: serde_json::Value = serde_json::from_slice(&from_files.stdout).unwrap();
    // Everything the file diff found, and the planned KPI of Anna on top: her
    // plan went up and her revenue (the only one with a refund) moved.
    let rows = doc["diff"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), files["diff"]["rows"].as_array().unwrap().len() + 1, "{rows:#?}");
    let anna = rows.iter().find(|r| r["kpi"] == "planned" && r["entity"] == "Anna").unwrap();
    assert_eq!(anna["old"]["target"]["value"], 300.0);
    assert_eq!(anna["new"]["target"]["value"], 900.0);
    assert_eq!(doc["diff"]["payouts"], files["diff"]["payouts"]);

    let bad = common::kpic_in(root, &["diff", "--base", "no-such-branch", "specs/sales.kpi"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(common::stderr(&bad).contains("`no-such-branch` is not a commit"), "{}", transcript(&bad));
}

/// A spec the change adds has no old version: it is compared with an empty spec,
/// so every KPI is added. A spec deleted from the working tree cannot be read.
#[test]
fn diff_against_a_git_ref_of_a_new_spec() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("specs/data")).unwrap();
    std::fs::copy("tests/fixtures/diff/data/orders.csv", root.join("specs/data/orders.csv")).unwrap();
    std::fs::write(root.join("README"), "specs to come\n").unwrap();
    git_in(root, &["init", "-q"]);
    git_in(root, &["add", "."]);
    git_in(root, &["commit", "-q", "-m", "no specs yet"]);
    std::fs::copy(OLD, root.join("specs/sales.kpi")).unwrap();

    let out = common::kpic_in(root, &["diff", "--base", "HEAD", "specs/sales.kpi", "--exit-code"]);
    assert_eq!(out.status.code(), Some(4), "{}", transcript(&out));
    insta::assert_snapshot!(transcript(&out));
    let json = common::kpic_in(root, &["diff", "--base", "HEAD", "specs/sales.kpi", "--format", "json"]);
    assert_eq!(json.status.code(), Some(0), "{}", transcript(&json));
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let added = serde_json::json!(["company_revenue", "manager_revenue", "manager_orders", "company_orders"]);
    assert_eq!(doc["diff"]["added"], added);
    assert_eq!(doc["diff"]["scorecards"]["added"], serde_json::json!(["manager_card"]));

    git_in(root, &["add", "."]);
    git_in(root, &["commit", "-q", "-m", "sales"]);
    std::fs::remove_file(root.join("specs/sales.kpi")).unwrap();
    let deleted = common::kpic_in(root, &["diff", "--base", "HEAD", "specs/sales.kpi"]);
    assert_eq!(deleted.status.code(), Some(2), "{}", transcript(&deleted));
    assert!(common::stderr(&deleted).contains("cannot read specs/sales.kpi"), "{}", transcript(&deleted));
}

/// Run git in `root` as a committer with a name, failing the test if git fails.
fn git_in(root: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=kpic", "-c", "user.email=kpic@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The tests that skip without a tool of `.ci/setup` (the SARIF schema,
/// pre-commit) fail instead when `CI` is set; the CI entry point must set it, or
/// a broken setup would pass as skipped tests.
#[test]
fn ci_entry_point_turns_skips_into_failures() {
    let run = std::fs::read_to_string(".ci/run").unwrap();
    let lines: Vec<&str> = run.lines().map(str::trim).collect();
    let at = |line: &str| lines.iter().position(|l| *l == line).unwrap_or_else(|| panic!(".ci/run lacks `{line}`"));
    let test = lines.iter().position(|l| l.starts_with("cargo test")).expect(".ci/run runs cargo test");
    assert!(at("export CI=1") < test && at("export KPIC_SARIF_SCHEMA") < test, "{run}");
}

/// pre-commit itself runs the hooks of .pre-commit-hooks.yaml on a sample
/// repository: a clean spec passes, a badly formatted one fails `kpic-fmt`, a
/// broken one fails `kpic-check`. pre-commit comes from PyPI (`.ci/setup`).
#[test]
fn pre_commit_runs_the_hooks() {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let have = |cmd: &str| std::process::Command::new(cmd).arg("--version").output().is_ok_and(|o| o.status.success());
    if !have("pre-commit") || !here.join(".git").exists() {
        assert!(std::env::var_os("CI").is_none(), "CI must provide pre-commit (.ci/setup) and a git checkout");
        eprintln!("SKIPPED: pre-commit or the git checkout is missing");
        return;
    }
    let manifest = std::process::Command::new("pre-commit")
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(here)
        .output()
        .unwrap();
    assert!(manifest.status.success(), "{}", transcript(&manifest));

    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_kpic")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let run = |args: &[&str]| {
        std::process::Command::new(args[0])
            .args(&args[1..])
            .current_dir(&repo)
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", dir.path().join("cache"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let git = |args: &[&str]| {
        let mut all =
            vec!["git", "-c", "user.name=kpic", "-c", "user.email=kpic@example.com", "-c", "commit.gpgsign=false"];
        all.extend_from_slice(args);
        let out = run(&all);
        assert!(out.status.success(), "{}", transcript(&out));
    };
    git(&["init", "-q"]);
    std::fs::copy("tests/fixtures/golden/sales.kpi", repo.join("sales.kpi")).unwrap();
    std::fs::create_dir_all(repo.join("fixtures")).unwrap();
    std::fs::copy("tests/fixtures/golden/fixtures/april.csv", repo.join("fixtures/april.csv")).unwrap();
    git(&["add", "."]);
    let hooks =
        |hook: &str| run(&["pre-commit", "try-repo", here.to_str().unwrap(), hook, "--all-files", "--color", "never"]);
    for hook in ["kpic-check", "kpic-fmt", "kpic-test"] {
        let out = hooks(hook);
        assert_eq!(out.status.code(), Some(0), "{hook}: {}", transcript(&out));
        assert!(stdout(&out).contains("Passed"), "{hook}: {}", transcript(&out));
    }

    std::fs::write(
        repo.join("messy.kpi"),
        "source s from \"s.csv\" {\ntime t: date\n}\nkpi k { metric count(s) per month target >= 1 }\n",
    )
    .unwrap();
    git(&["add", "."]);
    let fmt = hooks("kpic-fmt");
    assert_eq!(fmt.status.code(), Some(1), "{}", transcript(&fmt));
    assert!(stdout(&fmt).contains("messy.kpi"), "{}", transcript(&fmt));

    std::fs::write(repo.join("messy.kpi"), "kpi k {\n  metric nope\n  per month\n  target >= 1\n}\n").unwrap();
    git(&["add", "."]);
    let check = hooks("kpic-check");
    assert_eq!(check.status.code(), Some(1), "{}", transcript(&check));
    assert!(stdout(&check).contains("E104"), "{}", transcript(&check));
}

/// `KPIC_SKIP_DUCKDB` and `KPIC_SKIP_BROWSER` skip on a developer's machine
/// and fail in CI.
#[test]
fn a_skip_fails_when_ci_is_set() {
    assert_eq!(common::skip_decision(None, true), Ok(false));
    assert_eq!(common::skip_decision(Some("0"), false), Ok(false));
    assert_eq!(common::skip_decision(Some("1"), false), Ok(true));
    assert_eq!(common::skip_decision(Some("1"), true), Err(()));
}
