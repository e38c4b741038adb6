//! Diagnostics in the format a reader asked for: rendered reports for people, or
//! JSON, GitHub workflow commands or SARIF for machines. Every command that can
//! report a problem in a spec or its data goes through here.

use super::stderr_color;
use crate::diagnostics::render::{self, JsonDiagnostic};
use crate::diagnostics::{machine, Diagnostic};
use crate::span::SourceMap;

/// How diagnostics are printed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
pub enum DiagFormat {
    /// Rendered reports on standard error.
    Human,
    /// A versioned JSON document on standard output (docs/cli.md).
    Json,
    /// GitHub Actions workflow commands on standard output, so problems annotate the pull request.
    Github,
    /// A SARIF 2.1.0 log on standard output, for code-scanning dashboards.
    Sarif,
}

/// The JSON document of `--format json` (schema version 1).
#[derive(serde::Serialize)]
struct JsonReport {
    version: u32,
    diagnostics: Vec<JsonDiagnostic>,
    errors: usize,
    warnings: usize,
    files: usize,
}

/// Print `diags` (each with the files it points into) and a summary over `files`
/// spec files.
pub fn diagnostics(format: DiagFormat, diags: &[(Diagnostic, &SourceMap)], files: usize) {
    let plain: Vec<Diagnostic> = diags.iter().map(|(d, _)| d.clone()).collect();
    match format {
        DiagFormat::Human => {
            let color = stderr_color();
            for (d, sources) in diags {
                eprint!("{}", render::to_human(d, sources, color));
            }
            eprintln!("{}", render::summary(&plain, files));
        }
        DiagFormat::Json => {
            let report = JsonReport {
                version: 1,
                diagnostics: diags.iter().map(|(d, s)| JsonDiagnostic::new(d, s)).collect(),
                errors: plain.iter().filter(|d| d.is_error()).count(),
                warnings: plain.iter().filter(|d| !d.is_error()).count(),
                files,
            };
            outln!("{}", serde_json::to_string_pretty(&report).expect("serializable"));
        }
        DiagFormat::Github => {
            for (d, sources) in diags {
                outln!("{}", machine::github(d, sources));
            }
            eprintln!("{}", render::summary(&plain, files));
        }
        DiagFormat::Sarif => {
            let log = machine::sarif(diags);
            outln!("{}", serde_json::to_string_pretty(&log).expect("serializable"));
        }
    }
}

/// Print the diagnostics of one spec.
pub fn spec_diagnostics(format: DiagFormat, checked: &crate::Checked) {
    let pairs: Vec<(Diagnostic, &SourceMap)> =
        checked.diagnostics.iter().map(|d| (d.clone(), &checked.sources)).collect();
    diagnostics(format, &pairs, checked.sources.files().count());
}

/// Print one problem found while evaluating a spec (a data error).
pub fn one(format: DiagFormat, diag: &Diagnostic, sources: &SourceMap) {
    if format == DiagFormat::Human {
        eprint!("{}", render::to_human(diag, sources, stderr_color()));
        return;
    }
    diagnostics(format, &[(diag.clone(), sources)], sources.files().count());
}
