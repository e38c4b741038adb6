//! The warehouse backend: each aggregation query of the plan as one SQL
//! statement in the engine's dialect (docs/warehouses.md).
//!
//! `render` is the only code that writes SQL; `dialect` holds what differs
//! between engines; `results` reads what an engine returns as the aggregate
//! tables the evaluator takes. A plan's statements, one per source, grain and grouping,
//! are what `kpic plan --sql` prints.

#[cfg(feature = "warehouse")]
mod arrow;
#[cfg(feature = "warehouse")]
pub mod connect;
pub mod dialect;
mod render;
mod results;

pub use dialect::{Dialect, Stored};
pub use render::{statement, SqlError, Storage, PERIOD};
pub use results::{to_table, ResultError, Value};

use crate::ir::{Location, Plan};
use crate::vocab::{Engine, TablePath};

/// One statement of a plan: the query it computes, the source's table, and
/// the session settings it runs after.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Statement {
    pub query: usize,
    pub source: String,
    pub engine: Engine,
    /// The connection, for a table source.
    pub connection: Option<String>,
    pub session: Vec<String>,
    pub sql: String,
}

/// The statements of every query of `plan` whose source is a table, in its
/// connection's dialect, or of every query in `dialect` when one is given: a
/// file source then reads a table named after the source. `storage` holds
/// what the engines said of the tables' columns, by scan (none: every sum
/// is cast to a decimal).
pub fn statements(
    plan: &Plan,
    dialect: Option<Engine>,
    storage: &std::collections::HashMap<usize, Storage>,
) -> Result<Vec<Statement>, (usize, SqlError)> {
    let unknown = Storage::new();
    let mut out = Vec::new();
    for (qi, query) in plan.queries.iter().enumerate() {
        let scan = &plan.scans[query.scan];
        let (engine, table, connection) = match (&scan.location, dialect) {
            (Location::Table { table, connection }, None) => (connection.engine, table.clone(), Some(connection)),
            (Location::Table { table, connection }, Some(e)) => (e, table.clone(), Some(connection)),
            (Location::File { .. }, Some(e)) => (e, TablePath(vec![scan.name.clone()]), None),
            (Location::File { .. }, None) => continue,
        };
        let d = dialect::of(engine);
        let zone = connection.map_or(crate::vocab::DEFAULT_TIME_ZONE, |c| c.zone());
        out.push(Statement {
            query: qi,
            source: scan.name.clone(),
            engine,
            connection: connection.map(|c| c.name.clone()),
            session: d.session(zone),
            sql: statement(d, scan, query, &table, zone, storage.get(&query.scan).unwrap_or(&unknown))
                .map_err(|e| (qi, e))?,
        });
    }
    Ok(out)
}

/// Open warehouse sessions of a run, one per connection.
#[cfg(feature = "warehouse")]
#[derive(Default)]
pub struct Sessions(std::collections::HashMap<String, connect::Session>);

/// A session on a connection, in its dialect's settings for its zone.
#[cfg(feature = "warehouse")]
fn open(connection: &crate::vocab::Connection) -> Result<connect::Session, crate::backend::errors::WarehouseError> {
    connect::Session::open(connection, &dialect::of(connection.engine).session(connection.zone()))
}

