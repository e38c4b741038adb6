//! `kpic diff`: evaluate two versions of a spec on the same data and report what
//! moved: KPIs, scorecards and cascades added or removed, targets changed, and
//! every result, cascade node and payout that changed, as a table, Markdown for a pull request, or JSON.
//!
//! With `--base REF` the old version is the spec at a git ref: the spec, the files
//! it imports and its planning tables (targets, bonus bases, org charts) are read
//! from git; the data files come from the working tree (or `--data`), so both
//! versions meet the same data.

use super::emit::DiagFormat;
use super::{read_file, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::report::comparison::{self as render, Versions};
use crate::sema::model::Model;
use crate::Checked;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Exit code of `--exit-code` when something moved.
pub const EXIT_CHANGED: u8 = 4;

#[derive(clap::Args)]
pub struct Args {
    /// The spec; the old version when NEW is given.
    spec: PathBuf,
    /// The new version, to compare two files rather than a git ref.
    new: Option<PathBuf>,
    /// Compare the spec in the working tree with its version at this git ref.
    #[arg(long, conflicts_with = "new")]
    base: Option<String>,
    #[command(flatten)]
    periods: super::eval::Periods,
    /// Read a source from another file, in both versions (repeatable).
    #[arg(long = "data", value_parser = super::parse_data)]
    data: Vec<(String, PathBuf)>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to a file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit with 4 when any KPI, scorecard, cascade, target, result or payout
    /// moved.
    #[arg(long)]
    exit_code: bool,
    /// How to print errors in the specs or the data.
    #[arg(long, value_enum, default_value = "human")]
    error_format: DiagFormat,
    /// No progress on standard error (it is shown only on a terminal, for
    /// evaluations that take over a second).
    #[arg(long, short)]
    quiet: bool,
    /// Lay tables out for this many columns (default: the terminal's width,
    /// else `COLUMNS`, else 80).
    #[arg(long, value_parser = clap::value_parser!(u16).range(i64::from(super::eval::MIN_WIDTH)..))]
    width: Option<u16>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Tables for the terminal.
    Table,
    /// Markdown for a pull request comment.
    Markdown,
    /// A versioned JSON document.
    Json,
}

pub fn run(args: Args) -> u8 {
    match diff(&args) {
        Ok(code) => code,
        Err(code) => code,
    }
}

fn diff(args: &Args) -> Result<u8, u8> {
    let usage = |e: String| {
        eprintln!("error: {e}");
        EXIT_USAGE
    };
    let window = args.periods.window().map_err(usage)?;
    // Kept alive until both versions are evaluated: planning tables of the base.
    let scratch = tempfile::tempdir().map_err(|e| usage(format!("cannot create a scratch directory: {e}")))?;
    let (old, new, labels) = match (&args.new, &args.base) {
        (Some(new_spec), None) => {
            let old = load(&args.spec, &read_file, args.error_format)?;
            let new = load(new_spec, &read_file, args.error_format)?;
            (old, new, (args.spec.display().to_string(), new_spec.display().to_string()))
        }
        (None, Some(rev)) => {
            let git = GitTree::open(&args.spec, rev).map_err(usage)?;
            let new = load(&args.spec, &read_file, args.error_format)?;
            // A spec the change adds was empty before it: every KPI in it is new.
            let old = if git.exists(&args.spec) {
                let mut old = load(&args.spec, &|p| git.read(p), args.error_format)?;
                git.pin_tables(&mut old.model, scratch.path()).map_err(usage)?;
                old
            } else {
                eprintln!("note: {} does not exist at {rev}; comparing with an empty spec", args.spec.display());
                crate::check_text(&args.spec.display().to_string(), "")
            };
            (old, new, (rev.clone(), "working tree".to_string()))
        }
        _ => return Err(usage("give the new version (`kpic diff OLD NEW`) or a git ref (`--base main`)".into())),
    };
    let old_eval = evaluate(&old, &window, args)?;
    let new_eval = evaluate(&new, &window, args)?;
    let diff = crate::eval::compare::compare(&old.model, &old_eval, &new.model, &new_eval);
    let versions = Versions { old: &labels.0, new: &labels.1 };
    let text = match args.format {
        Format::Table => {
            render::table(&versions, &diff, super::eval::terminal_style(args.output.is_none(), args.width))
        }
        Format::Markdown => render::markdown_report(&versions, &diff),
        Format::Json => render::json(&versions, &diff) + "\n",
    };
    super::eval::write_out(args.output.as_deref(), &text)?;
    Ok(if args.exit_code && !diff.is_empty() { EXIT_CHANGED } else { EXIT_OK })
}

fn load(spec: &Path, read: crate::load::Reader, format: DiagFormat) -> Result<Checked, u8> {
    let checked = super::load_with(spec, read)?;
    if checked.has_errors() {
        super::emit::spec_diagnostics(format, &checked);
        return Err(EXIT_ERRORS);
    }
    Ok(checked)
}

/// Evaluate one version; `--data` applies to the sources it declares.
fn evaluate(checked: &Checked, window: &crate::eval::Window, args: &Args) -> Result<crate::eval::Evaluation, u8> {
    let known = |name: &String| checked.model.sources.iter().any(|s| &s.name == name);
    let data = args.data.iter().filter(|(n, _)| known(n)).cloned().collect();
    let selection = crate::Selection { data, window: *window, ..Default::default() };
    let plan = crate::lower(checked, &selection).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_USAGE
    })?;
    let spinner = super::progress::Spinner::start(args.quiet);
    let result = crate::run_and_evaluate(checked, &plan, window, &spinner);
    drop(spinner);
    result.map_err(|d| {
        super::emit::one(args.error_format, &d, &checked.sources);
        EXIT_ERRORS
    })
}

