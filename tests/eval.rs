//! Evaluation fixtures: `tests/fixtures/eval/<case>/` holds `spec.kpi`, tiny data,
//! a README with the hand arithmetic, and `expect`: the hand-checked numbers.
//!
//! `expect` lines are `KPI PERIOD ENTITY field=value ...` (ENTITY is `-` for a KPI
//! without `by`, else `dim=value;dim=value`), or `error CODE text` for a case
//! whose evaluation must fail. The whole CSV report is also snapshotted. Each
//! case is its own test in the runner's output (`eval::CASE`).

use kpic::eval::{Evaluation, Row, Status};
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};

fn main() {
    let cases = cases();
    assert!(cases.len() > 20, "only {} cases", cases.len());
    let mut trials = vec![Trial::test(
        "narrowing_an_evaluation_equals_evaluating_the_window",
        narrowing_an_evaluation_equals_evaluating_the_window,
    )];
    trials.push(Trial::test("reading_only_the_window_gives_its_results", reading_only_the_window_gives_its_results));
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        trials.push(Trial::test(format!("eval::{name}"), move || eval_fixture(&name, &case)));
    }
    libtest_mimic::run(&Arguments::from_args(), trials).exit();
}

fn cases() -> Vec<PathBuf> {
    // Relative to the package root (cargo's working directory for tests), so that
    // paths in messages do not depend on where the repository is checked out.
    let dir = Path::new("tests/fixtures/eval");
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    cases.sort();
    cases
}

fn run(case: &Path) -> Result<Evaluation, kpic::diagnostics::Diagnostic> {
    let checked = kpic::check_spec(&case.join("spec.kpi"), &|p| std::fs::read(p)).unwrap();
    let errors: Vec<String> = checked.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect();
    assert!(errors.is_empty(), "{}: spec has errors: {errors:?}", case.display());
    let plan = kpic::lower(&checked, &kpic::Selection::default()).unwrap();
    kpic::run_and_evaluate(&checked, &plan, &kpic::eval::Window::default(), &kpic::eval::Quiet)
}

fn eval_fixture(name: &str, case: &Path) -> Result<(), Failed> {
    let name = name.to_string();
    {
        let expect = std::fs::read_to_string(case.join("expect")).unwrap_or_else(|_| panic!("{name}: no expect file"));
        let result = run(case);
        let mut checked = 0;
        for line in expect.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            checked += 1;
            if let Some(rest) = line.strip_prefix("error ") {
                let (code, text) = rest.split_once(' ').unwrap_or((rest, ""));
                let err = result
                    .as_ref()
                    .err()
                    .unwrap_or_else(|| panic!("{name}: expected error {code}, evaluation succeeded"));
                assert_eq!(err.code.as_str(), code, "{name}: {}", err.message);
                assert!(err.message.contains(text), "{name}: `{}` does not contain `{text}`", err.message);
                continue;
            }
            let eval = result.as_ref().unwrap_or_else(|e| panic!("{name}: evaluation failed: {}", e.message));
            if let Some(rest) = line.strip_prefix("scorecard ") {
                check_scorecard(&name, eval, rest);
            } else if let Some(rest) = line.strip_prefix("cascade ") {
                check_cascade(&name, eval, rest);
            } else {
                check_line(&name, eval, line);
            }
        }
        assert!(checked > 0, "{name}: expect file checks nothing");
        let report = match &result {
            Ok(eval) => {
                kpic::report::csv(eval) + &kpic::report::scorecards_csv(eval) + &kpic::report::cascades_csv(eval)
            }
            Err(d) => format!("error {}: {}", d.code.as_str(), d.message),
        };
        insta::assert_snapshot!(format!("eval__{name}"), report);
    }
    Ok(())
}

