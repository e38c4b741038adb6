//! `kpic check`: report every problem in the given specs.

use super::emit::{self, DiagFormat};
use super::{collect_specs, read_file, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
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
    format: DiagFormat,
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
    let pairs: Vec<(Diagnostic, &SourceMap)> = all.iter().map(|(d, s)| (d.clone(), s)).collect();
    emit::diagnostics(args.format, &pairs, files.len());
    let diags: Vec<&Diagnostic> = all.iter().map(|(d, _)| d).collect();
    let errors = diags.iter().any(|d| d.is_error());
    let warnings = diags.iter().any(|d| !d.is_error());
    if errors || (args.deny_warnings && warnings) {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
