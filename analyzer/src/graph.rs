//! The call graph: plain data shared by every input format and read by the planner.

use fixedbitset::FixedBitSet;
use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::{
    GraphBase, IntoNeighbors, IntoNeighborsDirected, IntoNodeIdentifiers, NodeCompactIndexable,
    NodeCount, NodeIndexable, Visitable,
};
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
/// [`CallGraph::from_parts`].
///
/// It is stored as compressed rows: the calls in edge order (so a caller's calls are one
/// stretch of them) and, for the callers of each node, the positions of its calls. `&CallGraph`
/// is a petgraph graph: it implements petgraph's traversal traits (`IntoNeighborsDirected`,
/// `IntoNodeIdentifiers`, `Visitable`, `NodeIndexable`, …), so petgraph's algorithms
/// (`kosaraju_scc`, `toposort`, `Dfs`, …) run on it directly, with `NodeIndex::new(i)` for
/// position `i` and neighbours in the order of [`CallGraph::callees`] and
/// [`CallGraph::callers`] (that of a petgraph `DiGraph` built by adding the edges in edge
/// order).
#[derive(Debug, Clone, Default)]
pub struct CallGraph {
    /// The nodes, in id order.
    nodes: Vec<Node>,
    /// The calls, in edge order: by (from, to, async).
    links: Vec<Link>,
    /// The calls of caller `i` are `links[out_start[i]..out_start[i + 1]]` (`node_count() + 1`
    /// entries; empty for an empty graph).
    out_start: Vec<u32>,
    /// Positions in `links` of the calls each node receives, node by node, in edge order.
    in_links: Vec<u32>,
    /// The calls node `i` receives are at `in_links[in_start[i]..in_start[i + 1]]`.
    in_start: Vec<u32>,
}

impl CallGraph {
    /// Builds a graph from nodes and `(from, to, call)` triples given as node positions,
    /// restoring the invariants: nodes sorted by id, edges merged and sorted.
    ///
    /// Callers guarantee ids are unique and positions are in range.
    ///
    /// # Panics
    /// With more than `u32::MAX` nodes or merged calls.
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
        CallGraph::from_sorted_parts(
            order.len(),
            node,
            vec![links],
            &mut crate::steps::Steps::start(),
        )
    }

    /// Number of nodes.
    ///
    /// # Complexity
    /// O(1).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Number of (merged) edges.
    ///
    /// # Complexity
    /// O(1).
    pub fn edge_count(&self) -> usize {
        self.links.len()
    }

    /// The node at position `i` (0-based, in id order).
    ///
    /// # Panics
    /// When `i` is not below [`CallGraph::node_count`].
    ///
    /// # Complexity
    /// O(1).
    pub fn node(&self, i: usize) -> &Node {
        &self.nodes[i]
    }

    /// All nodes in id order (the `i`-th is [`CallGraph::node`]`(i)`).
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + '_ {
        self.nodes.iter()
    }

    /// Position of the node with this id, by binary search over the sorted ids.
    ///
    /// # Complexity
    /// O(log V) string comparisons.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.nodes.binary_search_by(|n| n.id.as_str().cmp(id)).ok()
    }

    /// All edges as `(from, to, call)` with node positions, in (from, to, async) order: the
    /// `e`-th is edge `e`.
    pub fn edges(&self) -> impl ExactSizeIterator<Item = (usize, usize, Call)> + '_ {
        self.links
            .iter()
            .map(|l| (l.from as usize, l.to as usize, l.call))
    }

    /// [`CallGraph::edges`] as a parallel iterator (in the same order where it is collected).
    pub fn par_edges(&self) -> impl IndexedParallelIterator<Item = (usize, usize, Call)> + '_ {
        self.links
            .par_iter()
            .map(|l| (l.from as usize, l.to as usize, l.call))
    }

    /// Edge `e` as `(from, to, call)` (the `e`-th of [`CallGraph::edges`]).
    ///
    /// # Panics
    /// When `e` is not below [`CallGraph::edge_count`].
    ///
    /// # Complexity
    /// O(1).
    pub fn edge(&self, e: usize) -> (usize, usize, Call) {
        let l = &self.links[e];
        (l.from as usize, l.to as usize, l.call)
    }

    /// The call of edge `e` (its position in [`CallGraph::edges`]).
    ///
    /// # Panics
    /// When `e` is not below [`CallGraph::edge_count`].
    ///
    /// # Complexity
    /// O(1).
    pub fn call(&self, e: usize) -> &Call {
        &self.links[e].call
    }

    /// The calls node `i` makes, as `(callee, call)`, self-calls included. Newest edge first
    /// (as in a petgraph `DiGraph` built in edge order): by decreasing (callee, async).
    ///
    /// For repeated walks over every node's calls, the planner indexes them once in compact
    /// rows instead (`planner::calls`).
    ///
    /// # Complexity
    /// O(1) to start, O(1) a call.
    pub fn callees(&self, i: usize) -> impl Iterator<Item = (usize, &Call)> + '_ {
        self.out_row(i)
            .iter()
            .rev()
            .map(|l| (l.to as usize, &l.call))
    }

    /// The calls node `i` receives, as `(caller, call)`, self-calls included. Newest edge first
    /// (as in a petgraph `DiGraph` built in edge order): by decreasing (caller, async).
    ///
    /// # Complexity
    /// O(1) to start, O(1) a call.
    pub fn callers(&self, i: usize) -> impl Iterator<Item = (usize, &Call)> + '_ {
        self.in_edges(i).iter().rev().map(|&e| {
            let link = &self.links[e as usize];
            (link.from as usize, &link.call)
        })
    }

    /// The positions in [`CallGraph::edges`] of the calls node `i` makes: one stretch, in
    /// edge order (by callee).
    ///
    /// # Complexity
    /// O(1).
    pub fn out_edges(&self, i: usize) -> std::ops::Range<usize> {
        self.out_start[i] as usize..self.out_start[i + 1] as usize
    }

    /// The positions in [`CallGraph::edges`] of the calls node `i` receives, in edge order
    /// (by caller).
    ///
    /// # Complexity
    /// O(1).
    pub fn in_edges(&self, i: usize) -> &[u32] {
        &self.in_links[self.in_start[i] as usize..self.in_start[i + 1] as usize]
    }

    /// The calls of caller `i`, in edge order.
    fn out_row(&self, i: usize) -> &[Link] {
        &self.links[self.out_start[i] as usize..self.out_start[i + 1] as usize]
    }
}