fn check_line(case: &str, eval: &Evaluation, line: &str) {
    let mut parts = line.split_whitespace();
    let (kpi, period, entity) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let k = eval.kpis.iter().find(|k| k.name == kpi).unwrap_or_else(|| panic!("{case}: no KPI {kpi}"));
    let want_entity: Vec<Option<String>> = if entity == "-" {
        vec![]
    } else {
        // `manager=(null)`: the group of rows whose key is null.
        entity
            .split(';')
            .map(|kv| Some(kv.split_once('=').unwrap().1).filter(|v| *v != "(null)").map(str::to_string))
            .collect()
    };
    let row: &Row = k
        .rows
        .iter()
        .find(|r| r.period.to_string() == period && r.entity == want_entity)
        .unwrap_or_else(|| panic!("{case}: no row {kpi} {period} {entity}"));
    for field in parts {
        let (key, want) = field.split_once('=').unwrap();
        let got = match key {
            "actual" => fmt(row.actual),
            "target" => fmt(row.target.map(target_value)),
            "attainment" => fmt(row.attainment),
            "gap" => fmt(row.gap),
            "status" => status_word(row.status),
            "notes" => row.notes.len().to_string(),
            other => panic!("{case}: unknown field {other}"),
        };
        compare(case, &format!("{kpi} {period} {entity}"), key, got, want);
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("none".to_string(), |x| x.to_string())
}

fn compare(case: &str, what: &str, key: &str, got: String, want: &str) {
    let same = match (got.parse::<f64>(), want.parse::<f64>()) {
        (Ok(g), Ok(w)) => (g - w).abs() <= 1e-6 * w.abs().max(1.0),
        _ => got == want,
    };
    assert!(same, "{case}: {what} {key}: got {got}, expected {want}");
}

fn status_word(s: Status) -> String {
    match s {
        Status::Met => "met",
        Status::AtRisk => "at_risk",
        Status::Missed => "missed",
        Status::NoData => "no_data",
    }
    .to_string()
}

/// `scorecard NAME PERIOD ENTITY score=.. coefficient=.. bonus=.. KPI.contribution=..`
fn check_scorecard(case: &str, eval: &Evaluation, line: &str) {
    let mut parts = line.split_whitespace();
    let (name, period, entity) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let card = eval.scorecards.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("{case}: no scorecard {name}"));
    let row = card
        .rows
        .iter()
        .find(|r| r.period.to_string() == period && r.entity.as_deref() == Some(entity))
        .unwrap_or_else(|| panic!("{case}: no scorecard row {name} {period} {entity}"));
    for field in parts {
        let (key, want) = field.split_once('=').unwrap();
        let got = match key {
            "score" => fmt(row.score),
            "coefficient" => fmt(row.coefficient),
            "bonus" => fmt(row.bonus),
            "notes" => row.notes.len().to_string(),
            other => {
                let (kpi, what) = other.split_once('.').unwrap_or_else(|| panic!("{case}: unknown field {other}"));
                let p = row.parts.iter().find(|p| p.kpi == kpi).unwrap_or_else(|| panic!("{case}: no part {kpi}"));
                match what {
                    "contribution" => p.contribution.to_string(),
                    "weight" => p.effective_weight.to_string(),
                    "counted" => fmt(p.counted),
                    _ => panic!("{case}: unknown field {other}"),
                }
            }
        };
        compare(case, &format!("{name} {period} {entity}"), key, got, want);
    }
}

/// `cascade KPI PERIOD PATH actual=.. target=.. status=..` (PATH `-` for the top)
fn check_cascade(case: &str, eval: &Evaluation, line: &str) {
    let mut parts = line.split_whitespace();
    let (kpi, period, path) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let c = eval.cascades.iter().find(|c| c.kpi == kpi).unwrap_or_else(|| panic!("{case}: no cascade {kpi}"));
    let want_path: Vec<(String, Option<String>)> = if path == "-" {
        vec![]
    } else {
        path.split(';')
            .map(|kv| kv.split_once('=').unwrap())
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect()
    };
    let row = c
        .rows
        .iter()
        .find(|r| r.period.to_string() == period && r.path == want_path)
        .unwrap_or_else(|| panic!("{case}: no cascade row {kpi} {period} {path}"));
    for field in parts {
        let (key, want) = field.split_once('=').unwrap();
        let got = match key {
            "actual" => fmt(row.actual),
            "target" => fmt(row.target.map(target_value)),
            "attainment" => fmt(row.attainment),
            "status" => status_word(row.status),
            "notes" => row.notes.len().to_string(),
            other => panic!("{case}: unknown field {other}"),
        };
        compare(case, &format!("{kpi} {period} {path}"), key, got, want);
    }
}

/// The number a target compares with (the low bound of a range).
fn target_value(t: kpic::eval::TargetValue) -> f64 {
    match t {
        kpic::eval::TargetValue::AtLeast { value } | kpic::eval::TargetValue::AtMost { value } => value,
        kpic::eval::TargetValue::Between { low, .. } => low,
    }
}

