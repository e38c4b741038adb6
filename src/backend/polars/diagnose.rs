//! Finding which data problem made a read fail: the source, column, row and
//! value, as a [`DataError`] (worded in backend/errors.rs). The fast path reads
//! strictly and lets polars fail; only then does this module re-read the file
//! as text to find exactly what did not fit.

use super::SourceFile;
use super::{evaluation_column, pl_path};
use crate::backend::DataError;
use crate::diagnostics::Diagnostic;
use crate::vocab::ColType;
use crate::vocab::FileFormat;
use ::polars::prelude::*;

pub(super) fn check_file(scan: &SourceFile) -> Result<(), Diagnostic> {
    let problem = match std::fs::metadata(&scan.path) {
        Err(e) => DataError::Open { reason: e.to_string() },
        Ok(m) if m.is_dir() => DataError::Directory,
        Ok(m) if m.len() == 0 => DataError::EmptyFile,
        Ok(_) => return Ok(()),
    };
    Err(problem.diagnostic(scan))
}

/// A header that names a column twice: polars would read the second under another
/// name (`city_duplicated_0`), and which one a KPI reads would be a guess.
pub(super) fn duplicate_header(scan: &SourceFile, names: &[String]) -> Option<Diagnostic> {
    let twice = names.iter().find_map(|n| {
        let (base, n) = n.rsplit_once("_duplicated_")?;
        (n.chars().all(|c| c.is_ascii_digit()) && names.iter().any(|m| m == base)).then_some(base)
    })?;
    Some(duplicate_column(scan, twice))
}

/// A header that names `twice` twice.
pub(super) fn duplicate_column(scan: &SourceFile, twice: &str) -> Diagnostic {
    DataError::DuplicateColumn { column: twice.to_string() }.diagnostic(scan)
}

pub(super) fn check_columns(scan: &SourceFile, names: &[String]) -> Result<(), Diagnostic> {
    if let Some(missing) = scan.columns.iter().find(|c| !names.contains(&c.name)) {
        return Err(missing_column(scan, &missing.name, names));
    }
    Ok(())
}

pub(super) fn missing_column(scan: &SourceFile, column: &str, found: &[String]) -> Diagnostic {
    DataError::MissingColumn { column: column.to_string(), found: found.to_vec() }.diagnostic(scan)
}

/// Check a self-describing file's column types against the declaration and
/// select the used columns in their evaluation types.
pub(super) fn typed_schema(scan: &SourceFile, mut lf: LazyFrame) -> Result<LazyFrame, Diagnostic> {
    let schema = lf.collect_schema().map_err(|e| polars_failure(scan, &e))?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    check_columns(scan, &names)?;
    let mut columns = Vec::new();
    for c in scan.columns.iter().filter(|c| c.used) {
        let found = schema.get(c.name.as_str()).cloned().unwrap_or(DataType::Null);
        if !fits_dtype(&c.ty, &found) {
            return Err(type_mismatch(scan, c, &found));
        }
        columns.push(evaluation_column(c, &found));
    }
    Ok(lf.select(columns))
}

/// Whether a typed file's column can be read as the declared type. Exact types
/// only where the declaration promises exactness: a `decimal` must be stored as a
/// decimal, not an integer or a float.
pub(super) fn fits_dtype(ty: &ColType, found: &DataType) -> bool {
    match ty {
        ColType::Int => found.is_integer(),
        ColType::Decimal => found.is_decimal(),
        ColType::Float | ColType::Money(_) | ColType::Percent | ColType::Duration(_) => {
            found.is_primitive_numeric() || found.is_decimal()
        }
        ColType::Text => matches!(found, DataType::String),
        ColType::Bool => *found == DataType::Boolean,
        ColType::Date => matches!(found, DataType::Date | DataType::String),
        ColType::Datetime => matches!(found, DataType::Datetime(..) | DataType::Date | DataType::String),
    }
}

pub(super) fn type_mismatch(scan: &SourceFile, c: &crate::ir::ScanColumn, found: &DataType) -> Diagnostic {
    DataError::TypeMismatch { column: c.name.clone(), declared: c.ty.clone(), stored: found.to_string() }
        .diagnostic(scan)
}

