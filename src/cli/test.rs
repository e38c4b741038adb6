//! `kpic test`: run the `test` declarations of specs on their own fixture rows and
//! report every expectation that does not hold.

use super::emit::{self, DiagFormat};
use super::{collect_specs, stderr_color, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::{self, JsonDiagnostic};
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::eval::expect::{self, Verdict};
use crate::sema::model::SourceDef;
use crate::sema::model::{TestDef, TestRows};
use crate::span::SourceMap;
use crate::vocab::{ColType, Constant};
use crate::Checked;
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
                std::fs::write(&path, fixture_csv(source, columns, rows))
                    .map_err(|e| stopped(format!("cannot write {}: {e}", path.display())))?;
                data.push((source.name.clone(), path));
            }
        }
    }
    let selection = crate::Selection { kpis: expect::needed_kpis(&checked.model, test), data, ..Default::default() };
    let plan = crate::lower(checked, &selection).map_err(|e| stopped(e.to_string()))?;
    let window = crate::eval::Window::default();
    let evaluation = crate::run_and_evaluate(checked, &plan, &window, &crate::eval::Quiet).map_err(|d| {
        // Point at the data clause of the source the error names.
        let clause =
            test.data.iter().find(|c| d.message.contains(&format!("`{}`", checked.model.source(c.source).name)));
        let span = clause.map_or(test.span, |c| c.span);
        d.with_secondary(Label::new(span, format!("the data of test `{}`", test.name)))
    })?;
    Ok(expect::judge(&checked.model, test, &evaluation))
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

/// Inline test rows as a CSV file of the source: every declared column in the
/// header, values written as the source's declared types and formats read them,
/// empty cells for nulls and for columns the test does not list.
fn fixture_csv(source: &SourceDef, columns: &[usize], rows: &[Vec<Option<Constant>>]) -> String {
    let header: Vec<&str> = source.columns.iter().map(|c| c.name.as_str()).collect();
    let mut out = header.join(",");
    out.push('\n');
    for row in rows {
        let mut cells = vec![String::new(); source.columns.len()];
        for (value, &c) in row.iter().zip(columns) {
            let column = &source.columns[c];
            cells[c] = value.as_ref().map_or(String::new(), |v| cell(v, &column.ty, column.format.as_deref()));
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn cell(v: &Constant, ty: &ColType, format: Option<&str>) -> String {
    let format = format.unwrap_or(ty.default_format());
    match v {
        Constant::Number(n) if *ty == ColType::Int => format!("{}", *n as i64),
        Constant::Number(n) => format!("{n}"),
        Constant::Text(s) => quote(s),
        Constant::Bool(b) => b.to_string(),
        Constant::Date(d) => d.format(format).to_string(),
        Constant::DateTime(dt) => dt.format(format).to_string(),
    }
}

/// Text is always quoted, a null never: a quoted empty field is the empty
/// text and an unquoted one a null (docs/bad-inputs.md), a distinction a CSV
/// writer library does not make.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sema::model::ColumnDef;
    use crate::span::Span;

    #[test]
    fn fixture_rows_are_written_in_the_declared_formats() {
        let column = |name: &str, ty: ColType, format: Option<&str>| ColumnDef {
            name: name.into(),
            ty,
            format: format.map(str::to_string),
            span: Span::default(),
        };
        let source = SourceDef {
            name: "s".into(),
            location: crate::sema::model::SourceLocation::File {
                path: "s.csv".into(),
                resolved: "s.csv".into(),
                format: crate::vocab::FileFormat::Csv,
            },
            columns: vec![
                column("day", ColType::Date, Some("%d.%m.%Y")),
                column("n", ColType::Int, None),
                column("city", ColType::Text, None),
                column("note", ColType::Text, None),
            ],
            time_column: 0,
            span: Span::default(),
            name_span: Span::default(),
            path_span: Span::default(),
        };
        let day = chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
        let rows = vec![
            vec![
                Some(Constant::Date(day)),
                Some(Constant::Number(3.0)),
                Some(Constant::Text("say \"hi\", Ann".into())),
            ],
            vec![Some(Constant::Date(day)), None, None],
        ];
        assert_eq!(
            fixture_csv(&source, &[0, 1, 2], &rows),
            "day,n,city,note\n01.03.2025,3,\"say \"\"hi\"\", Ann\",\n01.03.2025,,,\n"
        );
    }
}