/// Files of a git repository as they were at one revision.
struct GitTree {
    root: PathBuf,
    rev: String,
    cwd: PathBuf,
}

impl GitTree {
    fn open(spec: &Path, rev: &str) -> Result<GitTree, String> {
        let dir = spec.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let root = git(dir, &["rev-parse", "--show-toplevel"])
            .map_err(|e| format!("--base needs the spec in a git repository: {e}"))?;
        let root = PathBuf::from(String::from_utf8_lossy(&root).trim());
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        git(&root, &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .map_err(|_| format!("`{rev}` is not a commit, branch or tag of {}", root.display()))?;
        let cwd = std::env::current_dir().and_then(std::fs::canonicalize).map_err(|e| e.to_string())?;
        Ok(GitTree { root, rev: rev.to_string(), cwd })
    }

    /// A file's bytes at the revision; the path is as the loader names it.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let (relative, object) = self.object(path)?;
        git(&self.root, &["show", &object]).map_err(|_| {
            io::Error::new(io::ErrorKind::NotFound, format!("{} does not exist at {}", relative.display(), self.rev))
        })
    }

    /// Whether the file is in the revision's tree.
    fn exists(&self, path: &Path) -> bool {
        self.object(path).is_ok_and(|(_, object)| git(&self.root, &["cat-file", "-e", &object]).is_ok())
    }

    /// The path inside the repository and git's name of the file at the revision.
    fn object(&self, path: &Path) -> io::Result<(PathBuf, String)> {
        let absolute = crate::load::normalize(&self.cwd.join(path));
        let relative = absolute.strip_prefix(&self.root).map_err(|_| {
            io::Error::new(io::ErrorKind::NotFound, format!("{} is outside the repository", path.display()))
        })?;
        let object = format!("{}:{}", self.rev, relative.to_string_lossy().replace('\\', "/"));
        Ok((relative.to_path_buf(), object))
    }

    /// Point the old model's planning tables at their content at the revision
    /// (copied into `dir`); tables git does not know stay as they are.
    fn pin_tables(&self, model: &mut Model, dir: &Path) -> Result<(), String> {
        let paths = model.files_mut().into_iter().filter(|(_, _, kind)| kind.is_planning_table()).map(|(p, _, _)| p);
        for (i, path) in paths.into_iter().enumerate() {
            let Ok(bytes) = self.read(path) else { continue };
            let name = path.file_name().map_or("table".into(), |n| n.to_string_lossy().into_owned());
            let pinned = dir.join(format!("{i}-{name}"));
            std::fs::write(&pinned, bytes).map_err(|e| format!("cannot write {}: {e}", pinned.display()))?;
            *path = pinned;
        }
        Ok(())
    }
}

/// Run git in `dir`; its standard output, or its error message.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git").arg("-C").arg(dir).args(args).output().map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}
