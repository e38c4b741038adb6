//! Rendering diagnostics: miette reports for people, JSON for machines.

use super::{Diagnostic, Label, Severity};
use crate::span::{LineCol, SourceMap, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};
use serde::Serialize;
use std::fmt;

/// Whether rendered reports may use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Always,
    Never,
}

/// Render one diagnostic as a miette report.
pub fn to_human(diag: &Diagnostic, sources: &SourceMap, color: Color) -> String {
    let theme = match color {
        Color::Always => GraphicalTheme::unicode(),
        Color::Never => GraphicalTheme::unicode_nocolor(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let report = Report::new(diag, sources);
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = handler.render_report(&mut out, &report);
    out
}

/// The summary line: "3 errors, 1 warning in 2 files".
pub fn summary(diags: &[Diagnostic], files: usize) -> String {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    format!("{}, {} in {}", plural(errors, "error"), plural(warnings, "warning"), plural(files, "file"))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// A diagnostic with its span resolved to a path, lines and columns.
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub location: JsonLocation,
    pub related: Vec<JsonLocation>,
    pub help: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonLocation {
    pub file: String,
    pub start: LineCol,
    pub end: LineCol,
    pub label: String,
}

impl JsonDiagnostic {
    pub fn new(diag: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
        JsonDiagnostic {
            code: diag.code.as_str(),
            name: diag.code.name(),
            severity: diag.severity,
            message: diag.message.clone(),
            location: location(&diag.primary, sources),
            related: diag.secondary.iter().map(|l| location(l, sources)).collect(),
            help: diag.help.clone(),
        }
    }
}

pub fn location(label: &Label, sources: &SourceMap) -> JsonLocation {
    let file = sources.get(label.span.file);
    JsonLocation {
        file: file.path.display().to_string(),
        start: file.line_col(label.span.start),
        end: file.line_col(label.span.end),
        label: label.message.clone(),
    }
}

/// Adapter from our plain data to miette's trait. Labels in other files than the
/// primary one become related reports, since a miette report shows one source.
struct Report {
    code: &'static str,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(diag: &Diagnostic, sources: &SourceMap) -> Report {
        let file = diag.primary.span.file;
        let mut labels =
            vec![LabeledSpan::new_primary_with_span(Some(diag.primary.message.clone()), to_miette(diag.primary.span))];
        let mut related = Vec::new();
        for label in &diag.secondary {
            if label.span.file == file {
                labels.push(LabeledSpan::new_with_span(Some(label.message.clone()), to_miette(label.span)));
            } else {
                related.push(Report::note(label, sources));
            }
        }
        Report {
            code: diag.code.as_str(),
            severity: match diag.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            message: diag.message.clone(),
            help: diag.help.clone(),
            source: named_source(sources, file),
            labels,
            related,
        }
    }

    fn note(label: &Label, sources: &SourceMap) -> Report {
        Report {
            code: "",
            severity: miette::Severity::Advice,
            message: label.message.clone(),
            help: None,
            source: named_source(sources, label.span.file),
            labels: vec![LabeledSpan::new_primary_with_span(None, to_miette(label.span))],
            related: Vec::new(),
        }
    }
}

fn named_source(sources: &SourceMap, file: crate::span::FileId) -> NamedSource<String> {
    let f = sources.get(file);
    NamedSource::new(f.path.display().to_string(), f.text.clone())
}

fn to_miette(span: Span) -> miette::SourceSpan {
    (span.start as usize, span.len()).into()
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}
