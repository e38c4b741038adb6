//! Spark SQL (and Databricks): backticks; string literals whose backslashes
//! Spark reads as escapes; `percentile`, which is exact; `TIMESTAMP` is local
//! to the session's time zone, `TIMESTAMP_NTZ` taken as written.

use super::{backslash_string, shortest, Dialect};
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

    fn percentile(&self, e: &str, p: f64) -> Option<String> {
        Some(format!("percentile({e}, {})", shortest(p)))
    }
}