/// Every query of one table source, run on its engine, as the tables the
/// evaluator takes.
#[cfg(feature = "warehouse")]
pub fn run_scan(
    scan: &crate::ir::Scan,
    queries: &[&crate::ir::AggQuery],
    sessions: &mut Sessions,
) -> Result<Vec<crate::ir::AggTable>, crate::backend::DataError> {
    use crate::backend::errors::{DataError, WarehouseError};
    let Location::Table { table, connection } = &scan.location else { unreachable!("a table source") };
    let (d, zone) = (dialect::of(connection.engine), connection.zone());
    let storage = stored_columns(scan, sessions).map_err(|mut problems| problems.remove(0))?;
    let session = sessions.of(connection).map_err(DataError::Warehouse)?;
    let mut tables = Vec::with_capacity(queries.len());
    for query in queries {
        let sql = statement(d, scan, query, table, zone, &storage).map_err(|e| {
            DataError::Warehouse(WarehouseError::Failed { reason: format!("the statement cannot be written: {e}") })
        })?;
        let answer = session.query(&sql).map_err(DataError::Warehouse)?;
        let table = to_table(query, &answer.columns, &answer.rows).map_err(|e| match e {
            ResultError::NullTime => DataError::NullTime { row: None },
            ResultError::NotFinite { column } => DataError::NotFinite { column },
            other => DataError::Warehouse(WarehouseError::Failed { reason: other.to_string() }),
        })?;
        tables.push(table);
    }
    Ok(tables)
}

#[cfg(feature = "warehouse")]
impl Sessions {
    /// The session on `connection`, opened the first time it is asked for.
    pub fn of(
        &mut self,
        connection: &crate::vocab::Connection,
    ) -> Result<&mut connect::Session, crate::backend::errors::WarehouseError> {
        Ok(match self.0.entry(connection.name.clone()) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => v.insert(open(connection)?),
        })
    }
}

/// How the engine stores a table source's columns, read without reading
/// rows (`LIMIT 0`) on the connection's session; or every problem: the
/// engine's own, or each declared column that is missing or of a type it
/// cannot be read as.
#[cfg(feature = "warehouse")]
pub fn stored_columns(
    scan: &crate::ir::Scan,
    sessions: &mut Sessions,
) -> Result<Storage, Vec<crate::backend::DataError>> {
    use crate::backend::errors::DataError;
    let Location::Table { table, connection } = &scan.location else { unreachable!("a table source") };
    let from = render::table_name(dialect::of(connection.engine), table);
    let columns = sessions
        .of(connection)
        .and_then(|session| session.columns(&format!("SELECT * FROM {from} LIMIT 0")))
        .map_err(|e| vec![DataError::Warehouse(e)])?;
    let numeric_as_text = connection.engine == Engine::Postgres;
    let mut problems = Vec::new();
    let mut storage = Storage::new();
    // PostgreSQL keeps the case of the quoted names kpic writes; the other
    // engines resolve names whatever their case (Snowflake upper-cases plain
    // ones), so a column found only in another case is the one meant.
    let folds_case = connection.engine != Engine::Postgres;
    let find = |name: &str| {
        columns.iter().find(|(n, _)| n == name).or_else(|| {
            let mut other = columns.iter().filter(|(n, _)| folds_case && n.eq_ignore_ascii_case(name));
            other.next().filter(|_| other.next().is_none())
        })
    };
    for c in &scan.columns {
        match find(&c.name) {
            None => problems.push(DataError::MissingColumn {
                column: c.name.clone(),
                found: columns.iter().map(|(n, _)| n.clone()).collect(),
            }),
            Some((_, stored)) if !arrow::fits(&c.ty, stored, numeric_as_text) => {
                problems.push(DataError::TypeMismatch {
                    column: c.name.clone(),
                    declared: c.ty.clone(),
                    stored: arrow::describe(stored, numeric_as_text),
                })
            }
            Some((_, stored)) => {
                storage.insert(c.name.clone(), arrow::stored(stored));
            }
        }
    }
    if problems.is_empty() {
        Ok(storage)
    } else {
        Err(problems)
    }
}

/// `kpic check --data` for a table source: its declared columns against the
/// engine's, read without reading rows, on the connection's session.
#[cfg(feature = "warehouse")]
pub fn check_schema(scan: &crate::ir::Scan, sessions: &mut Sessions) -> Vec<crate::diagnostics::Diagnostic> {
    if !matches!(scan.location, Location::Table { .. }) {
        return Vec::new();
    }
    let problems = stored_columns(scan, sessions).err().unwrap_or_default();
    problems.iter().map(|p| p.diagnostic(scan)).collect()
}
