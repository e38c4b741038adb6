//! Spark SQL (and Databricks): backticks; string literals whose backslashes
//! Spark reads as escapes; `percentile`, which is exact; `TIMESTAMP` is local
//! to the session's time zone, `TIMESTAMP_NTZ` taken as written; ANSI mode,
//! so that overflow fails.

use super::{backslash_string, shortest, Dialect, Stored};
use crate::vocab::Engine;

pub struct Spark;

impl Dialect for Spark {
    fn engine(&self) -> Engine {
        Engine::Spark
    }

    fn ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('`', "``"))
    }

    fn string(&self, s: &str) -> String {
        backslash_string(s)
    }

    fn double_type(&self) -> &'static str {
        "DOUBLE"
    }

    /// `SUM` of a `DECIMAL(p, s)` is a `DECIMAL(min(p + 10, 38), s)`, exact
    /// and an error on overflow in ANSI mode, which the session turns on
    /// (without it Spark makes an overflowing decimal sum NULL). Integers are
    /// cast: their `SUM` is a `BIGINT`, which overflows where kpic's does not.
    fn sums_exactly(&self, stored: Stored, scale: u32) -> bool {
        matches!(stored, Stored::Decimal { .. }) && stored.is_exact_at(scale)
    }

    fn session(&self, time_zone: &str) -> Vec<String> {
        vec![
            // Overflow is an error, never a wrapped or NULL sum.
            "SET spark.sql.ansi.enabled = true".to_string(),
            format!("SET TIME ZONE {}", self.string(time_zone)),
        ]
    }

    fn percentile(&self, e: &str, p: f64) -> Option<String> {
        Some(format!("percentile({e}, {})", shortest(p)))
    }
}
