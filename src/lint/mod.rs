//! Lints: warnings about specs that are valid but probably wrong. One rule per file
//! in `rules/`, named after what it flags.

mod rules;

use crate::diagnostics::Diagnostic;
use crate::sema::model::Model;

/// Run every lint on a checked model.
pub fn run(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in rules::ALL {
        rule(model, &mut out);
    }
    out
}
