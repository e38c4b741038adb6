//! kpic: a KPI definition language and its compiler.
#![doc = include_str!("../docs/architecture.md")]
//!
//! The stages, one function each, from spec text to results:
//!
//! ```text
//! parse     spec files              -> load::Program   (syntax trees, diagnostics)
//! check     load::Program           -> Checked         (the typed model, lints)
//! lower     Checked                 -> ir::Plan        (queries, planning tables)
//! run       ir::Plan                -> ir::Results     (a backend reads the data)
//! evaluate  ir::Plan + ir::Results  -> Evaluation      (targets, scores, cascades)
//! render    Evaluation              -> text            (`report`)
//! ```

// The layers, from the bottom up; a module imports only from the layers
// listed before it (tests/layering.rs holds the crate to this order).
pub mod exact;
pub mod span;
pub mod stack;
pub mod vocab;

pub mod diagnostics;

pub mod load;
pub mod syntax;

pub mod sema;

pub mod lint;

pub mod fmt;
pub mod ir;

#[cfg(feature = "engine")]
pub mod backend;
#[cfg(feature = "engine")]
pub mod eval;
#[cfg(feature = "engine")]
pub mod report;

pub mod project;

#[cfg(feature = "engine")]
pub mod cli;

use diagnostics::Diagnostic;
use sema::model::Model;
use span::SourceMap;
use std::path::Path;

/// A spec after the front end: its files, its model and every diagnostic.
#[derive(Debug)]
pub struct Checked {
    pub sources: SourceMap,
    /// The warehouse connections the project declares (`kpic.toml`).
    pub connections: vocab::Connections,
    pub modules: Vec<syntax::ast::Module>,
    pub model: Model,
    pub diagnostics: Vec<Diagnostic>,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.is_error())
    }
}

/// **parse**: the spec at `path` and the files it imports, read through `read`,
/// to syntax trees. Never fails on bad text: problems are diagnostics.
pub fn parse(path: &Path, read: load::Reader) -> Result<load::Program, load::ReadError> {
    load::load(path, read)
}

/// **check**: names, types, units, targets, scorecards and cascades resolved
/// into the typed model, then the lints; every problem of both stages.
pub fn check(program: load::Program, connections: &vocab::Connections) -> Checked {
    let (model, mut diagnostics) = sema::check(&program, connections);
    diagnostics.extend(lint::run(&model));
    diagnostics.extend(program.diagnostics);
    diagnostics::sort(&mut diagnostics);
    Checked { sources: program.sources, connections: connections.clone(), modules: program.modules, model, diagnostics }
}

/// [`parse`] and [`check`] the spec at `path` and the files it imports.
pub fn check_spec(path: &Path, read: load::Reader) -> Result<Checked, load::ReadError> {
    Ok(check(parse(path, read)?, &vocab::Connections::default()))
}

/// [`parse`] and [`check`] one spec held in memory (imports are not followed).
pub fn check_text(path: &str, text: &str) -> Checked {
    check(load::load_text(path, text), &vocab::Connections::default())
}

/// What to evaluate and on which data.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// KPI names; empty means all.
    pub kpis: Vec<String>,
    /// `source=path` overrides of the files sources read.
    pub data: Vec<(String, std::path::PathBuf)>,
    /// `source=connection:table` overrides: a table instead.
    pub tables: Vec<TableOverride>,
    /// The periods to report; the queries read only the rows these need.
    pub window: ir::Window,
    /// Periods of each KPI to read before the window, for trends.
    pub history: u32,
}

/// `--table SOURCE=CONNECTION:TABLE`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableOverride {
    pub source: String,
    pub connection: String,
    pub table: String,
}

/// Why a selection cannot be lowered.
#[derive(Debug, Clone, PartialEq)]
pub enum LowerError {
    UnknownKpi {
        name: String,
        did_you_mean: Option<String>,
    },
    UnknownSource {
        name: String,
    },
    /// `--table` names a connection kpic.toml does not declare.
    UnknownConnection {
        name: String,
        known: Vec<String>,
    },
    BadTable {
        table: String,
        why: vocab::TablePathError,
    },
}

