//! The warehouse backend: each aggregation query of the plan as one SQL
//! statement in the engine's dialect (docs/warehouses.md).
//!
//! `render` is the only code that writes SQL; `dialect` holds what differs
//! between engines; `results` reads what an engine returns as the aggregate
//! tables the evaluator takes. A plan's statements, one per source, grain and grouping,
//! are what `kpic plan --sql` prints.

pub mod dialect;
mod render;
mod results;

pub use dialect::Dialect;
pub use render::{statement, SqlError, PERIOD};
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
/// file source then reads a table named after the source.
pub fn statements(plan: &Plan, dialect: Option<Engine>) -> Result<Vec<Statement>, (usize, SqlError)> {
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
        let zone = connection.and_then(|c| c.time_zone.as_deref()).unwrap_or("UTC");
        out.push(Statement {
            query: qi,
            source: scan.name.clone(),
            engine,
            connection: connection.map(|c| c.name.clone()),
            session: d.session(zone),
            sql: statement(d, scan, query, &table, zone).map_err(|e| (qi, e))?,
        });
    }
    Ok(out)
}