/// A polars failure while reading `scan`, explained as precisely as we can.
pub(super) fn failure(scan: &SourceFile, err: &PolarsError) -> Diagnostic {
    if let Some(d) = check_layout(scan).err().or_else(|| find_bad_value(scan)) {
        return d;
    }
    polars_failure(scan, err)
}

pub(super) fn polars_failure(scan: &SourceFile, err: &PolarsError) -> Diagnostic {
    let text = err.to_string();
    if text.to_ascii_lowercase().contains("utf-8") || text.to_ascii_lowercase().contains("utf8") {
        if let Some((line, column)) = first_invalid_utf8(&scan.path) {
            return not_utf8(scan, line, column);
        }
    }
    if scan.format == FileFormat::Ndjson {
        if let Some((line, what)) = first_bad_json_line(&scan.path) {
            return malformed(scan, line, format!("not a JSON object: {what}"));
        }
    }
    if let Some(column) = text.split(super::time::OUT_OF_RANGE).nth(1) {
        return DataError::DateOutOfRange { column: first_line(column).to_string() }.diagnostic(scan);
    }
    DataError::Engine { message: first_line(&text).to_string(), empty: text.contains("empty") }.diagnostic(scan)
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

/// Every CSV record has as many fields as the header, and every quote is closed.
/// polars pads short rows with nulls, which would silently invent missing values,
/// so this pass runs before every CSV read. It streams the file in blocks, so it
/// needs no memory proportional to the file.
pub(super) fn check_layout(scan: &SourceFile) -> Result<(), Diagnostic> {
    if scan.format != FileFormat::Csv {
        return Ok(());
    }
    let io_error = |e: std::io::Error| io_failure(scan, &e);
    let malformed = |line: u64, what: String| malformed(scan, line, what);
    let mut file = std::fs::File::open(&scan.path).map_err(io_error)?;
    let mut layout = Layout::default();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).map_err(io_error)?;
        if n == 0 {
            break;
        }
        if let Some((line, what)) = layout.feed(&buf[..n]) {
            return Err(malformed(line, what));
        }
    }
    match layout.finish() {
        Some((line, what)) => Err(malformed(line, what)),
        None => Ok(()),
    }
}

/// An aggregate came out NaN or infinite: the column holds such a value (or sums
/// beyond the range of a float). A CSV is searched for the row.
pub(super) fn not_finite(scan: &SourceFile, agg: &crate::ir::AggOutput) -> Diagnostic {
    not_finite_in(scan, agg.column.as_deref().unwrap_or("?"))
}

/// [`not_finite`] for a column by name.
pub(super) fn not_finite_in(scan: &SourceFile, column: &str) -> Diagnostic {
    if let Some(d) = find_bad_value(scan) {
        return d;
    }
    DataError::NotFinite { column: column.to_string() }.diagnostic(scan)
}

/// A money or decimal value too large to be summed exactly: in row `row` with
/// text `value` when kpic's CSV reader found it.
pub(super) fn too_large_in(scan: &SourceFile, column: &str, at: Option<(usize, &str)>) -> Diagnostic {
    let at = at.map(|(row, v)| (row, v.to_string()));
    DataError::TooLarge { column: column.to_string(), at }.diagnostic(scan)
}

/// Rows without a time cannot be placed in a period. A CSV is searched for the
/// first such row.
pub(super) fn null_time(scan: &SourceFile) -> Diagnostic {
    let row = (scan.format == FileFormat::Csv).then(|| first_null_row(scan, &scan.time_column)).flatten();
    null_time_row(scan, row)
}

/// [`null_time`] where the first such row (0-based) is known.
pub(super) fn null_time_at(scan: &SourceFile, row: usize) -> Diagnostic {
    null_time_row(scan, Some(row))
}

fn null_time_row(scan: &SourceFile, row: Option<usize>) -> Diagnostic {
    DataError::NullTime { row }.diagnostic(scan)
}

/// A CSV with every column read as text: slow, for finding what went wrong.
fn text_frame(scan: &SourceFile) -> PolarsResult<LazyFrame> {
    LazyCsvReader::new(pl_path(&scan.path))
        .with_glob(false)
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
}

