//! BigQuery (GoogleSQL): backticks and strings with backslash escapes;
//! `NUMERIC` is exactly DECIMAL(38, 9); periods from `DATE_TRUNC` of the
//! date (`ISOWEEK` starts on Monday). Dates and times are compared as
//! `DATETIME`, which a `DATETIME` or `TIMESTAMP` column casts to. There is no
//! exact percentile (`APPROX_QUANTILES` only), so `median` and `percentile`
//! cannot run here.

use super::{backslash_string, Dialect};
use crate::vocab::{Engine, Grain};
use chrono::NaiveDateTime;

pub struct BigQuery;

impl Dialect for BigQuery {
    fn engine(&self) -> Engine {
        Engine::Bigquery
    }

    fn ident(&self, name: &str) -> String {
        format!("`{}`", name.replace('\\', "\\\\").replace('`', "\\`"))
    }

    fn string(&self, s: &str) -> String {
        backslash_string(s)
    }

    fn timestamp(&self, t: NaiveDateTime) -> String {
        format!("DATETIME '{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"))
    }

    fn datetime_value(&self, column: &str) -> String {
        format!("CAST({column} AS DATETIME)")
    }

    fn double_type(&self) -> &'static str {
        "FLOAT64"
    }

    fn decimal(&self, e: &str, scale: u32) -> String {
        let ty = if scale <= 9 { "NUMERIC" } else { "BIGNUMERIC" };
        format!("CAST({e} AS {ty})")
    }

    fn period_start(&self, time: &str, grain: Grain) -> String {
        let part = match grain {
            Grain::Day => return format!("CAST({time} AS DATE)"),
            Grain::Week => "ISOWEEK",
            Grain::Month => "MONTH",
            Grain::Quarter => "QUARTER",
            Grain::Year => "YEAR",
        };
        format!("DATE_TRUNC(CAST({time} AS DATE), {part})")
    }

    fn percentile(&self, _e: &str, _p: f64) -> Option<String> {
        None
    }

    fn session(&self, time_zone: &str) -> Vec<String> {
        vec![format!("SET @@time_zone = {}", self.string(time_zone))]
    }
}
