//! PostgreSQL: ANSI quoting; strings as the standard says whatever the
//! server's default; `percentile_cont … WITHIN GROUP`; text ordered by code
//! point (`COLLATE "C"`) rather than by the database's collation.

use super::{shortest, Dialect, Stored};
use crate::vocab::Engine;

pub struct Postgres;

impl Dialect for Postgres {
    fn engine(&self) -> Engine {
        Engine::Postgres
    }

    fn decimal(&self, e: &str, scale: u32) -> String {
        format!("CAST({e} AS NUMERIC(38, {scale}))")
    }

    /// `SUM` of a `smallint` or `integer` is a `bigint`, of a `bigint` a
    /// `numeric`: exact (an `integer` sum would need billions of rows of the
    /// largest values to pass 2^63). Its `numeric` columns reach kpic as
    /// text, their scale unknown, so they are cast.
    fn sums_exactly(&self, stored: Stored, scale: u32) -> bool {
        stored.is_exact_at(scale)
    }

    fn percentile(&self, e: &str, p: f64) -> Option<String> {
        Some(format!("percentile_cont({}) WITHIN GROUP (ORDER BY {e})", shortest(p)))
    }

    fn text_order(&self, e: &str) -> String {
        format!("{e} COLLATE \"C\"")
    }

    fn session(&self, time_zone: &str) -> Vec<String> {
        vec![
            // Backslashes in literals are text, as kpic writes them.
            "SET standard_conforming_strings = on".to_string(),
            format!("SET TIME ZONE {}", self.string(time_zone)),
        ]
    }
}
