//! The project around a spec, above the compiler's core: its root, which every
//! file the spec names must lie in (the sandbox, docs/security.md), its
//! `kpic.toml`, and loading a spec as every command does. This is where the
//! core's reader functions meet the file system.

pub mod config;
pub mod sandbox;

use crate::load::{self, ReadError, Reader};
use std::fmt;
use std::path::Path;

/// Why a spec could not be loaded at all (problems in it are diagnostics).
#[derive(Debug)]
pub enum LoadError {
    /// The spec itself cannot be read.
    Read(ReadError),
    /// Its `kpic.toml` is not valid.
    Config(config::ConfigError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Read(e) => write!(f, "{e}"),
            LoadError::Config(e) => write!(f, "{e}"),
        }
    }
}

/// Load and check `spec` through `read`: files only under the project root
/// unless `allow_outside`, every file the model names checked against the root,
/// and `kpic.toml`'s lint levels applied.
pub fn load(spec: &Path, read: Reader, allow_outside: bool) -> Result<crate::Checked, LoadError> {
    let root = sandbox::Root::for_spec(spec).map_err(|e| LoadError::Read(ReadError::Io(e)))?;
    let files = sandbox::Confined { root: (!allow_outside).then_some(&root), read };
    let program = load::load_files(spec, &files).map_err(LoadError::Read)?;
    let config = config_for(spec).map_err(LoadError::Config)?;
    let mut checked = crate::check(program, &config.connections);
    if !allow_outside {
        checked.diagnostics.extend(root.check_model(&checked.model));
        crate::diagnostics::sort(&mut checked.diagnostics);
    }
    config.apply(&mut checked.diagnostics);
    Ok(checked)
}

/// The `kpic.toml` that governs `spec`, or the defaults when there is none.
pub fn config_for(spec: &Path) -> Result<config::Config, config::ConfigError> {
    let Some(path) = config::Config::find(spec) else { return Ok(Default::default()) };
    let text = std::fs::read_to_string(&path).map_err(|e| config::ConfigError {
        path: path.clone(),
        line: None,
        code: None,
        message: format!("cannot read it: {e}"),
    })?;
    config::Config::parse(&path, &text)
}
