//! Where a spec may read from: its project root, the directory holding the
//! nearest `kpic.toml` above the spec, or the spec's own directory when there is
//! none. Every file a spec names (imports, data, planning tables, test fixtures)
//! must resolve inside it, symbolic links followed, so a spec from a pull request
//! cannot read `/etc` or a home directory into a report (docs/security.md).

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::load::{Files, ReadError};
use crate::sema::model::Model;
use crate::span::Span;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

/// A project root, canonical.
#[derive(Debug, Clone)]
pub struct Root {
    pub dir: PathBuf,
    /// The `kpic.toml` that made it the root, if any.
    pub config: Option<PathBuf>,
}

/// A path outside the root; the loader reports it as [`Code::OutsideProject`].
#[derive(Debug)]
pub struct OutsideRoot {
    pub path: PathBuf,
    pub root: PathBuf,
}

impl fmt::Display for OutsideRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} is outside the project root {}", self.path.display(), shown(&self.root).display())
    }
}

/// Spec files read from disk by `read`, confined to a root unless `root` is
/// none; files told apart by their real paths (symbolic links resolved).
pub struct Confined<'a> {
    pub root: Option<&'a Root>,
    pub read: crate::load::Reader<'a>,
}

impl Files for Confined<'_> {
    fn read(&self, path: &Path) -> Result<Vec<u8>, ReadError> {
        if let Some(root) = self.root {
            if !root.contains(path) {
                let outside = OutsideRoot { path: path.to_path_buf(), root: root.dir.clone() };
                return Err(ReadError::OutsideProject(outside.to_string()));
            }
        }
        (self.read)(path).map_err(ReadError::Io)
    }

    fn identity(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

impl Root {
    /// The root of the project `spec` belongs to.
    pub fn for_spec(spec: &Path) -> io::Result<Root> {
        let config = super::config::Config::find(spec);
        let dir = match &config {
            Some(c) => c.parent().unwrap_or(Path::new("/")).to_path_buf(),
            None => spec.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf(),
        };
        Ok(Root { dir: std::fs::canonicalize(dir)?, config })
    }

    /// Whether `path` (relative to the working directory) resolves inside the root.
    pub fn contains(&self, path: &Path) -> bool {
        resolve(path).is_some_and(|p| p.starts_with(&self.dir))
    }

    /// Every file the model names that lies outside the root.
    pub fn check_model(&self, model: &Model) -> Vec<Diagnostic> {
        model
            .files()
            .into_iter()
            .filter(|(path, _, _)| !self.contains(path))
            .map(|(path, span, kind)| self.outside(path, span, kind.describe()))
            .collect()
    }

    fn outside(&self, path: &Path, span: Span, what: &str) -> Diagnostic {
        let dir = shown(&self.dir);
        let why = match &self.config {
            Some(c) => format!("the project root is {}, where {} is", dir.display(), shown(c).display()),
            None => format!("the project root is the spec's directory {} (no kpic.toml above it)", dir.display()),
        };
        Diagnostic::new(
            Code::OutsideProject,
            format!("the {what} {} is outside the project", path.display()),
            Label::new(span, "outside the project root"),
        )
        .with_help(format!("{why}; move the file into it, or pass --allow-outside-project if you trust this spec"))
    }
}

/// A canonical path as messages show it: relative to the working directory when
/// it lies below it.
fn shown(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    match cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
        Some(rel) => rel.to_path_buf(),
        None => path.to_path_buf(),
    }
}

/// The absolute path `path` resolves to: symbolic links of the part that exists
/// followed, `..` of the rest taken lexically.
fn resolve(path: &Path) -> Option<PathBuf> {
    let absolute = if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().ok()?.join(path) };
    let mut existing = absolute.as_path();
    let mut rest: Vec<Component> = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut out = real;
            for c in rest.iter().rev() {
                match c {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other),
                }
            }
            return Some(out);
        }
        // A symbolic link that does not resolve (a loop, a dangling link) is
        // judged by where it points.
        if let Ok(target) = std::fs::read_link(existing) {
            if rest.is_empty() && !target.is_absolute() {
                return resolve_link(existing, &target);
            }
            return None;
        }
        rest.push(existing.components().next_back()?);
        existing = existing.parent()?;
    }
}

/// A relative link that does not resolve: lexically, from the link's directory.
fn resolve_link(link: &Path, target: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(link.parent()?).ok()?;
    Some(crate::load::normalize(&dir.join(target)))
}

#[cfg(all(test, feature = "engine"))]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_through_links_and_dots() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root { dir: std::fs::canonicalize(dir.path()).unwrap(), config: None };
        std::fs::create_dir(dir.path().join("data")).unwrap();
        std::fs::write(dir.path().join("data/a.csv"), "x").unwrap();
        assert!(root.contains(&dir.path().join("data/a.csv")));
        assert!(root.contains(&dir.path().join("data/not_yet/b.csv")));
        assert!(!root.contains(&dir.path().join("data/../../etc/passwd")));
        assert!(!root.contains(Path::new("/etc/passwd")));
        std::os::unix::fs::symlink("/etc", dir.path().join("data/etc")).unwrap();
        assert!(!root.contains(&dir.path().join("data/etc/passwd")));
        std::os::unix::fs::symlink("loop2", dir.path().join("data/loop1")).unwrap();
        std::os::unix::fs::symlink("loop1", dir.path().join("data/loop2")).unwrap();
        assert!(root.contains(&dir.path().join("data/loop1")));
        let files = Confined { root: Some(&root), read: &|p| std::fs::read(p) };
        assert!(matches!(files.read(Path::new("/etc/passwd")), Err(ReadError::OutsideProject(_))));
    }
}
