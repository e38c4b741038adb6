//! `kpic dump STAGE SPEC`: show what a compiler stage makes of a spec.

use super::{EXIT_ERRORS, EXIT_OK};
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
    let checked = match super::load(&args.spec) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let json = match args.stage {
        Stage::Ast => serde_json::to_string_pretty(&checked.modules),
        Stage::Model => {
            if checked.has_errors() {
                super::emit::spec_diagnostics(super::emit::DiagFormat::Human, &checked);
                return EXIT_ERRORS;
            }
            serde_json::to_string_pretty(&checked.model)
        }
    };
    outln!("{}", json.expect("the syntax tree and model serialize"));
    EXIT_OK
}
