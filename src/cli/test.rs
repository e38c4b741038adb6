//! `kpic test`: run the `test` declarations of specs on their own fixture rows and
//! report every expectation that does not hold.

use super::emit::{self, DiagFormat};
use super::{collect_specs, stderr_color, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::{self, JsonDiagnostic};
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::golden::{self, Verdict};
use crate::sema::model::{TestDef, TestRows};
use crate::span::SourceMap;
use crate::{Checked, EvalOptions};
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Spec files or directories (searched for *.kpi).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Run only the tests whose name contains this text.
    #[arg(long)]
    filter: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

/// What `kpic test` prints; not [`DiagFormat`], whose help describes diagnostics
/// alone, while `human` and `json` here report every test.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Each test's result and the totals on standard output; failed checks and
    /// problems in the specs rendered on standard error.
    Human,
    /// A versioned JSON document of every test and check, and the totals, on
    /// standard output (docs/cli.md, "kpic test").
    Json,
    /// Failed checks and problems in the specs as GitHub Actions workflow commands
    /// on standard output, so they annotate the pull request; the totals on
    /// standard error.
    Github,
    /// Failed checks and problems in the specs as a SARIF 2.1.0 log on standard
    /// output; the totals on standard error.
    Sarif,
}

/// One test's outcome.
struct Outcome {
    name: String,
    label: Option<String>,
    file: String,
    line: usize,
    verdicts: Vec<Verdict>,
    /// A data error that stopped the test before anything could be compared.
    error: Option<Diagnostic>,
}

impl Outcome {
    fn passed(&self) -> bool {
        self.error.is_none() && self.verdicts.iter().all(|v| v.passed)
    }

    /// Every failure as a diagnostic that points at the check in the spec.
    fn problems(&self) -> Vec<Diagnostic> {
        let failed = self.verdicts.iter().filter(|v| !v.passed).map(|v| {
            Diagnostic::new(
                Code::ExpectationFailed,
                format!(
                    "test `{}`: {}: expected {} {}, got {}",
                    self.name,
                    v.expect,
                    v.field.as_str(),
                    v.expected,
                    v.actual
                ),
                Label::new(v.span, format!("got {}", v.actual)),
            )
        });
        failed.chain(self.error.clone()).collect()
    }
}

/// The JSON document of `kpic test --format json` (schema version 1).
#[derive(serde::Serialize)]
struct JsonReport {
    version: u32,
    tests: Vec<JsonTest>,
    passed: usize,
    failed: usize,
    /// Problems in the specs that kept their tests from running.
    diagnostics: Vec<JsonDiagnostic>,
}

#[derive(serde::Serialize)]
struct JsonTest {
    name: String,
    label: Option<String>,
    file: String,
    line: usize,
    passed: bool,
    checks: Vec<JsonCheck>,
    error: Option<JsonDiagnostic>,
}

#[derive(serde::Serialize)]
struct JsonCheck {
    #[serde(flatten)]
    verdict: Verdict,
    line: usize,
    column: usize,
}

