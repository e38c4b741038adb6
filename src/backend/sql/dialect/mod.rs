//! What differs between engines, and nothing else: quoting, literals, types,
//! period starts, percentiles and session settings. ANSI SQL is the default;
//! each engine's file overrides what it must (the pattern of MetricFlow's
//! renderers and Malloy's dialects). Every name and string kpic writes into a
//! statement goes through [`Dialect::ident`], [`Dialect::column`] or
//! [`Dialect::string`]: the escaping contract `tests/sql.rs` holds each
//! dialect to.

mod bigquery;
mod clickhouse;
mod duckdb;
mod postgres;
mod snowflake;
mod spark;
mod trino;

use crate::vocab::{Engine, Grain};
use chrono::{NaiveDate, NaiveDateTime};

/// How an engine stores a column, as far as it decides whether the engine's
/// own `SUM` of it is exact ([`Dialect::sums_exactly`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// An integer of any width.
    Integer,
    /// A decimal with `scale` digits after the point.
    Decimal { scale: u32 },
    /// A float, text, or not known: summed after a cast to a decimal.
    Other,
}

impl Stored {
    /// An integer, or a decimal with no more than `scale` digits after the
    /// point: what a 128-bit decimal of that scale holds exactly.
    pub fn is_exact_at(self, scale: u32) -> bool {
        match self {
            Stored::Integer => true,
            Stored::Decimal { scale: s } => s <= scale,
            Stored::Other => false,
        }
    }
}

/// An engine's SQL.
pub trait Dialect: Sync {
    fn engine(&self) -> Engine;

    /// A name kpic chose (an output column), quoted exactly as written.
    fn ident(&self, name: &str) -> String {
        format!("\"{}\"", name.replace('"', "\"\""))
    }

    /// A column or table name of the user's, as the engine resolves it.
    fn column(&self, name: &str) -> String {
        self.ident(name)
    }

    /// A string literal that reads back as `s`.
    fn string(&self, s: &str) -> String {
        format!("'{}'", s.replace('\'', "''"))
    }

    fn date(&self, d: NaiveDate) -> String {
        format!("DATE '{}'", d.format("%Y-%m-%d"))
    }

    /// A date and time without zone, to the microsecond.
    fn timestamp(&self, t: NaiveDateTime) -> String {
        format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"))
    }

    /// A `datetime` column where it meets a [`Dialect::timestamp`] literal.
    fn datetime_value(&self, column: &str) -> String {
        column.to_string()
    }

    fn boolean(&self, b: bool) -> String {
        if b { "TRUE" } else { "FALSE" }.to_string()
    }

    /// The 64-bit float type.
    fn double_type(&self) -> &'static str {
        "DOUBLE PRECISION"
    }

    /// `e` as a 64-bit float.
    fn to_double(&self, e: &str) -> String {
        format!("CAST({e} AS {})", self.double_type())
    }

    /// A float constant: the shortest digits that read back as `x`, parsed
    /// by the engine as a float (a bare `0.1` is a decimal in most engines).
    fn double(&self, x: f64) -> String {
        format!("CAST({} AS {})", self.string(&shortest(x)), self.double_type())
    }

    /// `e` as a 128-bit decimal with `scale` digits after the point, which
    /// sums exactly: 38 digits hold any sum of values below 10^20.
    fn decimal(&self, e: &str, scale: u32) -> String {
        format!("CAST({e} AS DECIMAL(38, {scale}))")
    }

    /// Whether the engine's `SUM` of a column stored as `stored` is exact to
    /// `scale` digits after the point (and fails rather than overflows), so
    /// that no [`Dialect::decimal`] cast is needed. Not by default: the cast
    /// costs time, a wrong sum costs pay.
    fn sums_exactly(&self, _stored: Stored, _scale: u32) -> bool {
        false
    }

    /// The first day of the period of `grain` that `time` falls in, as a
    /// DATE; weeks start on Monday (ISO 8601).
    fn period_start(&self, time: &str, grain: Grain) -> String {
        match grain {
            Grain::Day => format!("CAST({time} AS DATE)"),
            g => format!("CAST(date_trunc('{}', {time}) AS DATE)", g.as_str()),
        }
    }

    /// A `datetime` time column as wall-clock time in `zone`, the
    /// connection's, before it is cut into periods. Engines that cut a
    /// zone-aware timestamp in the session's zone need nothing (the default);
    /// those whose values keep a zone of their own convert, which leaves a
    /// zone-less value, read in the session's zone, as written.
    fn in_zone(&self, time: &str, _zone: &str) -> String {
        time.to_string()
    }

    /// The `p`-quantile of `e` by linear interpolation between the closest
    /// ranks (as `percentile_cont`); `None` when the engine has no exact one.
    fn percentile(&self, e: &str, p: f64) -> Option<String>;

    fn count_distinct(&self, e: &str) -> String {
        format!("COUNT(DISTINCT {e})")
    }

    /// Text as `<` and `>` compare it in kpic: by code point (bytes of UTF-8).
    fn text_order(&self, e: &str) -> String {
        e.to_string()
    }

    /// Statements that set up a session before the queries: the time zone
    /// zone-aware timestamps are cut into periods in, and whatever the
    /// engine needs to read kpic's literals as written.
    fn session(&self, time_zone: &str) -> Vec<String> {
        vec![format!("SET TIME ZONE {}", self.string(time_zone))]
    }
}

/// The dialect of an engine.
pub fn of(engine: Engine) -> &'static dyn Dialect {
    match engine {
        Engine::Duckdb => &duckdb::DuckDb,
        Engine::Postgres => &postgres::Postgres,
        Engine::Spark => &spark::Spark,
        Engine::Clickhouse => &clickhouse::ClickHouse,
        Engine::Snowflake => &snowflake::Snowflake,
        Engine::Bigquery => &bigquery::BigQuery,
        Engine::Trino => &trino::Trino,
    }
}

/// The shortest decimal digits that read back as `x`, without an exponent
/// for ordinary magnitudes (`0.125`, `1000.5`, `1e-9`).
pub fn shortest(x: f64) -> String {
    let plain = format!("{x}");
    if plain.len() <= 24 {
        plain
    } else {
        format!("{x:e}")
    }
}

/// A string literal in the backslash-escaping style (Spark, ClickHouse,
/// BigQuery, Snowflake): backslash and quote escaped, and line breaks and
/// tabs written as escapes. (A NUL never gets here: the renderer refuses it.)
pub(super) fn backslash_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}
