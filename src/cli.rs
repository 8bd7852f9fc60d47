//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Plans the decomposition of a monolith into a hybrid of microservices and serverless functions.
#[derive(Debug, Parser)]
#[command(name = "cleave", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Plan services from a call graph: writes plan.json, plan.dot and plan.md to --out.
    Plan(PlanArgs),
    /// Extract the call graph of a Rust crate or workspace and write it in the JSON format.
    Analyze(AnalyzeArgs),
}

/// Arguments of `cleave analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// A Rust crate or workspace directory.
    pub path: PathBuf,
    /// Runtime traces to merge (see `plan --traces`).
    #[command(flatten)]
    pub traces: TraceArgs,
    /// File to write the JSON call graph to (docs/callgraph-format.md).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Do not print the analysis summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Arguments of `cleave plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The monolith: a JSON call graph file (docs/callgraph-format.md), or a Rust crate or
    /// workspace directory to analyze. May be left out when --traces are given.
    #[arg(required_unless_present = "traces")]
    pub input: Option<PathBuf>,
    /// Runtime traces.
    #[command(flatten)]
    pub traces: TraceArgs,
    /// Directory to write plan.json, plan.dot and plan.md into (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,
    /// Exactly this many services (where the graph has that many nodes); automatic otherwise.
    #[arg(short, long, value_name = "N")]
    pub services: Option<usize>,
    /// TOML file overriding clustering knobs, FaaS limits, thresholds and prices (docs/config.md).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not print the summary table.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runtime trace options shared by `plan` and `analyze`.
#[derive(Debug, Clone, clap::Args)]
pub struct TraceArgs {
    /// A trace export (Zipkin v2 JSON, OTLP/JSON or Jaeger JSON, recognised by content); repeat for
    /// several files. Measured rates, durations and calls are merged into the call graph.
    #[arg(long = "traces", value_name = "FILE")]
    pub traces: Vec<PathBuf>,
    /// The time the exports cover when they are samples (`1h`, `30m`, `7d`, or seconds): rates are
    /// scaled from it instead of from the spans' own time range.
    #[arg(long = "traces-window", value_name = "DURATION", requires = "traces")]
    pub window: Option<String>,
}
