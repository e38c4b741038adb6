//! kpic: a KPI definition language and its compiler.
#![doc = include_str!("../docs/architecture.md")]

#[cfg(feature = "engine")]
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod exact;
pub mod fmt;
pub mod lint;
pub mod load;
pub mod sandbox;
pub mod sema;
pub mod span;
pub mod syntax;
pub mod vocab;

use diagnostics::Diagnostic;
use sema::model::Model;
use span::SourceMap;
use std::path::Path;

/// Run a step of a recursive walk with enough stack: expression trees are bounded
/// (64 levels of brackets, 1,000 operands a chain) but deep enough to exhaust a
/// small thread stack in a debug build. Grows the stack on the heap when needed.
pub(crate) fn guard<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, f)
}

/// A spec after the front end: its files, its model and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    pub sources: SourceMap,
    pub modules: Vec<syntax::ast::Module>,
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// Load, parse and check the spec at `path` and the files it imports.
pub fn check_spec(path: &Path, read: load::Reader) -> std::io::Result<Checked> {
    Ok(check_program(load::load(path, read)?))
}

/// Parse and check one spec held in memory (imports are not followed).
pub fn check_text(path: &str, text: &str) -> Checked {
    check_program(load::load_text(path, text))
}

fn check_program(program: load::Program) -> Checked {
    let (model, sema_diags) = sema::check(&program);
    let mut diagnostics = program.diagnostics;
    diagnostics.extend(sema_diags);
    diagnostics::sort(&mut diagnostics);
    Checked { sources: program.sources, modules: program.modules, model, diagnostics }
}
// The engine (polars, evaluation, reports, the CLI) is a default feature; without
// it the front end and the IR build alone, which is what the fuzz targets need.
#[cfg(feature = "engine")]
pub mod backend;
#[cfg(feature = "engine")]
pub mod diff;
#[cfg(feature = "engine")]
pub mod eval;
#[cfg(feature = "engine")]
pub mod golden;
pub mod ir;

/// What to evaluate and on which data.
#[cfg(feature = "engine")]
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// KPI names; empty means all.
    pub kpis: Vec<String>,
    /// `source=path` overrides of the files sources read.
    pub data: Vec<(String, std::path::PathBuf)>,
    pub window: eval::Window,
}

/// Compile a checked, error-free spec into a plan, with data overrides applied.
#[cfg(feature = "engine")]
pub fn plan(checked: &Checked, opts: &EvalOptions) -> Result<ir::Plan, String> {
    for name in &opts.kpis {
        if checked.model.kpi_by_name(name).is_none() {
            let names = checked.model.kpis.iter().map(|k| k.name.as_str());
            let hint = diagnostics::did_you_mean(name, names).map_or(String::new(), |h| format!("; {h}"));
            return Err(format!("no KPI named `{name}`{hint}"));
        }
    }
    let mut plan = ir::lower(&checked.model, &opts.kpis);
    for (source, path) in &opts.data {
        match checked.model.sources.iter().position(|s| &s.name == source) {
            Some(id) => {
                if let Some(scan) = plan.scans.iter_mut().find(|s| s.source.0 == id) {
                    scan.path = path.clone();
                    if let Some(f) = vocab::FileFormat::from_path(path) {
                        scan.format = f;
                    }
                }
            }
            None => return Err(format!("--data {source}=...: the spec has no source `{source}`")),
        }
    }
    Ok(plan)
}

/// Run a plan on its data and score every KPI.
#[cfg(feature = "engine")]
pub fn evaluate(checked: &Checked, plan: &ir::Plan, window: &eval::Window) -> Result<eval::Evaluation, Diagnostic> {
    evaluate_with_progress(checked, plan, window, &eval::Quiet)
}

/// [`evaluate`], telling `progress` which source is being read and how many KPIs
/// are done.
#[cfg(feature = "engine")]
pub fn evaluate_with_progress(
    checked: &Checked,
    plan: &ir::Plan,
    window: &eval::Window,
    progress: &dyn eval::Progress,
) -> Result<eval::Evaluation, Diagnostic> {
    let tables = backend::polars::run(&plan.scans, &plan.queries, &|scan, index, of| {
        progress.scanning(&scan.name, &scan.path, index, of)
    })?;
    eval::evaluate(&checked.model, plan, &tables, window, progress)
}
#[cfg(feature = "engine")]
pub mod report;
