//! What a backend finds wrong with a source's data, as data, and its wording in
//! one match beside the code table. Backends share it, so a file and a
//! warehouse table with the same problem get the same words.

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::ir::Scan;
use crate::span::Span;
use crate::vocab::ColType;

/// A problem with the data of one source (the [`Scan`] it is reported against).
#[derive(Debug, Clone, PartialEq)]
pub enum DataError {
    /// The file cannot be opened (the system's reason).
    Open {
        reason: String,
    },
    Directory,
    EmptyFile,
    /// Reading failed part way (the system's reason).
    Read {
        reason: String,
    },
    /// The header names a column twice.
    DuplicateColumn {
        column: String,
    },
    /// A declared column is not in the data; `found` is what is.
    MissingColumn {
        column: String,
        found: Vec<String>,
    },
    /// A self-describing file stores a column as another type.
    TypeMismatch {
        column: String,
        declared: ColType,
        stored: String,
    },
    /// A line (1-based) that is not CSV, JSON or UTF-8.
    Malformed {
        line: u64,
        what: String,
        utf8: bool,
    },
    /// A date or time outside the calendar kpic can place.
    DateOutOfRange {
        column: String,
    },
    /// The engine's own failure, when nothing more precise was found.
    Engine {
        message: String,
        empty: bool,
    },
    /// A value that is NaN or infinite, or values that add up beyond any number.
    NotFinite {
        column: String,
    },
    /// A money or decimal value of 10^20 or more; the row (0-based) and text
    /// when they are known.
    TooLarge {
        column: String,
        at: Option<(usize, String)>,
    },
    /// Rows without a time; the first (0-based) when it is known.
    NullTime {
        row: Option<usize>,
    },
    /// A value of data row `row` (0-based) that is not of the column's type,
    /// and how many more values of the column are not, when that is known.
    BadValue {
        column: String,
        row: usize,
        value: String,
        more: usize,
    },
    /// A table source, in a build that cannot reach warehouses.
    NoConnector,
    /// A warehouse could not answer.
    Warehouse(WarehouseError),
}

/// Why a warehouse could not answer, in words a user can act on; never with
/// a secret (the URI and its password are taken out of the engine's words).
#[derive(Debug, Clone, PartialEq)]
pub enum WarehouseError {
    /// The ADBC driver cannot be loaded.
    DriverNotFound { driver: String, reason: String },
    /// `uri_env` names a variable that is not set.
    NoUri { variable: String },
    /// The engine cannot be reached, or refused the connection.
    Unreachable { reason: String },
    /// The engine does not accept the credentials.
    Unauthenticated { reason: String },
    /// The table is not there (or not visible to the connection's user).
    TableMissing { reason: String },
    /// The statement ran longer than the connection's timeout.
    Timeout { seconds: u64 },
    /// Ctrl-C: the statement was cancelled on the engine.
    Interrupted,
    /// Any other failure of the engine, in its words.
    Failed { reason: String },
}

/// What a scan reads, in a help line: a file or a table.
fn thing(scan: &Scan) -> &'static str {
    match scan.location {
        crate::ir::Location::File { .. } => "file",
        crate::ir::Location::Table { .. } => "table",
    }
}