impl std::fmt::Display for LowerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LowerError::UnknownKpi { name, did_you_mean } => {
                write!(f, "no KPI named `{name}`")?;
                match did_you_mean {
                    Some(hint) => write!(f, "; {hint}"),
                    None => Ok(()),
                }
            }
            LowerError::UnknownSource { name } => write!(f, "{name}=...: the spec has no source `{name}`"),
            LowerError::UnknownConnection { name, known } if known.is_empty() => {
                write!(f, "--table: kpic.toml declares no connections, so none named `{name}` (docs/warehouses.md)")
            }
            LowerError::UnknownConnection { name, known } => {
                write!(f, "--table: kpic.toml declares no connection `{name}`; it declares {}", known.join(", "))
            }
            LowerError::BadTable { table, why } => write!(f, "--table: `{table}` is not a table path: {why}"),
        }
    }
}

/// **lower**: a checked, error-free spec to the backend-neutral plan of the
/// selected KPIs, with the data overrides applied.
pub fn lower(checked: &Checked, selection: &Selection) -> Result<ir::Plan, LowerError> {
    for name in &selection.kpis {
        if checked.model.kpi_by_name(name).is_none() {
            let names = checked.model.kpis.iter().map(|k| k.name.as_str());
            let did_you_mean = diagnostics::did_you_mean(name, names);
            return Err(LowerError::UnknownKpi { name: name.clone(), did_you_mean });
        }
    }
    let mut plan = ir::lower(&checked.model, &selection.kpis);
    let scan_of = |plan: &mut ir::Plan, source: &str| {
        let Some(id) = checked.model.sources.iter().position(|s| s.name == source) else {
            return Err(LowerError::UnknownSource { name: source.to_string() });
        };
        Ok(plan.scans.iter().position(|s| s.source == id))
    };
    for (source, path) in &selection.data {
        if let Some(i) = scan_of(&mut plan, source)? {
            plan.scans[i].read_from(path);
        }
    }
    for t in &selection.tables {
        let Some(connection) = checked.connections.get(&t.connection) else {
            let known = checked.connections.list.iter().map(|c| c.name.clone()).collect();
            return Err(LowerError::UnknownConnection { name: t.connection.clone(), known });
        };
        let table =
            vocab::TablePath::parse(&t.table).map_err(|why| LowerError::BadTable { table: t.table.clone(), why })?;
        if let Some(i) = scan_of(&mut plan, &t.source)? {
            plan.scans[i].read_table(table, connection.clone());
        }
    }
    ir::narrow(&mut plan, &checked.model, selection.window, selection.history);
    Ok(plan)
}

/// **run**: the plan on its data, by the polars backend: every query's table
/// and every planning table. `progress` hears which source is read.
#[cfg(feature = "engine")]
pub fn run(plan: &ir::Plan, progress: &dyn eval::Progress) -> Result<ir::Results, Diagnostic> {
    backend::run(plan, &|scan, index, of| progress.scanning(&scan.name, &scan.location, index, of))
}

/// **evaluate**: actuals, targets, attainment, status and gap of every KPI,
/// scorecards and cascades, from what [`run`] read. Reads no file.
#[cfg(feature = "engine")]
pub fn evaluate(
    checked: &Checked,
    plan: &ir::Plan,
    results: &ir::Results,
    window: &eval::Window,
    progress: &dyn eval::Progress,
) -> Result<eval::Evaluation, Diagnostic> {
    eval::evaluate(&checked.model, plan, results, window, progress)
}

/// [`run`] then [`evaluate`].
#[cfg(feature = "engine")]
pub fn run_and_evaluate(
    checked: &Checked,
    plan: &ir::Plan,
    window: &eval::Window,
    progress: &dyn eval::Progress,
) -> Result<eval::Evaluation, Diagnostic> {
    let results = run(plan, progress)?;
    evaluate(checked, plan, &results, window, progress)
}
