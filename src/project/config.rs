//! `kpic.toml`: per-project settings, found by walking up from a spec.
//!
//! ```toml
//! [lints]
//! too-many-kpis = "deny"       # allow | warn | deny, by name or code (W001)
//! target-always-met = "allow"
//!
//! [connections]
//! default = "dwh"
//!
//! [connections.dwh]            # docs/warehouses.md
//! engine = "postgres"
//! driver = "adbc_driver_postgresql"
//! uri_env = "KPIC_DWH_URI"     # the URI, with its password, is in the environment
//! time_zone = "Europe/Moscow"
//! ```

use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::vocab::{Connection, Connections, Engine};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "kpic.toml";

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    pub lints: BTreeMap<Code, Level>,
    /// The warehouses table sources may read from.
    pub connections: Connections,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

/// A `kpic.toml` that is not valid: the file, the line when known, the code
/// when the problem has one, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub code: Option<Code>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.path.display())?,
            None => write!(f, "{}: ", self.path.display())?,
        }
        match self.code {
            Some(code) => write!(f, "[{}] {}", code.as_str(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    lints: BTreeMap<String, Level>,
    #[serde(default)]
    connections: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConnection {
    engine: String,
    driver: Option<String>,
    uri_env: Option<String>,
    uri: Option<String>,
    profile: Option<String>,
    time_zone: Option<String>,
    timeout: Option<u64>,
    #[serde(default)]
    options: BTreeMap<String, String>,
}

impl Config {
    /// Parse a `kpic.toml`; the error names the file, line and problem.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let error =
            |line: Option<usize>, message: String| ConfigError { path: path.to_path_buf(), line, code: None, message };
        let raw: Raw = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            error(line, e.message().to_string())
        })?;
        let mut lints = BTreeMap::new();
        for (key, level) in raw.lints {
            let line = text.lines().position(|l| l.trim_start().starts_with(key.as_str())).map_or(0, |i| i + 1);
            let code = Code::parse(&key).ok_or_else(|| {
                let names: Vec<&str> =
                    Code::ALL.iter().filter(|c| c.severity() == Severity::Warning).map(|c| c.name()).collect();
                error(Some(line), format!("unknown lint `{key}`; lints are {}", names.join(", ")))
            })?;
            if code.severity() == Severity::Error {
                let message = format!("`{key}` ({}) is an error, not a lint: errors cannot be allowed", code.as_str());
                return Err(error(Some(line), message));
            }
            lints.insert(code, level);
        }
        let connections = connections(path, text, raw.connections)?;
        Ok(Config { path: Some(path.to_path_buf()), lints, connections })
    }

    /// The nearest `kpic.toml` in `start` or a directory above it.
    pub fn find(start: &Path) -> Option<PathBuf> {
        let dir = if start.is_dir() { start.to_path_buf() } else { start.parent()?.to_path_buf() };
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        let dir = std::fs::canonicalize(&dir).ok()?;
        dir.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
    }

    /// Apply lint levels: drop allowed lints, turn denied ones into errors.
    pub fn apply(&self, diags: &mut Vec<Diagnostic>) {
        diags.retain(|d| self.lints.get(&d.code) != Some(&Level::Allow));
        for d in diags.iter_mut() {
            match self.lints.get(&d.code) {
                Some(Level::Deny) => d.severity = Severity::Error,
                Some(Level::Warn) => d.severity = Severity::Warning,
                _ => {}
            }
        }
    }
}

