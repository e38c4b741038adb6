//! End-to-end tests of the `kpic` binary: exit codes, formats and the user story.

mod common;

use common::{kpic, stderr, stdout};
use std::path::Path;

const RATIO: &str = "tests/fixtures/eval/ratio_of_sums/spec.kpi";

#[test]
fn check_exit_codes() {
    let ok = kpic(&["check", RATIO]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stderr(&ok).contains("0 errors, 0 warnings in 1 file"));

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.kpi");
    std::fs::write(&bad, "kpi k {\n  metric nope\n}\n").unwrap();
    let out = kpic(&["check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("E104"), "{}", stderr(&out));

    let missing = kpic(&["check", "no/such/file.kpi"]);
    assert_eq!(missing.status.code(), Some(2));
    let usage = kpic(&["check"]);
    assert_eq!(usage.status.code(), Some(2));

    // A directory without specs (a mistyped CI path) checks, formats and
    // tests nothing: that is no success.
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("notes.txt"), "not a spec").unwrap();
    for command in ["check", "fmt", "test"] {
        let out = kpic(&[command, empty.path().to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{command}: {}", stderr(&out));
        assert!(stderr(&out).contains("no .kpi files in this directory or below it"), "{command}: {}", stderr(&out));
    }
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("w.kpi");
    std::fs::write(
        &spec,
        "source s from \"s.csv\" {\n  time t: date\n}\n\nkpi k {\n  metric count(s)\n  per month\n  target >= 0\n}\n",
    )
    .unwrap();
    assert_eq!(kpic(&["check", spec.to_str().unwrap()]).status.code(), Some(0));
    assert_eq!(kpic(&["check", "--deny-warnings", spec.to_str().unwrap()]).status.code(), Some(1));
}

#[test]
fn check_json_is_versioned() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.kpi");
    std::fs::write(&bad, "kpi k {\n  metric nope\n  per month\n  target >= 1\n}\n").unwrap();
    let out = kpic(&["check", "--format", "json", bad.to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["errors"], 1);
    assert_eq!(json["diagnostics"][0]["code"], "E104");
    assert_eq!(json["diagnostics"][0]["location"]["start"]["line"], 2);
}

#[test]
fn eval_formats_and_period_selection() {
    let out = kpic(&["eval", RATIO, "--period", "2025-01", "--kpi", "avg_check_company", "--format", "csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out), @r"
    kpi,period,entity,actual,direction,target,target_high,attainment,status,gap,notes
    avg_check_company,2025-01,,956.666666667,>=,1000,,0.956666667,missed,-43.333333333,
    ");
    let json = kpic(&["eval", RATIO, "--format", "json", "--kpi", "revenue_plan"]);
    insta::assert_snapshot!(stdout(&json));
    let md = kpic(&["eval", RATIO, "--format", "markdown", "--from", "2025-01", "--to", "2025-01"]);
    insta::assert_snapshot!(stdout(&md));
    let table = kpic(&["eval", RATIO, "--kpi", "revenue_plan"]);
    insta::assert_snapshot!(stdout(&table));
}

#[test]
fn eval_exit_codes() {
    let missed = kpic(&["eval", RATIO, "--fail-on-missed"]);
    assert_eq!(missed.status.code(), Some(3));
    let met = kpic(&["eval", RATIO, "--kpi", "revenue_plan", "--period", "2025-01", "--fail-on-missed"]);
    assert_eq!(met.status.code(), Some(0));
    let unknown = kpic(&["eval", RATIO, "--kpi", "revenue_plna"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("did you mean `revenue_plan`"), "{}", stderr(&unknown));
    let bad_data = kpic(&["eval", "tests/fixtures/eval/bad_value/spec.kpi"]);
    assert_eq!(bad_data.status.code(), Some(1));
    assert!(stderr(&bad_data).contains("line 3: `12x` is not a valid int"), "{}", stderr(&bad_data));

    // Periods without data are no silent success: the report says so, and
    // the exit code is 5; a reversed range is a usage error.
    for window in [&["--period", "2030-01"][..], &["--from", "2030-01", "--to", "2030-06"]] {
        for format in ["table", "json", "csv"] {
            let out = kpic(&[&["eval", RATIO, "--format", format][..], window].concat());
            assert_eq!(out.status.code(), Some(5), "{window:?} {format}: {}", stderr(&out));
            assert!(stderr(&out).contains("no KPI has a result in the periods asked for"), "{}", stderr(&out));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let report = kpic(&["report", RATIO, "--period", "2030-01", "-o", html.to_str().unwrap()]);
    assert_eq!(report.status.code(), Some(5), "{}", stderr(&report));
    let reversed = kpic(&["eval", RATIO, "--from", "2025-05", "--to", "2025-03"]);
    assert_eq!(reversed.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&reversed), @"error: `--from 2025-05` starts after `--to 2025-03` ends: no period is in between");
    // A range of one period is no reversed range.
    let one = kpic(&["eval", RATIO, "--from", "2025-01", "--to", "2025-01"]);
    assert_eq!(one.status.code(), Some(0), "{}", stderr(&one));
}

#[test]
fn eval_writes_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("r.json");
    let out = kpic(&["eval", RATIO, "--format", "json", "--output", out_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out_path).unwrap()).unwrap();
    assert_eq!(json["version"], 2);
}

/// The same data as CSV and as Parquet gives the same numbers.
#[test]
fn parquet_matches_csv() {
    use polars::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    // A typed Parquet file: the day column as a real Date.
    let pq = dir.path().join("ads.parquet");
    common::parquet_copy(Path::new("tests/fixtures/eval/cross_source/data/ads.csv"), "day", &pq);
    let spec = "tests/fixtures/eval/cross_source/spec.kpi";
    let from_csv = kpic(&["eval", spec, "--format", "csv"]);
    let data = format!("ads={}", pq.display());
    let from_pq = kpic(&["eval", spec, "--format", "csv", "--data", &data]);
    assert_eq!(from_pq.status.code(), Some(0), "{}", stderr(&from_pq));
    assert_eq!(stdout(&from_csv), stdout(&from_pq));

    // A Parquet column of another type than declared is an error on the declaration.
    let mut wrong = df!("day" => ["2025-01-01"], "campaign" => [1i64], "spend" => [1.0]).unwrap();
    let pq2 = dir.path().join("wrong.parquet");
    ParquetWriter::new(std::fs::File::create(&pq2).unwrap()).finish(&mut wrong).unwrap();
    let data = format!("ads={}", pq2.display());
    let out = kpic(&["eval", spec, "--kpi", "cpl_by_campaign", "--data", &data]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("E605"), "{}", stderr(&out));
}

#[test]
fn explain_prints_a_page() {
    let out = kpic(&["explain", "E501"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).starts_with("# E501 shares-not-100"));
    assert_eq!(kpic(&["explain", "E999"]).status.code(), Some(2));
}

#[test]
fn plan_shows_one_fused_query_per_source_and_grouping() {
    let out = kpic(&["plan", RATIO]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // Three KPIs, two groupings (by manager, company-wide): two queries, and the
    // company query computes revenue and order count in one aggregation.
    assert_eq!(text.matches("== query").count(), 2, "{text}");
    assert!(text.contains("FROM kpic's CSV reader"), "{text}");
}

/// The plan of a spec whose KPIs share a source and grouping and count distinct
/// values: one reading of the file, the distinct counts grouped apart and joined
/// back. Polars names its caches with random ids; they are masked.
#[test]
fn plan_snapshot() {
    let out = kpic(&["plan", "tests/fixtures/eval/distinct_nulls/spec.kpi"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let masked: Vec<String> = text
        .lines()
        .map(|line| match line.find("CACHE[id: ") {
            Some(at) => format!("{}CACHE[id: ..]", &line[..at]),
            None => line.to_string(),
        })
        .collect();
    insta::assert_snapshot!(masked.join("\n"));
}

#[test]
fn check_github_annotations() {
    let out = kpic(&["check", "--format", "github", "tests/fixtures/check/duplicate_names.kpi"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&out));
}

/// The SARIF log of every check fixture validates against the official SARIF
/// 2.1.0 schema. `.ci/setup` installs the schema and Python's jsonschema; outside
/// CI the test is skipped (loudly) when they are missing.
#[test]
fn check_sarif_validates_against_the_official_schema() {
    let out = kpic(&["check", "--format", "sarif", "tests/fixtures/check"]);
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert!(results.len() > 40, "{} results", results.len());
    common::validate_sarif(&out.stdout);
}

#[test]
fn kpic_toml_sets_lint_levels() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("specs/team");
    std::fs::create_dir_all(&sub).unwrap();
    let spec = sub.join("w.kpi");
    std::fs::write(
        &spec,
        "source s from \"s.csv\" {\n  time t: date\n}\n\nkpi k {\n  metric count(s)\n  per month\n  target >= 0\n}\n",
    )
    .unwrap();
    let spec = spec.to_str().unwrap();
    let toml = dir.path().join("kpic.toml");

    std::fs::write(&toml, "[lints]\ntarget-always-met = \"deny\"\n").unwrap();
    let denied = kpic(&["check", spec]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert!(stderr(&denied).contains("1 error, 0 warnings"), "{}", stderr(&denied));

    std::fs::write(&toml, "[lints]\nW002 = \"allow\"\n").unwrap();
    let allowed = kpic(&["check", spec]);
    assert!(stderr(&allowed).contains("0 errors, 0 warnings"), "{}", stderr(&allowed));

    std::fs::write(&toml, "[lints]\ntarget-always-met = \"deny\"\nno-such-lint = \"warn\"\n").unwrap();
    let bad = kpic(&["check", spec]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("kpic.toml:3: unknown lint `no-such-lint`"), "{}", stderr(&bad));
}

/// A formatted spec, and the same spec as someone might type it.
const CLEAN: &str =
    "source s from \"s.csv\" {\n  time t: date\n}\n\nkpi k {\n  metric count(s)\n  per month\n  target >= 1\n}\n";
const MESSY: &str = "source s from \"s.csv\" {\ntime t: date\n}\nkpi k { metric count(s) per month target >= 1 }\n";

/// `fmt --check` lists the files it would change and exits 1; `fmt` rewrites
/// them and exits 0; a file with syntax errors is left alone and exits 1.
#[test]
fn fmt_and_fmt_check_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.kpi"), CLEAN).unwrap();
    std::fs::write(dir.path().join("messy.kpi"), MESSY).unwrap();
    let check = common::session(
        dir.path(),
        &[&["fmt", "--check", "clean.kpi"], &["fmt", "--check", "clean.kpi", "messy.kpi"], &["fmt", "messy.kpi"]],
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("messy.kpi")).unwrap(), CLEAN);
    std::fs::write(dir.path().join("broken.kpi"), "kpi k {\n  metric (\n}\n").unwrap();
    let broken = common::session(
        dir.path(),
        &[&["fmt", "--check", "."], &["fmt", "broken.kpi"], &["fmt", "--check", "nope.kpi"]],
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("broken.kpi")).unwrap(), "kpi k {\n  metric (\n}\n");
    insta::assert_snapshot!(check + &broken);
}

/// `dump model` prints the typed model of a clean spec and refuses one with
/// errors; `dump ast` prints the tree the parser recovered, errors or not.
#[test]
fn dump_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("clean.kpi"), CLEAN).unwrap();
    std::fs::write(dir.path().join("bad.kpi"), "kpi k {\n  metric nope\n  per month\n  target >= 1\n}\n").unwrap();
    let model = common::kpic_in(dir.path(), &["dump", "model", "clean.kpi"]);
    assert_eq!(model.status.code(), Some(0), "{}", stderr(&model));
    let json: serde_json::Value = serde_json::from_slice(&model.stdout).unwrap();
    assert_eq!(json["kpis"][0]["name"], "k");
    let ast = common::kpic_in(dir.path(), &["dump", "ast", "bad.kpi"]);
    assert_eq!(ast.status.code(), Some(0), "{}", stderr(&ast));
    let json: serde_json::Value = serde_json::from_slice(&ast.stdout).unwrap();
    assert_eq!(json[0]["decls"][0]["kpi"]["name"]["name"], "k", "{json:#}");
    insta::assert_snapshot!(common::session(
        dir.path(),
        &[&["dump", "model", "bad.kpi"], &["dump", "model", "nope.kpi"], &["dump", "tokens", "clean.kpi"]],
    ));
}

/// `kpic report` writes its file and says so (0); errors in the spec or the data
/// write nothing (1); a KPI that does not exist or a directory that does not
/// exist is a usage error (2).
#[test]
fn report_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().to_str().unwrap();
    let out = |name: &str| format!("{tmp}/{name}");
    let (ok, spec_error, data_error, unknown, unwritable) =
        (out("ok.html"), out("spec.html"), out("data.html"), out("unknown.html"), out("no/such/dir/r.html"));
    let text = common::session(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            &["report", RATIO, "-o", &ok],
            &["report", "tests/fixtures/check/unit_mismatch.kpi", "-o", &spec_error],
            &["report", "tests/fixtures/eval/bad_value/spec.kpi", "-o", &data_error, "--error-format", "github"],
            &["report", RATIO, "--kpi", "revenue_plna", "-o", &unknown],
            &["report", RATIO, "-o", &unwritable],
            &["report", "no/such/spec.kpi", "-o", &ok],
        ],
    );
    assert!(std::fs::read_to_string(&ok).unwrap().starts_with("<!DOCTYPE html>"));
    for failed in [spec_error, data_error, unknown] {
        assert!(!Path::new(&failed).exists(), "{failed} written");
    }
    insta::assert_snapshot!(text.replace(tmp, "TMP"));
}

const OLD: &str = "tests/fixtures/diff/old.kpi";
const NEW: &str = "tests/fixtures/diff/new.kpi";

/// `kpic diff` exits 0 whatever moved, unless `--exit-code`: then 4 when
/// something moved and 0 when nothing did.
#[test]
fn diff_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("diff.md");
    let report = report.to_str().unwrap();
    let text = common::session(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &[
            &["diff", OLD, OLD, "--exit-code"],
            &["diff", OLD, NEW, "--exit-code", "--format", "markdown", "-o", report],
            &["diff", OLD, NEW, "--format", "markdown", "-o", report],
            &["diff", OLD, "tests/fixtures/check/unit_mismatch.kpi", "--error-format", "github"],
            &["diff", OLD],
            &["diff", OLD, "no/such/new.kpi"],
        ],
    );
    assert!(std::fs::read_to_string(report).unwrap().starts_with("### What this change does to the numbers"));
    insta::assert_snapshot!(text.replace(dir.path().to_str().unwrap(), "TMP"));
}

/// The whole SARIF log of one fixture, the version left out and each rule on
/// one line: its help is the page of `kpic explain` (compared here), which the
/// snapshot would only repeat from docs/diagnostics/.
#[test]
fn check_sarif_transcript() {
    let out = kpic(&["check", "--format", "sarif", "tests/fixtures/check/duplicate_names.kpi"]);
    assert_eq!(out.status.code(), Some(1));
    let mut log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let driver = &mut log["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    driver["version"] = "[version]".into();
    for rule in driver["rules"].as_array_mut().unwrap() {
        let code = kpic::diagnostics::Code::parse(rule["id"].as_str().unwrap()).unwrap();
        assert_eq!(rule["help"]["markdown"], kpic::diagnostics::codes::page(code));
        assert_eq!(rule["fullDescription"]["text"], rule["help"]["text"]);
        let line = format!(
            "{} {} ({}): {}",
            rule["id"].as_str().unwrap(),
            rule["name"].as_str().unwrap(),
            rule["defaultConfiguration"]["level"].as_str().unwrap(),
            rule["shortDescription"]["text"].as_str().unwrap()
        );
        *rule = line.into();
    }
    let stdout = serde_json::to_string_pretty(&log).unwrap();
    insta::assert_snapshot!(format!(
        "exit: {:?}\n--- stdout\n{stdout}\n--- stderr\n{}",
        out.status.code(),
        stderr(&out)
    ));
}

/// A reader that stops early (`kpic eval | head -1`) ends kpic quietly with the
/// command's own exit code, not a panic: each command once with the reader gone
/// before it writes, once after the first line of an output larger than a pipe
/// holds.
#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    use std::io::BufRead;
    let cases: [(&[&str], i32); 6] = [
        (&["explain", "E501"], 0),
        (&["eval", "examples/sales.kpi"], 0),
        (&["eval", "examples/sales.kpi", "--format", "json"], 0),
        (&["dump", "ast", "examples/sales.kpi"], 0),
        (&["check", "--format", "sarif", "tests/fixtures/check"], 1),
        (&["test", "tests/fixtures/golden/failing.kpi"], 1),
    ];
    for (args, code) in cases {
        for read_first_line in [false, true] {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kpic"))
                .args(args)
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
            if read_first_line {
                reader.read_line(&mut String::new()).unwrap();
            }
            drop(reader);
            let out = child.wait_with_output().unwrap();
            let err = stderr(&out);
            assert!(!err.contains("panicked") && !err.contains("standard output"), "{args:?}: {err}");
            assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        }
    }
    // Any other failure to write is an error, said once.
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else { return };
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(["eval", "examples/sales.kpi"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), "error: cannot write to standard output: No space left on device (os error 28)\n");
}

/// Planning tables are part of the spec: `kpic check` reads those that exist
/// and names the file and line of a row it cannot use; `--data` also requires
/// the ones that do not exist yet.
#[test]
fn check_reads_planning_tables() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("calls.csv", "at,agent,resolved\n2025-03-01 10:00:00,Ann,true\n");
    write("plan.csv", "agent,period,target\nAnn,2025-03,40\nBen,2025-3,50\n");
    write("shares.csv", "agent,period,target\nAnn,,140\nBen,,35\n");
    write(
        "spec.kpi",
        r#"source calls from "calls.csv" {
  time at: datetime
  agent: text
  resolved: bool
}

kpi resolution {
  metric count(calls where calls.resolved == true) / count(calls)
  per month
  by agent
  target >= table "plan.csv" in percent
}

kpi resolution_share {
  metric count(calls where calls.resolved == true) / count(calls)
  per month
  by agent
  target >= table "shares.csv" in percent
}

scorecard agent by agent per month {
  resolution       50%
  resolution_share 50%
  base table "bonus.csv" in RUB
}
"#,
    );
    let text = common::session(dir.path(), &[&["check", "spec.kpi"], &["check", "spec.kpi", "--data"]]);
    insta::assert_snapshot!(text);
}

