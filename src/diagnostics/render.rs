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
    /// None when the labels are too far into their lines to draw.
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(diag: &Diagnostic, sources: &SourceMap) -> Report {
        let file = diag.primary.span.file;
        let (here, elsewhere): (Vec<&Label>, Vec<&Label>) =
            std::iter::once(&diag.primary).chain(&diag.secondary).partition(|l| l.span.file == file);
        let mut report = Report {
            code: diag.code.as_str(),
            severity: match diag.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            message: diag.message.clone(),
            help: diag.help.clone(),
            source: None,
            labels: Vec::new(),
            related: elsewhere.into_iter().map(|l| Report::note(l, sources)).collect(),
        };
        report.show(&here, sources);
        report
    }

    fn note(label: &Label, sources: &SourceMap) -> Report {
        let mut report = Report {
            code: "",
            severity: miette::Severity::Advice,
            message: label.message.clone(),
            help: None,
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        report.show(&[&Label::new(label.span, "")], sources);
        report
    }

    /// Show the labels (all in one file, the first primary) on the source, or, when
    /// a line is too long to draw, as locations after the message.
    fn show(&mut self, labels: &[&Label], sources: &SourceMap) {
        let Some(first) = labels.first() else { return };
        if labels.iter().all(|l| drawable(l.span, sources)) {
            let text = |l: &Label| (!l.message.is_empty()).then(|| l.message.clone());
            self.labels.push(LabeledSpan::new_primary_with_span(text(first), to_miette(first.span)));
            self.labels.extend(labels[1..].iter().map(|l| LabeledSpan::new_with_span(text(l), to_miette(l.span))));
            self.source = Some(named_source(sources, first.span.file));
            return;
        }
        for label in labels {
            let loc = location(label, sources);
            let at = format!("{}:{}:{}", loc.file, loc.start.line, loc.start.column);
            match label.message.as_str() {
                "" => self.message.push_str(&format!("\n  at {at}")),
                message => self.message.push_str(&format!("\n  at {at}: {message}")),
            }
        }
    }
}

/// miette pads up to a label's column with `{:width$}`, and Rust formatting refuses
/// widths above 65,535: a label on a longer line (counting a tab as 4 columns) is
/// shown as a location instead of being drawn.
const MAX_DRAWN_LINE: usize = 16_000;

fn drawable(span: Span, sources: &SourceMap) -> bool {
    let text = sources.get(span.file).text.as_bytes();
    let end = (span.end as usize).min(text.len());
    let start = (span.start as usize).min(end);
    let from = text[..start].iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let to = text[end..].iter().position(|b| *b == b'\n').map_or(text.len(), |i| end + i);
    text[from..to].split(|b| *b == b'\n').all(|line| line.len() <= MAX_DRAWN_LINE)
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
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }
}
