//! The differential test against DuckDB (docs/fuzzing.md): tests/differential/run.py
//! generates random data and specs, evaluates each with this kpic and with SQL
//! run by DuckDB, and compares every row's actual, target, attainment, status
//! and gap.
//!
//! `.ci/setup` installs Python's duckdb; without it this test fails.
//! `KPIC_SKIP_DUCKDB=1` skips it (loudly) on machines without it, and fails
//! when CI is set.
//! `KPIC_DIFFERENTIAL_CASES` and `KPIC_DIFFERENTIAL_SEED` choose another run
//! (300 cases of seed 8 by default); the long mode is the harness run by hand.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HARNESS: &str = "tests/differential/run.py";

/// Whether to run: false when skipped on purpose; a missing duckdb fails.
fn duckdb() -> bool {
    if common::skipped("KPIC_SKIP_DUCKDB", "kpic was not compared with DuckDB") {
        return false;
    }
    let probe = Command::new("python3").args(["-c", "import duckdb"]).output().expect("python3 runs");
    assert!(
        probe.status.success(),
        "Python's duckdb is missing: run `bash .ci/setup` to install it, or set KPIC_SKIP_DUCKDB=1 to skip this test\n{}",
        text(&probe.stderr)
    );
    true
}

/// Run the harness on this kpic; the cases' files go under the test's target directory.
fn harness(name: &str, args: &[&str]) -> (Output, String) {
    let out_dir: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&out_dir);
    let out = Command::new("python3")
        .arg(HARNESS)
        .args(["--kpic", env!("CARGO_BIN_EXE_kpic")])
        .arg("--out")
        .arg(&out_dir)
        .args(args)
        .output()
        .expect("python3 runs");
    let report = text(&out.stdout) + &text(&out.stderr);
    (out, report)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn kpic_agrees_with_duckdb() {
    if !duckdb() {
        return;
    }
    let cases = std::env::var("KPIC_DIFFERENTIAL_CASES").unwrap_or_else(|_| "300".into());
    let seed = std::env::var("KPIC_DIFFERENTIAL_SEED").unwrap_or_else(|_| "8".into());
    let (out, report) = harness("differential", &["--cases", &cases, "--seed", &seed]);
    assert!(out.status.success(), "kpic and DuckDB disagree:\n{report}");
    let summary = report.lines().find(|l| l.starts_with("differential:")).unwrap_or_default();
    assert!(summary.contains(", 0 failing"), "{report}");
    eprintln!("{summary}");
}

/// The comparison sees each kind of mistake: an oracle that is wrong on purpose
/// (nothing done as no data, percentile interpolation, ties with the target, date bounds)
/// disagrees with kpic within a few dozen cases.
#[test]
fn a_wrong_oracle_disagrees() {
    if !duckdb() {
        return;
    }
    for sabotage in
        ["nothing-is-no-data", "percentile-without-interpolation", "met-only-above-target", "dates-at-midnight"]
    {
        let (out, report) = harness(
            &format!("differential-{sabotage}"),
            &["--cases", "100", "--max-failures", "1", "--sabotage", sabotage],
        );
        assert_eq!(out.status.code(), Some(1), "--sabotage {sabotage} went unnoticed:\n{report}");
        assert!(report.contains("1 failing"), "--sabotage {sabotage}:\n{report}");
    }
}

/// The random cases with kpic reading the data from an engine: DuckDB tables
/// through kpic's ADBC driver (the whole warehouse backend against the
/// oracle), and kpic's ClickHouse statements run in chdb against kpic's own
/// polars aggregates (at the SQL level; no ClickHouse server runs here).
#[test]
fn kpic_on_engines_agrees() {
    if !duckdb() || common::skipped("KPIC_SKIP_WAREHOUSE", "the differential test on engines") {
        return;
    }
    for engine in ["duckdb", "clickhouse"] {
        agrees_on(engine, &["--cases", "150", "--seed", "8", "--engine", engine]);
    }
}

/// The harness with kpic reading from `engine`: it must find no difference.
fn agrees_on(engine: &str, args: &[&str]) {
    let (out, report) = harness(&format!("differential-on-{engine}"), args);
    assert!(out.status.success(), "kpic on {engine} disagrees:\n{report}");
    let summary = report.lines().find(|l| l.starts_with("differential:")).unwrap_or_default();
    assert!(summary.contains(&format!("on {engine},")) && summary.contains(", 0 failing"), "{report}");
    eprintln!("{summary}");
}

/// The random cases with kpic reading the data from servers the test starts
/// on loopback: a PostgreSQL server and a Spark cluster (`local-cluster`,
/// two executors), each through its ADBC driver, against the oracle. Spark
/// answers each statement in a fraction of a second, so it gets fewer cases.
#[test]
fn kpic_on_servers_agrees() {
    if !duckdb() || common::skipped("KPIC_SKIP_WAREHOUSE", "the differential test on PostgreSQL and Spark") {
        return;
    }
    let pg = common::engines::Postgres::start().expect("PostgreSQL starts");
    let uri = pg.uri(common::engines::PASSWORD);
    let postgres = ["--cases", "150", "--seed", "8", "--engine", "postgres", "--uri", &uri, "--dsn", &pg.dsn];
    let spark = common::engines::Spark::start().expect("Spark starts");
    let spark_uri = spark.uri();
    let on_spark = ["--cases", "30", "--seed", "8", "--engine", "spark", "--uri", &spark_uri];
    agrees_on("postgres", &postgres);
    agrees_on("spark", &on_spark);
}

/// A dialect that is wrong on purpose (a week starting on Sunday, no count
/// guard, an approximate median, an unescaped quote) disagrees within a few
/// dozen cases.
#[test]
fn a_wrong_dialect_disagrees() {
    if !duckdb() || common::skipped("KPIC_SKIP_WAREHOUSE", "the differential test on engines") {
        return;
    }
    for sabotage in ["sunday-week", "no-count-guard", "approximate-median", "unescaped-quote"] {
        let (out, report) = harness(
            &format!("differential-sql-{sabotage}"),
            &["--cases", "150", "--max-failures", "1", "--engine", "clickhouse", "--sabotage-sql", sabotage],
        );
        assert_eq!(out.status.code(), Some(1), "--sabotage-sql {sabotage} went unnoticed:\n{report}");
        assert!(report.contains("1 failing"), "--sabotage-sql {sabotage}:\n{report}");
    }
}