/// The first data row (0-based) of a CSV whose `column` is empty.
fn first_null_row(scan: &SourceFile, column: &str) -> Option<usize> {
    let df = text_frame(scan).ok()?.select([col(column).is_null().arg_max().alias("row")]).collect().ok()?;
    df.column("row").ok()?.idx().ok()?.get(0).map(|r| r as usize)
}

pub(super) fn io_failure(scan: &SourceFile, e: &std::io::Error) -> Diagnostic {
    DataError::Read { reason: e.to_string() }.diagnostic(scan)
}

pub(super) fn malformed(scan: &SourceFile, line: u64, what: String) -> Diagnostic {
    DataError::Malformed { line, what, utf8: false }.diagnostic(scan)
}

/// Bytes that are not UTF-8 at `line`, `column` (1-based).
pub(super) fn not_utf8(scan: &SourceFile, line: u64, column: u64) -> Diagnostic {
    DataError::Malformed { line, what: format!("column {column}: bytes that are not UTF-8"), utf8: true }
        .diagnostic(scan)
}

/// The first line of an NDJSON file that is not a JSON object, and why.
fn first_bad_json_line(path: &std::path::Path) -> Option<(u64, String)> {
    use std::io::BufRead;
    let file = std::io::BufReader::new(std::fs::File::open(path).ok()?);
    for (i, line) in file.lines().enumerate() {
        let line = line.ok()?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(v) if v.is_object() => {}
            Ok(_) => return Some((i as u64 + 1, "a JSON value that is not an object".into())),
            Err(e) => return Some((i as u64 + 1, e.to_string())),
        }
    }
    None
}

/// Line and byte column (1-based) of the first bytes of a file that are not
/// UTF-8, read in blocks.
fn first_invalid_utf8(path: &std::path::Path) -> Option<(u64, u64)> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; 1 << 20];
    let mut carry: Vec<u8> = Vec::new();
    let (mut line, mut column) = (1u64, 1u64);
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).ok()?;
        let mut block = std::mem::take(&mut carry);
        block.extend_from_slice(&buf[..n]);
        let (valid, bad) = match std::str::from_utf8(&block) {
            Ok(_) => (block.len(), false),
            // A sequence cut by the block boundary: finish it with the next block.
            Err(e) if e.error_len().is_none() && n > 0 => (e.valid_up_to(), false),
            Err(e) => (e.valid_up_to(), true),
        };
        for &b in &block[..valid] {
            if b == b'\n' {
                line += 1;
                column = 1;
            } else if b & 0xC0 != 0x80 {
                column += 1;
            }
        }
        if bad {
            return Some((line, column));
        }
        if n == 0 {
            return None;
        }
        carry = block[valid..].to_vec();
    }
}

/// The state of the CSV layout scan between blocks.
pub(super) struct Layout {
    expected: Option<u64>,
    fields: u64,
    line: u64,
    record_line: u64,
    quote: Quote,
    quote_line: u64,
    at_record_start: bool,
}

#[derive(PartialEq)]
enum Quote {
    Outside,
    Inside,
    /// Inside, just after a `"`: a second `"` is an escaped quote.
    MaybeClosed,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            expected: None,
            fields: 1,
            line: 1,
            record_line: 1,
            quote: Quote::Outside,
            quote_line: 0,
            at_record_start: true,
        }
    }
}

impl Layout {
    pub(super) fn feed(&mut self, block: &[u8]) -> Option<(u64, String)> {
        for &b in block {
            match self.quote {
                Quote::Inside => {
                    match b {
                        b'"' => self.quote = Quote::MaybeClosed,
                        b'\n' => self.line += 1,
                        _ => {}
                    }
                    continue;
                }
                Quote::MaybeClosed if b == b'"' => {
                    self.quote = Quote::Inside;
                    continue;
                }
                Quote::MaybeClosed => self.quote = Quote::Outside,
                Quote::Outside => {}
            }
            match b {
                b'"' => {
                    self.quote = Quote::Inside;
                    self.quote_line = self.line;
                    self.at_record_start = false;
                }
                b',' => {
                    self.fields += 1;
                    self.at_record_start = false;
                }
                b'\n' => {
                    if self.at_record_start {
                        // polars reads a blank line as a row of nulls.
                        return Some((
                            self.line,
                            "the line is blank; remove it (it would be read as a row of empty values)".into(),
                        ));
                    }
                    if let Some(problem) = self.end_record() {
                        return Some(problem);
                    }
                    self.line += 1;
                    self.record_line = self.line;
                }
                b'\r' => {}
                _ => self.at_record_start = false,
            }
        }
        None
    }

