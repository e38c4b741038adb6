//! Warehouses: the engines kpic writes SQL for, a connection as `kpic.toml`
//! declares it, and the path of a table in one.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// An engine kpic renders SQL for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Duckdb,
    Postgres,
    Spark,
    Clickhouse,
    Snowflake,
    Bigquery,
    Trino,
}

impl Engine {
    pub const ALL: [Engine; 7] = [
        Engine::Duckdb,
        Engine::Postgres,
        Engine::Spark,
        Engine::Clickhouse,
        Engine::Snowflake,
        Engine::Bigquery,
        Engine::Trino,
    ];

    /// As written in `kpic.toml` and `--dialect`.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Duckdb => "duckdb",
            Engine::Postgres => "postgres",
            Engine::Spark => "spark",
            Engine::Clickhouse => "clickhouse",
            Engine::Snowflake => "snowflake",
            Engine::Bigquery => "bigquery",
            Engine::Trino => "trino",
        }
    }

    /// As people write it.
    pub fn title(self) -> &'static str {
        match self {
            Engine::Duckdb => "DuckDB",
            Engine::Postgres => "PostgreSQL",
            Engine::Spark => "Spark",
            Engine::Clickhouse => "ClickHouse",
            Engine::Snowflake => "Snowflake",
            Engine::Bigquery => "BigQuery",
            Engine::Trino => "Trino",
        }
    }

    /// `postgres`, also `postgresql`; `spark`, also `databricks`.
    pub fn parse(word: &str) -> Option<Engine> {
        Some(match word.to_ascii_lowercase().as_str() {
            "duckdb" => Engine::Duckdb,
            "postgres" | "postgresql" => Engine::Postgres,
            "spark" | "databricks" => Engine::Spark,
            "clickhouse" => Engine::Clickhouse,
            "snowflake" => Engine::Snowflake,
            "bigquery" => Engine::Bigquery,
            "trino" => Engine::Trino,
            _ => return None,
        })
    }

    /// Whether the engine computes `func` exactly, as kpic does: Trino and
    /// BigQuery have only approximate percentiles.
    pub fn computes_exactly(self, func: super::AggFn) -> bool {
        let percentile = matches!(func, super::AggFn::Median | super::AggFn::Percentile);
        !(percentile && matches!(self, Engine::Trino | Engine::Bigquery))
    }

    /// The names `parse` takes, for messages.
    pub fn names() -> String {
        Engine::ALL.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// A connection to an engine, as `kpic.toml` declares it. It holds what kpic
/// needs to reach the engine except secrets: a URI with a password is read
/// from the environment variable `uri_env` names, never from the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Connection {
    pub name: String,
    pub engine: Engine,
    /// The ADBC driver: a name found through driver manifests, or a path.
    pub driver: Option<String>,
    /// The environment variable that holds the URI.
    pub uri_env: Option<String>,
    /// A URI without credentials.
    pub uri: Option<String>,
    /// An ADBC connection profile.
    pub profile: Option<String>,
    /// The zone zone-aware timestamps are cut into periods in.
    pub time_zone: Option<String>,
    /// Seconds a statement may run.
    pub timeout: Option<u64>,
    /// Driver options (never secrets).
    pub options: BTreeMap<String, String>,
}

/// The zone periods are cut in when kpic.toml names none.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

impl Connection {
    /// The zone zone-aware timestamps are cut into periods in.
    pub fn zone(&self) -> &str {
        self.time_zone.as_deref().unwrap_or(DEFAULT_TIME_ZONE)
    }

    /// A connection with only a name and an engine (`--dialect`, tests).
    pub fn of_engine(name: &str, engine: Engine) -> Connection {
        Connection {
            name: name.to_string(),
            engine,
            driver: None,
            uri_env: None,
            uri: None,
            profile: None,
            time_zone: None,
            timeout: None,
            options: BTreeMap::new(),
        }
    }
}

/// The connections a project declares, and the one a table source without
/// `in NAME` reads from.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Connections {
    pub list: Vec<Connection>,
    pub default: Option<String>,
}

