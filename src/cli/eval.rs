//! `kpic eval`: compute every KPI on the data.

use super::emit::DiagFormat;
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::eval::trends::History;
use crate::eval::{period, Evaluation, Status, Window};
use crate::report::html::Meta;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Exit code of `--fail-on-missed` when a KPI is missed.
pub const EXIT_MISSED: u8 = 3;
/// Exit code: the periods asked for (`--period`, `--from`, `--to`) hold no
/// KPI result at all, so that a script can tell "nothing happened" from a
/// report.
pub const EXIT_NO_DATA: u8 = 5;

/// What to evaluate on which data, for which periods: shared by `eval` and `report`.
#[derive(clap::Args)]
pub struct SelectionArgs {
    /// The spec file.
    spec: PathBuf,
    #[command(flatten)]
    pub(crate) periods: Periods,
    /// Only these KPIs (repeatable).
    #[arg(long = "kpi")]
    kpis: Vec<String>,
    /// Read a source from another file: `--data signups=other.parquet` (repeatable).
    #[arg(long = "data", value_parser = super::parse_data)]
    data: Vec<(String, PathBuf)>,
    /// Read a source from a table in a warehouse instead: `--table
    /// orders=dwh:sales.orders`, the connection as kpic.toml declares it
    /// (repeatable).
    #[arg(long = "table", value_parser = super::parse_table)]
    tables: Vec<crate::TableOverride>,
    /// How to print errors in the spec or the data.
    #[arg(long, value_enum, default_value = "human")]
    error_format: DiagFormat,
    /// No progress on standard error (it is shown only on a terminal, for
    /// evaluations that take over a second).
    #[arg(long, short)]
    quiet: bool,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    selection: SelectionArgs,
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
    /// Lay tables out for this many columns (default: the terminal's width,
    /// else `COLUMNS`, else 80).
    #[arg(long, value_parser = clap::value_parser!(u16).range(i64::from(MIN_WIDTH)..))]
    width: Option<u16>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    All,
    Scorecards,
    Cascades,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    /// Tables for the terminal, with trends and findings
    Table,
    /// A versioned JSON document (docs/evaluation.md)
    Json,
    /// One line per KPI, period and entity
    Csv,
    /// Tables for pull requests and wikis
    Markdown,
    /// The self-contained HTML report of `kpic report`
    Html,
}

/// Which periods a command reports: `--period`, or `--from` and `--to`.
#[derive(clap::Args)]
pub struct Periods {
    /// Only this period (2025-03, 2025-Q1, 2025, 2025-W07, 2025-03-14).
    #[arg(long, conflicts_with_all = ["from", "to"])]
    period: Option<String>,
    /// First period to report.
    #[arg(long)]
    from: Option<String>,
    /// Last period to report (inclusive).
    #[arg(long)]
    to: Option<String>,
}

impl Periods {
    /// The window the flags name: [first day, day after).
    pub(crate) fn window(&self) -> Result<Window, String> {
        window(self.period.as_deref(), self.from.as_deref(), self.to.as_deref())
    }

    /// The flags as written: `--from 2025-01 --to 2025-03`.
    fn as_written(&self) -> String {
        let flags = [("--period", &self.period), ("--from", &self.from), ("--to", &self.to)];
        let set: Vec<String> = flags.iter().filter_map(|(f, v)| v.as_ref().map(|v| format!("{f} {v}"))).collect();
        set.join(" ")
    }

    /// When periods were asked for and no KPI has a result in them (no row,
    /// or only rows without data): say so on standard error; the exit code to
    /// end with.
    pub(crate) fn no_data(&self, shown: &Evaluation) -> Option<u8> {
        let asked = self.as_written();
        if asked.is_empty() || shown.kpis.is_empty() || shown.kpis.iter().flat_map(|k| &k.rows).any(|r| r.has_result())
        {
            return None;
        }
        eprintln!("error: no KPI has a result in the periods asked for (`{asked}`)");
        Some(EXIT_NO_DATA)
    }
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
    let window = Window {
        from: from.map(parse).transpose()?.map(|p| p.start),
        until: to.map(parse).transpose()?.map(|p| p.end()),
    };
    if let (Some(start), Some(until), Some(from), Some(to)) = (window.from, window.until, from, to) {
        if start >= until {
            return Err(format!("`--from {from}` starts after `--to {to}` ends: no period is in between"));
        }
    }
    Ok(window)
}

