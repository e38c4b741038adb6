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
    /// The backend-neutral plan (queries, KPI expressions, planning tables), as JSON.
    Ir,
}

pub fn run(args: Args) -> u8 {
    let checked = match super::load(&args.spec) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let json = match args.stage {
        Stage::Ast => serde_json::to_string_pretty(&checked.modules),
        Stage::Model | Stage::Ir if checked.has_errors() => {
            super::emit::spec_diagnostics(super::emit::DiagFormat::Human, &checked);
            return EXIT_ERRORS;
        }
        Stage::Model => serde_json::to_string_pretty(&checked.model),
        Stage::Ir => {
            let plan = crate::lower(&checked, &crate::Selection::default()).expect("no selection to refuse");
            serde_json::to_string_pretty(&plan)
        }
    };
    outln!("{}", json.expect("the syntax tree, model and plan serialize"));
    EXIT_OK
}