pub fn run(args: Args) -> u8 {
    let specs = match collect_specs(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    // Outcomes and spec problems, each with the files its spans point into.
    let mut outcomes: Vec<(Outcome, SourceMap)> = Vec::new();
    let mut problems: Vec<(Diagnostic, SourceMap)> = Vec::new();
    let mut seen_tests = HashSet::new();
    let mut seen_problems = HashSet::new();
    for spec in &specs {
        let checked = match super::load(spec) {
            Ok(c) => c,
            Err(code) => return code,
        };
        if checked.has_errors() {
            for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
                let key = (checked.sources.get(d.primary.span.file).path.clone(), d.primary.span.start, d.code);
                if seen_problems.insert(key) {
                    problems.push((d.clone(), checked.sources.clone()));
                }
            }
            continue;
        }
        for test in &checked.model.tests {
            // A file imported by several specs has its tests run once.
            let file = checked.sources.get(test.span.file);
            if !seen_tests.insert((file.path.clone(), test.span.start)) {
                continue;
            }
            if args.filter.as_ref().is_some_and(|f| !test.name.contains(f.as_str())) {
                continue;
            }
            let (verdicts, error) = match run_test(&checked, test) {
                Ok(v) => (v, None),
                Err(d) => (Vec::new(), Some(d)),
            };
            let outcome = Outcome {
                name: test.name.clone(),
                label: test.label.clone(),
                file: file.path.display().to_string(),
                line: file.line_col(test.span.start).line,
                verdicts,
                error,
            };
            outcomes.push((outcome, checked.sources.clone()));
        }
    }
    let failed = outcomes.iter().filter(|(o, _)| !o.passed()).count();
    let passed = outcomes.len() - failed;
    match args.format {
        Format::Human => print_human(&outcomes, &problems),
        Format::Json => print_json(&outcomes, &problems, passed, failed),
        Format::Github => print_diagnostics(DiagFormat::Github, &outcomes, &problems, specs.len()),
        Format::Sarif => print_diagnostics(DiagFormat::Sarif, &outcomes, &problems, specs.len()),
    }
    if failed > 0 || !problems.is_empty() {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}

/// Evaluate one test's data and judge its expectations. Inline rows are written
/// as CSV files of their sources, so they are read exactly as real data is.
fn run_test(checked: &Checked, test: &TestDef) -> Result<Vec<Verdict>, Diagnostic> {
    let stopped = |message: String| {
        Diagnostic::new(Code::DataFile, message, Label::new(test.span, "this test")).with_help("see the message")
    };
    let dir = tempfile::tempdir().map_err(|e| stopped(format!("cannot create a scratch directory: {e}")))?;
    let mut data = Vec::new();
    for d in &test.data {
        let source = checked.model.source(d.source);
        match &d.rows {
            TestRows::File { resolved, .. } => data.push((source.name.clone(), resolved.clone())),
            TestRows::Inline { columns, rows } => {
                let path = dir.path().join(format!("{}.csv", source.name));
                std::fs::write(&path, golden::fixture_csv(source, columns, rows))
                    .map_err(|e| stopped(format!("cannot write {}: {e}", path.display())))?;
                data.push((source.name.clone(), path));
            }
        }
    }
    let opts = EvalOptions { kpis: golden::needed_kpis(&checked.model, test), data, ..EvalOptions::default() };
    let plan = crate::plan(checked, &opts).map_err(stopped)?;
    let evaluation = crate::evaluate(checked, &plan, &opts.window).map_err(|d| {
        // Point at the data clause of the source the error names.
        let clause =
            test.data.iter().find(|c| d.message.contains(&format!("`{}`", checked.model.source(c.source).name)));
        let span = clause.map_or(test.span, |c| c.span);
        d.with_secondary(Label::new(span, format!("the data of test `{}`", test.name)))
    })?;
    Ok(golden::judge(&checked.model, test, &evaluation))
}

fn summary(passed: usize, failed: usize) -> String {
    let plural = |n: usize| if n == 1 { "test" } else { "tests" };
    format!("{} {}: {passed} passed, {failed} failed", passed + failed, plural(passed + failed))
}

fn print_human(outcomes: &[(Outcome, SourceMap)], problems: &[(Diagnostic, SourceMap)]) {
    let color = stderr_color();
    for (d, sources) in problems {
        eprint!("{}", render::to_human(d, sources, color));
    }
    let mut file = None;
    for (o, sources) in outcomes {
        if file != Some(&o.file) {
            outln!("{}", o.file);
            file = Some(&o.file);
        }
        let checks = o.verdicts.len();
        let failed = o.verdicts.iter().filter(|v| !v.passed).count();
        let label = o.label.as_ref().map_or(String::new(), |l| format!(" \"{l}\""));
        if o.passed() {
            outln!("  ok      {}{label} ({checks} check{})", o.name, if checks == 1 { "" } else { "s" });
            continue;
        }
        match &o.error {
            Some(_) => outln!("  FAILED  {}{label} (could not run)", o.name),
            None => outln!("  FAILED  {}{label} ({failed} of {checks} checks failed)", o.name),
        }
        for d in o.problems() {
            eprint!("{}", render::to_human(&d, sources, color));
        }
    }
    let failed = outcomes.iter().filter(|(o, _)| !o.passed()).count();
    if outcomes.is_empty() && problems.is_empty() {
        outln!("no tests found");
    }
    outln!("{}", summary(outcomes.len() - failed, failed));
    if !problems.is_empty() {
        outln!(
            "{} problem{} in the specs kept their tests from running",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }
}

/// Failed checks and spec problems as diagnostics on standard output, the totals
/// on standard error.
fn print_diagnostics(
    format: DiagFormat,
    outcomes: &[(Outcome, SourceMap)],
    problems: &[(Diagnostic, SourceMap)],
    files: usize,
) {
    let mut all: Vec<(Diagnostic, &SourceMap)> = problems.iter().map(|(d, s)| (d.clone(), s)).collect();
    for (o, sources) in outcomes {
        all.extend(o.problems().into_iter().map(|d| (d, sources)));
    }
    emit::diagnostics(format, &all, files);
    let failed = outcomes.iter().filter(|(o, _)| !o.passed()).count();
    eprintln!("{}", summary(outcomes.len() - failed, failed));
}

fn print_json(outcomes: &[(Outcome, SourceMap)], problems: &[(Diagnostic, SourceMap)], passed: usize, failed: usize) {
    let tests = outcomes
        .iter()
        .map(|(o, sources)| JsonTest {
            name: o.name.clone(),
            label: o.label.clone(),
            file: o.file.clone(),
            line: o.line,
            passed: o.passed(),
            checks: o
                .verdicts
                .iter()
                .map(|v| {
                    let at = sources.get(v.span.file).line_col(v.span.start);
                    JsonCheck { verdict: v.clone(), line: at.line, column: at.column }
                })
                .collect(),
            error: o.error.as_ref().map(|d| JsonDiagnostic::new(d, sources)),
        })
        .collect();
    let report = JsonReport {
        version: 1,
        tests,
        passed,
        failed,
        diagnostics: problems.iter().map(|(d, s)| JsonDiagnostic::new(d, s)).collect(),
    };
    outln!("{}", serde_json::to_string_pretty(&report).expect("serializable"));
}
