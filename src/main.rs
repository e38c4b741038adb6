//! The `kpic` binary: parse arguments, run the command, map the outcome to an exit code.

use std::process::ExitCode;

// polars allocates and frees many short-lived buffers on every thread; mimalloc
// does that far faster than the system allocator (polars' own recommendation).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // The front end is recursive over expression nesting (bounded by the parser's
    // depth limit); a generous stack keeps debug builds far from that bound.
    let child = std::thread::Builder::new().stack_size(64 * 1024 * 1024).spawn(kpic::cli::main);
    match child.map(|c| c.join()) {
        Ok(Ok(code)) => ExitCode::from(code),
        _ => ExitCode::from(kpic::cli::EXIT_USAGE),
    }
}