/// Tables off a terminal are laid out for `COLUMNS` columns, or `--width`.
#[test]
fn table_width_follows_columns_and_width() {
    let run = |columns: &str, extra: &[&str]| {
        let mut args = vec!["eval", "examples/sales.kpi", "--period", "2025-03", "--scorecard", "sales_manager"];
        args.extend_from_slice(extra);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kpic"))
            .args(&args)
            .env("COLUMNS", columns)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", common::transcript(&out));
        stdout(&out).lines().map(|l| l.chars().count()).max().unwrap_or(0)
    };
    let wide = run("200", &[]);
    assert!(wide > 80, "COLUMNS=200 gave lines of at most {wide} characters");
    let narrow = run("200", &["--width", "60"]);
    assert!(narrow <= 60, "--width 60 gave a line of {narrow} characters");
    assert!(run("", &[]) <= 80);
}

/// `dump ir` shows the plan a backend runs: fused queries, KPI expressions and
/// the planning tables it reads.
#[test]
fn dump_ir_shows_the_plan() {
    let out = kpic(&["dump", "ir", "tests/fixtures/eval/planning_tables/spec.kpi"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::transcript(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["tables"].as_array().map(Vec::len), Some(2), "plan.csv once, bonus.csv once");
    insta::assert_snapshot!(stdout(&out));
}

/// A table source: checked, planned and written as SQL; evaluated on an
/// extract with `--data`; and the usage errors of `--table`.
#[test]
fn warehouse_sources_transcript() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/warehouse");
    insta::assert_snapshot!(common::session(
        &dir,
        &[
            &["check", "spec.kpi"],
            &["plan", "spec.kpi"],
            &["plan", "spec.kpi", "--sql", "--period", "2025-03"],
            &["plan", "spec.kpi", "--sql", "--dialect", "clickhouse", "--format", "json"],
            &["eval", "spec.kpi"],
            &["eval", "spec.kpi", "--data", "orders=orders.csv", "--format", "csv"],
            &["plan", "spec.kpi", "--sql", "--table", "orders=lake:sales.orders"],
            &["plan", "spec.kpi", "--sql", "--table", "orders=dwh:sales.orders;drop"],
            &["plan", "spec.kpi", "--sql", "--table", "orders=sales.orders"],
            &["plan", "spec.kpi", "--sql", "--dialect", "oracle"],
        ],
    ));
}

/// A run stopped by bad data reports every problem `check --data` would: a
/// problem per column with the count of further bad values, rows without a
/// time, and the problems of every source; at most 20, and a count of the rest.
#[test]
fn eval_reports_every_data_problem() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "source orders from \"orders.csv\" {\n  time day: date\n  manager: text\n  units: int\n  amount: money(RUB)\n}\n\
                source calls from \"calls.csv\" {\n  time at: date\n  seconds: int\n}\n\
                kpi units { metric sum(orders.units) per month target >= 1 }\n\
                kpi revenue { metric sum(orders.amount) per month target >= 1 RUB }\n\
                kpi calls { metric sum(calls.seconds) per month target >= 1 }\n";
    std::fs::write(dir.path().join("spec.kpi"), spec).unwrap();
    let orders = "day,manager,units,amount\n2025-03-01,Anna,1,100\n2025-03-02,Anna,x,100\n\
                  2025-03-03,Anna,y,1O0\n,Boris,2,5\n2025-03-05,Anna,z,100\n";
    std::fs::write(dir.path().join("orders.csv"), orders).unwrap();
    std::fs::write(dir.path().join("calls.csv"), "at,seconds\n2025-03-01,12s\n").unwrap();
    let out = common::kpic_in(dir.path(), &["eval", "spec.kpi"]);
    assert_eq!(out.status.code(), Some(1));
    let flat = stderr(&out).replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "column `units`, line 3: `x` is not a valid int (and 2 more values of the column)",
        "column `amount`, line 4: `1O0` is not a valid money(RUB)",
        "rows with an empty `day` cannot be placed in a period (the first is on line 5)",
        "source `calls`, column `seconds`, line 2: `12s` is not a valid int",
        "4 errors, 0 warnings",
    ] {
        assert!(flat.contains(want), "lacks `{want}`:\n{}", stderr(&out));
    }
    // 25 columns with a bad value each: 20 shown, 5 counted.
    let columns: Vec<String> = (0..25).map(|i| format!("c{i}")).collect();
    let declared: String = columns.iter().map(|c| format!("  {c}: int\n")).collect();
    let kpis: String =
        columns.iter().map(|c| format!("kpi k_{c} {{ metric sum(s.{c}) per month target >= 1 }}\n")).collect();
    std::fs::write(
        dir.path().join("wide.kpi"),
        format!("source s from \"wide.csv\" {{\n  time day: date\n{declared}}}\n{kpis}"),
    )
    .unwrap();
    let bad: Vec<&str> = vec!["x"; 25];
    std::fs::write(dir.path().join("wide.csv"), format!("day,{}\n2025-03-01,{}\n", columns.join(","), bad.join(",")))
        .unwrap();
    let wide = common::kpic_in(dir.path(), &["eval", "wide.kpi"]);
    assert_eq!(wide.status.code(), Some(1));
    assert_eq!(stderr(&wide).matches("is not a valid int").count(), 20, "{}", stderr(&wide));
    assert!(stderr(&wide).contains("and 5 more problems in the data, not shown"), "{}", stderr(&wide));
}

