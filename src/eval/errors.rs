//! What the evaluator finds wrong, as data, and its wording, in one place:
//! planning tables it cannot use, a hierarchy the data and the org chart do
//! not agree on, a target a share cannot reach.

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::ir::TableProblem;
use crate::span::Span;
use crate::vocab::Grain;
use std::path::PathBuf;

/// One problem found while evaluating.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// A planning table that cannot be used.
    Table { table: TableRef, issue: TableIssue },
    /// A child the org chart puts under another parent than the data does.
    OtherParent { level: String, child: String, parent_level: String, in_data: String, in_chart: String, span: Span },
    /// A child under several parents in the data.
    SeveralParents { level: String, child: String, parent_level: String, parents: Vec<String>, span: Span },
    /// A table target above 100 % for a share (a warning).
    AboveShare { path: String, line: usize, percent: f64, kpi: String, span: Span },
}

/// Which planning table, what it must hold, and where the spec names it.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRef {
    pub kind: TableKind,
    pub path: PathBuf,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableKind {
    /// A KPI's target table: its `by` columns and the target column.
    Targets { by: Vec<String>, column: String },
    /// A scorecard's bonus bases: its entity column.
    BonusBases { by: String },
    /// A cascade level's org chart: the parent level's column and the child's.
    OrgChart { parent: Option<String>, child: String },
}

/// What is wrong with a planning table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableIssue {
    Unreadable(TableProblem),
    NoColumn(String),
    EmptyCell { line: usize, column: String },
    NotANumber { line: usize, text: String, column: String },
    NotAPeriod { line: usize, text: String },
    WrongGrain { line: usize, text: String, grain: Grain },
    SecondTarget { line: usize },
    SecondBase { line: usize },
    TwoParents { line: usize, child: String },
}

impl EvalError {
    /// The problem in words.
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            EvalError::Table { table, issue } => {
                let (what, code, label, help) = match &table.kind {
                    TableKind::Targets { by, column } => (
                        "target table",
                        Code::TargetTable,
                        "target declared here",
                        format!("the table needs the columns {}, optionally `period`, and `{column}`", by.join(", ")),
                    ),
                    TableKind::BonusBases { by } => (
                        "bonus base table",
                        Code::TargetTable,
                        "bonus bases read from here",
                        format!("the table needs a `{by}` column, optionally `period`, and `base`"),
                    ),
                    TableKind::OrgChart { parent, child } => (
                        "org chart",
                        Code::CascadeHierarchy,
                        "cascade declared here",
                        format!(
                            "the org chart needs the columns {}{child}, and optionally `period`",
                            parent.as_ref().map_or(String::new(), |p| format!("{p}, "))
                        ),
                    ),
                };
                let message = format!("{what} {}: {}", table.path.display(), issue_words(issue));
                Diagnostic::new(code, message, Label::new(table.span, label)).with_help(help)
            }
            EvalError::OtherParent { level, child, parent_level, in_data, in_chart, span } => Diagnostic::new(
                Code::CascadeHierarchy,
                format!("{level} `{child}` is under {parent_level} `{in_data}` in the data but under `{in_chart}` in the org chart"),
                Label::new(*span, "cascade declared here"),
            )
            .with_help("fix the org chart or the data: each child has one parent"),
            EvalError::SeveralParents { level, child, parent_level, parents, span } => Diagnostic::new(
                Code::CascadeHierarchy,
                format!("{level} `{child}` appears under several {parent_level}: {}", parents.join(", ")),
                Label::new(*span, "cascade declared here"),
            )
            .with_help("each child must belong to one parent in the data"),
            EvalError::AboveShare { path, line, percent, kpi, span } => Diagnostic::new(
                Code::TargetAboveShare,
                format!("target table {path}, line {line}: {percent}% is above 100%, which the share `{kpi}` cannot reach"),
                Label::new(*span, "target declared here"),
            )
            .with_help("a share is at most 100%: check that the table's unit (`in percent` or `in fraction`) is the one it is written in"),
        }
    }
}

fn issue_words(issue: &TableIssue) -> String {
    match issue {
        TableIssue::Unreadable(TableProblem::Open(why)) => format!("cannot open it: {why}"),
        TableIssue::Unreadable(TableProblem::Directory) => "it is a directory, not a table".into(),
        TableIssue::Unreadable(TableProblem::Empty) => "it is empty".into(),
        TableIssue::Unreadable(TableProblem::Malformed { line, what }) => format!("line {line}: {what}"),
        TableIssue::Unreadable(TableProblem::DuplicateColumn(name)) => format!("the header names `{name}` twice"),
        TableIssue::NoColumn(name) => format!("no column `{name}`"),
        TableIssue::EmptyCell { line, column } => format!("line {line}: empty `{column}`"),
        TableIssue::NotANumber { line, text, column } => format!("line {line}: `{text}` in `{column}` is not a number"),
        TableIssue::NotAPeriod { line, text } => format!("line {line}: `{text}` in `period` is not a period"),
        TableIssue::WrongGrain { line, text, grain } => {
            format!("line {line}: `{text}` in `period` is not a {} (the grain it is for)", grain.as_str())
        }
        TableIssue::SecondTarget { line } => format!("line {line}: a second target for the same entity and period"),
        TableIssue::SecondBase { line } => format!("line {line}: a second base for the same entity and period"),
        TableIssue::TwoParents { line, child } => format!("line {line}: `{child}` is listed under two parents"),
    }
}
