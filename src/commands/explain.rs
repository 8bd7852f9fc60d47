//! `cleave explain PLAN.json NODE|SERVICE`: why a node sits in its service (its ties read from the
//! call graph), or why a service has its label.

use anyhow::Result;

use crate::cli::{ExplainArgs, HistoryArgs, TraceArgs};
use crate::commands::diff::pretty;
use crate::commands::plan::prepare;
use crate::input::{BadInput, read_text};

/// Suggestions offered for an unknown query.
const MAX_SUGGESTIONS: usize = 3;
/// Similarity (Jaro-Winkler, 0–1) below which a name is not suggested.
const MIN_SIMILARITY: f64 = 0.75;

/// The names closest to `query`: node ids, service names and ids, best first.
fn suggestions(plan: &planner::Plan, query: &str) -> Vec<String> {
    let q = query.to_lowercase();
    let score = |cand: &str| {
        let c = cand.to_lowercase();
        let last = c.rsplit([':', '/', '.']).next().unwrap_or(&c);
        let mut s = analyzer::similarity(&q, &c).max(analyzer::similarity(&q, last));
        if !q.is_empty() && c.contains(&q) {
            s = s.max(0.9 + 0.1 * q.len() as f64 / c.len().max(1) as f64);
        }
        s
    };
    let mut scored: Vec<(f64, &str)> = plan
        .clusters
        .iter()
        .flat_map(|s| {
            s.members
                .iter()
                .map(String::as_str)
                .chain([s.name.as_str(), s.id.as_str()])
        })
        .map(|c| (score(c), c))
        .filter(|(s, _)| *s >= MIN_SIMILARITY)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, c)| c.to_string())
        .collect()
}

/// The call graph for the ties: `--input`, else the plan's recorded input (with its traces and
/// config). `Err` carries the hint printed instead of the ties.
fn graph(args: &ExplainArgs, plan: &planner::Plan) -> Result<Result<analyzer::CallGraph, String>> {
    if let Some(path) = &args.input {
        // An input the user named must be readable: that is bad input, not a hint.
        return Ok(Ok(crate::input::load_graph(path, true)?));
    }
    if crate::input::is_stdin(&args.plan) {
        return Ok(Err(
            "the plan was read from standard input, so the paths it records cannot be resolved: pass --input GRAPH.json (or the Rust workspace) to see its calls".to_string(),
        ));
    }
    let Some(source) = &plan.source else {
        return Ok(Err(
            "the plan does not record its input: pass --input GRAPH.json (or the Rust workspace) to see its calls".to_string(),
        ));
    };
    if source.input.is_none() && source.traces.is_empty() {
        return Ok(Err(
            "the plan records no input: pass --input GRAPH.json to see its calls".to_string(),
        ));
    }
    let at = |p: &String| crate::commands::plan::recorded_path(&args.plan, p);
    let traces = TraceArgs {
        traces: source.traces.iter().map(at).collect(),
        window: None,
    };
    let input = source.input.as_ref().map(at);
    let config = source.config.as_ref().map(at);
    Ok(
        match prepare(
            input.as_deref(),
            config.as_deref(),
            &traces,
            &HistoryArgs {
                history: None,
                history_repo: None,
            },
            None,
            true,
            &crate::progress::Phases::off(),
        ) {
            Ok(p) => Ok(p.graph),
            Err(e) => Err(format!(
                "the input recorded in the plan cannot be read ({}): pass --input GRAPH.json to see its calls",
                e.chain()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(": ")
            )),
        },
    )
}

/// What `cleave explain --format json` prints: the explanation with its kind.
#[derive(serde::Serialize)]
struct Explained<'a, E: serde::Serialize> {
    /// `node` or `service`.
    kind: &'static str,
    #[serde(flatten)]
    explanation: &'a E,
    /// Why a node's ties are unknown (`null` when they are known); absent for a service.
    #[serde(skip_serializing_if = "Option::is_none")]
    ties_unknown: Option<Option<&'a str>>,
}

/// Runs `cleave explain`: exit 0, or 2 when the plan or the query is bad.
pub fn run(args: &ExplainArgs) -> Result<()> {
    let text = read_text(&args.plan)?;
    let plan = crate::commands::diff::parse_plan(&args.plan, &text)?;
    let q = args.query.as_str();
    if planner::service_of(&plan, q).is_some() {
        let graph = graph(args, &plan)?;
        let mut hint = graph.as_ref().err().cloned();
        let e = planner::explain_node(&plan, q, graph.as_ref().ok())
            .ok_or_else(|| anyhow::anyhow!("node {} vanished from the plan", q.escape_debug()))?;
        if e.ties.is_none() && hint.is_none() {
            hint = Some(
                "the node is not in the call graph (did the code change since the plan? pass --input)"
                    .to_string(),
            );
        }
        if args.format.json() {
            let out = Explained {
                kind: "node",
                explanation: &e,
                ties_unknown: Some(hint.as_deref()),
            };
            print!("{}", pretty(&serde_json::to_value(&out)?));
        } else {
            print!(
                "{}",
                crate::terminal::text(&planner::node_text(&e, hint.as_deref()))
            );
        }
        return Ok(());
    }
    if let Some(e) = planner::explain_service(&plan, q) {
        if args.format.json() {
            let out = Explained {
                kind: "service",
                explanation: &e,
                ties_unknown: None,
            };
            print!("{}", pretty(&serde_json::to_value(&out)?));
        } else {
            print!("{}", crate::terminal::text(&planner::service_text(&e)));
        }
        return Ok(());
    }
    if let Some(d) = planner::excluded_by(&plan, q) {
        return Err(anyhow::Error::new(BadInput(format!(
            "node `{}` is not in the plan: {} dropped it before planning ({}); remove it from [exclude] in the decisions file to plan it",
            q.escape_debug(),
            d.title,
            d.patterns.join(", ")
        ))));
    }
    let near = suggestions(&plan, q);
    let advice = if near.is_empty() {
        "give a node id or a service name or id from the plan".to_string()
    } else {
        let list: Vec<String> = near
            .iter()
            .map(|n| format!("`{}`", n.escape_debug()))
            .collect();
        format!("did you mean {}?", list.join(", "))
    };
    Err(anyhow::Error::new(BadInput(format!(
        "no node or service `{}` in {}: {advice}",
        q.escape_debug(),
        crate::input::name(&args.plan)
    ))))
}
