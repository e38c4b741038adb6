//! Turning data problems into diagnostics that name the source, column, row and
//! value. The fast path reads strictly and lets polars fail; only then does this
//! module re-read the file as text to find exactly what did not fit.

use super::{default_format, pl_path, read_dtype};
use crate::diagnostics::{Code, Diagnostic, Label};
use crate::ir::Scan;
use crate::sema::model::FileFormat;
use crate::sema::types::ColType;
use ::polars::prelude::*;

pub(super) fn check_file(scan: &Scan) -> Result<(), Diagnostic> {
    let problem = match std::fs::metadata(&scan.path) {
        Err(e) => format!("cannot open {}: {e}", scan.path.display()),
        Ok(m) if m.is_dir() => format!("{} is a directory, not a data file", scan.path.display()),
        Ok(m) if m.len() == 0 => format!("{} is empty", scan.path.display()),
        Ok(_) => return Ok(()),
    };
    Err(Diagnostic::new(
        Code::DataFile,
        format!("source `{}`: {problem}", scan.name),
        Label::new(scan.span, "this file"),
    )
    .with_help("paths are relative to the spec; `kpic eval --data NAME=PATH` reads another file"))
}

/// The column names of a CSV file's header, checked against the declaration.
pub(super) fn csv_header(scan: &Scan) -> Result<Vec<String>, Diagnostic> {
    let schema = LazyCsvReader::new(pl_path(&scan.path))
        .with_glob(false)
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
        .and_then(|mut lf| lf.collect_schema())
        .map_err(|e| polars_failure(scan, &e))?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    check_columns(scan, &names)?;
    Ok(names)
}

fn check_columns(scan: &Scan, names: &[String]) -> Result<(), Diagnostic> {
    if let Some(missing) = scan.columns.iter().find(|c| !names.contains(&c.name)) {
        return Err(Diagnostic::new(
            Code::DataColumn,
            format!("source `{}`: column `{}` is not in {}", scan.name, missing.name, scan.path.display()),
            Label::new(missing.span, "declared here"),
        )
        .with_help(format!("the file has: {}", names.join(", "))));
    }
    Ok(())
}

