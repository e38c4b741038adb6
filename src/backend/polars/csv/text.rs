//! Planning tables (target tables, bonus bases, org charts) read with the
//! layout rules of sources: RFC 4180 quoting, CRLF or LF, a byte order mark,
//! every record as many fields as the header, no blank lines. Every value is
//! kept as text (an unquoted empty field is `None`, a quoted one the empty
//! text): the evaluator parses the few columns it needs and words what is
//! wrong with them. A user meets one CSV dialect.

use super::layout::Fields;
use crate::ir::{TableProblem, TextTable};
use std::path::Path;

/// Read a planning table.
pub(crate) fn read(path: &Path) -> Result<TextTable, TableProblem> {
    let meta = std::fs::metadata(path).map_err(|e| TableProblem::Open(e.to_string()))?;
    if meta.is_dir() {
        return Err(TableProblem::Directory);
    }
    let bytes = std::fs::read(path).map_err(|e| TableProblem::Open(e.to_string()))?;
    parse(&bytes)
}

/// A planning table from its bytes.
pub(crate) fn parse(bytes: &[u8]) -> Result<TextTable, TableProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(TableProblem::Empty);
    }
    let mut records = Records { fields: Fields::new(bytes), bytes };
    let (_, header) = records.next()?.ok_or(TableProblem::Empty)?;
    let header: Vec<String> = header.into_iter().map(Option::unwrap_or_default).collect();
    if let Some(twice) = header.iter().enumerate().find(|(i, n)| header[..*i].contains(n)).map(|(_, n)| n) {
        return Err(TableProblem::DuplicateColumn(twice.clone()));
    }
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); header.len()];
    let mut lines = Vec::new();
    while let Some((line, record)) = records.next()? {
        if record.len() == 1 && record[0].is_none() && header.len() > 1 {
            return Err(TableProblem::Malformed { line, what: "the line is blank".into() });
        }
        if record.len() != header.len() {
            let what = format!("{} fields, but the header has {}", record.len(), header.len());
            return Err(TableProblem::Malformed { line, what });
        }
        for (column, value) in columns.iter_mut().zip(record) {
            column.push(value);
        }
        lines.push(line);
    }
    Ok(TextTable { columns: header.into_iter().zip(columns).collect(), lines })
}

/// A record: the line it starts on, and its fields.
type Record = (usize, Vec<Option<String>>);

/// The records of a file, each with the line it starts on.
struct Records<'b> {
    fields: Fields<'b>,
    bytes: &'b [u8],
}

impl Records<'_> {
    /// The next record's line and fields.
    fn next(&mut self) -> Result<Option<Record>, TableProblem> {
        let start = self.fields.pos;
        if start >= self.bytes.len() {
            return Ok(None);
        }
        let line = self.line_at(start);
        let mut record = Vec::new();
        loop {
            match self.fields.next_field() {
                Ok(Some((text, quoted))) => {
                    let text = std::str::from_utf8(&text).map_err(|_| TableProblem::Malformed {
                        line: self.line_at(self.fields.field_start),
                        what: "bytes that are not UTF-8".into(),
                    })?;
                    record.push((quoted || !text.is_empty()).then(|| text.to_string()));
                    if self.fields.ended_record {
                        return Ok(Some((line, record)));
                    }
                }
                Ok(None) => return Ok(Some((line, record))),
                Err((at, what)) => return Err(TableProblem::Malformed { line: self.line_at(at), what }),
            }
        }
    }

    fn line_at(&self, offset: usize) -> usize {
        1 + self.bytes[..offset.min(self.bytes.len())].iter().filter(|b| **b == b'\n').count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<TextTable, TableProblem> {
        parse(text.as_bytes())
    }

    #[test]
    fn values_are_text_and_lines_are_counted() {
        let t = table("\u{feff}agent,period,target\r\nAnn,,\"1,5\"\r\n\"Ben\nJr\",2025-03,\"\"\r\n").unwrap();
        assert_eq!(t.column("agent").unwrap(), &[Some("Ann".into()), Some("Ben\nJr".into())]);
        assert_eq!(t.column("period").unwrap(), &[None, Some("2025-03".into())]);
        assert_eq!(t.column("target").unwrap(), &[Some("1,5".into()), Some(String::new())]);
        assert_eq!(t.lines, vec![2, 3]);
    }

    #[test]
    fn layout_problems_name_the_line() {
        let problem = |text: &str| table(text).unwrap_err();
        assert_eq!(
            problem("a,b\n1,2\n3\n"),
            TableProblem::Malformed { line: 3, what: "1 fields, but the header has 2".into() }
        );
        assert_eq!(problem("a,b\n1,2\n\n3,4\n"), TableProblem::Malformed { line: 3, what: "the line is blank".into() });
        assert!(matches!(problem("a,b\n1,\"2\n"), TableProblem::Malformed { line: 2, .. }));
        assert!(matches!(problem("a,b\n1,x\"y\n"), TableProblem::Malformed { line: 2, .. }));
        assert_eq!(problem("a,a\n1,2\n"), TableProblem::DuplicateColumn("a".into()));
        assert_eq!(problem(""), TableProblem::Empty);
        assert!(matches!(parse(b"a,b\n1,\xff\n").unwrap_err(), TableProblem::Malformed { line: 2, .. }));
    }

    #[test]
    fn a_header_alone_is_a_table_without_rows() {
        let t = table("agent,target\n").unwrap();
        assert_eq!(t.rows(), 0);
        assert_eq!(t.column("target").unwrap().len(), 0);
    }
}
