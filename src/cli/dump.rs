//! `kpic dump STAGE SPEC`: show what a compiler stage makes of a spec.

use super::{read_file, stderr_color, EXIT_ERRORS, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::render;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The stage to print.
    #[arg(value_enum)]
    stage: Stage,
    /// The spec file.
    spec: PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Stage {
    /// The syntax tree of each file, as JSON.
    Ast,
    /// The resolved, typed model, as JSON.
    Model,
}

pub fn run(args: Args) -> u8 {
    let checked = match crate::check_spec(&args.spec, &read_file) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.spec.display());
            return EXIT_USAGE;
        }
    };
    let json = match args.stage {
        Stage::Ast => serde_json::to_string_pretty(&checked.modules),
        Stage::Model => {
            if checked.has_errors() {
                let color = stderr_color();
                for d in &checked.diagnostics {
                    eprint!("{}", render::to_human(d, &checked.sources, color));
                }
                eprintln!("{}", render::summary(&checked.diagnostics, checked.sources.files().count()));
                return EXIT_ERRORS;
            }
            serde_json::to_string_pretty(&checked.model)
        }
    };
    println!("{}", json.expect("the syntax tree and model serialize"));
    EXIT_OK
}