impl DataError {
    pub fn diagnostic(&self, scan: &Scan) -> Diagnostic {
        use DataError::*;
        let (name, path) = (&scan.name, &scan.location);
        let file = || Label::new(scan.span, "this file");
        match self {
            Open { reason } => file_problem(scan, format!("cannot open {path}: {reason}")),
            NoConnector => Diagnostic::new(
                Code::DataFile,
                format!("source `{name}` reads {path}, and this kpic cannot reach warehouses yet"),
                Label::new(scan.span, "a warehouse table"),
            )
            .with_help("point the source at an extract with `--data NAME=PATH`"),
            Warehouse(e) => warehouse(scan, e),
            Directory => file_problem(scan, format!("{path} is a directory, not a data file")),
            EmptyFile => file_problem(scan, format!("{path} is empty")),
            Read { reason } => {
                Diagnostic::new(Code::DataFile, format!("source `{name}`: cannot read {path}: {reason}"), file())
            }
            DuplicateColumn { column } => Diagnostic::new(
                Code::DataMalformed,
                format!("source `{name}`: the header of {path} names `{column}` twice"),
                file(),
            )
            .with_help("rename or remove one of the columns; kpic does not guess which one is meant"),
            MissingColumn { column, found } => Diagnostic::new(
                Code::DataColumn,
                format!("source `{name}`: column `{column}` is not in {path}"),
                declared(scan, column),
            )
            .with_help(format!("the {} has: {}", thing(scan), found.join(", "))),
            TypeMismatch { column, declared: ty, stored } => Diagnostic::new(
                Code::DataType,
                format!("source `{name}`: column `{column}` is declared {ty} but {path} stores {stored}"),
                declared(scan, column),
            )
            .with_help(format!("fix the declared type or the {}", thing(scan))),
            Malformed { line, what, utf8 } => {
                let d = Diagnostic::new(Code::DataMalformed, format!("source `{name}`: {path}, line {line}: {what}"), file());
                if *utf8 {
                    d.with_help("save the file as UTF-8; kpic reads CSV and NDJSON as UTF-8 only")
                } else {
                    d.with_help("fix the file; kpic stops rather than drop or pad rows")
                }
            }
            DateOutOfRange { column } => Diagnostic::new(
                Code::DataValue,
                format!(
                    "source `{name}`, column `{column}`: a date or time outside the years -262143 to 262142, which kpic cannot place in a calendar"
                ),
                declared(scan, column),
            )
            .with_help(format!("fix {path}; such a value is a broken timestamp, not a time")),
            Engine { message, empty } => Diagnostic::new(
                if *empty { Code::DataFile } else { Code::DataMalformed },
                format!("source `{name}`: cannot read {path}: {message}"),
                file(),
            )
            .with_help("check the file; kpic stops rather than drop or pad rows it cannot read"),
            NotFinite { column } => Diagnostic::new(
                Code::DataValue,
                format!(
                    "source `{name}`, column `{column}`: a value is NaN or infinite (or the values add up beyond any number)"
                ),
                declared(scan, column),
            )
            .with_help(format!("fix {path}; kpic does not turn such values into missing ones")),
            TooLarge { column, at } => {
                let place = at.as_ref().map_or(String::new(), |(row, v)| format!(", {}: `{}`", place(scan, *row), truncate(v)));
                Diagnostic::new(
                    Code::DataValue,
                    format!("source `{name}`, column `{column}`{place}: a value of 10^20 or more"),
                    declared(scan, column),
                )
                .with_help(format!(
                    "money and decimal values are summed exactly, which kpic does for values below 10^20; check {path}"
                ))
            }
            NullTime { row } => {
                let time = &scan.time_column;
                let which = row.map_or(String::new(), |r| format!(" (the first is on {})", place(scan, r)));
                Diagnostic::new(
                    Code::NullTime,
                    format!("source `{name}`: rows with an empty `{time}` cannot be placed in a period{which}"),
                    Label::new(column_span(scan, time), "time column"),
                )
                .with_help(format!("fill in `{time}` in {path}, or remove those rows"))
            }
            BadValue { column, row, value, more } => {
                let c = scan.columns.iter().find(|c| &c.name == column);
                let expected = c.map_or_else(|| "valid".to_string(), |c| describe(&c.ty, c.format.as_deref()));
                let at = place(scan, *row);
                let more = match more {
                    0 => String::new(),
                    1 => " (and 1 more value of the column)".to_string(),
                    n => format!(" (and {n} more values of the column)"),
                };
                Diagnostic::new(
                    Code::DataValue,
                    format!("source `{name}`, column `{column}`, {at}: `{}` is not {expected}{more}", truncate(value)),
                    declared(scan, column),
                )
                .with_help(format!("fix {at} of {path}, or the declared type"))
            }
        }
    }
}

