//! kpic: a KPI definition language and its compiler.
#![doc = include_str!("../docs/architecture.md")]

pub mod cli;
pub mod diagnostics;
pub mod fmt;
pub mod lint;
pub mod load;
pub mod sema;
pub mod span;
pub mod syntax;

use diagnostics::Diagnostic;
use sema::model::Model;
use span::SourceMap;
use std::path::Path;

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
