//! `kpic plan`: the optimized polars plan behind each KPI.

use super::emit::DiagFormat;
use super::{EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The spec file.
    spec: PathBuf,
    /// Only these KPIs (repeatable).
    #[arg(long = "kpi")]
    kpis: Vec<String>,
    /// Read a source from another file: `--data signups=other.parquet` (repeatable).
    #[arg(long = "data", value_parser = super::parse_data)]
    data: Vec<(String, PathBuf)>,
    /// How to print errors in the spec or the data.
    #[arg(long, value_enum, default_value = "human")]
    error_format: DiagFormat,
}

pub fn run(args: Args) -> u8 {
    let checked = match super::load_checked(&args.spec, args.error_format) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let selection = crate::Selection { kpis: args.kpis, data: args.data };
    let plan = match crate::lower(&checked, &selection) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    for (qi, q) in plan.queries.iter().enumerate() {
        let scan = &plan.scans[q.scan];
        let users: Vec<&str> = plan.kpis.iter().filter(|k| k.queries.contains(&qi)).map(|k| k.name.as_str()).collect();
        let by = if q.keys.is_empty() { String::new() } else { format!(" by {}", q.keys.join(", ")) };
        outln!(
            "== query {qi}: {} per {}{by} ({} aggregates) for {}",
            scan.name,
            q.grain.as_str(),
            q.aggs.len(),
            users.join(", ")
        );
        match crate::backend::polars::explain(scan, q) {
            Ok(text) => outln!("{text}\n"),
            Err(d) => {
                super::emit::one(args.error_format, &d, &checked.sources);
                return EXIT_ERRORS;
            }
        }
    }
    EXIT_OK
}