fn warehouse(scan: &Scan, e: &WarehouseError) -> Diagnostic {
    use crate::ir::Location;
    let (name, table) = (&scan.name, &scan.location);
    let (engine, connection) = match &scan.location {
        Location::Table { connection, .. } => (connection.engine.title(), connection.name.as_str()),
        Location::File { .. } => ("the engine", ""),
    };
    let here = Label::new(scan.span, "a warehouse table");
    let (code, message, help) = match e {
        WarehouseError::DriverNotFound { driver, reason } => (
            Code::DriverNotFound,
            format!("source `{name}`: the ADBC driver `{driver}` for {engine} cannot be loaded: {reason}"),
            "install the driver and name it in kpic.toml (`driver = \"/path/to/lib.so\"`, a driver manifest, or a directory in KPIC_ADBC_DRIVER_PATH); docs/warehouses.md says where each engine's driver comes from".to_string(),

        ),
        WarehouseError::NoUri { variable } => (
            Code::WarehouseUnreachable,
            format!("source `{name}`: connection `{connection}` reads its URI from ${variable}, which is not set"),
            format!("set {variable} to the engine's URI, credentials included; kpic.toml never holds them"),
        ),
        WarehouseError::Unreachable { reason } => (
            Code::WarehouseUnreachable,
            format!("source `{name}`: {engine} (connection `{connection}`) cannot be reached: {reason}"),
            "check the URI, the network and that the engine is running".to_string(),
        ),
        WarehouseError::Unauthenticated { reason } => (
            Code::WarehouseAuthentication,
            format!("source `{name}`: {engine} (connection `{connection}`) refused the credentials: {reason}"),
            "check the user and password in the URI's environment variable or the ADBC profile".to_string(),
        ),
        WarehouseError::TableMissing { reason } => (
            Code::WarehouseTableMissing,
            format!("source `{name}`: {table} is not there: {reason}"),
            "check the table's name and schema, and that the connection's user may read it".to_string(),
        ),
        WarehouseError::Timeout { seconds } => (
            Code::StatementTimeout,
            format!("source `{name}`: the statement on {table} ran longer than {seconds} s and was cancelled"),
            "raise `timeout` of the connection in kpic.toml, or narrow the window with --period".to_string(),
        ),
        WarehouseError::Interrupted => (
            Code::StatementTimeout,
            format!("source `{name}`: the statement on {table} was cancelled on {engine} (Ctrl-C)"),
            "nothing was reported; run again to evaluate".to_string(),
        ),
        WarehouseError::Failed { reason } => (
            Code::DataFile,
            format!("source `{name}`: {engine} could not run the statement on {table}: {reason}"),
            "`kpic plan --sql --connect` prints the statement as it was sent".to_string(),
        ),
    };
    Diagnostic::new(code, message, here).with_help(help)
}

fn file_problem(scan: &Scan, problem: String) -> Diagnostic {
    Diagnostic::new(Code::DataFile, format!("source `{}`: {problem}", scan.name), Label::new(scan.span, "this file"))
        .with_help("paths are relative to the spec; `kpic eval --data NAME=PATH` reads another file")
}

/// Where data row `row` (0-based, after a CSV file's header) is, named the
/// way every message names a place in a file: the line an editor shows for
/// a text file (a CSV's line breaks inside quotes counted), the row (from 1)
/// of a Parquet file or a table.
pub fn place(scan: &Scan, row: usize) -> String {
    use crate::vocab::FileFormat;
    match &scan.location {
        crate::ir::Location::File { path, format: FileFormat::Csv } => match csv_line(path, row) {
            Some(line) => format!("line {line}"),
            None => format!("data row {} (after the header)", row + 1),
        },
        crate::ir::Location::File { format: FileFormat::Ndjson, .. } => format!("line {}", row + 1),
        _ => format!("row {}", row + 1),
    }
}

/// The line on which data row `row` of a CSV file starts.
fn csv_line(path: &std::path::Path, row: usize) -> Option<u64> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let (mut line, mut records, mut quoted) = (1u64, 0usize, false);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        for &b in &buf[..n] {
            match b {
                // `""` inside quotes toggles twice: still inside.
                b'"' => quoted = !quoted,
                b'\n' => {
                    line += 1;
                    if !quoted {
                        records += 1;
                        if records == row + 1 {
                            return Some(line);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// Where the spec declares `column` of the scan's source (the source if not).
fn column_span(scan: &Scan, column: &str) -> Span {
    scan.columns.iter().find(|c| c.name == column).map_or(scan.span, |c| c.span)
}

fn declared(scan: &Scan, column: &str) -> Label {
    Label::new(column_span(scan, column), "declared here")
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
            format!("a {ty} in the format \"{}\"", format.unwrap_or(ty.default_format()))
        }
        _ => format!("a valid {ty}"),
    }
}
