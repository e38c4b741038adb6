//! Helpers shared by the end-to-end tests of the binary.
#![allow(dead_code)]

pub mod engines;
pub mod tree;

use std::path::Path;
use std::process::{Command, Output};

pub fn kpic(args: &[&str]) -> Output {
    kpic_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

pub fn kpic_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kpic"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("kpic runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit code, standard output and standard error together, for a snapshot.
pub fn transcript(o: &Output) -> String {
    format!("exit: {:?}\n--- stdout\n{}--- stderr\n{}", o.status.code(), stdout(o), stderr(o))
}

/// Several commands run in `dir`, each as `$ kpic ARGS` and its transcript, for
/// one snapshot of a command's exit codes.
pub fn session(dir: &Path, commands: &[&[&str]]) -> String {
    commands.iter().map(|args| format!("$ kpic {}\n{}\n", args.join(" "), transcript(&kpic_in(dir, args)))).collect()
}

/// Validate a SARIF log against the official SARIF 2.1.0 schema (installed by
/// `.ci/setup`); outside CI the check is skipped, loudly, when it is missing.
pub fn validate_sarif(log: &[u8]) {
    let parsed: serde_json::Value = serde_json::from_slice(log).expect("SARIF is JSON");
    assert_eq!(parsed["version"], "2.1.0");
    let schema = std::env::var("KPIC_SARIF_SCHEMA").ok().filter(|p| Path::new(p).exists());
    let Some(schema) = schema else {
        assert!(std::env::var_os("CI").is_none(), "CI must provide KPIC_SARIF_SCHEMA (.ci/setup)");
        eprintln!("SKIPPED: set KPIC_SARIF_SCHEMA=$(bash .ci/setup) to validate against the SARIF schema");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("log.sarif");
    std::fs::write(&file, log).unwrap();
    let tool = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools/validate_sarif.py");
    let v = Command::new("python3").arg(tool).arg(&schema).arg(&file).output().unwrap();
    assert!(v.status.success(), "{}{}", String::from_utf8_lossy(&v.stdout), String::from_utf8_lossy(&v.stderr));
}

/// A Parquet copy of a CSV file, with `date_column` stored as a real date.
pub fn parquet_copy(csv: &Path, date_column: &str, parquet: &Path) {
    use polars::prelude::*;
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .try_into_reader_with_file_path(Some(csv.into()))
        .unwrap()
        .finish()
        .unwrap();
    df.apply(date_column, |c| c.cast(&DataType::Date).unwrap()).unwrap();
    ParquetWriter::new(std::fs::File::create(parquet).unwrap()).finish(&mut df).unwrap();
}

/// Whether a test that needs a tool from `.ci/setup` is skipped on purpose:
/// `VAR=1` skips it (loudly) on a developer's machine; when CI is set the
/// skip itself fails, so a suite cannot pass in CI without running.
pub fn skipped(var: &str, what: &str) -> bool {
    match skip_decision(std::env::var(var).ok().as_deref(), std::env::var_os("CI").is_some()) {
        Ok(false) => false,
        Ok(true) => {
            eprintln!("SKIPPED: {var}=1: {what}");
            true
        }
        Err(()) => panic!("{var}=1 but CI is set: CI must run this test ({what})"),
    }
}

/// `Ok(true)` to skip, `Ok(false)` to run, `Err` for a skip asked of CI.
pub fn skip_decision(value: Option<&str>, ci: bool) -> Result<bool, ()> {
    match (value == Some("1"), ci) {
        (false, _) => Ok(false),
        (true, false) => Ok(true),
        (true, true) => Err(()),
    }
}