/// A spec evaluated on every period of its data, and the periods to report.
pub(crate) struct Evaluated {
    pub all: Evaluation,
    pub window: Window,
    pub meta: Meta,
}

/// Check, plan and evaluate the selection; `scorecards` adds their KPIs. On
/// failure the problem is printed and the exit code returned.
/// `history` periods of each KPI before the window are read for the trends
/// of the views that show them.
pub(crate) fn evaluate(sel: &SelectionArgs, scorecards: &[String], history: u32) -> Result<Evaluated, u8> {
    let window = sel.periods.window().map_err(|e| {
        eprintln!("error: {e}");
        EXIT_USAGE
    })?;
    let generated = generated_at().map_err(|e| {
        eprintln!("error: {e}");
        EXIT_USAGE
    })?;
    let checked = super::load_checked(&sel.spec, sel.error_format)?;
    let mut kpis = sel.kpis.clone();
    for name in scorecards {
        let Some(card) = checked.model.scorecards.iter().find(|c| &c.name == name) else {
            let hint = crate::diagnostics::did_you_mean(name, checked.model.scorecards.iter().map(|c| c.name.as_str()));
            eprintln!("error: no scorecard named `{name}`{}", hint.map_or(String::new(), |h| format!("; {h}")));
            return Err(EXIT_USAGE);
        };
        kpis.extend(card.entries.iter().map(|e| checked.model.kpi(e.kpi).name.clone()));
    }
    let selection = crate::Selection { kpis, data: sel.data.clone(), tables: sel.tables.clone(), window, history };
    let plan = crate::lower(&checked, &selection).map_err(|e| {
        eprintln!("error: {e}");
        EXIT_USAGE
    })?;
    // Every period read is evaluated, so that trends look back past the window.
    let spinner = super::progress::Spinner::start(sel.quiet);
    let result = crate::run_and_evaluate(&checked, &plan, &Window::default(), &spinner);
    drop(spinner);
    let all = result.map_err(|d| {
        let problems = if d.code.is_data() { crate::backend::every_problem(&plan, d) } else { vec![d] };
        data_problems(sel.error_format, problems, &checked.sources);
        EXIT_ERRORS
    })?;
    let data = plan.scans.iter().map(|s| (s.name.clone(), s.location.to_string())).collect();
    let meta = Meta { spec: sel.spec.display().to_string(), data, generated };
    Ok(Evaluated { all, window, meta })
}

/// How many problems of the data a run prints; the rest are counted.
const SHOWN_PROBLEMS: usize = 20;

/// The problems that stopped a run: at most [`SHOWN_PROBLEMS`], and how many
/// more there are.
fn data_problems(format: DiagFormat, mut problems: Vec<crate::diagnostics::Diagnostic>, sources: &crate::SourceMap) {
    let more = problems.len().saturating_sub(SHOWN_PROBLEMS);
    problems.truncate(SHOWN_PROBLEMS);
    if let [one] = &problems[..] {
        super::emit::one(format, one, sources);
        return;
    }
    let pairs: Vec<_> = problems.into_iter().map(|d| (d, sources)).collect();
    super::emit::diagnostics(format, &pairs, sources.files().count());
    if more > 0 {
        eprintln!("and {more} more problems in the data, not shown: fix these and run again");
    }
}

