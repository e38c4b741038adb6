//! Every example checks clean, is formatted, and evaluates on its shipped data;
//! the subscriber story gives the numbers of the domain sketch; the golden tests
//! under examples/ pass.

mod common;

use kpic::eval::Status;
use std::path::{Path, PathBuf};

fn examples() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("examples")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kpi"))
        .collect();
    v.sort();
    v
}

#[test]
fn examples_check_clean_and_evaluate() {
    let examples = examples();
    assert!(examples.len() >= 7, "one example per role: {examples:?}");
    for path in examples {
        let checked = kpic::check_spec(&path, &|p| std::fs::read(p)).unwrap();
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
        assert!(codes.is_empty(), "{}: {codes:?}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(kpic::fmt::format(&text).as_deref(), Some(text.as_str()), "{} is not formatted", path.display());
        let plan = kpic::lower(&checked, &kpic::Selection::default()).unwrap();
        let eval = kpic::run_and_evaluate(&checked, &plan, &kpic::eval::Window::default(), &kpic::eval::Quiet)
            .unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message));
        for k in &eval.kpis {
            assert!(k.rows.iter().any(|r| r.actual.is_some()), "{}: KPI {} has no data at all", path.display(), k.name);
        }
        insta::assert_json_snapshot!(format!("model__{}", path.file_stem().unwrap().to_string_lossy()), checked.model);
    }
}

#[test]
fn subscriber_story() {
    let checked = kpic::check_spec(Path::new("examples/subscribers.kpi"), &|p| std::fs::read(p)).unwrap();
    let opts = kpic::Selection { kpis: vec!["moscow_growth".into()], ..Default::default() };
    let plan = kpic::lower(&checked, &opts).unwrap();
    let eval = kpic::run_and_evaluate(&checked, &plan, &kpic::eval::Window::default(), &kpic::eval::Quiet).unwrap();
    let row = eval.kpis[0]
        .rows
        .iter()
        .find(|r| r.period.to_string() == "2025-03" && r.entity == [Some("Anna".to_string())])
        .expect("Anna in March 2025");
    assert_eq!(row.actual, Some(2000.0));
    assert_eq!(row.target, Some(kpic::eval::TargetValue::AtLeast { value: 3000.0 }));
    assert_eq!(format!("{:.1}", row.attainment.unwrap() * 100.0), "66.7");
    assert_eq!(row.status, Status::Missed);
}

/// `kpic test examples/` runs the `test` declarations of every spec under
/// examples/ (examples/tests/ among them), and they all pass: a change to an
/// example that breaks its tests fails here, not in a user's CI.
#[test]
fn example_tests_pass() {
    let mut with_tests = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new("examples") {
        let path = entry.unwrap().into_path();
        if path.extension().is_none_or(|e| e != "kpi") {
            continue;
        }
        let checked = kpic::check_spec(&path, &|p| std::fs::read(p)).unwrap();
        if !checked.model.tests.is_empty() {
            with_tests.insert(path.display().to_string());
        }
    }
    assert!(with_tests.contains("examples/tests/subscribers.kpi"), "{with_tests:?}");
    let out = common::kpic(&["test", "examples/", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::transcript(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tests = report["tests"].as_array().unwrap();
    let ran: std::collections::BTreeSet<String> = tests.iter().map(|t| t["file"].as_str().unwrap().into()).collect();
    assert_eq!(ran, with_tests);
    assert_eq!(report["failed"], 0, "{report:#}");
    let formatted = common::kpic(&["fmt", "--check", "examples/"]);
    assert_eq!(formatted.status.code(), Some(0), "{}", common::transcript(&formatted));
}
