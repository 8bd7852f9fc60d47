//! The `cleave` binary: parses arguments, calls the analyzer and the planner, writes the files,
//! prints the summary, and maps errors to exit codes (2 for bad input, 1 for anything else).

mod cli;
mod commands;
mod graphviz;
mod history;
mod input;
mod output;
mod progress;
mod terminal;
mod traces;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use input::BadInput;

/// Parsing Rust, reading JSON and building graphs allocate many small objects, from all cores:
/// mimalloc does that faster than the system allocator (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns transparent huge pages off for this process. Where the kernel backs every anonymous
/// mapping with 2 MB pages (`/sys/kernel/mm/transparent_hugepage/enabled` = `always`), each first
/// touch of a region zeroes 2 MB, and each region the allocator gives back and takes again is
/// zeroed anew: kernel page zeroing was 30 % of the samples of a 1M-node plan. Without them the
/// plan ran up to 14 % faster in less memory (docs/benchmarks.md). Nothing else changes; where the
/// call is refused, the process runs as before.
fn no_transparent_huge_pages() {
    #[cfg(target_os = "linux")]
    let _refused = rustix::thread::disable_transparent_huge_pages(true);
}

fn main() -> ExitCode {
    sigpipe::reset();
    no_transparent_huge_pages();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Plan(args) => commands::plan::run(&args),
        Command::Analyze(args) => commands::analyze::run(&args),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Render(args) => commands::render::run(&args),
        Command::Explain(args) => commands::explain::run(&args),
        Command::Compare(args) => commands::compare::run(&args),
        Command::Completions(args) => commands::completions::run(&args),
        Command::Man(args) => commands::completions::man(&args),
        Command::Init(args) => commands::init::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let chain: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", terminal::text(&chain.join(": ")));
            if e.chain().any(|c| c.is::<BadInput>()) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
