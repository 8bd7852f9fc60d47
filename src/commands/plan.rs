//! `cleave plan`: inputs in, plan.json, plan.dot, plan.md (and plan.html) out.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::cli::{HistoryArgs, PlanArgs, TraceArgs};
use crate::commands::diff::pretty;
use crate::input::{BadInput, bad, read_text};
use crate::progress::Phases;
use crate::{history, input, output, traces};

/// The name of the decisions and config file looked for beside the input.
pub const CONFIG_FILE: &str = "cleave.toml";

/// What planning needs, read from the command line and the files it names.
pub struct Prepared {
    /// The call graph, traces merged.
    pub graph: analyzer::CallGraph,
    /// The config and decisions.
    pub config: planner::Config,
    /// Trace coverage, when traces were given.
    pub coverage: Option<planner::TraceCoverage>,
    /// The repository's co-change history, with --history.
    pub history: Option<planner::History>,
    /// Where it all came from.
    pub source: planner::PlanSource,
    /// Wall time of reading the input and building the graph.
    pub load: Duration,
    /// Wall time of merging the traces.
    pub build: Duration,
}

/// The config file to use: the one given, else `cleave.toml` beside the input.
pub fn find_config(given: Option<&Path>, input: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = given {
        return Some(path.to_path_buf());
    }
    let dir = input.map(|p| {
        if p.is_dir() {
            p.to_path_buf()
        } else {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        }
    })?;
    let candidate = dir.join(CONFIG_FILE);
    candidate.is_file().then_some(candidate)
}

