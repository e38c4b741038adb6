//! ClickHouse: names in double quotes and strings with backslash escapes;
//! its own functions for period starts (`toMonday` is the ISO week), exact
//! decimals (`toDecimal128`), exact distinct counts (`uniqExact`) and the
//! exact interpolated quantile (`quantileExactInclusive`: plain `median` is
//! approximate).

use super::{backslash_string, shortest, Dialect};
use crate::vocab::{Engine, Grain};
use chrono::{NaiveDate, NaiveDateTime};

pub struct ClickHouse;

impl Dialect for ClickHouse {
    fn engine(&self) -> Engine {
        Engine::Clickhouse
    }

    fn ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }

    fn string(&self, s: &str) -> String {
        backslash_string(s)
    }

    fn date(&self, d: NaiveDate) -> String {
        format!("toDate('{}')", d.format("%Y-%m-%d"))
    }

    fn timestamp(&self, t: NaiveDateTime) -> String {
        format!("toDateTime64('{}', 6)", t.format("%Y-%m-%d %H:%M:%S%.6f"))
    }

    fn boolean(&self, b: bool) -> String {
        if b { "true" } else { "false" }.to_string()
    }

    fn double_type(&self) -> &'static str {
        "Float64"
    }

    fn to_double(&self, e: &str) -> String {
        format!("toFloat64({e})")
    }

    fn double(&self, x: f64) -> String {
        format!("toFloat64({})", self.string(&shortest(x)))
    }

    fn decimal(&self, e: &str, scale: u32) -> String {
        format!("toDecimal128({e}, {scale})")
    }

    fn period_start(&self, time: &str, grain: Grain) -> String {
        let f = match grain {
            Grain::Day => "toDate",
            Grain::Week => "toMonday",
            Grain::Month => "toStartOfMonth",
            Grain::Quarter => "toStartOfQuarter",
            Grain::Year => "toStartOfYear",
        };
        format!("{f}({time})")
    }

    /// A DateTime64 with a zone of its own is cut in that zone, not the
    /// session's.
    fn in_zone(&self, time: &str, zone: &str) -> String {
        format!("toTimeZone({time}, {})", self.string(zone))
    }

    fn percentile(&self, e: &str, p: f64) -> Option<String> {
        Some(format!("quantileExactInclusive({})({e})", shortest(p)))
    }

    fn count_distinct(&self, e: &str) -> String {
        format!("uniqExact({e})")
    }

    fn session(&self, time_zone: &str) -> Vec<String> {
        vec![format!("SET session_timezone = {}", self.string(time_zone))]
    }
}
