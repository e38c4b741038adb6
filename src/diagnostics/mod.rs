//! Diagnostics as plain data, the code table, and their renderings.
//!
//! Front-end stages never print: they return [`Diagnostic`]s, and the CLI renders
//! them with miette (for people) or as JSON (for machines).

pub mod codes;
pub mod machine;
pub mod render;

pub use codes::{Code, Severity};

use crate::span::Span;
use serde::Serialize;

/// A span with a short message shown next to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label { span, message: message.into() }
    }
}

/// One problem found in a spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at the code's default severity.
    pub fn new(code: Code, message: impl Into<String>, primary: Label) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.severity(),
            message: message.into(),
            primary,
            secondary: Vec::new(),
            help: None,
        }
    }

    pub fn with_secondary(mut self, label: Label) -> Diagnostic {
        self.secondary.push(label);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sort diagnostics by file and position so output is stable and reads top-down.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by_key(|d| (d.primary.span.file, d.primary.span.start, d.code));
}

/// `did you mean` for a misspelt name: the closest candidate, if it is close enough.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for cand in candidates {
        // One typo (a letter wrong, missing, added or two swapped) in a word
        // of three letters or more, which Jaro-Winkler scores low in short
        // words (`smu` for `sum`).
        let one_typo = name.chars().count() >= 3 && strsim::osa_distance(name, cand) == 1;
        let score = strsim::jaro_winkler(name, cand).max(if one_typo { 0.81 } else { 0.0 });
        if score > 0.8 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, cand));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let names = ["moscow_signups", "revenue", "paid_orders"];
        assert_eq!(did_you_mean("moscow_signup", names), Some("did you mean `moscow_signups`?".into()));
        assert_eq!(did_you_mean("xyz", names), None);
        assert_eq!(did_you_mean("smu", ["sum", "avg", "min"]), Some("did you mean `sum`?".into()));
        assert_eq!(did_you_mean("mx", ["max", "min"]), None);
    }
}
