//! The call graph: plain data shared by every input format and read by the planner.

use petgraph::graph::{DiGraph, NodeIndex};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

mod build;

/// Duration percentiles of one invocation, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Durations {
    /// Median duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p50: Option<f64>,
    /// 95th percentile duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p95: Option<f64>,
    /// Longest observed duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

impl Durations {
    /// The longest figure known (max, else p95, else p50).
    pub fn longest(&self) -> Option<f64> {
        self.max.or(self.p95).or(self.p50)
    }

    /// The typical figure known (p50, else p95, else max).
    pub fn typical(&self) -> Option<f64> {
        self.p50.or(self.p95).or(self.max)
    }
}

/// One function, method or operation of the monolith.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Unique, stable id (a path such as `shop::orders::place_order`).
    pub id: String,
    /// Enclosing module, class or package: an affinity hint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// Trigger kind when this node is an entry point (`http`, `event`, `queue`, `schedule`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// Keeps in-memory state between calls.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stateful: bool,
    /// External data it reads or writes (`db:orders`, `cache:sessions`, …), sorted and unique.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Measured (or estimated) invocations per day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invocations_per_day: Option<f64>,
    /// Duration percentiles of one invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<Durations>,
    /// Memory it needs, in MB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_mb: Option<f64>,
    /// Static duration hints from the code (`sleep`, `blocking-io`, `io-loop`, …): low-confidence
    /// guesses the planner uses only when no duration is measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<String>,
    /// Where the node is defined (`src/orders.rs:42`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// A call from one node to another (duplicates already merged).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// Call count: call sites when static, calls when measured. Always finite and ≥ 0.
    pub weight: f64,
    /// A message or event rather than a blocking call.
    #[serde(rename = "async")]
    pub is_async: bool,
    /// How sure the producer is that this call exists, in (0, 1]: 1 when resolved exactly, lower
    /// for a static analyzer's fallback guesses (a method matched by name alone).
    pub confidence: f64,
}

impl Call {
    /// A call of this weight, resolved exactly.
    pub fn new(weight: f64, is_async: bool) -> Call {
        Call {
            weight,
            is_async,
            confidence: 1.0,
        }
    }
}

/// A call between two nodes given by their positions in id order, as readers resolve them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    /// Position of the caller.
    pub(crate) from: u32,
    /// Position of the callee.
    pub(crate) to: u32,
    /// The call.
    pub(crate) call: Call,
}

/// A monolith's call graph.
///
/// Invariants: node ids are unique and nodes are sorted by id (so a plan does not depend on
/// the order of the input file); edges are sorted by (from, to, async) and there is at most
/// one edge per (from, to, async) triple.
#[derive(Debug, Clone, Default)]
pub struct CallGraph {
    /// The graph itself: node weights are [`Node`]s, edge weights are [`Call`]s.
    pub graph: DiGraph<Node, Call>,
}

impl CallGraph {
    /// Builds a graph from nodes and `(from, to, call)` triples given as node positions,
    /// restoring the invariants: nodes sorted by id, edges merged and sorted.
    ///
    /// Callers guarantee ids are unique and positions are in range.
    ///
    /// # Panics
    /// With more than `u32::MAX` nodes, as petgraph does.
    ///
    /// # Complexity
    /// O(V log V + E log d), d the largest out-degree; the sort and the rows run in parallel.
    pub fn from_parts(mut nodes: Vec<Node>, edges: Vec<(usize, usize, Call)>) -> CallGraph {
        let count = u32::try_from(nodes.len()).expect("at most u32::MAX nodes");
        let mut order: Vec<u32> = (0..count).collect();
        // Ids are unique, so an unstable sort gives the one order there is.
        order.par_sort_unstable_by(|&a, &b| nodes[a as usize].id.cmp(&nodes[b as usize].id));
        let mut new_pos = vec![0; order.len()];
        for (new, &old) in (0..count).zip(&order) {
            new_pos[old as usize] = new;
        }
        let links = edges
            .into_iter()
            .map(|(from, to, call)| Link {
                from: new_pos[from],
                to: new_pos[to],
                call,
            })
            .collect();
        let node = |i: usize| std::mem::take(&mut nodes[order[i] as usize]);
        CallGraph::from_sorted_parts(order.len(), node, vec![links])
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of (merged) edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The node at position `i` (0-based, in id order).
    pub fn node(&self, i: usize) -> &Node {
        &self.graph[NodeIndex::new(i)]
    }

    /// All nodes in id order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + '_ {
        self.graph.raw_nodes().iter().map(|n| &n.weight)
    }

    /// All edges as `(from, to, call)` with node positions, in (from, to, async) order.
    pub fn edges(&self) -> impl ExactSizeIterator<Item = (usize, usize, Call)> + '_ {
        self.graph
            .raw_edges()
            .iter()
            .map(|e| (e.source().index(), e.target().index(), e.weight))
    }

    /// [`CallGraph::edges`] as a parallel iterator (in the same order where it is collected).
    pub fn par_edges(&self) -> impl IndexedParallelIterator<Item = (usize, usize, Call)> + '_ {
        self.graph
            .raw_edges()
            .par_iter()
            .map(|e| (e.source().index(), e.target().index(), e.weight))
    }

    /// Position of the node with this id, by binary search over the sorted ids.
    pub fn position(&self, id: &str) -> Option<usize> {
        let nodes = self.graph.raw_nodes();
        nodes
            .binary_search_by(|n| n.weight.id.as_str().cmp(id))
            .ok()
    }
}