/// Check a self-describing file's column types against the declaration and cast
/// them to the types the CSV path reads.
pub(super) fn typed_schema(scan: &Scan, mut lf: LazyFrame) -> Result<LazyFrame, Diagnostic> {
    let schema = lf.collect_schema().map_err(|e| polars_failure(scan, &e))?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    check_columns(scan, &names)?;
    let mut casts = Vec::new();
    for c in scan.columns.iter().filter(|c| c.used) {
        let found = schema.get(c.name.as_str()).cloned().unwrap_or(DataType::Null);
        if !fits_dtype(&c.ty, &found) {
            return Err(type_mismatch(scan, c, &found));
        }
        let e = col(c.name.as_str());
        let format = c.format.as_deref().unwrap_or(default_format(&c.ty)).to_string();
        casts.push(match (&c.ty, &found) {
            // Typed temporal columns become the text the common conversion parses.
            (ColType::Date, DataType::Date) => e.dt().strftime(&format),
            (ColType::Datetime, DataType::Datetime(..) | DataType::Date) => {
                e.cast(DataType::Datetime(TimeUnit::Microseconds, None)).dt().strftime(&format)
            }
            (ty, _) => e.strict_cast(read_dtype(ty)),
        });
    }
    Ok(lf.select(casts))
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

pub(super) fn type_mismatch(scan: &Scan, c: &crate::ir::ScanColumn, found: &DataType) -> Diagnostic {
    Diagnostic::new(
        Code::DataType,
        format!(
            "source `{}`: column `{}` is declared {} but {} stores {found}",
            scan.name,
            c.name,
            c.ty,
            scan.path.display()
        ),
        Label::new(c.span, "declared here"),
    )
    .with_help("fix the declared type or the file")
}

/// A polars failure while reading `scan`, explained as precisely as we can.
pub(super) fn failure(scan: &Scan, err: &PolarsError) -> Diagnostic {
    if let Some(d) = check_layout(scan).err().or_else(|| find_bad_value(scan)) {
        return d;
    }
    polars_failure(scan, err)
}

pub(super) fn polars_failure(scan: &Scan, err: &PolarsError) -> Diagnostic {
    let text = err.to_string();
    let code = if text.contains("empty") { Code::DataFile } else { Code::DataMalformed };
    Diagnostic::new(
        code,
        format!("source `{}`: cannot read {}: {}", scan.name, scan.path.display(), first_line(&text)),
        Label::new(scan.span, "this file"),
    )
    .with_help("check the file; kpic stops rather than drop or pad rows it cannot read")
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}

/// Every CSV record has as many fields as the header, and every quote is closed.
/// polars pads short rows with nulls, which would silently invent missing values,
/// so this pass runs before every CSV read. It streams the file in blocks, so it
/// needs no memory proportional to the file.
pub(super) fn check_layout(scan: &Scan) -> Result<(), Diagnostic> {
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

/// Rows without a time cannot be placed in a period.
pub(super) fn null_time(scan: &Scan) -> Diagnostic {
    let time = scan.columns.iter().find(|c| c.name == scan.time_column).map_or(scan.span, |c| c.span);
    Diagnostic::new(
        Code::NullTime,
        format!("source `{}`: rows with an empty `{}` cannot be placed in a period", scan.name, scan.time_column),
        Label::new(time, "time column"),
    )
    .with_help(format!("fill in `{}` in {}, or remove those rows", scan.time_column, scan.path.display()))
}

pub(super) fn io_failure(scan: &Scan, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        Code::DataFile,
        format!("source `{}`: cannot read {}: {e}", scan.name, scan.path.display()),
        Label::new(scan.span, "this file"),
    )
}

pub(super) fn malformed(scan: &Scan, line: u64, what: String) -> Diagnostic {
    Diagnostic::new(
        Code::DataMalformed,
        format!("source `{}`: {}, line {line}: {what}", scan.name, scan.path.display()),
        Label::new(scan.span, "this file"),
    )
    .with_help("fix the file; kpic stops rather than drop or pad rows")
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
fn find_bad_value(scan: &Scan) -> Option<Diagnostic> {
    if scan.format != FileFormat::Csv {
        return None;
    }
    let used: Vec<Expr> = scan.columns.iter().filter(|c| c.used).map(|c| col(c.name.as_str())).collect();
    let df = LazyCsvReader::new(pl_path(&scan.path))
        .with_glob(false)
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .finish()
        .ok()?
        .select(used)
        .collect()
        .ok()?;
    let mut first: Option<(usize, Diagnostic)> = None;
    for c in scan.columns.iter().filter(|c| c.used) {
        let values = df.column(&c.name).ok()?.str().ok()?.clone();
        let bad = values
            .iter()
            .enumerate()
            .find_map(|(row, v)| v.filter(|v| !fits(&c.ty, c.format.as_deref(), v)).map(|v| (row, v.to_string())));
        let Some((row, v)) = bad else { continue };
        if first.as_ref().is_some_and(|(r, _)| *r <= row) {
            continue;
        }
        let d = bad_value(scan, c, row, &v);
        first = Some((row, d));
    }
    first.map(|(_, d)| d)
}

/// A value of row `row` (0-based, after the header) that does not fit column `c`.
pub(super) fn bad_value(scan: &Scan, c: &crate::ir::ScanColumn, row: usize, v: &str) -> Diagnostic {
    Diagnostic::new(
        Code::DataValue,
        format!(
            "source `{}`, column `{}`, row {}: `{}` is not {}",
            scan.name,
            c.name,
            row + 1,
            truncate(v),
            describe(&c.ty, c.format.as_deref())
        ),
        Label::new(c.span, "declared here"),
    )
    .with_help(format!(
        "fix data row {} of {} (the header is line 1), or the declared type",
        row + 1,
        scan.path.display()
    ))
}

fn truncate(v: &str) -> String {
    if v.chars().count() > 40 {
        format!("{}…", v.chars().take(40).collect::<String>())
    } else {
        v.to_string()
    }
}

fn describe(ty: &ColType, format: Option<&str>) -> String {
    match ty {
        ColType::Date | ColType::Datetime => {
            format!("a {ty} in the format \"{}\"", format.unwrap_or(default_format(ty)))
        }
        _ => format!("a valid {ty}"),
    }
}

/// Whether a CSV text value parses as the declared type, the way the reader does.
pub(super) fn fits(ty: &ColType, format: Option<&str>, v: &str) -> bool {
    match ty {
        ColType::Int => v.trim().parse::<i64>().is_ok(),
        ColType::Float | ColType::Decimal | ColType::Money(_) | ColType::Percent | ColType::Duration(_) => {
            v.trim().parse::<f64>().is_ok()
        }
        ColType::Bool => matches!(v.to_ascii_lowercase().as_str(), "true" | "false"),
        ColType::Text => true,
        ColType::Date => chrono::NaiveDate::parse_from_str(v, format.unwrap_or(default_format(ty))).is_ok(),
        ColType::Datetime => chrono::NaiveDateTime::parse_from_str(v, format.unwrap_or(default_format(ty))).is_ok(),
    }
}