/// `[connections]`: `default = "NAME"` and a `[connections.NAME]` table per
/// connection, each checked: a known engine, a known time zone, one way to
/// the URI, and no secret in the file.
fn connections(path: &Path, text: &str, table: toml::Table) -> Result<Connections, ConfigError> {
    let error = |line: Option<usize>, code: Option<Code>, message: String| ConfigError {
        path: path.to_path_buf(),
        line,
        code,
        message,
    };
    let mut out = Connections::default();
    let mut default = None;
    for (name, value) in table {
        let header = line_of(text, &format!("[connections.{name}]"), None);
        if name == "default" {
            let line = line_of(text, "[connections]", Some("default"));
            match value {
                toml::Value::String(d) => default = Some((d, line)),
                _ => return Err(error(line, None, "`default` names a connection: `default = \"dwh\"`".into())),
            }
            continue;
        }
        let raw: RawConnection = value.try_into().map_err(|e: toml::de::Error| {
            error(header, None, format!("connection `{name}`: {}", e.message().trim_end_matches('\n')))
        })?;
        let line = |key: &str| line_of(text, &format!("[connections.{name}]"), Some(key)).or(header);
        let engine = Engine::parse(&raw.engine).ok_or_else(|| {
            let message =
                format!("connection `{name}`: unknown engine `{}`; engines are {}", raw.engine, Engine::names());
            error(line("engine"), None, message)
        })?;
        if let Some(uri) = &raw.uri {
            if let Some(why) = secret_in_uri(uri) {
                let message = format!(
                    "the uri of connection `{name}` holds {why}: put the URI in an environment variable and name it, `uri_env = \"KPIC_{}_URI\"`",
                    name.to_ascii_uppercase()
                );
                return Err(error(line("uri"), Some(Code::SecretInConfig), message));
            }
        }
        if let Some(key) = raw.options.keys().find(|k| is_secret_name(k)) {
            let message = format!(
                "option `{key}` of connection `{name}` names a secret; pass it in the URI from `uri_env`, or in an ADBC profile"
            );
            return Err(error(line(key), Some(Code::SecretInConfig), message));
        }
        let reached = [("uri_env", &raw.uri_env), ("uri", &raw.uri), ("profile", &raw.profile)];
        let given: Vec<&str> = reached.iter().filter(|(_, v)| v.is_some()).map(|(k, _)| *k).collect();
        if given.len() != 1 {
            let message = match given.as_slice() {
                [] => format!(
                    "connection `{name}` says not where the engine is: give `uri_env` (the environment variable that holds its URI), `uri` or `profile`"
                ),
                _ => format!("connection `{name}` has {}; keep one", given.join(" and ")),
            };
            return Err(error(given.get(1).and_then(|k| line(k)).or(header), None, message));
        }
        if let Some(zone) = &raw.time_zone {
            if zone.parse::<chrono_tz::Tz>().is_err() {
                let message = format!(
                    "connection `{name}`: unknown time zone `{zone}`; write an IANA name such as \"UTC\" or \"Europe/Moscow\""
                );
                return Err(error(line("time_zone"), None, message));
            }
        }
        if raw.timeout == Some(0) {
            return Err(error(line("timeout"), None, format!("connection `{name}`: `timeout` is seconds, at least 1")));
        }
        out.list.push(Connection {
            name,
            engine,
            driver: raw.driver,
            uri_env: raw.uri_env,
            uri: raw.uri,
            profile: raw.profile,
            time_zone: raw.time_zone,
            timeout: raw.timeout,
            options: raw.options,
        });
    }
    if let Some((d, line)) = default {
        if out.get(&d).is_none() {
            let names: Vec<&str> = out.list.iter().map(|c| c.name.as_str()).collect();
            let known = if names.is_empty() { "none".to_string() } else { names.join(", ") };
            return Err(error(line, None, format!("the default connection `{d}` is not declared (declared: {known})")));
        }
        out.default = Some(d);
    }
    Ok(out)
}

/// What in a URI is a secret: a password after the user name, or a
/// password, token or secret parameter.
fn secret_in_uri(uri: &str) -> Option<&'static str> {
    let after_scheme = uri.split_once("://").map_or(uri, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        if userinfo.contains(':') {
            return Some("a password");
        }
    }
    let parameters = uri.split_once(['?', ';']).map_or("", |(_, q)| q);
    parameters
        .split(['&', ';'])
        .filter_map(|p| p.split_once('=').map(|(k, _)| k))
        .any(is_secret_name)
        .then_some("a secret parameter")
}

/// An option or parameter name that says it holds a secret.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "passwd", "pwd", "secret", "token", "private_key", "privatekey"].iter().any(|s| name.contains(s))
}

