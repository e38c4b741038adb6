//! DuckDB: ANSI quoting and literals; `quantile_cont`; the session's
//! `TimeZone` cuts `TIMESTAMPTZ` values into periods; integers and decimals
//! sum exactly as stored.

use super::{shortest, Dialect, Stored};
use crate::vocab::Engine;

pub struct DuckDb;

impl Dialect for DuckDb {
    fn engine(&self) -> Engine {
        Engine::Duckdb
    }

    fn double_type(&self) -> &'static str {
        "DOUBLE"
    }

    /// Integers sum to a HUGEINT and decimals to a DECIMAL(38, s), both of
    /// which fail on overflow.
    fn sums_exactly(&self, stored: Stored, scale: u32) -> bool {
        stored.is_exact_at(scale)
    }

    fn percentile(&self, e: &str, p: f64) -> Option<String> {
        Some(format!("quantile_cont({e}, {})", shortest(p)))
    }

    fn session(&self, time_zone: &str) -> Vec<String> {
        vec![format!("SET TimeZone = {}", self.string(time_zone))]
    }
}
