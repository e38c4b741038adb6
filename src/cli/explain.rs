//! `kpic explain CODE`: what a diagnostic means and how to fix it.

use super::{EXIT_OK, EXIT_USAGE};
use crate::diagnostics::Code;

#[derive(clap::Args)]
pub struct Args {
    /// A code such as E101, or its name such as unknown-source.
    code: String,
}

pub fn run(args: Args) -> u8 {
    match Code::parse(&args.code) {
        Some(code) => {
            out!("{}", crate::diagnostics::codes::page(code));
            EXIT_OK
        }
        None => {
            eprintln!("error: `{}` is not a kpic diagnostic code", args.code);
            EXIT_USAGE
        }
    }
}
