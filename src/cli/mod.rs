//! The command line: one file per subcommand. Only this module prints, and
//! only through `out!` and `outln!` (clippy holds it to that).
#![warn(clippy::print_stdout)]

/// `print!` for a command's output, through [`write_stdout`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!($($arg)*)) };
}

/// `println!` for a command's output, through [`write_stdout`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

mod check;
mod diff;
mod dump;
mod emit;
mod eval;
mod explain;
mod fmt;
mod plan;
mod progress;
mod report;
mod test;

use crate::diagnostics::render::Color;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the spec (or the data) has errors.
pub const EXIT_ERRORS: u8 = 1;
/// Exit code: bad usage or a file that cannot be read.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser)]
#[command(name = "kpic", version, about = "KPI definitions as code: check, evaluate and format .kpi specs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Let specs read files outside their project root (docs/security.md). Only
    /// for specs you trust.
    #[arg(long, global = true)]
    allow_outside_project: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Check specs for errors: names, types, units, targets, scorecards, cascades.
    Check(check::Args),
    /// Format specs in the canonical layout.
    Fmt(fmt::Args),
    /// Print a stage of the compiler for a spec (syntax tree or typed model).
    Dump(dump::Args),
    /// Evaluate KPIs on the data: actual, target, attainment, status, gap.
    Eval(eval::Args),
    /// Write the HTML report: scorecards, charts, cascades and findings in one file.
    Report(report::Args),
    /// Print how each KPI is computed: the polars plan of a file source, the SQL of a warehouse table.
    Plan(plan::Args),
    /// Run the `test` declarations of specs on their fixture rows.
    Test(test::Args),
    /// Evaluate two versions of a spec on the same data and report what moved.
    Diff(diff::Args),
    /// Explain a diagnostic code.
    Explain(explain::Args),
}

/// Run the CLI and return the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            if e.kind() == clap::error::ErrorKind::UnknownArgument {
                if let Some(help) = split_data_help(&std::env::args().collect::<Vec<_>>()) {
                    eprintln!("  help: {help}");
                }
            }
            return if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
        }
    };
    let _ = ALLOW_OUTSIDE.set(cli.allow_outside_project);
    let code = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Fmt(args) => fmt::run(args),
        Command::Dump(args) => dump::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Report(args) => report::run(args),
        Command::Plan(args) => plan::run(args),
        Command::Test(args) => test::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Explain(args) => explain::run(args),
    };
    stdout_result(std::io::Write::flush(&mut std::io::stdout()));
    match STDOUT_ERROR.get() {
        Some(kind) if *kind != std::io::ErrorKind::BrokenPipe => EXIT_USAGE,
        _ => code,
    }
}

/// How standard output failed, once it has; later output is dropped.
static STDOUT_ERROR: std::sync::OnceLock<std::io::ErrorKind> = std::sync::OnceLock::new();

/// Write a command's output. A reader that stops early (`kpic eval | head -1`)
/// is no error: the rest is dropped, quietly, and the command ends with its own
/// exit code, where `print!` would panic. Any other failure is reported once and
/// makes the exit code 2.
pub(crate) fn write_stdout(args: std::fmt::Arguments) {
    if STDOUT_ERROR.get().is_none() {
        stdout_result(std::io::Write::write_fmt(&mut std::io::stdout().lock(), args));
    }
}

fn stdout_result(result: std::io::Result<()>) {
    let Err(e) = result else { return };
    if STDOUT_ERROR.set(e.kind()).is_ok() && e.kind() != std::io::ErrorKind::BrokenPipe {
        eprintln!("error: cannot write to standard output: {e}");
    }
}

/// Whether to colour output on stderr: a terminal, and NO_COLOR unset.
pub(crate) fn stderr_color() -> Color {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Color::Always
    } else {
        Color::Never
    }
}

/// Expand files and directories into the `.kpi` files they hold, sorted; a
/// directory without any is an error.
pub(crate) fn collect_specs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = out.len();
            for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
                let entry = entry.map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "kpi") {
                    out.push(entry.path().to_path_buf());
                }
            }
            // A directory without specs is a mistyped path more often than
            // an empty project: checking nothing must not pass.
            if out.len() == before {
                return Err(format!("{}: no .kpi files in this directory or below it", path.display()));
            }
        } else if path.exists() {
            out.push(path.clone());
        } else {
            return Err(format!("{}: no such file or directory", path.display()));
        }
    }
    Ok(out)
}

/// `--data orders o.csv`, the override written as two words, leaves `o.csv`
/// to clap as an unexpected argument: say how to write it.
fn split_data_help(args: &[String]) -> Option<String> {
    let at = args.windows(3).position(|w| w[0] == "--data" && !w[1].contains('=') && !w[2].starts_with('-'))?;
    let (name, path) = (&args[at + 1], &args[at + 2]);
    Some(format!("`--data` takes the source and its file as one word: `--data {name}={path}`"))
}

/// `--data NAME=PATH`: read a source from another file.
pub(crate) fn parse_data(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s.split_once('=').ok_or("expected SOURCE=PATH")?;
    Ok((name.to_string(), PathBuf::from(path)))
}

/// `--table SOURCE=CONNECTION:TABLE`.
pub(crate) fn parse_table(s: &str) -> Result<crate::TableOverride, String> {
    let (source, rest) = s.split_once('=').ok_or("expected SOURCE=CONNECTION:TABLE")?;
    let (connection, table) = rest.split_once(':').ok_or("expected SOURCE=CONNECTION:TABLE")?;
    Ok(crate::TableOverride { source: source.into(), connection: connection.into(), table: table.into() })
}

pub(crate) fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    std::fs::read(path)
}

/// Set from `--allow-outside-project` before the command runs.
static ALLOW_OUTSIDE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

fn allow_outside() -> bool {
    ALLOW_OUTSIDE.get().copied().unwrap_or(false)
}

/// Load and check a spec as every command does: files are read only under the
/// project root (docs/security.md) unless `--allow-outside-project`, the files
/// the model names are checked against it, and kpic.toml's lint levels apply.
/// A spec that cannot be read at all is a usage error; problems in it are
/// diagnostics.
pub(crate) fn load(spec: &Path) -> Result<crate::Checked, u8> {
    load_with(spec, &read_file)
}

/// [`load`] with another reader (git objects for `kpic diff --base`).
pub(crate) fn load_with(spec: &Path, read: crate::load::Reader) -> Result<crate::Checked, u8> {
    crate::project::load(spec, read, allow_outside()).map_err(|e| {
        match e {
            crate::project::LoadError::Read(e) => eprintln!("error: cannot read {}: {e}", spec.display()),
            crate::project::LoadError::Config(e) => eprintln!("error: {e}"),
        }
        EXIT_USAGE
    })
}

/// Load and check a spec; on errors print them and give the exit code.
pub(crate) fn load_checked(spec: &Path, format: emit::DiagFormat) -> Result<crate::Checked, u8> {
    let checked = load(spec)?;
    if checked.has_errors() {
        emit::spec_diagnostics(format, &checked);
        return Err(EXIT_ERRORS);
    }
    Ok(checked)
}
