//! `kpic eval`: compute every KPI on the data.

use super::{stderr_color, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render;
use crate::eval::{period, Status, Window};
use crate::EvalOptions;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Exit code of `--fail-on-missed` when a KPI is missed.
pub const EXIT_MISSED: u8 = 3;

#[derive(clap::Args)]
pub struct Args {
    /// The spec file.
    spec: PathBuf,
    /// Only this period (2025-03, 2025-Q1, 2025, 2025-W07, 2025-03-14).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    period: Option<String>,
    /// First period to report.
    #[arg(long)]
    from: Option<String>,
    /// Last period to report (inclusive).
    #[arg(long)]
    to: Option<String>,
    /// Only these KPIs (repeatable).
    #[arg(long = "kpi")]
    kpis: Vec<String>,
    /// Read a source from another file: `--data signups=other.parquet` (repeatable).
    #[arg(long = "data", value_parser = parse_data)]
    data: Vec<(String, PathBuf)>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to a file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Exit with 3 when any KPI is missed.
    #[arg(long)]
    fail_on_missed: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
    Markdown,
}

fn parse_data(s: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = s.split_once('=').ok_or("expected SOURCE=PATH")?;
    Ok((name.to_string(), PathBuf::from(path)))
}

/// Parse a `--period`-style argument into [first day, day after).
pub(crate) fn window(period: Option<&str>, from: Option<&str>, to: Option<&str>) -> Result<Window, String> {
    let parse = |s: &str| {
        period::parse(s).ok_or_else(|| format!("`{s}` is not a period (2025, 2025-Q1, 2025-03, 2025-W07, 2025-03-14)"))
    };
    if let Some(p) = period {
        let p = parse(p)?;
        return Ok(Window { from: Some(p.start), until: Some(p.end()) });
    }
    Ok(Window {
        from: from.map(parse).transpose()?.map(|p| p.start),
        until: to.map(parse).transpose()?.map(|p| p.end()),
    })
}

pub fn run(args: Args) -> u8 {
    let window = match window(args.period.as_deref(), args.from.as_deref(), args.to.as_deref()) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let checked = match super::load_checked(&args.spec) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let opts = EvalOptions { kpis: args.kpis, data: args.data, window };
    let plan = match crate::plan(&checked, &opts) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let evaluation = match crate::evaluate(&checked, &plan, &opts.window) {
        Ok(e) => e,
        Err(d) => {
            eprint!("{}", render::to_human(&d, &checked.sources, stderr_color()));
            return EXIT_ERRORS;
        }
    };
    let to_terminal =
        args.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = match args.format {
        Format::Table => crate::report::table(&evaluation, to_terminal),
        Format::Json => crate::report::json(&args.spec.display().to_string(), &evaluation),
        Format::Csv => crate::report::csv(&evaluation),
        Format::Markdown => crate::report::markdown(&evaluation),
    };
    match &args.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return EXIT_USAGE;
            }
        }
        None => print!("{text}"),
    }
    let missed = evaluation.kpis.iter().flat_map(|k| &k.rows).any(|r| r.status == Status::Missed);
    if args.fail_on_missed && missed {
        EXIT_MISSED
    } else {
        EXIT_OK
    }
}
