//! `kpic check`: report every problem in the given specs.

use super::{collect_specs, read_file, stderr_color, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render::{self, JsonDiagnostic};
use crate::diagnostics::Diagnostic;
use crate::span::SourceMap;
use std::collections::HashSet;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Spec files or directories (searched for *.kpi).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Exit with 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Rendered reports on standard error.
    Human,
    /// A versioned JSON document (docs/cli.md).
    Json,
    /// GitHub Actions workflow commands, so errors annotate the pull request.
    Github,
    /// A SARIF 2.1.0 log, for code-scanning dashboards.
    Sarif,
}

/// The JSON report of `kpic check --format json` (schema version 1).
#[derive(serde::Serialize)]
struct JsonReport {
    version: u32,
    diagnostics: Vec<JsonDiagnostic>,
    errors: usize,
    warnings: usize,
    files: usize,
}

pub fn run(args: Args) -> u8 {
    let specs = match collect_specs(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut all: Vec<(Diagnostic, SourceMap)> = Vec::new();
    let mut seen = HashSet::new();
    let mut files = HashSet::new();
    for spec in &specs {
        let checked = match crate::check_spec(spec, &read_file) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", spec.display());
                return EXIT_USAGE;
            }
        };
        for (_, f) in checked.sources.files() {
            files.insert(f.path.clone());
        }
        let config = match super::config_for(spec) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        };
        let mut found = checked.diagnostics;
        config.apply(&mut found);
        for d in found {
            // A file imported by several specs is reported once.
            let key = (
                checked.sources.get(d.primary.span.file).path.clone(),
                d.primary.span.start,
                d.code,
                d.message.clone(),
            );
            if seen.insert(key) {
                all.push((d, checked.sources.clone()));
            }
        }
    }
    let diags: Vec<Diagnostic> = all.iter().map(|(d, _)| d.clone()).collect();
    match args.format {
        Format::Human => {
            let color = stderr_color();
            for (d, sources) in &all {
                eprint!("{}", render::to_human(d, sources, color));
            }
            eprintln!("{}", render::summary(&diags, files.len()));
        }
        Format::Json => {
            let report = JsonReport {
                version: 1,
                diagnostics: all.iter().map(|(d, s)| JsonDiagnostic::new(d, s)).collect(),
                errors: diags.iter().filter(|d| d.is_error()).count(),
                warnings: diags.iter().filter(|d| !d.is_error()).count(),
                files: files.len(),
            };
            println!("{}", serde_json::to_string_pretty(&report).expect("serializable"));
        }
        Format::Github => {
            for (d, sources) in &all {
                println!("{}", crate::diagnostics::machine::github(d, sources));
            }
            eprintln!("{}", render::summary(&diags, files.len()));
        }
        Format::Sarif => {
            let pairs: Vec<(Diagnostic, &SourceMap)> = all.iter().map(|(d, s)| (d.clone(), s)).collect();
            let log = crate::diagnostics::machine::sarif(&pairs);
            println!("{}", serde_json::to_string_pretty(&log).expect("serializable"));
        }
    }
    let errors = diags.iter().any(|d| d.is_error());
    let warnings = diags.iter().any(|d| !d.is_error());
    if errors || (args.deny_warnings && warnings) {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
