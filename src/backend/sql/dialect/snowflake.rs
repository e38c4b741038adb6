//! Snowflake: a plain name is stored in capitals unless it was quoted when
//! the table was made, so kpic writes it in capitals and quoted (which is
//! what the unquoted name means); other names exactly as written. Strings
//! with backslash escapes, which Snowflake reads in single quotes. ISO weeks
//! from `DAYOFWEEKISO`, since `DATE_TRUNC('week')` follows the session's
//! `WEEK_START`.

use super::{backslash_string, shortest, Dialect};
use crate::vocab::{Engine, Grain};

pub struct Snowflake;

impl Dialect for Snowflake {
    fn engine(&self) -> Engine {
        Engine::Snowflake
    }

    fn column(&self, name: &str) -> String {
        let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
        if plain {
            self.ident(&name.to_ascii_uppercase())
        } else {
            self.ident(name)
        }
    }

    fn string(&self, s: &str) -> String {
        backslash_string(s)
    }

    fn double_type(&self) -> &'static str {
        "DOUBLE"
    }

    fn period_start(&self, time: &str, grain: Grain) -> String {
        match grain {
            Grain::Day => format!("CAST({time} AS DATE)"),
            Grain::Week => format!("DATEADD(day, 1 - DAYOFWEEKISO({time}), CAST({time} AS DATE))"),
            g => format!("CAST(DATE_TRUNC('{}', {time}) AS DATE)", g.as_str()),
        }
    }

    /// A TIMESTAMP_TZ keeps the offset of each value; a TIMESTAMP_NTZ is
    /// read in the session's zone, which is `zone`, and stays as written.
    fn in_zone(&self, time: &str, zone: &str) -> String {
        format!("CONVERT_TIMEZONE({}, {time})", self.string(zone))
    }

    fn percentile(&self, e: &str, p: f64) -> Option<String> {
        Some(format!("PERCENTILE_CONT({}) WITHIN GROUP (ORDER BY {e})", shortest(p)))
    }

    fn session(&self, time_zone: &str) -> Vec<String> {
        vec![format!("ALTER SESSION SET TIMEZONE = {}", self.string(time_zone))]
    }
}
