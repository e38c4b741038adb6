//! Planning tables (targets, bonus bases, org charts), as the backend read
//! them: one parser, so that one problem is worded one way whichever table it
//! is in.
//!
//! A table is CSV with a header, read as text by the backend with the layout
//! rules of sources. Its values are parsed here: numbers (with `_` between
//! digits), periods in a grain, and an optional `period` column whose empty
//! cell means "every period".

use super::errors::{EvalError, TableIssue, TableRef};
use super::period::{self, Period};
use crate::diagnostics::Diagnostic;
use crate::ir::{Plan, Results, TableProblem, TextTable};
use crate::vocab::Grain;
use std::collections::HashMap;
use std::path::Path;

/// The planning tables a backend read for a plan, by path.
#[derive(Default)]
pub struct Tables<'r> {
    by_path: HashMap<&'r Path, &'r Result<TextTable, TableProblem>>,
}

impl<'r> Tables<'r> {
    pub fn of(plan: &'r Plan, results: &'r Results) -> Tables<'r> {
        Tables::new(&plan.tables, &results.tables)
    }

    /// `read[i]` is what reading `tables[i]` gave.
    pub fn new(tables: &'r [crate::ir::SideTable], read: &'r [Result<TextTable, TableProblem>]) -> Tables<'r> {
        Tables { by_path: tables.iter().map(|t| t.path.as_path()).zip(read).collect() }
    }

    pub fn has(&self, path: &Path) -> bool {
        self.by_path.contains_key(path)
    }
}

/// One planning table, read, with where the spec names it.
pub(super) struct SideTable<'a> {
    table: &'a TextTable,
    reference: TableRef,
}

impl<'a> SideTable<'a> {
    /// The table `reference` names, as the backend read it.
    pub(super) fn read(tables: &'a Tables, reference: TableRef) -> Result<SideTable<'a>, Diagnostic> {
        let issue = match tables.by_path.get(reference.path.as_path()) {
            Some(Ok(table)) => return Ok(SideTable { table, reference }),
            Some(Err(p)) => TableIssue::Unreadable(p.clone()),
            None => TableIssue::Unreadable(TableProblem::Open("not in the plan".into())),
        };
        Err(EvalError::Table { table: reference, issue }.to_diagnostic())
    }

    /// The number of data rows.
    pub(super) fn rows(&self) -> usize {
        self.table.rows()
    }

    /// The line of the file data row `row` starts on.
    pub(super) fn line(&self, row: usize) -> usize {
        self.table.lines[row]
    }

    /// A column the table must have.
    pub(super) fn column(&self, name: &str) -> Result<&'a [Option<String>], Diagnostic> {
        let table: &'a TextTable = self.table;
        table.column(name).ok_or_else(|| self.fail(TableIssue::NoColumn(name.to_string())))
    }

    /// A column the table may have.
    pub(super) fn optional(&self, name: &str) -> Option<&'a [Option<String>]> {
        let table: &'a TextTable = self.table;
        table.column(name)
    }

    /// The number in `column` on data row `row`.
    pub(super) fn number(&self, column: &[Option<String>], name: &str, row: usize) -> Result<f64, Diagnostic> {
        let line = self.line(row);
        let Some(text) = column[row].as_deref() else {
            return Err(self.fail(TableIssue::EmptyCell { line, column: name.to_string() }));
        };
        let clean = text.trim().replace('_', "");
        match clean.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.fail(TableIssue::NotANumber { line, text: text.to_string(), column: name.to_string() })),
        }
    }

    /// The period on data row `row` of the optional `period` column, in
    /// `grain` when one is required; none when the table has no such column
    /// or the cell is empty: the row applies to every period.
    pub(super) fn period(&self, row: usize, grain: Option<Grain>) -> Result<Option<Period>, Diagnostic> {
        let Some(cell) = self.optional("period").and_then(|c| c[row].as_deref()) else { return Ok(None) };
        let text = cell.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let line = self.line(row);
        let p =
            period::parse(text).ok_or_else(|| self.fail(TableIssue::NotAPeriod { line, text: text.to_string() }))?;
        match grain {
            Some(g) if p.grain != g => {
                Err(self.fail(TableIssue::WrongGrain { line, text: text.to_string(), grain: g }))
            }
            _ => Ok(Some(p)),
        }
    }

    /// A problem with this table.
    pub(super) fn fail(&self, issue: TableIssue) -> Diagnostic {
        EvalError::Table { table: self.reference.clone(), issue }.to_diagnostic()
    }
}