impl Connections {
    pub fn get(&self, name: &str) -> Option<&Connection> {
        self.list.iter().find(|c| c.name == name)
    }
}

/// A table's path in an engine: `sales.orders` is the segments `sales` and
/// `orders`, each quoted for the dialect exactly as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TablePath(pub Vec<String>);

/// Why a table path is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TablePathError {
    Empty,
    /// `a..b`, `.a` or `a.`.
    EmptySegment,
    /// More than `catalog.schema.table`.
    TooManySegments(usize),
    /// A character that could end a quoted name or start a comment or a
    /// second statement: quotes, backslash, `;`, control characters.
    Character(char),
    /// `--` or `/*`: the start of a comment.
    Comment(&'static str),
}

impl fmt::Display for TablePathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TablePathError::Empty => f.write_str("the table path is empty"),
            TablePathError::EmptySegment => f.write_str("a name between dots is empty"),
            TablePathError::TooManySegments(n) => write!(f, "{n} dotted names; at most three: catalog.schema.table"),
            TablePathError::Character(c) if c.is_control() => {
                write!(f, "it holds the control character U+{:04X}", *c as u32)
            }
            TablePathError::Character('`') => f.write_str("it holds a backtick, which could end its quoting"),
            TablePathError::Character(c) => write!(f, "it holds `{c}`, which could end its quoting"),
            TablePathError::Comment(c) => write!(f, "it holds `{c}`, which starts an SQL comment"),
        }
    }
}

impl TablePath {
    /// At most three dotted segments (`catalog.schema.table`), none empty and
    /// none holding a quote, a backslash, `;`, `--`, `/*` or a control
    /// character, so that quoting a segment can never be escaped from.
    pub fn parse(text: &str) -> Result<TablePath, TablePathError> {
        if text.is_empty() {
            return Err(TablePathError::Empty);
        }
        for bad in ["--", "/*"] {
            if text.contains(bad) {
                return Err(TablePathError::Comment(bad));
            }
        }
        if let Some(c) = text.chars().find(|c| matches!(c, '"' | '\'' | '`' | '\\' | ';') || c.is_control()) {
            return Err(TablePathError::Character(c));
        }
        let segments: Vec<String> = text.split('.').map(str::to_string).collect();
        if segments.iter().any(String::is_empty) {
            return Err(TablePathError::EmptySegment);
        }
        if segments.len() > 3 {
            return Err(TablePathError::TooManySegments(segments.len()));
        }
        Ok(TablePath(segments))
    }
}

impl fmt::Display for TablePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_paths() {
        assert_eq!(TablePath::parse("sales.orders").unwrap().0, ["sales", "orders"]);
        assert_eq!(TablePath::parse("Ünïcode Orders").unwrap().0, ["Ünïcode Orders"]);
        assert_eq!(TablePath::parse("a.b.c").unwrap().to_string(), "a.b.c");
        assert_eq!(TablePath::parse(""), Err(TablePathError::Empty));
        assert_eq!(TablePath::parse("a..b"), Err(TablePathError::EmptySegment));
        assert_eq!(TablePath::parse("a.b.c.d"), Err(TablePathError::TooManySegments(4)));
        assert_eq!(TablePath::parse("orders; DROP TABLE x"), Err(TablePathError::Character(';')));
        assert_eq!(TablePath::parse("orders--x"), Err(TablePathError::Comment("--")));
        assert_eq!(TablePath::parse("a/*b"), Err(TablePathError::Comment("/*")));
        for bad in ["a\"b", "a'b", "a`b", "a\\b", "a\nb"] {
            assert!(matches!(TablePath::parse(bad), Err(TablePathError::Character(_))), "{bad:?}");
        }
        assert_eq!(Engine::parse("PostgreSQL"), Some(Engine::Postgres));
        assert_eq!(Engine::parse("databricks"), Some(Engine::Spark));
        assert!(Engine::parse("oracle").is_none());
    }
}
