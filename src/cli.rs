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
    /// Extract the call graph of a Rust crate or workspace, or of a SCIP code index, and write it in the JSON format.
    Analyze(AnalyzeArgs),
    /// Compare two plans: moved nodes, services born, merged, split or relabelled, metric and cost deltas.
    Diff(DiffArgs),
    /// Re-plan the input and fail (exit 1) when it drifted from a reviewed plan beyond thresholds.
    Check(CheckArgs),
    /// Draw a plan's service diagram, or one service's detail, with Graphviz.
    Render(RenderArgs),
    /// Explain why a node sits in its service, or why a service has its label.
    Explain(ExplainArgs),
    /// Score a plan against a reference decomposition: MoJoFM, the moves needed, and which services correspond.
    Compare(CompareArgs),
    /// Print a shell completion script to standard output.
    Completions(CompletionsArgs),
    /// Write the man pages: cleave.1 and one page per subcommand.
    Man(ManArgs),
    /// Write a commented cleave.toml: every setting with its default, and example decisions.
    Init(InitArgs),
}

/// Arguments of `cleave diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The earlier plan.json.
    pub old: PathBuf,
    /// The later plan.json.
    pub new: PathBuf,
    /// Text or JSON.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Arguments of `cleave compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The plan.json to score.
    pub plan: PathBuf,
    /// The target decomposition: an expert assignment {"assignment": {entity: service}}, service
    /// lists {"services": {service: [node ids]}}, or another plan.json.
    pub reference: PathBuf,
    /// Text or JSON.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Arguments of `cleave check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The reviewed plan.json.
    pub plan: PathBuf,
    /// The monolith now: a JSON call graph file, a SCIP code index or a Rust crate or workspace directory.
    pub input: PathBuf,
    /// Config and decisions (default: cleave.toml beside the input, if any).
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Runtime traces.
    #[command(flatten)]
    pub traces: TraceArgs,
    /// Repository history.
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Most nodes allowed to move to another service, in percent of the nodes.
    #[arg(long, value_name = "PERCENT", default_value_t = planner::DriftThresholds::DEFAULT.max_moved_percent)]
    pub max_moved: f64,
    /// Most new service-to-service call pairs allowed.
    #[arg(long, value_name = "N", default_value_t = planner::DriftThresholds::DEFAULT.max_new_cross_calls)]
    pub max_new_cross_calls: usize,
    /// Do not fail when a service's label changes.
    #[arg(long)]
    pub allow_label_changes: bool,
    /// Text or JSON.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Output formats of `cleave render`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RenderFormat {
    /// Scalable vector graphics (needs Graphviz).
    Svg,
    /// Portable network graphics (needs Graphviz).
    Png,
    /// The DOT source itself.
    Dot,
    /// A Mermaid flowchart (renders in GitHub and GitLab Markdown).
    Mermaid,
    /// A Structurizr DSL workspace with a container view.
    Structurizr,
    /// A C4-PlantUML container view.
    Plantuml,
}

/// Arguments of `cleave render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The plan.json to draw.
    pub plan: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "svg")]
    pub format: RenderFormat,
    /// Draw one service (name or id): its members and its calls in and out.
    #[arg(short, long, value_name = "NAME")]
    pub service: Option<String>,
    /// The call graph the plan was made from (default: the input recorded in the plan); needed
    /// for --service.
    #[arg(long, value_name = "INPUT")]
    pub input: Option<PathBuf>,
    /// File to write (default: plan.svg / plan.png / plan.dot, or SERVICE.svg…, beside the plan);
    /// `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The service diagram's picture: nodes and links (`graph`), the dependency structure matrix
    /// (`matrix`), or `auto`: the matrix from 41 services on, where links cannot be followed.
    #[arg(long, value_enum, default_value = "auto", conflicts_with = "service")]
    pub view: DiagramView,
    /// Hide links between services lighter than this: calls per day where the plan measured
    /// traffic, static call weight otherwise. The diagram's title counts what was hidden.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0.0,
        conflicts_with = "service"
    )]
    pub min_calls: f64,
    /// Draw only the N heaviest links between services (the title counts the rest).
    #[arg(long, value_name = "N", conflicts_with = "service")]
    pub top_edges: Option<usize>,
}

/// Pictures of the service diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiagramView {
    /// Nodes and links up to 40 services, the matrix past that.
    Auto,
    /// Nodes and links, whatever the size.
    Graph,
    /// The dependency structure matrix.
    Matrix,
}

