//! `kpic check`: report every problem in the given specs.

use super::emit::{self, DiagFormat};
use super::{collect_specs, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
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
    /// Also compare every source's declared columns and types with its data file
    /// (Parquet metadata; a CSV header and its first 10,000 records), and
    /// require every planning table (targets, bonus bases, org charts); without
    /// it, only the planning tables whose files exist are read.
    /// `--data=SOURCE=PATH` checks a source against another file (repeatable).
    #[arg(long = "data", value_name = "SOURCE=PATH", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    data: Option<Vec<String>>,
}

pub fn run(args: Args) -> u8 {
    let overrides = match overrides(args.data.as_deref().unwrap_or_default()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut matched = HashSet::new();
    let specs = match collect_specs(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            if let Some(help) = data_value_help(&args) {
                eprintln!("  help: {help}");
            }
            return EXIT_USAGE;
        }
    };
    let mut all: Vec<(Diagnostic, SourceMap)> = Vec::new();
    let mut seen = HashSet::new();
    let mut files = HashSet::new();
    for spec in &specs {
        let checked = match super::load(spec) {
            Ok(c) => c,
            Err(code) => return code,
        };
        for (_, f) in checked.sources.files() {
            files.insert(f.path.clone());
        }
        let mut found = checked.diagnostics.clone();
        if args.data.is_some() {
            let problems = check_data(&checked, &overrides, &mut matched, &mut found);
            found.extend(problems);
        }
        if !checked.has_errors() {
            found.extend(check_tables(&checked, args.data.is_some()));
        }
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
    if let Some((name, _)) = overrides.iter().find(|(n, _)| !matched.contains(n)) {
        eprintln!("error: --data {name}=...: no checked spec declares a source `{name}`");
        return EXIT_USAGE;
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

/// The `--data=SOURCE=PATH` overrides; a bare `--data` adds none.
fn overrides(data: &[String]) -> Result<Vec<(String, PathBuf)>, String> {
    let parse = |d: &String| super::parse_data(d).map_err(|e| format!("--data={d}: {e}"));
    data.iter().filter(|d| !d.is_empty()).map(parse).collect()
}

/// `--data` takes a value only after `=`, so that `--data examples/` checks
/// the examples: `--data orders=o.csv` (or `--data orders o.csv`) leaves the
/// value to the spec paths, where it is not found. Say how to write it.
fn data_value_help(args: &Args) -> Option<String> {
    if !args.data.as_ref()?.iter().any(|d| d.is_empty()) {
        return None;
    }
    let missing = args.paths.iter().find(|p| !p.exists())?;
    let text = missing.to_string_lossy();
    let example = if text.contains('=') { text.into_owned() } else { "SOURCE=PATH".into() };
    Some(format!("`--data` takes a file to check against only after `=`: `--data={example}`"))
}

/// Problems between the spec's sources and their files. Spec diagnostics about a
/// column the spec uses but does not declare get help from the file's header.
fn check_data(
    checked: &crate::Checked,
    overrides: &[(String, PathBuf)],
    matched: &mut HashSet<String>,
    spec_diags: &mut [Diagnostic],
) -> Vec<Diagnostic> {
    use crate::backend::polars::schema;
    let mut problems = Vec::new();
    // One session per connection, however many of its tables are checked.
    #[cfg(feature = "warehouse")]
    let mut sessions = crate::backend::sql::Sessions::default();
    for (i, source) in checked.model.sources.iter().enumerate() {
        let mut scan = crate::ir::scan_of(crate::sema::model::SourceId(i), source);
        for c in &mut scan.columns {
            c.used = true;
        }
        if let Some((name, path)) = overrides.iter().find(|(n, _)| *n == source.name) {
            matched.insert(name.clone());
            scan.read_from(path);
        }
        // A table source is compared with its engine's schema by the warehouse
        // backend; a file by polars.
        let Some(file) = crate::backend::polars::SourceFile::of(&scan) else {
            #[cfg(feature = "warehouse")]
            problems.extend(crate::backend::sql::check_schema(&scan, &mut sessions));
            continue;
        };
        let report = schema::check(&file);
        for d in spec_diags.iter_mut() {
            let about_source = d.secondary.iter().any(|l| l.span == source.name_span);
            if d.code != crate::diagnostics::Code::UnknownColumn || !about_source {
                continue;
            }
            let name = checked.sources.slice(d.primary.span);
            if let Some((_, dtype)) = report.columns.iter().find(|(n, _)| n == name) {
                d.help = Some(schema::declaration_hint(name, dtype.as_deref()));
            }
        }
        problems.extend(report.problems);
    }
    problems
}

/// Problems in the planning tables: they are part of the spec, so those in the
/// repository are always read, and with `--data` every one must be there.
fn check_tables(checked: &crate::Checked, all: bool) -> Vec<Diagnostic> {
    let tables: Vec<crate::ir::SideTable> =
        crate::ir::side_tables(&checked.model, &[]).into_iter().filter(|t| all || t.path.exists()).collect();
    let read = crate::backend::polars::read_tables(&tables);
    crate::eval::check_tables(&checked.model, &crate::eval::tables::Tables::new(&tables, &read))
}
