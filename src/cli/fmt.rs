//! `kpic fmt`: rewrite specs in the canonical layout, or list those that differ.

use super::{collect_specs, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Spec files or directories (searched for *.kpi).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing; list the files that are not formatted and exit 1 if any.
    #[arg(long)]
    check: bool,
}

pub fn run(args: Args) -> u8 {
    let specs = match collect_specs(&args.paths) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut unformatted = 0;
    let mut broken = 0;
    for spec in &specs {
        let text = match std::fs::read_to_string(spec) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", spec.display());
                return EXIT_USAGE;
            }
        };
        let Some(formatted) = crate::fmt::format(&text) else {
            eprintln!("error: {} has syntax errors; run `kpic check {}`", spec.display(), spec.display());
            broken += 1;
            continue;
        };
        if formatted == text {
            continue;
        }
        unformatted += 1;
        if args.check {
            outln!("{}", spec.display());
        } else if let Err(e) = std::fs::write(spec, formatted) {
            eprintln!("error: cannot write {}: {e}", spec.display());
            return EXIT_USAGE;
        }
    }
    if args.check && unformatted > 0 {
        eprintln!("{unformatted} of {} files would be reformatted", specs.len());
    } else if !args.check {
        eprintln!("{unformatted} of {} files reformatted", specs.len());
    }
    if broken > 0 || (args.check && unformatted > 0) {
        EXIT_ERRORS
    } else {
        EXIT_OK
    }
}
