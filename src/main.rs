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

fn main() -> ExitCode {
    sigpipe::reset();
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
