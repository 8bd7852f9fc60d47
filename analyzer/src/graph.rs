//! The call graph: plain data shared by every input format and read by the planner.

use petgraph::Direction;
use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
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
///
/// The graph owns its nodes and calls and keeps the invariants by being read-only once built:
/// nodes are addressed by their position in id order (`0..node_count()`), edges by their
/// position in edge order (`0..edge_count()`). To change a graph, build a new one with
/// [`CallGraph::from_parts`]. Where a petgraph algorithm is wanted, [`CallGraph::petgraph`] lends
/// the graph read-only, with node and edge indices equal to these positions.
#[derive(Debug, Clone, Default)]
pub struct CallGraph {
    /// Node weights are [`Node`]s, edge weights are [`Call`]s; node `i` and edge `e` are at
    /// petgraph index `i` and `e`.
    graph: DiGraph<Node, Call>,
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
    ///
    /// # Complexity
    /// O(1).
    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of (merged) edges.
    ///
    /// # Complexity
    /// O(1).
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The node at position `i` (0-based, in id order).
    ///
    /// # Panics
    /// When `i` is not below [`CallGraph::node_count`].
    ///
    /// # Complexity
    /// O(1).
    pub fn node(&self, i: usize) -> &Node {
        &self.graph[NodeIndex::new(i)]
    }

    /// All nodes in id order (the `i`-th is [`CallGraph::node`]`(i)`).
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + '_ {
        self.graph.raw_nodes().iter().map(|n| &n.weight)
    }

    /// Position of the node with this id, by binary search over the sorted ids.
    ///
    /// # Complexity
    /// O(log V) string comparisons.
    pub fn position(&self, id: &str) -> Option<usize> {
        let nodes = self.graph.raw_nodes();
        nodes
            .binary_search_by(|n| n.weight.id.as_str().cmp(id))
            .ok()
    }

    /// All edges as `(from, to, call)` with node positions, in (from, to, async) order: the
    /// `e`-th is edge `e`.
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

    /// The call of edge `e` (its position in [`CallGraph::edges`]).
    ///
    /// # Panics
    /// When `e` is not below [`CallGraph::edge_count`].
    ///
    /// # Complexity
    /// O(1).
    pub fn call(&self, e: usize) -> &Call {
        &self.graph[EdgeIndex::new(e)]
    }

    /// The calls node `i` makes, as `(callee, call)`, self-calls included. Newest edge first
    /// (petgraph's adjacency order): by decreasing (callee, async).
    ///
    /// For repeated walks over every node's calls, the planner indexes them once in compact
    /// rows instead (`planner::calls`).
    ///
    /// # Complexity
    /// O(1) to start, O(1) a call.
    pub fn callees(&self, i: usize) -> impl Iterator<Item = (usize, &Call)> + '_ {
        self.graph
            .edges_directed(NodeIndex::new(i), Direction::Outgoing)
            .map(|e| (e.target().index(), e.weight()))
    }

    /// The calls node `i` receives, as `(caller, call)`, self-calls included. Newest edge first
    /// (petgraph's adjacency order): by decreasing (caller, async).
    ///
    /// # Complexity
    /// O(1) to start, O(1) a call.
    pub fn callers(&self, i: usize) -> impl Iterator<Item = (usize, &Call)> + '_ {
        self.graph
            .edges_directed(NodeIndex::new(i), Direction::Incoming)
            .map(|e| (e.source().index(), e.weight()))
    }

    /// The graph as petgraph's `DiGraph`, read-only, for its algorithms (`kosaraju_scc`, …):
    /// node index `i` is position `i`, edge index `e` is edge `e`, and each node's adjacency
    /// lists hold its newest edge first.
    pub fn petgraph(&self) -> &DiGraph<Node, Call> {
        &self.graph
    }

    /// A graph holding exactly `graph`, for tests that build one another way and compare.
    #[cfg(test)]
    pub(crate) fn from_petgraph(graph: DiGraph<Node, Call>) -> CallGraph {
        CallGraph { graph }
    }
}

#[cfg(test)]
mod tests {
    use super::{Call, CallGraph, Node};

    /// Nodes `c`, `a`, `b` (given out of id order) and calls between them, one of them a
    /// self-call and one pair both sync and async.
    fn sample() -> CallGraph {
        let node = |id: &str| Node {
            id: id.to_string(),
            ..Node::default()
        };
        CallGraph::from_parts(
            vec![node("c"), node("a"), node("b")],
            vec![
                (1, 2, Call::new(1.0, false)),
                (1, 0, Call::new(2.0, false)),
                (1, 0, Call::new(3.0, true)),
                (2, 2, Call::new(4.0, false)),
                (0, 2, Call::new(5.0, false)),
            ],
        )
    }

    #[test]
    fn accessors_read_nodes_by_id_order_and_edges_by_edge_order() {
        let g = sample();
        assert_eq!((g.node_count(), g.edge_count()), (3, 5));
        let ids: Vec<&str> = g.nodes().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(g.node(2).id, "c");
        assert_eq!(g.position("b"), Some(1));
        assert_eq!(g.position("d"), None);
        let edges: Vec<(usize, usize, f64, bool)> = g
            .edges()
            .map(|(f, t, c)| (f, t, c.weight, c.is_async))
            .collect();
        assert_eq!(
            edges,
            [
                (0, 1, 1.0, false),
                (0, 2, 2.0, false),
                (0, 2, 3.0, true),
                (1, 1, 4.0, false),
                (2, 1, 5.0, false),
            ]
        );
        assert!((0..g.edge_count()).all(|e| *g.call(e) == g.edges().nth(e).expect("edge").2));
        let view = g.petgraph();
        assert_eq!((view.node_count(), view.edge_count()), (3, 5));
    }

    #[test]
    fn callers_and_callees_come_newest_edge_first() {
        let g = sample();
        let callees: Vec<(usize, f64)> = g.callees(0).map(|(t, c)| (t, c.weight)).collect();
        assert_eq!(callees, [(2, 3.0), (2, 2.0), (1, 1.0)]);
        let callers: Vec<(usize, f64)> = g.callers(1).map(|(f, c)| (f, c.weight)).collect();
        assert_eq!(callers, [(2, 5.0), (1, 4.0), (0, 1.0)]);
        assert_eq!(g.callers(0).count(), 0);
    }
}
