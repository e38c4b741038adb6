//! `kpic eval`: compute every KPI on the data.

use super::emit::DiagFormat;
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
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
    #[arg(long = "data", value_parser = super::parse_data)]
    data: Vec<(String, PathBuf)>,
    /// How to print errors in the spec or the data.
    #[arg(long, value_enum, default_value = "human")]
    error_format: DiagFormat,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report to a file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Show only these scorecards (repeatable): score, coefficient and bonus per
    /// entity, with a breakdown per KPI.
    #[arg(long = "scorecard")]
    scorecards: Vec<String>,
    /// Show only the cascades: target, actual and status at every level.
    #[arg(long, conflicts_with = "scorecards")]
    cascades: bool,
    /// Exit with 3 when any KPI is missed.
    #[arg(long)]
    fail_on_missed: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    All,
    Scorecards,
    Cascades,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
    Markdown,
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
    let checked = match super::load_checked(&args.spec, args.error_format) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut kpis = args.kpis;
    for name in &args.scorecards {
        let Some(card) = checked.model.scorecards.iter().find(|c| &c.name == name) else {
            let hint = crate::diagnostics::did_you_mean(name, checked.model.scorecards.iter().map(|c| c.name.as_str()));
            eprintln!("error: no scorecard named `{name}`{}", hint.map_or(String::new(), |h| format!("; {h}")));
            return EXIT_USAGE;
        };
        kpis.extend(card.entries.iter().map(|e| checked.model.kpi(e.kpi).name.clone()));
    }
    let opts = EvalOptions { kpis, data: args.data, window };
    let plan = match crate::plan(&checked, &opts) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut evaluation = match crate::evaluate(&checked, &plan, &opts.window) {
        Ok(e) => e,
        Err(d) => {
            super::emit::one(args.error_format, &d, &checked.sources);
            return EXIT_ERRORS;
        }
    };
    let view = if !args.scorecards.is_empty() {
        evaluation.scorecards.retain(|c| args.scorecards.contains(&c.name));
        evaluation.cascades.clear();
        View::Scorecards
    } else if args.cascades {
        evaluation.scorecards.clear();
        View::Cascades
    } else {
        View::All
    };
    let missed = evaluation.kpis.iter().flat_map(|k| &k.rows).any(|r| r.status == Status::Missed);
    if view != View::All {
        evaluation.kpis.clear();
    }
    let to_terminal =
        args.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = match args.format {
        Format::Table => crate::report::table(&evaluation, to_terminal),
        Format::Json => crate::report::json(&args.spec.display().to_string(), &evaluation),
        Format::Csv => match view {
            View::All => crate::report::csv(&evaluation),
            View::Scorecards => crate::report::scorecards_csv(&evaluation),
            View::Cascades => crate::report::cascades_csv(&evaluation),
        },
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
    if args.fail_on_missed && missed {
        EXIT_MISSED
    } else {
        EXIT_OK
    }
}