/// When the report is made: `SOURCE_DATE_EPOCH` (seconds since 1970, the
/// reproducible-builds convention, which tests use) or now, in UTC.
fn generated_at() -> Result<String, String> {
    let time = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
            .ok_or_else(|| format!("SOURCE_DATE_EPOCH=`{s}` is not a number of seconds since 1970"))?,
        Err(_) => chrono::Utc::now(),
    };
    Ok(time.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// Write `text` to `path`, or to standard output without one.
pub(crate) fn write_out(path: Option<&Path>, text: &str) -> Result<(), u8> {
    match path {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            eprintln!("error: cannot write {}: {e}", path.display());
            EXIT_USAGE
        }),
        None => {
            out!("{text}");
            Ok(())
        }
    }
}

pub fn run(args: Args) -> u8 {
    let read_before = match args.format {
        Format::Table | Format::Html => crate::report::HISTORY_PERIODS,
        Format::Json | Format::Csv | Format::Markdown => 0,
    };
    let Evaluated { all, window, meta } = match evaluate(&args.selection, &args.scorecards, read_before) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let history = History::new(&all);
    let mut evaluation = all.within(&window);
    let no_data = args.selection.periods.no_data(&evaluation);
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
    let text = match args.format {
        Format::Table => crate::report::table(&evaluation, &history, terminal_style(args.output.is_none(), args.width)),
        Format::Json => crate::report::json(&args.selection.spec.display().to_string(), &evaluation),
        Format::Csv => match view {
            View::All => crate::report::csv(&evaluation),
            View::Scorecards => crate::report::scorecards_csv(&evaluation),
            View::Cascades => crate::report::cascades_csv(&evaluation),
        },
        Format::Markdown => crate::report::markdown(&evaluation),
        Format::Html => crate::report::html::html(&meta, &evaluation, &history),
    };
    if let Err(code) = write_out(args.output.as_deref(), &text) {
        return code;
    }
    if let Some(code) = no_data {
        code
    } else if args.fail_on_missed && missed {
        EXIT_MISSED
    } else {
        EXIT_OK
    }
}

/// How the table looks where it goes: `to_stdout` and standard output a terminal,
/// or a file or a pipe; `width` as `--width` says.
pub(crate) fn terminal_style(to_stdout: bool, width: Option<u16>) -> crate::report::Style {
    let terminal = to_stdout && std::io::stdout().is_terminal();
    let terminal_width = terminal.then(|| comfy_table::Table::new().width().unwrap_or(80));
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok());
    let mut style = style_for(terminal_width, columns, std::env::var_os("NO_COLOR").is_some());
    if let Some(w) = width {
        style.width = w;
    }
    style
}

/// On a terminal (of the given width): colour unless NO_COLOR is set.
/// Elsewhere no colour and the width `COLUMNS` says, else 80. A width narrower
/// than [`MIN_WIDTH`] is not believed: some CI pseudo-terminals report a width
/// of 0, which would squeeze every table into one character per column.
fn style_for(terminal_width: Option<u16>, columns: Option<u16>, no_color: bool) -> crate::report::Style {
    let believed = |w: Option<u16>| w.filter(|w| *w >= MIN_WIDTH);
    let width = believed(terminal_width).or(believed(columns)).unwrap_or(80);
    crate::report::Style { color: terminal_width.is_some() && !no_color, width }
}

/// The narrowest terminal width believed.
pub(crate) const MIN_WIDTH: u16 = 40;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        let style = |w, no_color| {
            let s = style_for(w, None, no_color);
            (s.color, s.width)
        };
        assert_eq!(style(Some(120), false), (true, 120));
        assert_eq!(style(Some(120), true), (false, 120));
        assert_eq!(style(None, false), (false, 80));
        assert_eq!(style(None, true), (false, 80));
    }

    #[test]
    fn a_width_too_small_to_be_true_is_80() {
        let width = |w| style_for(Some(w), None, true).width;
        assert_eq!(width(0), 80);
        assert_eq!(width(39), 80);
        assert_eq!(width(40), 40);
        assert_eq!(width(200), 200);
    }

    #[test]
    fn columns_sets_the_width_off_a_terminal() {
        assert_eq!(style_for(None, Some(120), true).width, 120);
        assert_eq!(style_for(None, Some(10), true).width, 80);
        assert_eq!(style_for(Some(100), Some(120), true).width, 100);
    }
}
