//! The `waygate` command line: keys, compile, verify, inspect and explain.

mod cli;

use std::process::ExitCode;

use clap::Parser as _;

/// The data plane allocates and frees per request on several threads; mimalloc's
/// thread-local free lists make that markedly cheaper than glibc's arenas (BENCHMARKS.md).
#[cfg(feature = "serve")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
