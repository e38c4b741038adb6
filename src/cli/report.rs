//! `kpic report`: the HTML report, one self-contained file (docs/report.md).

use super::eval::{evaluate, write_out, Evaluated, SelectionArgs};
use super::EXIT_OK;
use crate::eval::trends::History;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    selection: SelectionArgs,
    /// The HTML file to write.
    #[arg(long, short, default_value = "report.html")]
    output: PathBuf,
}

pub fn run(args: Args) -> u8 {
    let Evaluated { all, window, meta } = match evaluate(&args.selection, &[], crate::report::HISTORY_PERIODS) {
        Ok(e) => e,
        Err(code) => return code,
    };
    let history = History::new(&all);
    let shown = all.within(&window);
    let html = crate::report::html::html(&meta, &shown, &history);
    if let Err(code) = write_out(Some(&args.output), &html) {
        return code;
    }
    eprintln!("wrote {}", args.output.display());
    args.selection.periods.no_data(&shown).unwrap_or(EXIT_OK)
}
