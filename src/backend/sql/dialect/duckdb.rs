//! DuckDB: ANSI quoting and literals; `quantile_cont`; the session's
//! `TimeZone` cuts `TIMESTAMPTZ` values into periods.

use super::{shortest, Dialect};
use crate::vocab::Engine;

pub struct DuckDb;

impl Dialect for DuckDb {
    fn engine(&self) -> Engine {
        Engine::Duckdb
    }

    fn double_type(&self) -> &'static str {
        "DOUBLE"
    }

    fn percentile(&self, e: &str, p: f64) -> Option<String> {
        Some(format!("quantile_cont({e}, {})", shortest(p)))
    }

    fn session(&self, time_zone: &str) -> Vec<String> {
        vec![format!("SET TimeZone = {}", self.string(time_zone))]
    }
}
