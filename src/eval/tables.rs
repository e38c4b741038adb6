//! Planning tables (targets, bonus bases, org charts), as the backend read
//! them: one parser, so that one problem is worded one way whichever table it
//! is in.
//!
//! A table is CSV with a header, read as text by the backend with the layout
//! rules of sources. Its values are parsed here: numbers (with `_` between
//! digits), periods in a grain, and an optional `period` column whose empty
//! cell means "every period".

use super::period::{self, Period};
use crate::diagnostics::{Code, Diagnostic, Label};
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

/// One planning table, read, with what is needed to word its problems.
pub(super) struct SideTable<'a> {
    /// "target table", "bonus base table" or "org chart".
    what: &'static str,
    path: &'a Path,
    table: &'a TextTable,
    code: Code,
    label: Label,
    help: String,
}

impl<'a> SideTable<'a> {
    /// The table at `path`; problems are reported with `code`, pointing at
    /// `label` (where the spec names the table), with `help` saying what it needs.
    pub(super) fn read(
        tables: &'a Tables,
        what: &'static str,
        path: &'a Path,
        code: Code,
        label: Label,
        help: String,
    ) -> Result<SideTable<'a>, Diagnostic> {
        let fail = |why: String| {
            Diagnostic::new(code, format!("{what} {}: {why}", path.display()), label.clone()).with_help(help.clone())
        };
        let problem = match tables.by_path.get(path) {
            Some(Ok(table)) => return Ok(SideTable { what, path, table, code, label, help }),
            Some(Err(p)) => p.clone(),
            None => TableProblem::Open("not in the plan".into()),
        };
        Err(fail(match problem {
            TableProblem::Open(why) => format!("cannot open it: {why}"),
            TableProblem::Directory => "it is a directory, not a table".into(),
            TableProblem::Empty => "it is empty".into(),
            TableProblem::Malformed { line, what } => format!("line {line}: {what}"),
            TableProblem::DuplicateColumn(name) => format!("the header names `{name}` twice"),
        }))
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
        table.column(name).ok_or_else(|| self.fail(format!("no column `{name}`")))
    }

    /// A column the table may have.
    pub(super) fn optional(&self, name: &str) -> Option<&'a [Option<String>]> {
        let table: &'a TextTable = self.table;
        table.column(name)
    }

    /// The number in `column` on data row `row`.
    pub(super) fn number(&self, column: &[Option<String>], name: &str, row: usize) -> Result<f64, Diagnostic> {
        let Some(text) = column[row].as_deref() else {
            return Err(self.at(row, format!("empty `{name}`")));
        };
        let clean = text.trim().replace('_', "");
        match clean.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.at(row, format!("`{text}` in `{name}` is not a number"))),
        }
    }

    /// The period on data row `row` of the optional `period` column, in
    /// `grain` when one is required; none when the table has no such column
    /// or the cell is empty: the row applies to every period.
    pub(super) fn period(&self, row: usize, grain: Option<Grain>) -> Result<Option<Period>, Diagnostic> {
        let Some(cell) = self.optional("period").and_then(|c| c[row].as_deref()) else { return Ok(None) };
        let label = cell.trim();
        if label.is_empty() {
            return Ok(None);
        }
        let p = period::parse(label).ok_or_else(|| self.at(row, format!("`{label}` in `period` is not a period")))?;
        match grain {
            Some(g) if p.grain != g => {
                Err(self.at(row, format!("`{label}` in `period` is not a {} (the grain it is for)", g.as_str())))
            }
            _ => Ok(Some(p)),
        }
    }

    /// A problem on data row `row`.
    pub(super) fn at(&self, row: usize, why: String) -> Diagnostic {
        self.fail(format!("line {}: {why}", self.line(row)))
    }

    fn fail(&self, why: String) -> Diagnostic {
        Diagnostic::new(self.code, format!("{} {}: {why}", self.what, self.path.display()), self.label.clone())
            .with_help(self.help.clone())
    }
}