fn absolute(path: &Path) -> String {
    std::fs::canonicalize(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// The source paths as recorded in `DIR/plan.json`: relative to `DIR`, so that a plan committed
/// beside its input works in any checkout (paths on another drive stay absolute).
fn relative_to(source: planner::PlanSource, dir: &Path) -> planner::PlanSource {
    let Ok(base) = std::path::absolute(dir) else {
        return source;
    };
    let base = std::fs::canonicalize(&base).unwrap_or(base);
    let rel = |p: String| pathdiff::diff_paths(&p, &base).map_or(p, |r| r.display().to_string());
    planner::PlanSource {
        input: source.input.map(rel),
        traces: source.traces.into_iter().map(rel).collect(),
        config: source.config.map(rel),
        history: source.history.map(|h| planner::HistorySource {
            repository: rel(h.repository),
            ..h
        }),
    }
}

/// A path recorded in a plan: relative ones are relative to the plan file's folder.
pub fn recorded_path(plan_file: &Path, recorded: &str) -> PathBuf {
    let p = Path::new(recorded);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    plan_file
        .parent()
        .map_or_else(|| p.to_path_buf(), |dir| dir.join(p))
}

/// Reads the config, the input and the traces.
pub fn prepare(
    input_path: Option<&Path>,
    config_path: Option<&Path>,
    trace_args: &TraceArgs,
    history_args: &HistoryArgs,
    services: Option<usize>,
    quiet: bool,
    phases: &Phases,
) -> Result<Prepared> {
    // A graph read from standard input has no folder: no config beside it, no repository, and
    // no path to record.
    let input_file = input_path.filter(|p| !input::is_stdin(p));
    let config_file = find_config(config_path, input_file);
    let mut config = match &config_file {
        Some(path) => {
            // A config found beside the input is state the command line does not name: say so.
            if config_path.is_none() && !quiet {
                eprintln!(
                    "note: using the config {} beside the input (-c FILE to choose another)",
                    crate::terminal::text(&path.display().to_string())
                );
            }
            let config = planner::parse_config(&read_text(path)?)
                .map_err(bad)
                .with_context(|| format!("in config {}", path.display()))?;
            // Mapping rules are checked whether or not traces are given this time.
            analyzer::check_map_rules(&config.traces.map)
                .map_err(bad)
                .with_context(|| format!("in config {}", path.display()))?;
            config
        }
        None => planner::Config::default(),
    };
    if services.is_some() {
        config.clustering.services = services;
    }
    let window = match &trace_args.window {
        Some(w) => Some(traces::parse_window(w)?),
        None => config.traces.window_s,
    };
    config.validate().map_err(bad)?;
    let started = Instant::now();
    phases.phase("load");
    let graph = match input_path {
        // Parsing Rust draws its own progress bar.
        Some(path) if path.is_dir() => Some(phases.hidden(|| input::load_graph(path, quiet))?),
        Some(path) => Some(input::load_graph(path, quiet)?),
        None => None,
    };
    phases.phase("build");
    let loaded = Instant::now();
    let (graph, coverage) = if trace_args.traces.is_empty() {
        match graph {
            Some(g) => (g, None),
            None => {
                return Err(anyhow::Error::new(BadInput(
                    "nothing to plan: give a call graph, a Rust workspace or --traces".to_string(),
                )));
            }
        }
    } else {
        let (g, c) = traces::apply(graph, &trace_args.traces, window, &config.traces.map)?;
        if !quiet {
            phases.hidden(|| traces::warn(&c));
        }
        (g, Some(c))
    };
    let history = history::read(input_file, history_args)?;
    let source = planner::PlanSource {
        input: input_file.map(absolute),
        traces: trace_args.traces.iter().map(|p| absolute(p)).collect(),
        config: config_file.as_deref().map(absolute),
        history: history.as_ref().map(|h| planner::HistorySource {
            repository: absolute(Path::new(&h.source.repository)),
            ..h.source.clone()
        }),
    };
    Ok(Prepared {
        graph,
        config,
        coverage,
        history: history.map(|h| h.history),
        source,
        load: loaded - started,
        build: loaded.elapsed(),
    })
}

/// The earlier plan to keep ids and names from: `--previous`, else DIR/plan.json unless `--fresh`.
fn previous_plan(args: &PlanArgs) -> Result<Option<planner::Plan>> {
    let path = match (&args.previous, args.fresh) {
        (Some(p), _) => p.clone(),
        (None, true) => return Ok(None),
        (None, false) => {
            let p = args.out.join("plan.json");
            if !p.is_file() {
                return Ok(None);
            }
            p
        }
    };
    let text = read_text(&path)?;
    match crate::commands::diff::parse_plan(&path, &text) {
        Ok(plan) => {
            // Re-planning into a folder that holds a plan keeps its ids: say so, it is state the
            // command line does not name.
            if args.previous.is_none() && !args.quiet {
                eprintln!(
                    "note: keeping the service ids and names of {} where membership persists (--fresh to start over)",
                    crate::terminal::text(&path.display().to_string())
                );
            }
            Ok(Some(plan))
        }
        // An explicit --previous must be a valid plan; a stale or foreign DIR/plan.json is ignored.
        Err(e) if args.previous.is_some() => Err(e),
        Err(_) => Ok(None),
    }
}

/// Says when the plan already in `out` was made from another input than this run's: its ids and
/// names are still kept where membership persists, which is seldom what a user re-planning a
/// different monolith into the same folder wants.
fn warn_other_input(out: &Path, previous: &planner::Plan, now: &planner::PlanSource) {
    let Some(before) = previous.source.as_ref().and_then(|s| s.input.as_deref()) else {
        return;
    };
    let Some(now) = now.input.as_deref() else {
        return;
    };
    let same_file = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let before = recorded_path(&out.join("plan.json"), before);
    if same_file(&before) != same_file(Path::new(now)) {
        eprintln!(
            "warning: {} was planned from {}, not from {}: pass --fresh to number and name services afresh",
            crate::terminal::text(&out.join("plan.json").display().to_string()),
            crate::terminal::text(&before.display().to_string()),
            crate::terminal::text(now)
        );
    }
}

/// A decision whose pattern matched nothing is most likely a typo: say so on stderr, not only in
/// plan.json.
fn warn_unmatched(plan: &planner::Plan) {
    let Some(report) = &plan.decisions else {
        return;
    };
    for what in &report.unmatched {
        eprintln!(
            "warning: decision matched no node: {} (check the pattern for a typo)",
            crate::terminal::text(what)
        );
    }
}

/// Runs `cleave plan`.
pub fn run(args: &PlanArgs) -> Result<()> {
    let phases = Phases::start(args.quiet);
    let prepared = prepare(
        args.input.as_deref(),
        args.config.as_deref(),
        &args.traces,
        &args.history,
        args.services,
        args.quiet,
        &phases,
    )?;
    let previous = previous_plan(args)?;
    if let Some(p) = &previous
        && args.previous.is_none()
        && !args.quiet
    {
        warn_other_input(&args.out, p, &prepared.source);
    }
    let what = args
        .input
        .as_ref()
        .map_or_else(|| "the traces".to_string(), |p| input::name(p));
    phases.phase("cluster and label");
    let (mut plan, timings) = planner::plan_with_history(
        &prepared.graph,
        &prepared.config,
        previous.as_ref(),
        prepared.history.as_ref(),
    )
    .map_err(bad)
    .with_context(|| format!("cannot plan {what}"))?;
    plan.traces = prepared.coverage;
    plan.source = Some(relative_to(prepared.source, &args.out));
    if !args.quiet {
        phases.hidden(|| warn_unmatched(&plan));
    }
    phases.phase("render");
    let render_start = Instant::now();
    let dot = planner::render::dot(&plan);
    let mut files = vec![
        ("plan.json", planner::render::json(&plan)),
        (planner::PLAN_SCHEMA_FILE, planner::plan_schema()),
        ("plan.md", planner::render::markdown(&plan)),
    ];
    if args.html {
        files.push(("plan.html", crate::graphviz::html_report(&plan, &dot)));
    }
    files.insert(1, ("plan.dot", dot));
    let rendered = Instant::now();
    phases.phase("write");
    output::write_all(&args.out, &files)?;
    let written = Instant::now();
    drop(phases);
    if args.timings {
        let phases = [
            ("load", prepared.load),
            ("build", prepared.build),
            ("cluster", timings.cluster),
            ("label", timings.label),
            ("render", rendered - render_start),
            ("write", written - rendered),
        ];
        for (name, d) in phases {
            eprintln!("timing: {name:<8} {:>10.3} s", d.as_secs_f64());
        }
    }
    let names: Vec<String> = files
        .iter()
        .map(|(name, _)| args.out.join(name).display().to_string())
        .collect();
    if args.format.json() {
        print!(
            "{}",
            pretty(&serde_json::to_value(summary_json(&plan, &names))?)
        );
    } else if !args.quiet {
        print!(
            "{}",
            crate::terminal::text(&planner::render::summary(&plan))
        );
        println!("wrote {}", names.join(", "));
    }
    Ok(())
}

/// The summary as JSON (`--format json`): each service's id, name, label, member count,
/// confidence and cost, the plan's totals, and the files written. The whole plan is in plan.json.
#[derive(serde::Serialize)]
struct PlanSummary<'a> {
    services: Vec<ServiceSummary<'a>>,
    totals: Totals<'a>,
    files: &'a [String],
}

/// One service in [`PlanSummary`].
#[derive(serde::Serialize)]
struct ServiceSummary<'a> {
    id: &'a str,
    name: &'a str,
    label: planner::Label,
    members: usize,
    confidence: &'a planner::Confidence,
    cost: &'a planner::Cost,
}

