//! Where a spec may read from: its project root, the directory holding the
//! nearest `kpic.toml` above the spec, or the spec's own directory when there is
//! none. Every file a spec names (imports, data, planning tables, test fixtures)
//! must resolve inside it, symbolic links followed, so a spec from a pull request
//! cannot read `/etc` or a home directory into a report (docs/security.md).

use crate::diagnostics::{Code, Diagnostic, Label};
use crate::sema::model::{Allocation, BaseDef, CascadeBody, Level, Model, TargetSpec, TestRows};
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

/// The error a confined reader gives for a path outside the root; the loader
/// turns it into [`Code::OutsideProject`].
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

impl std::error::Error for OutsideRoot {}

impl Root {
    /// The root of the project `spec` belongs to.
    pub fn for_spec(spec: &Path) -> io::Result<Root> {
        let config = crate::config::Config::find(spec);
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

    /// `Ok` for a path inside the root, else an error carrying [`OutsideRoot`].
    pub fn confine(&self, path: &Path) -> io::Result<()> {
        if self.contains(path) {
            return Ok(());
        }
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            OutsideRoot { path: path.to_path_buf(), root: self.dir.clone() },
        ))
    }

    /// Every file the model names that lies outside the root.
    pub fn check_model(&self, model: &Model) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut check = |path: &Path, span: Span, what: &str| {
            if !self.contains(path) {
                out.push(self.outside(path, span, what));
            }
        };
        for s in &model.sources {
            check(&s.resolved, s.path_span, "data file");
        }
        for k in &model.kpis {
            for t in &k.targets {
                if let TargetSpec::Table { resolved, .. } = &t.spec {
                    check(resolved, t.span, "target table");
                }
            }
        }
        for c in &model.scorecards {
            if let Some(BaseDef::Table { resolved, .. }) = &c.base {
                check(resolved, c.span, "bonus base table");
            }
        }
        for c in &model.cascades {
            if let CascadeBody::Levels(level) = &c.body {
                for org in orgs(level) {
                    check(org, c.span, "org chart");
                }
            }
        }
        for t in &model.tests {
            for d in &t.data {
                if let TestRows::File { resolved, .. } = &d.rows {
                    check(resolved, d.span, "test fixture");
                }
            }
        }
        out
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

/// Whether an I/O error is a confined reader's refusal.
pub fn is_outside(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<OutsideRoot>())
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

fn orgs(level: &Level) -> Vec<&PathBuf> {
    let mut out: Vec<&PathBuf> = level.org.iter().collect();
    if let Allocation::Shares(entries) | Allocation::Amounts(entries) = &level.allocation {
        for e in entries {
            if let Some(next) = &e.then {
                out.extend(orgs(next));
            }
        }
    }
    if let Some(next) = &level.then {
        out.extend(orgs(next));
    }
    out
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
        let e = root.confine(Path::new("/etc/passwd")).unwrap_err();
        assert!(is_outside(&e));
    }
}
