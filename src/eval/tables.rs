//! Planning tables (targets, bonus bases, org charts): one reader, so that one
//! problem is worded one way whichever table it is in.
//!
//! A table is CSV with a header. Every column is read as text and parsed here:
//! numbers (with `_` between digits), periods in a grain, and an optional
//! `period` column whose empty cell means "every period".

use super::period::{self, Period};
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::ir::TextTable;
use crate::vocab::Grain;
use std::path::Path;

/// One planning table, read, with what is needed to word its problems.
pub(super) struct SideTable<'a> {
    /// "target table", "bonus base table" or "org chart".
    what: &'static str,
    path: &'a Path,
    table: TextTable,
    code: Code,
    label: Label,
    help: String,
}

impl<'a> SideTable<'a> {
    /// Read `path`; problems are reported with `code`, pointing at `label`
    /// (where the spec names the table), with `help` saying what it needs.
    pub(super) fn read(
        what: &'static str,
        path: &'a Path,
        code: Code,
        label: Label,
        help: String,
    ) -> Result<SideTable<'a>, Diagnostic> {
        let mut out = SideTable { what, path, table: TextTable::default(), code, label, help };
        let problem = match std::fs::metadata(path) {
            Err(e) => Some(format!("cannot open it: {e}")),
            Ok(m) if m.is_dir() => Some("it is a directory, not a table".to_string()),
            Ok(m) if m.len() == 0 => Some("it is empty".to_string()),
            Ok(_) => None,
        };
        if let Some(why) = problem {
            return Err(out.fail(why));
        }
        out.table = crate::backend::polars::read_text_table(path).map_err(|why| out.fail(why))?;
        Ok(out)
    }

    /// The number of data rows.
    pub(super) fn rows(&self) -> usize {
        self.table.columns.values().next().map_or(0, Vec::len)
    }

    /// The line of the file a data row is on (the header is line 1).
    pub(super) fn line(row: usize) -> usize {
        row + 2
    }

    /// A column the table must have.
    pub(super) fn column(&self, name: &str) -> Result<&[Option<String>], Diagnostic> {
        self.table.column(name).map_err(|why| self.fail(why))
    }

    /// A column the table may have.
    pub(super) fn optional(&self, name: &str) -> Option<&[Option<String>]> {
        self.table.has(name).then(|| self.table.columns[name].as_slice())
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
        self.fail(format!("line {}: {why}", Self::line(row)))
    }

    fn fail(&self, why: String) -> Diagnostic {
        Diagnostic::new(self.code, format!("{} {}: {why}", self.what, self.path.display()), self.label.clone())
            .with_help(self.help.clone())
    }
}
