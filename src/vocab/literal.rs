//! Values written in a spec, in the unit data is read in, and the file formats
//! data comes in.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

/// A literal in the unit the data is read in: percents as fractions, durations in
/// seconds, money as a plain number of its currency.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Constant {
    Number(f64),
    Text(String),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
    Bool(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileFormat {
    Csv,
    Parquet,
    Ndjson,
}

impl FileFormat {
    pub fn from_path(path: &std::path::Path) -> Option<FileFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(FileFormat::Csv),
            "parquet" | "pq" => Some(FileFormat::Parquet),
            "ndjson" | "jsonl" => Some(FileFormat::Ndjson),
            _ => None,
        }
    }
}
