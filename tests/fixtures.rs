//! Data-driven tests: a new case is a new file under tests/fixtures/.
//!
//! - `parse/*.kpi`: the syntax tree (JSON) and any syntax diagnostics.
//! - `check/*.kpi`: the source and the rendered diagnostics together.
//! - every fixture and example: `kpic fmt` is idempotent and keeps the meaning.

use kpic::diagnostics::render::{self, Color};
use kpic::diagnostics::Code;
use std::collections::BTreeSet;
use std::path::Path;

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
        kpic::check_spec(Path::new(&rel(path)), &|p| std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(p)))
            .expect("fixture is readable");
    let mut out = String::new();
    for d in &checked.diagnostics {
        out.push_str(&render::to_human(d, &checked.sources, Color::Never));
    }
    out.push_str(&render::summary(&checked.diagnostics, checked.sources.files().count()));
    out
}

#[test]
fn check_fixtures() {
    insta::glob!("fixtures/check/*.kpi", |path| {
        let source = read(path);
        insta::assert_snapshot!(format!("{source}\n=== diagnostics ===\n{}", rendered(path)));
    });
}

#[test]
fn parse_fixtures() {
    insta::glob!("fixtures/parse/*.kpi", |path| {
        let source = read(path);
        let (module, diags) = kpic::syntax::parse(kpic::span::FileId(0), &source);
        let codes: Vec<&str> = diags.iter().map(|d| d.code.as_str()).collect();
        let tree = serde_json::to_string_pretty(&module.decls).unwrap();
        insta::assert_snapshot!(format!("{source}\n=== diagnostics: {codes:?} ===\n{tree}"));
    });
}

#[test]
fn every_code_has_a_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "kpi") {
            let checked = kpic::check_spec(&path, &|p| std::fs::read(p)).unwrap();
            seen.extend(checked.diagnostics.iter().map(|d| d.code));
        }
    }
    // Data errors (E6xx) need data: their fixtures are in tests/fixtures/eval. A
    // failed expectation is found by running tests: tests/fixtures/golden. A spec
    // too large to read and a path outside the project are found by the command
    // line's loader: tests/fixtures/bad.
    let elsewhere = [Code::ExpectationFailed, Code::FileTooLarge, Code::OutsideProject];
    let at_run_time = |c: &Code| c.as_str().starts_with("E6") || elsewhere.contains(c);
    let missing: Vec<&str> =
        Code::ALL.iter().filter(|c| !seen.contains(c) && !at_run_time(c)).map(|c| c.as_str()).collect();
    assert!(missing.is_empty(), "codes without a fixture in tests/fixtures/check: {missing:?}");
}

/// Every spec in the repository that parses: formatting twice equals formatting
/// once, and the formatted spec checks with the same diagnostics codes.
#[test]
fn fmt_round_trips_every_spec() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in ["examples", "tests/fixtures"] {
        for entry in walkdir::WalkDir::new(root.join(dir)) {
            let path = entry.unwrap().into_path();
            if path.extension().is_none_or(|e| e != "kpi") || !path.is_file() {
                continue;
            }
            let text = read(&path);
            let Some(once) = kpic::fmt::format(&text) else { continue };
            let twice = kpic::fmt::format(&once).expect("formatted text parses");
            assert_eq!(once, twice, "fmt is not idempotent on {}", rel(&path));
            let codes = |t: &str| -> Vec<&'static str> {
                kpic::check_text("spec.kpi", t).diagnostics.iter().map(|d| d.code.as_str()).collect()
            };
            assert_eq!(codes(&text), codes(&once), "fmt changed the meaning of {}", rel(&path));
            let strip = |t: &str| kpic::syntax::parse(kpic::span::FileId(0), t).0.decls.len();
            assert_eq!(strip(&text), strip(&once));
            count += 1;
        }
    }
    assert!(count > 0);
}