/// Arguments of `cleave explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The plan.json.
    pub plan: PathBuf,
    /// A node id, or a service name or id.
    pub query: String,
    /// The call graph the plan was made from (default: the input recorded in the plan).
    #[arg(long, value_name = "INPUT")]
    pub input: Option<PathBuf>,
    /// Text or JSON.
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Arguments of `cleave analyze`.
#[derive(Debug, clap::Args)]
pub struct AnalyzeArgs {
    /// A Rust crate or workspace directory, or a SCIP code index (docs/scip.md).
    pub path: PathBuf,
    /// Runtime traces to merge (see `plan --traces`).
    #[command(flatten)]
    pub traces: TraceArgs,
    /// File to write the JSON call graph to (docs/callgraph-format.md); `-` for standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Do not print the analysis summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Text or JSON (the summary; refused with `-o -`, where the graph itself is the output).
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Arguments of `cleave plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// The monolith: a JSON call graph file (docs/callgraph-format.md), a SCIP code index of any
    /// language (docs/scip.md), or a Rust crate or workspace directory to analyze. May be left
    /// out when --traces are given.
    #[arg(required_unless_present = "traces")]
    pub input: Option<PathBuf>,
    /// Runtime traces.
    #[command(flatten)]
    pub traces: TraceArgs,
    /// Repository history.
    #[command(flatten)]
    pub history: HistoryArgs,
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
    /// Also write plan.html: a self-contained report with the diagram, a sortable, filterable
    /// table of services, search by node name, and the metrics.
    #[arg(long)]
    pub html: bool,
    /// An earlier plan whose service ids and names to keep where membership mostly persists
    /// (default: DIR/plan.json when it exists).
    #[arg(long, value_name = "FILE", conflicts_with = "fresh")]
    pub previous: Option<PathBuf>,
    /// Ignore any earlier plan in --out: number and name services afresh.
    #[arg(long)]
    pub fresh: bool,
    /// Print each phase's wall time (load, build, cluster, label, render, write) on stderr.
    #[arg(long)]
    pub timings: bool,
    /// Text or JSON (the summary: services, totals, files written).
    #[command(flatten)]
    pub format: FormatArgs,
}

/// Runtime trace options shared by `plan` and `analyze`.
#[derive(Debug, Clone, clap::Args)]
pub struct TraceArgs {
    /// A trace export (Zipkin v2 JSON, OTLP/JSON or Jaeger JSON, JSON Lines of them, gzip or not,
    /// recognised by content), a directory of pieces of one export, or the Prometheus metrics of
    /// the collector's servicegraph/spanmetrics connectors; repeat for several exports (their
    /// rates add up). Measured rates, durations and calls are merged into the call graph.
    #[arg(long = "traces", value_name = "PATH")]
    pub traces: Vec<PathBuf>,
    /// The time the exports cover when they are samples, or the range of a metrics query (`1h`,
    /// `30m`, `7d`, or seconds): rates are scaled from it instead of from the spans' own time range.
    #[arg(long = "traces-window", value_name = "DURATION", requires = "traces")]
    pub window: Option<String>,
}

/// Repository history options shared by `plan` and `check`.
#[derive(Debug, Clone, clap::Args)]
pub struct HistoryArgs {
    /// Tie the functions of files that change together in the git history (evolutionary
    /// coupling), from the last N commits (`--history` alone: 1000). Needs git.
    #[arg(
        long,
        value_name = "N",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "1000"
    )]
    pub history: Option<usize>,
    /// The folder whose history to read (default: the Rust input folder, or the repository
    /// holding the input file); history paths are taken relative to it.
    #[arg(long, value_name = "DIR", requires = "history")]
    pub history_repo: Option<std::path::PathBuf>,
}

/// Arguments of `cleave completions`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Install, e.g.: cleave completions bash > ~/.local/share/bash-completion/completions/cleave"
)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `cleave man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Folder to write cleave.1 and cleave-SUBCOMMAND.1 into (created if missing); without it,
    /// the main page is printed on standard output.
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Arguments of `cleave init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The folder to write cleave.toml into: the one holding the call graph, or the Rust
    /// workspace, so `cleave plan` finds it beside its input.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing cleave.toml.
    #[arg(long)]
    pub force: bool,
}

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Text and tables for a person.
    Text,
    /// Pretty JSON for a script (docs/cli.md).
    Json,
}

/// `--format text|json`, shared by every command that prints a result; `--json` is the older
/// spelling of `--format json`, kept working but hidden.
#[derive(Debug, Clone, clap::Args)]
pub struct FormatArgs {
    /// Print the result as text for a person or as JSON for a script.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: OutputFormat,
    /// Same as --format json.
    #[arg(long, hide = true, conflicts_with = "format")]
    pub json: bool,
}

impl FormatArgs {
    /// Whether JSON was asked for, by either spelling.
    pub fn json(&self) -> bool {
        self.json || self.format == OutputFormat::Json
    }
}