/// The plan's totals in [`PlanSummary`].
#[derive(serde::Serialize)]
struct Totals<'a> {
    services: usize,
    microservices: usize,
    functions: usize,
    nodes: usize,
    shared_code: usize,
    unreachable: usize,
    modularity: f64,
    inter_call_percentage: f64,
    cost: &'a planner::PlanCost,
}

fn summary_json<'a>(plan: &'a planner::Plan, files: &'a [String]) -> PlanSummary<'a> {
    let microservices = plan
        .clusters
        .iter()
        .filter(|s| s.label == planner::Label::Microservice)
        .count();
    PlanSummary {
        services: plan
            .clusters
            .iter()
            .map(|s| ServiceSummary {
                id: &s.id,
                name: &s.name,
                label: s.label,
                members: s.size,
                confidence: &s.confidence,
                cost: &s.cost,
            })
            .collect(),
        totals: Totals {
            services: plan.clusters.len(),
            microservices,
            functions: plan.clusters.len() - microservices,
            nodes: plan.clusters.iter().map(|s| s.size).sum(),
            shared_code: plan.shared_code.len(),
            unreachable: plan.unreachable.len(),
            modularity: plan.metrics.modularity,
            inter_call_percentage: plan.metrics.inter_call_percentage,
            cost: &plan.cost,
        },
        files,
    }
}