/// Windows of one period, open at either end, and crossing a year.
fn windows() -> Vec<kpic::eval::Window> {
    let day = |p: &str| kpic::eval::period::parse(p).unwrap();
    let period = |p: &str| kpic::eval::Window { from: Some(day(p).start), until: Some(day(p).end()) };
    vec![
        period("2025-01"),
        kpic::eval::Window { from: Some(day("2025-02").start), until: None },
        kpic::eval::Window { from: None, until: Some(day("2025-Q1").end()) },
        period("2025-03"),
        period("2025-06"),
        kpic::eval::Window { from: Some(day("2024-12-30").start), until: Some(day("2025-02-02").end()) },
    ]
}

/// A case checked, planned and evaluated on every period; `None` for the
/// cases whose data is bad.
fn every_period(case: &Path) -> Option<(kpic::Checked, kpic::ir::Plan, Evaluation)> {
    let checked = kpic::check_spec(&case.join("spec.kpi"), &|p| std::fs::read(p)).unwrap();
    let plan = kpic::lower(&checked, &kpic::Selection::default()).unwrap();
    let all = kpic::run_and_evaluate(&checked, &plan, &kpic::eval::Window::default(), &kpic::eval::Quiet).ok()?;
    Some((checked, plan, all))
}

/// The report evaluates every period and narrows to the window afterwards
/// (`Evaluation::within`); that must give what evaluating the window gives.
fn narrowing_an_evaluation_equals_evaluating_the_window() -> Result<(), Failed> {
    let mut compared = 0;
    for case in cases() {
        let Some((checked, plan, all)) = every_period(&case) else { continue };
        for w in &windows() {
            let direct = kpic::run_and_evaluate(&checked, &plan, w, &kpic::eval::Quiet).unwrap();
            let json = |e: &Evaluation| serde_json::to_string(e).unwrap();
            assert_eq!(json(&all.within(w)), json(&direct), "{}: {w:?}", case.display());
            compared += 1;
        }
    }
    assert!(compared >= 20, "{compared} comparisons");
    Ok(())
}

/// With a window, each query reads only the periods the window and its
/// look-backs need (docs/evaluation.md, "Windows"). That changes no row with
/// data: every row it reports is the row reading everything reports, and the
/// rows it leaves out have no data (an entity or a period at the window's
/// edge without rows in what was read).
fn reading_only_the_window_gives_its_results() -> Result<(), Failed> {
    let (mut compared, mut left_out) = (0, 0);
    for case in cases() {
        let Some((checked, _, all)) = every_period(&case) else { continue };
        for w in &windows() {
            let selection = kpic::Selection { window: *w, ..Default::default() };
            let narrow = kpic::lower(&checked, &selection).unwrap();
            assert!(
                narrow.queries.iter().all(|q| q.reads.is_some() || w.from.is_none()),
                "{}: not narrowed",
                case.display()
            );
            let read = kpic::run_and_evaluate(&checked, &narrow, &kpic::eval::Window::default(), &kpic::eval::Quiet)
                .unwrap()
                .within(w);
            let (all, read) = (serde_json::to_value(all.within(w)).unwrap(), serde_json::to_value(read).unwrap());
            for section in ["kpis", "scorecards", "cascades"] {
                let (all, read) = (all[section].as_array().unwrap(), read[section].as_array().unwrap());
                assert_eq!(all.len(), read.len(), "{}: {w:?}: {section}", case.display());
                for (a, r) in all.iter().zip(read) {
                    let (a, r) = (a["rows"].as_array().unwrap(), r["rows"].as_array().unwrap());
                    let mut rest = r.iter().peekable();
                    for row in a {
                        if rest.peek() == Some(&row) {
                            rest.next();
                            continue;
                        }
                        let no_data = row["status"] == "no_data" && row["actual"].is_null();
                        assert!(
                            no_data,
                            "{}: {w:?}: {section}: a row with data is not read alike: {row}",
                            case.display()
                        );
                        left_out += 1;
                    }
                    let extra: Vec<_> = rest.collect();
                    assert!(
                        extra.is_empty(),
                        "{}: {w:?}: {section}: rows only when narrowed: {extra:?}",
                        case.display()
                    );
                }
            }
            compared += 1;
        }
    }
    // The fixtures have edges where rows are left out; each was looked at.
    assert!(compared >= 100 && left_out > 0, "{compared} comparisons, {left_out} rows left out");
    Ok(())
}
