//! Trino: ANSI quoting and literals. It has only `approx_percentile`, so
//! `median` and `percentile` cannot run here.

use super::Dialect;
use crate::vocab::Engine;

pub struct Trino;

impl Dialect for Trino {
    fn engine(&self) -> Engine {
        Engine::Trino
    }

    fn double_type(&self) -> &'static str {
        "DOUBLE"
    }

    /// A `timestamp with time zone` keeps the zone of each value.
    fn in_zone(&self, time: &str, zone: &str) -> String {
        format!("({time} AT TIME ZONE {})", self.string(zone))
    }

    fn percentile(&self, _e: &str, _p: f64) -> Option<String> {
        None
    }
}