/// The line (1-based) of `section`'s header, or of `key` within it.
fn line_of(text: &str, section: &str, key: Option<&str>) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| l.trim() == section)?;
    let Some(key) = key else { return Some(start + 1) };
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with('['))
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
                || l.strip_prefix(&format!("\"{key}\"")).is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| start + 2 + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_by_name_or_code() {
        let c = Config::parse(Path::new("kpic.toml"), "[lints]\ntoo-many-kpis = \"deny\"\nW002 = \"allow\"\n").unwrap();
        assert_eq!(c.lints[&Code::TooManyKpis], Level::Deny);
        assert_eq!(c.lints[&Code::AlwaysMet], Level::Allow);
    }

    #[test]
    fn unknown_keys_and_errors_are_refused_with_a_line() {
        let e = Config::parse(Path::new("kpic.toml"), "[lints]\ntoo-many = \"deny\"\n").unwrap_err().to_string();
        assert!(e.starts_with("kpic.toml:2: unknown lint `too-many`"), "{e}");
        let e = Config::parse(Path::new("kpic.toml"), "[lint]\n").unwrap_err().to_string();
        assert!(e.starts_with("kpic.toml:1:") && e.contains("unknown field `lint`"), "{e}");
        let e = Config::parse(Path::new("kpic.toml"), "[lints]\nunknown-source = \"allow\"\n").unwrap_err().to_string();
        assert!(e.contains("is an error, not a lint"), "{e}");
        let e = Config::parse(Path::new("kpic.toml"), "[lints]\ntoo-many-kpis = \"never\"\n").unwrap_err().to_string();
        assert!(e.starts_with("kpic.toml:2:"), "{e}");
    }

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(Path::new("kpic.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn connections_are_read_and_checked() {
        let c = parse(
            "[connections]\ndefault = \"dwh\"\n\n[connections.dwh]\nengine = \"postgresql\"\nuri_env = \"KPIC_DWH_URI\"\ntime_zone = \"Europe/Moscow\"\ntimeout = 600\noptions = { \"adbc.postgresql.use_copy\" = \"true\" }\n\n[connections.lake]\nengine = \"duckdb\"\nuri = \"lake.duckdb\"\n",
        )
        .unwrap();
        assert_eq!(c.connections.default.as_deref(), Some("dwh"));
        let dwh = c.connections.get("dwh").unwrap();
        assert_eq!(
            (dwh.engine, dwh.uri_env.as_deref(), dwh.timeout),
            (Engine::Postgres, Some("KPIC_DWH_URI"), Some(600))
        );
        assert_eq!(c.connections.get("lake").unwrap().engine, Engine::Duckdb);
        let password =
            parse("[connections.dwh]\nengine = \"postgres\"\nuri = \"postgresql://kpic:hunter2@db/sales\"\n");
        assert!(
            password
                .as_ref()
                .unwrap_err()
                .starts_with("kpic.toml:3: [E802] the uri of connection `dwh` holds a password"),
            "{password:?}"
        );
        assert!(!password.unwrap_err().contains("hunter2"));
        let query = parse(
            "[connections.dwh]\nengine = \"postgres\"\nuri = \"postgresql://db/sales?sslmode=require&password=x\"\n",
        );
        assert!(query.unwrap_err().contains("[E802]"));
        let option = parse(
            "[connections.sf]\nengine = \"snowflake\"\nprofile = \"sf\"\noptions = { \"adbc.snowflake.sql.auth_token\" = \"x\" }\n",
        );
        assert!(option.unwrap_err().contains("[E802] option `adbc.snowflake.sql.auth_token`"));
        assert!(parse("[connections.dwh]\nengine = \"postgres\"\nuri = \"postgresql://kpic@db/sales\"\n").is_ok());
        let engine = parse("[connections.dwh]\nengine = \"oracle\"\n").unwrap_err();
        assert!(engine.starts_with("kpic.toml:2: connection `dwh`: unknown engine `oracle`"), "{engine}");
        let zone = parse("[connections.dwh]\nengine = \"spark\"\nuri_env = \"X\"\ntime_zone = \"Mars/Olympus\"\n")
            .unwrap_err();
        assert!(zone.starts_with("kpic.toml:4:") && zone.contains("unknown time zone"), "{zone}");
        let default = parse("[connections]\ndefault = \"dwh\"\n").unwrap_err();
        assert!(default.starts_with("kpic.toml:2: the default connection `dwh` is not declared"), "{default}");
        let unknown = parse("[connections.dwh]\nengine = \"spark\"\nhost = \"x\"\n").unwrap_err();
        assert!(unknown.starts_with("kpic.toml:1: connection `dwh`: unknown field `host`"), "{unknown}");
        let both =
            parse("[connections.dwh]\nengine = \"spark\"\nuri = \"sc://h:15002\"\nuri_env = \"X\"\n").unwrap_err();
        assert!(both.starts_with("kpic.toml:3: connection `dwh` has uri_env and uri; keep one"), "{both}");
        let nowhere = parse("[connections.dwh]\nengine = \"postgres\"\n").unwrap_err();
        assert!(nowhere.starts_with("kpic.toml:1: connection `dwh` says not where the engine is"), "{nowhere}");
        let profile = parse("[connections.dwh]\nengine = \"trino\"\nprofile = \"lake\"\n").unwrap();
        assert_eq!(profile.connections.get("dwh").unwrap().profile.as_deref(), Some("lake"));
    }
}