    fn end_record(&mut self) -> Option<(u64, String)> {
        if !self.at_record_start {
            match self.expected {
                None => self.expected = Some(self.fields),
                Some(e) if e != self.fields => {
                    return Some((self.record_line, format!("{} fields, but the header has {e}", self.fields)));
                }
                Some(_) => {}
            }
        }
        self.fields = 1;
        self.at_record_start = true;
        None
    }

    pub(super) fn finish(mut self) -> Option<(u64, String)> {
        if self.quote == Quote::Inside {
            return Some((self.quote_line, "a quote opened here is never closed".to_string()));
        }
        self.end_record()
    }
}

/// Re-read a CSV as text and find the first value that does not fit its column.
fn find_bad_value(scan: &SourceFile) -> Option<Diagnostic> {
    every_bad_value(scan).into_iter().find(|d| d.code == crate::diagnostics::Code::DataValue)
}

/// Every used column of a CSV file with a value that does not fit it: its
/// first such value and how many more there are, the earliest first; rows
/// without a time as one problem. Nothing for other formats, whose values
/// are typed, or a file whose layout is broken (that problem comes first).
pub(super) fn every_bad_value(scan: &SourceFile) -> Vec<Diagnostic> {
    if scan.format != FileFormat::Csv || check_layout(scan).is_err() {
        return Vec::new();
    }
    let used: Vec<Expr> = scan.columns.iter().filter(|c| c.used).map(|c| col(c.name.as_str())).collect();
    let Some(df) = text_frame(scan).ok().and_then(|f| f.select(used).collect().ok()) else { return Vec::new() };
    let mut found: Vec<(usize, Diagnostic)> = Vec::new();
    for c in scan.columns.iter().filter(|c| c.used) {
        let Some(values) = df.column(&c.name).ok().and_then(|v| v.str().ok().cloned()) else { continue };
        let mut bad = values
            .iter()
            .enumerate()
            .filter_map(|(row, v)| v.filter(|v| !fits(&c.ty, c.format.as_deref(), v)).map(|v| (row, v)));
        if let Some((row, v)) = bad.next() {
            let more = bad.count();
            let d = DataError::BadValue { column: c.name.clone(), row, value: v.to_string(), more }.diagnostic(scan);
            found.push((row, d));
        }
        if c.name == scan.time_column {
            if let Some(row) = values.iter().position(|v| v.is_none()) {
                found.push((row, null_time_at(scan, row)));
            }
        }
    }
    found.sort_by_key(|(row, _)| *row);
    found.into_iter().map(|(_, d)| d).collect()
}

/// A value of row `row` (0-based, after the header) that does not fit column `c`.
pub(super) fn bad_value(scan: &SourceFile, c: &crate::ir::ScanColumn, row: usize, v: &str) -> Diagnostic {
    DataError::BadValue { column: c.name.clone(), row, value: v.to_string(), more: 0 }.diagnostic(scan)
}

/// Whether a CSV text value parses as the declared type, the way the reader does.
pub(super) fn fits(ty: &ColType, format: Option<&str>, v: &str) -> bool {
    match ty {
        // As strict as the reader: no spaces around numbers.
        ColType::Int => v.parse::<i64>().is_ok(),
        ColType::Float | ColType::Decimal | ColType::Money(_) | ColType::Percent | ColType::Duration(_) => {
            v.parse::<f64>().is_ok_and(f64::is_finite)
        }
        ColType::Bool => matches!(v.to_ascii_lowercase().as_str(), "true" | "false"),
        ColType::Text => true,
        ColType::Date => chrono::NaiveDate::parse_from_str(v, format.unwrap_or(ty.default_format())).is_ok(),
        ColType::Datetime => chrono::NaiveDateTime::parse_from_str(v, format.unwrap_or(ty.default_format())).is_ok(),
    }
}
