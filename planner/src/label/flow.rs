//! How many calls reach each node: the flow of invocations from the entry points through the
//! call graph, and the static guess of how long each node runs.

use analyzer::{CallGraph, Hint};

use crate::calls::Calls;
use crate::config::Config;

/// How calls flow from the entry points through the graph.
pub(crate) struct Flow {
    /// Estimated invocations per day of every node.
    pub rate: Vec<f64>,
    /// Whether a node's estimate is measured (its own `invocations_per_day`).
    pub measured: Vec<bool>,
    /// Whether calls reach the node from an entry point (without any, from a node nobody calls).
    pub reached: Vec<bool>,
}

/// Estimated invocations per day of every node, whether the estimate is measured, and whether
/// the node is reached at all.
///
/// A node's own `invocations_per_day` wins; otherwise an entry point gets the default of its
/// trigger; otherwise a node is called once per invocation of each caller (summed over callers,
/// through the condensation of the call graph so cycles count once; a guessed call counts in
/// proportion to its confidence). When the graph declares no
/// entry point at all, nodes nobody calls stand in for request entry points.
///
/// Reachability rides on the same walk of the components, callers first: a component is reached
/// when one of its members is a start or is called from a reached component.
///
/// # Complexity
/// O(V + E).
pub(crate) fn flow(graph: &CallGraph, calls: &Calls<'_>, config: &Config) -> Flow {
    let n = graph.node_count();
    let any_entry = graph.nodes().any(|node| node.entry.is_some());
    let mut rate = vec![0.0; n];
    let mut measured = vec![false; n];
    let mut fixed = vec![false; n];
    let mut reached = vec![false; n];
    for (i, node) in graph.nodes().enumerate() {
        let uncalled = !calls.has_callers(i);
        reached[i] = if any_entry {
            node.entry.is_some()
        } else {
            uncalled
        };
        if let Some(r) = node.invocations_per_day {
            rate[i] = r;
            measured[i] = true;
            fixed[i] = true;
        } else if let Some(trigger) = &node.entry {
            rate[i] = default_rate(trigger, config);
            fixed[i] = true;
        } else if !any_entry && uncalled {
            rate[i] = config.labelling.default_http_per_day;
            fixed[i] = true;
        }
    }
    // Components come callees first (the order of petgraph's kosaraju_scc, so that every sum
    // below adds its terms in the same order as before): walk them backwards, callers first.
    let components = calls.components(|_, _| true);
    let mut component_of = vec![0u32; n];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            component_of[m as usize] = c as u32;
        }
    }
    let mut inflow = vec![0.0; n];
    for members in components.iter().rev() {
        let mut component_reached = false;
        for &m in members {
            let i = m as usize;
            if !fixed[i] {
                rate[i] = inflow[i];
            }
            component_reached |= reached[i];
        }
        for &m in members {
            let i = m as usize;
            reached[i] = component_reached;
            // A guessed call (a name match) passes on rate in proportion to its confidence.
            for (t, call) in calls.callees(i) {
                if component_of[t] != component_of[i] {
                    inflow[t] += rate[i] * call.confidence;
                    reached[t] |= component_reached;
                }
            }
        }
    }
    Flow {
        rate,
        measured,
        reached,
    }
}

/// For every node, the slowest static hint among the nodes of its own service it reaches through
/// calls inside the service (itself included): a guess of how long one invocation of it runs.
/// `None` when no node has a hint slower than the default (every guess is then the default).
///
/// The reached set of a node is its own component's plus those of the components it calls, so
/// one pass over the components of the calls inside services, callees first, gives every guess.
///
/// # Complexity
/// O(V + E).
pub(crate) fn reachable_hints(
    graph: &CallGraph,
    calls: &Calls<'_>,
    assignment: &[usize],
    l: &crate::config::Labelling,
) -> Option<Vec<f64>> {
    let own: Vec<f64> = graph
        .nodes()
        .map(|node| hinted_duration(&node.hints, l))
        .collect();
    if !own.iter().any(|&d| d > l.default_duration_ms) {
        return None;
    }
    let inside = |f: usize, t: usize| assignment[f] == assignment[t];
    let mut best = own.clone();
    let mut done = vec![false; own.len()];
    for members in calls.components(inside).iter() {
        let mut slowest = f64::NEG_INFINITY;
        for &m in members {
            let m = m as usize;
            slowest = slowest.max(own[m]);
            for &t in calls.callee_nodes(m) {
                let t = t as usize;
                // Callees in other components (components come callees first) are done.
                if done[t] && inside(m, t) {
                    slowest = slowest.max(best[t]);
                }
            }
        }
        for &m in members {
            best[m as usize] = slowest;
            done[m as usize] = true;
        }
    }
    Some(best)
}

/// A guessed typical duration from static hints: blocking work and sleeps make a node slower than
/// the default; a loop around I/O slower still. Low confidence by construction.
pub(super) fn hinted_duration(hints: &[String], l: &crate::config::Labelling) -> f64 {
    let factor = hints
        .iter()
        .map(|h| match Hint::parse(h) {
            // Weak signals, so modest factors: a loop around I/O usually runs a few round trips,
            // a sleep often sits on a retry path.
            Some(Hint::CpuHeavy) => 10.0,
            Some(Hint::IoLoop) => 5.0,
            Some(Hint::Sleep | Hint::BlockingIo | Hint::BlockingNetwork) => 3.0,
            _ => 1.0,
        })
        .fold(1.0, f64::max);
    l.default_duration_ms * factor
}

pub(super) fn default_rate(trigger: &str, config: &Config) -> f64 {
    let l = &config.labelling;
    match analyzer::Trigger::parse(trigger) {
        analyzer::Trigger::Schedule => l.default_schedule_per_day,
        analyzer::Trigger::Cli => l.default_cli_per_day,
        t if t.is_event() => l.default_event_per_day,
        _ => l.default_http_per_day,
    }
}
