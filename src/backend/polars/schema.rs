//! `kpic check --data`: each source's declared columns and types against its real
//! file, read cheaply enough for files of many gigabytes: a Parquet file's footer,
//! an NDJSON file's first lines, a CSV file's header and its first records (at most
//! [`SAMPLE_ROWS`] records in the first [`SAMPLE_BYTES`]).

use super::diagnose::{self, Layout};
use super::pl_path;
use super::SourceFile;
use crate::diagnostics::Diagnostic;
use crate::vocab::FileFormat;
use ::polars::prelude::*;
use std::io::Read;

/// Most bytes of a CSV file read to check its values.
pub const SAMPLE_BYTES: usize = 8 << 20;
/// Most records of a CSV file whose values are checked.
pub const SAMPLE_ROWS: usize = 10_000;

/// What the check found in one file.
#[derive(Debug, Default)]
pub struct FileReport {
    /// The file's columns, with their type when the file records one.
    pub columns: Vec<(String, Option<String>)>,
    pub problems: Vec<Diagnostic>,
}

/// Compare a source's declaration (every declared column) with its file.
pub fn check(scan: &SourceFile) -> FileReport {
    let mut report = FileReport::default();
    if let Err(d) = diagnose::check_file(scan) {
        report.problems.push(d);
        return report;
    }
    let outcome = match scan.format {
        FileFormat::Csv => check_csv(scan, &mut report),
        FileFormat::Parquet => LazyFrame::scan_parquet(pl_path(&scan.path), ScanArgsParquet::default())
            .map_err(|e| diagnose::polars_failure(scan, &e))
            .and_then(|lf| check_typed(scan, lf, &mut report)),
        FileFormat::Ndjson => LazyJsonLineReader::new(pl_path(&scan.path))
            .with_infer_schema_length(std::num::NonZeroUsize::new(SAMPLE_ROWS))
            .finish()
            .map_err(|e| diagnose::polars_failure(scan, &e))
            .and_then(|lf| check_typed(scan, lf, &mut report)),
    };
    if let Err(d) = outcome {
        report.problems.push(d);
    }
    report
}

/// Every declared column missing from the file.
fn missing_columns(scan: &SourceFile, names: &[String], report: &mut FileReport) {
    for c in scan.columns.iter().filter(|c| !names.contains(&c.name)) {
        report.problems.push(diagnose::missing_column(scan, &c.name, names));
    }
}

/// A self-describing file: its schema comes from metadata (a Parquet footer) or a
/// bounded inference (NDJSON), never from reading every row.
fn check_typed(scan: &SourceFile, mut lf: LazyFrame, report: &mut FileReport) -> Result<(), Diagnostic> {
    let schema = lf.collect_schema().map_err(|e| diagnose::polars_failure(scan, &e))?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    report.columns = schema.iter().map(|(n, t)| (n.to_string(), Some(t.to_string()))).collect();
    missing_columns(scan, &names, report);
    for c in &scan.columns {
        let Some(found) = schema.get(c.name.as_str()) else { continue };
        if !diagnose::fits_dtype(&c.ty, found) {
            report.problems.push(diagnose::type_mismatch(scan, c, found));
        }
    }
    Ok(())
}

fn check_csv(scan: &SourceFile, report: &mut FileReport) -> Result<(), Diagnostic> {
    let sample = read_sample(scan)?;
    let mut layout = Layout::default();
    if let Some((line, what)) = layout.feed(&sample).or_else(|| layout.finish()) {
        return Err(diagnose::malformed(scan, line, what));
    }
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0))
        .with_n_rows(Some(SAMPLE_ROWS))
        .into_reader_with_file_handle(std::io::Cursor::new(sample))
        .finish()
        .map_err(|e| diagnose::polars_failure(scan, &e))?;
    let names: Vec<String> = df.get_column_names().iter().map(|n| n.to_string()).collect();
    if let Some(d) = diagnose::duplicate_header(scan, &names) {
        return Err(d);
    }
    report.columns = names.iter().map(|n| (n.clone(), None)).collect();
    missing_columns(scan, &names, report);
    for c in &scan.columns {
        let Ok(column) = df.column(&c.name) else { continue };
        let Ok(values) = column.str() else { continue };
        let is_time = c.name == scan.time_column;
        for (row, v) in values.iter().enumerate() {
            match v {
                None if is_time => {
                    let at = crate::backend::errors::place(scan, row);
                    report.problems.push(diagnose::null_time(scan).with_help(format!(
                        "{at} of {} has no `{}`; fill it in or remove the row",
                        scan.path.display(),
                        c.name
                    )));
                    break;
                }
                Some(v) if !diagnose::fits(&c.ty, c.format.as_deref(), v) => {
                    report.problems.push(diagnose::bad_value(scan, c, row, v));
                    break;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The first records of a CSV file: at most [`SAMPLE_BYTES`], cut after the last
/// complete line (a record split by the cut is left out).
fn read_sample(scan: &SourceFile) -> Result<Vec<u8>, Diagnostic> {
    let io_error = |e: std::io::Error| diagnose::io_failure(scan, &e);
    let file = std::fs::File::open(&scan.path).map_err(io_error)?;
    let mut sample = Vec::with_capacity(SAMPLE_BYTES.min(1 << 20));
    file.take(SAMPLE_BYTES as u64).read_to_end(&mut sample).map_err(io_error)?;
    if sample.len() == SAMPLE_BYTES {
        let end = last_record_end(&sample);
        sample.truncate(end);
    }
    Ok(sample)
}

/// The end of the last line break outside quotes.
fn last_record_end(bytes: &[u8]) -> usize {
    let mut inside = false;
    let mut end = 0;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => inside = !inside,
            b'\n' if !inside => end = i + 1,
            _ => {}
        }
    }
    end
}

/// A column type in words, for `did you mean` help on undeclared columns.
pub fn declaration_hint(name: &str, dtype: Option<&str>) -> String {
    match dtype {
        Some(t) => format!("the data file has a column `{name}` ({t}); declare it in the source"),
        None => format!("the data file has a column `{name}`; declare it in the source with its type"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_ends_after_the_last_whole_record() {
        assert_eq!(last_record_end(b"a,b\n1,2\n3,"), 8);
        assert_eq!(last_record_end(b"a,b\n1,\"x\ny\"\n3,\"z\n"), 12);
        assert_eq!(last_record_end(b"a,b"), 0);
    }
}
