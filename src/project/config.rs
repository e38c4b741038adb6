//! `kpic.toml`: per-project settings, found by walking up from a spec.
//!
//! ```toml
//! [lints]
//! too-many-kpis = "deny"       # allow | warn | deny, by name or code (W001)
//! target-always-met = "allow"
//! ```

use crate::diagnostics::{Code, Diagnostic, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "kpic.toml";

#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The file it came from, if any.
    pub path: Option<PathBuf>,
    pub lints: BTreeMap<Code, Level>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

/// A `kpic.toml` that is not valid: the file, the line when known, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    lints: BTreeMap<String, Level>,
}

impl Config {
    /// Parse a `kpic.toml`; the error names the file, line and problem.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let error = |line: Option<usize>, message: String| ConfigError { path: path.to_path_buf(), line, message };
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
        Ok(Config { path: Some(path.to_path_buf()), lints })
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
}