/// A daily KPI with three days of data in a year shows those three days in
/// the human formats and says how many empty days it left out; the machine
/// formats list every day.
#[test]
fn human_formats_leave_out_periods_without_data() {
    let dir = tempfile::tempdir().unwrap();
    let spec =
        "source s from \"s.csv\" {\n  time day: date\n  n: int\n}\nkpi daily { metric sum(s.n) per day target >= 1 }\n";
    std::fs::write(dir.path().join("daily.kpi"), spec).unwrap();
    std::fs::write(dir.path().join("s.csv"), "day,n\n2025-01-01,1\n2025-06-01,2\n2025-12-31,3\n").unwrap();
    let table = common::kpic_in(dir.path(), &["eval", "daily.kpi"]);
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    insta::assert_snapshot!(stdout(&table));
    let markdown = common::kpic_in(dir.path(), &["eval", "daily.kpi", "--format", "markdown"]);
    assert_eq!(stdout(&markdown).matches("| 2025-").count(), 3, "{}", stdout(&markdown));
    assert!(stdout(&markdown).contains("362 periods without data not shown"), "{}", stdout(&markdown));
    let csv = common::kpic_in(dir.path(), &["eval", "daily.kpi", "--format", "csv"]);
    assert_eq!(stdout(&csv).lines().count(), 1 + 365);
}

/// A period inside a gap of the data: the table has a row per entity, each
/// without data, and the run ends with exit code 5 as for a period after the
/// data.
#[test]
fn a_period_in_a_gap_of_the_data_has_no_result() {
    let dir = tempfile::tempdir().unwrap();
    let spec = "source s from \"s.csv\" {\n  time day: date\n  manager: text\n  n: int\n}\nkpi k { metric sum(s.n) per month by manager target >= 1 }\n";
    std::fs::write(dir.path().join("gap.kpi"), spec).unwrap();
    std::fs::write(dir.path().join("s.csv"), "day,manager,n\n2025-01-10,Anna,1\n2025-03-10,Anna,2\n").unwrap();
    for format in ["table", "json", "csv"] {
        let out = common::kpic_in(dir.path(), &["eval", "gap.kpi", "--period", "2025-02", "--format", format]);
        assert_eq!(out.status.code(), Some(5), "{format}: {}{}", stdout(&out), stderr(&out));
    }
    let march = common::kpic_in(dir.path(), &["eval", "gap.kpi", "--period", "2025-03"]);
    assert_eq!(march.status.code(), Some(0), "{}", stderr(&march));
}
