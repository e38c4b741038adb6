//! Data-driven tests: a new case is a new file under tests/fixtures/, and each
//! file is its own test in the runner's output (`check::NAME`, `parse::NAME`,
//! `fmt::PATH`), so one failure does not hide the others.
//!
//! - `parse/*.kpi`: the syntax tree, as an indented outline, and any syntax
//!   diagnostics.
//! - `check/*.kpi`: the source and the rendered diagnostics together.
//! - every spec of the examples and fixtures: `kpic fmt` formats it (or it has
//!   syntax errors), is idempotent and keeps the meaning.

mod common;

use kpic::diagnostics::render::{self, Color};
use kpic::diagnostics::Code;
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn main() {
    let mut trials = vec![
        Trial::test("every_code_has_a_fixture", every_code_has_a_fixture),
        Trial::test("every_diagnostic_has_a_help_line", every_diagnostic_has_help),
    ];
    for path in files("tests/fixtures/check") {
        trials.push(Trial::test(format!("check::{}", file_name(&path)), move || check_fixture(&path)));
    }
    for path in files("tests/fixtures/parse") {
        trials.push(Trial::test(format!("parse::{}", file_name(&path)), move || parse_fixture(&path)));
    }
    let specs: Vec<PathBuf> = ["examples", "tests/fixtures"].iter().flat_map(|d| specs_under(d)).collect();
    assert!(specs.len() > 100, "only {} specs", specs.len());
    for path in specs {
        trials.push(Trial::test(format!("fmt::{}", rel(&path)), move || fmt_round_trips(&path)));
    }
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

/// The `.kpi` files directly in `dir`, in order.
fn files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kpi"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {dir}");
    files
}

/// Every `.kpi` file under `dir`, at any depth, in order.
fn specs_under(dir: &str) -> Vec<PathBuf> {
    let mut specs: Vec<PathBuf> = walkdir::WalkDir::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "kpi") && p.is_file())
        .collect();
    specs.sort();
    specs
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

fn rel(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

/// The rendered diagnostics of a spec, as a user sees them (without colour).
fn rendered(path: &Path) -> String {
    let checked =
        checked(Path::new(&rel(path)), path, &|p| std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)));
    let mut out = String::new();
    for d in &checked.diagnostics {
        out.push_str(&render::to_human(d, &checked.sources, Color::Never));
    }
    out.push_str(&render::summary(&checked.diagnostics, checked.sources.files().count()));
    out
}

/// A fixture checked as `kpic check` would, with the connections of the
/// kpic.toml above it (tests/fixtures/check/kpic.toml).
fn checked(named: &Path, path: &Path, read: kpic::load::Reader) -> kpic::Checked {
    let config = kpic::project::config_for(path).expect("the fixtures' kpic.toml is valid");
    kpic::check(kpic::parse(named, read).expect("fixture is readable"), &config.connections)
}

/// A snapshot named as `insta::glob!` named them, so that the files stay.
fn snapshot(test: &str, path: &Path, text: String) {
    let mut settings = insta::Settings::clone_current();
    settings.set_input_file(path);
    settings.set_prepend_module_to_snapshot(true);
    settings.bind(|| insta::assert_snapshot!(format!("{test}@{}", file_name(path)), text));
}

fn check_fixture(path: &Path) -> Result<(), Failed> {
    let source = read(path);
    snapshot("check_fixtures", path, format!("{source}\n=== diagnostics ===\n{}", rendered(path)));
    Ok(())
}

fn parse_fixture(path: &Path) -> Result<(), Failed> {
    let source = read(path);
    let (module, diags) = kpic::syntax::parse(kpic::span::FileId(0), &source);
    let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
    let tree = common::tree::outline(&module.decls);
    snapshot("parse_fixtures", path, format!("{source}\n=== diagnostics: {codes:?} ===\n{tree}"));
    Ok(())
}

fn every_code_has_a_fixture() -> Result<(), Failed> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "kpi") {
            let checked = checked(&path, &path, &|p| std::fs::read(p));
            seen.extend(checked.diagnostics.iter().map(|d| d.code));
        }
    }
    // Data errors (E6xx) need data: their fixtures are in tests/fixtures/eval. A
    // failed expectation is found by running tests: tests/fixtures/golden. A spec
    // too large to read and a path outside the project are found by the command
    // line's loader: tests/fixtures/bad.
    // A secret in kpic.toml is an error in the configuration:
    // tests/fixtures/bad/config_password_in_uri. A warehouse's drivers,
    // credentials, tables and timeouts are met when it is queried:
    // tests/warehouse.rs.
    let elsewhere = [
        Code::ExpectationFailed,
        Code::FileTooLarge,
        Code::OutsideProject,
        Code::SecretInConfig,
        Code::DriverNotFound,
        Code::WarehouseUnreachable,
        Code::WarehouseAuthentication,
        Code::WarehouseTableMissing,
        Code::StatementTimeout,
    ];
    let at_run_time = |c: &Code| c.as_str().starts_with("E6") || elsewhere.contains(c);
    let missing: Vec<&str> =
        Code::ALL.iter().filter(|c| !seen.contains(c) && !at_run_time(c)).map(|c| c.as_str()).collect();
    assert!(missing.is_empty(), "codes without a fixture in tests/fixtures/check: {missing:?}");
    Ok(())
}

/// The README promises a help line with every problem `kpic check` reports:
/// every diagnostic of every check fixture has one (each code has a fixture,
/// above).
fn every_diagnostic_has_help() -> Result<(), Failed> {
    let mut without = Vec::new();
    for path in files("tests/fixtures/check") {
        let checked = checked(&path, &path, &|p| std::fs::read(p));
        for d in checked.diagnostics.iter().filter(|d| d.help.as_deref().is_none_or(|h| h.trim().is_empty())) {
            without.push(format!("{} {}: {}", file_name(&path), d.code.as_str(), d.message));
        }
    }
    assert!(without.is_empty(), "diagnostics without a help line:\n{}", without.join("\n"));
    Ok(())
}

/// A spec formats unless it has syntax errors; formatting twice equals
/// formatting once, and the formatted spec checks with the same diagnostic
/// codes and the same number of declarations.
fn fmt_round_trips(path: &Path) -> Result<(), Failed> {
    let text = read(path);
    let Some(once) = kpic::fmt::format(&text) else {
        let (_, syntax) = kpic::syntax::parse(kpic::span::FileId(0), &text);
        if syntax.iter().any(|d| d.is_error()) {
            return Ok(());
        }
        return Err(format!("{} has no syntax errors, but fmt does not format it", rel(path)).into());
    };
    let twice = kpic::fmt::format(&once).ok_or("the formatted text does not format again")?;
    assert_eq!(once, twice, "fmt is not idempotent on {}", rel(path));
    let codes = |t: &str| -> Vec<&'static str> {
        kpic::check_text("spec.kpi", t).diagnostics.iter().map(|d| d.code.as_str()).collect()
    };
    assert_eq!(codes(&text), codes(&once), "fmt changed the meaning of {}", rel(path));
    let decls = |t: &str| kpic::syntax::parse(kpic::span::FileId(0), t).0.decls.len();
    assert_eq!(decls(&text), decls(&once), "fmt changed the declarations of {}", rel(path));
    Ok(())
}