/// petgraph's view of a [`CallGraph`]: node `NodeIndex::new(i)` is position `i`, edge
/// `EdgeIndex::new(e)` is edge `e`.
impl GraphBase for CallGraph {
    type NodeId = NodeIndex;
    type EdgeId = EdgeIndex;
}

impl NodeCount for CallGraph {
    fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

impl NodeIndexable for CallGraph {
    fn node_bound(&self) -> usize {
        self.nodes.len()
    }

    fn to_index(&self, a: NodeIndex) -> usize {
        a.index()
    }

    fn from_index(&self, i: usize) -> NodeIndex {
        NodeIndex::new(i)
    }
}

impl NodeCompactIndexable for CallGraph {}

impl Visitable for CallGraph {
    type Map = FixedBitSet;

    fn visit_map(&self) -> FixedBitSet {
        FixedBitSet::with_capacity(self.nodes.len())
    }

    fn reset_map(&self, map: &mut FixedBitSet) {
        map.clear();
        map.grow(self.nodes.len());
    }
}

impl IntoNodeIdentifiers for &CallGraph {
    type NodeIdentifiers = std::iter::Map<std::ops::Range<usize>, fn(usize) -> NodeIndex>;

    fn node_identifiers(self) -> Self::NodeIdentifiers {
        (0..self.nodes.len()).map(NodeIndex::new as fn(usize) -> NodeIndex)
    }
}

impl<'a> IntoNeighbors for &'a CallGraph {
    type Neighbors = Neighbors<'a>;

    /// The callees, as [`CallGraph::callees`] gives them.
    fn neighbors(self, a: NodeIndex) -> Neighbors<'a> {
        self.neighbors_directed(a, Direction::Outgoing)
    }
}

impl<'a> IntoNeighborsDirected for &'a CallGraph {
    type NeighborsDirected = Neighbors<'a>;

