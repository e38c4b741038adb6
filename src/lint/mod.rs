//! Lints: warnings about specs that are valid but probably wrong, a stage of
//! their own after the checker. One rule per file in `rules/`, named after what
//! it flags; what a rule finds is a [`Finding`], worded in `findings.rs`.

mod findings;
mod rules;

pub use findings::Finding;

use crate::diagnostics::Diagnostic;
use crate::sema::model::Model;

/// Every lint's findings on a checked model.
pub fn findings(model: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in rules::ALL {
        rule(model, &mut out);
    }
    out
}

/// Every lint on a checked model, as diagnostics.
pub fn run(model: &Model) -> Vec<Diagnostic> {
    findings(model).iter().map(Finding::diagnostic).collect()
}