    /// The callees (outgoing) or the callers (incoming), as [`CallGraph::callees`] and
    /// [`CallGraph::callers`] give them.
    fn neighbors_directed(self, a: NodeIndex, d: Direction) -> Neighbors<'a> {
        let (calls, received): (&[Link], &[u32]) = match d {
            Direction::Outgoing => (self.out_row(a.index()), &[]),
            Direction::Incoming => (&[], self.in_edges(a.index())),
        };
        Neighbors {
            links: &self.links,
            calls: calls.iter().rev(),
            received: received.iter().rev(),
        }
    }
}

/// The neighbours of a node in one direction, for petgraph's traversals.
#[derive(Debug, Clone)]
pub struct Neighbors<'a> {
    /// All calls.
    links: &'a [Link],
    /// The calls made, newest first (empty for incoming).
    calls: std::iter::Rev<std::slice::Iter<'a, Link>>,
    /// The positions of the calls received, newest first (empty for outgoing).
    received: std::iter::Rev<std::slice::Iter<'a, u32>>,
}

impl Iterator for Neighbors<'_> {
    type Item = NodeIndex;

    fn next(&mut self) -> Option<NodeIndex> {
        match self.calls.next() {
            Some(link) => Some(NodeIndex::new(link.to as usize)),
            None => self
                .received
                .next()
                .map(|&e| NodeIndex::new(self.links[e as usize].from as usize)),
        }
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
    }

    #[test]
    fn callers_and_callees_come_newest_edge_first() {
        let g = sample();
        let callees: Vec<(usize, f64)> = g.callees(0).map(|(t, c)| (t, c.weight)).collect();
        assert_eq!(callees, [(2, 3.0), (2, 2.0), (1, 1.0)]);
        let callers: Vec<(usize, f64)> = g.callers(1).map(|(f, c)| (f, c.weight)).collect();
        assert_eq!(callers, [(2, 5.0), (1, 4.0), (0, 1.0)]);
        assert_eq!(g.callers(0).count(), 0);
        assert_eq!(g.out_edges(0), 0..3);
        assert_eq!(g.in_edges(1), [0, 3, 4]);
        assert_eq!(g.in_edges(2), [1, 2]);
        assert!(g.in_edges(0).is_empty() && g.out_edges(1) == (3..4));
    }

    /// petgraph's algorithms run on the graph itself, and see what they would see on a petgraph
    /// `DiGraph` holding the same edges added in edge order: the same neighbours in the same
    /// order both ways, hence the same components in the same order.
    #[test]
    fn petgraph_sees_what_a_digraph_in_edge_order_holds() {
        use petgraph::Direction::{Incoming, Outgoing};
        use petgraph::algo::kosaraju_scc;
        use petgraph::graph::{DiGraph, NodeIndex};
        use petgraph::visit::{IntoNeighbors, IntoNeighborsDirected, NodeIndexable};

        let node = |id: String| Node {
            id,
            ..Node::default()
        };
        // Two cycles joined one way, a self-call, repeated calls and an isolated node.
        let calls = [
            (0, 1),
            (1, 2),
            (2, 0),
            (2, 3),
            (3, 4),
            (4, 3),
            (4, 4),
            (1, 2),
            (5, 0),
        ];
        let g = CallGraph::from_parts(
            (0..7).map(|i| node(format!("n{i}"))).collect(),
            calls
                .iter()
                .enumerate()
                .map(|(k, &(f, t))| (f, t, Call::new(1.0, k % 2 == 0)))
                .collect(),
        );
        let mut reference: DiGraph<(), Call> = DiGraph::new();
        for _ in 0..g.node_count() {
            reference.add_node(());
        }
        for (f, t, call) in g.edges() {
            reference.add_edge(NodeIndex::new(f), NodeIndex::new(t), call);
        }
        for i in 0..g.node_count() {
            let a = NodeIndex::new(i);
            for d in [Outgoing, Incoming] {
                let ours: Vec<NodeIndex> = (&g).neighbors_directed(a, d).collect();
                let theirs: Vec<NodeIndex> = reference.neighbors_directed(a, d).collect();
                assert_eq!(ours, theirs, "node {i}, {d:?}");
            }
            assert!(
                (&g).neighbors(a)
                    .eq(g.callees(i).map(|(t, _)| NodeIndex::new(t)))
            );
            assert_eq!(g.to_index(g.from_index(i)), i);
        }
        assert_eq!(kosaraju_scc(&g), kosaraju_scc(&reference));
        assert_eq!(kosaraju_scc(&g).len(), 4);
    }
}
