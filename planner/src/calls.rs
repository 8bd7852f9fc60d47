//! The calls of a graph in compressed rows, self-calls left out: for every node the calls it makes
//! and the calls it receives, each row in edge order. Built once per plan and shared by the phases
//! after clustering (rates, labels, shared code, reachability), which would otherwise each build a
//! `Vec` per node.

use analyzer::{Call, CallGraph};

/// Calls made and received per node, self-calls excluded.
///
/// Node positions and edge indices are stored as `u32`: a call graph has fewer than 2^32 nodes
/// and edges (petgraph's `u32` indices), so they always fit.
pub(crate) struct Calls<'g> {
    /// The graph, whose calls are read by edge index.
    graph: &'g CallGraph,
    /// Row `v` of the outgoing arrays is `out_start[v]..out_start[v + 1]`.
    out_start: Vec<usize>,
    /// Callee of each outgoing call.
    out_to: Vec<u32>,
    /// Edge index of each outgoing call.
    out_edge: Vec<u32>,
    /// Row `v` of the incoming arrays is `in_start[v]..in_start[v + 1]`.
    in_start: Vec<usize>,
    /// Caller of each incoming call.
    in_from: Vec<u32>,
    /// Edge index of each incoming call.
    in_edge: Vec<u32>,
}

/// Strongly connected components: `nodes` lists the members of each in turn, component `c`
/// holding `nodes[start[c]..start[c + 1]]`.
pub(crate) struct Components {
    nodes: Vec<u32>,
    start: Vec<usize>,
}

impl Components {
    /// The components in order, each as its member positions.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &[u32]> + '_ {
        self.start.windows(2).map(|w| &self.nodes[w[0]..w[1]])
    }
}

impl<'g> Calls<'g> {
    /// Indexes the calls of `graph` (self-calls left out) by caller and by callee, each row in
    /// edge order.
    ///
    /// # Complexity
    /// O(V + E) (two counting sorts, side by side).
    pub(crate) fn new(graph: &'g CallGraph) -> Calls<'g> {
        let n = graph.node_count();
        let ((out_start, out_to, out_edge), (in_start, in_from, in_edge)) = rayon::join(
            || rows(n, graph, |from, to| (from, to)),
            || rows(n, graph, |from, to| (to, from)),
        );
        Calls {
            graph,
            out_start,
            out_to,
            out_edge,
            in_start,
            in_from,
            in_edge,
        }
    }

    /// Number of nodes.
    pub(crate) fn node_count(&self) -> usize {
        self.out_start.len() - 1
    }

    /// The nodes `v` calls (with repeats when it calls one both ways), in edge order.
    pub(crate) fn callee_nodes(&self, v: usize) -> &[u32] {
        &self.out_to[self.out_start[v]..self.out_start[v + 1]]
    }

    /// The nodes calling `v` (with repeats when one calls it both ways), in edge order.
    pub(crate) fn caller_nodes(&self, v: usize) -> &[u32] {
        &self.in_from[self.in_start[v]..self.in_start[v + 1]]
    }

    /// The calls `v` makes as `(callee, call)`, in edge order. A call is read only when used.
    pub(crate) fn callees(&self, v: usize) -> impl Iterator<Item = (usize, &'g Call)> + '_ {
        let graph = self.graph;
        let row = self.out_start[v]..self.out_start[v + 1];
        self.out_to[row.clone()]
            .iter()
            .zip(&self.out_edge[row])
            .map(move |(&t, &e)| (t as usize, graph.call(e as usize)))
    }

    /// The calls `v` receives as `(caller, call)`, in edge order. A call is read only when used.
    pub(crate) fn callers(&self, v: usize) -> impl Iterator<Item = (usize, &'g Call)> + '_ {
        let graph = self.graph;
        let row = self.in_start[v]..self.in_start[v + 1];
        self.in_from[row.clone()]
            .iter()
            .zip(&self.in_edge[row])
            .map(move |(&f, &e)| (f as usize, graph.call(e as usize)))
    }

    /// Whether another node calls `v`.
    pub(crate) fn has_callers(&self, v: usize) -> bool {
        self.in_start[v + 1] > self.in_start[v]
    }

    /// Strongly connected components of the calls `keep(caller, callee)` accepts, by Kosaraju's
    /// algorithm (iterative: no recursion on long call chains).
    ///
    /// Components come in post-order: each after every component it calls. With every call kept,
    /// components and members come in exactly the order of `petgraph::algo::kosaraju_scc` on the
    /// graph, so that sums taken in this order are the same to the last bit. (Its depth-first
    /// searches push all of a node's neighbours, newest edge first, and take them from the top:
    /// for a graph whose edges were only ever added, as every `CallGraph`'s, that visits them by
    /// increasing edge index, as the searches below do one at a time.)
    ///
    /// # Complexity
    /// O(V + E).
    pub(crate) fn components(&self, keep: impl Fn(usize, usize) -> bool) -> Components {
        let n = self.node_count();
        // The path of the search: each node with the position of the next call to try.
        let mut path: Vec<(u32, usize)> = Vec::new();
        // First pass: depth-first post-order of the reversed calls, from every node in turn.
        let mut seen = vec![false; n];
        let mut finish_order: Vec<u32> = Vec::with_capacity(n);
        for s in 0..n {
            if seen[s] {
                continue;
            }
            seen[s] = true;
            path.push((s as u32, self.in_start[s]));
            while let Some((v, next)) = path.last_mut() {
                let at = *v as usize;
                let end = self.in_start[at + 1];
                let found = self.in_from[*next..end]
                    .iter()
                    .position(|&u| !seen[u as usize] && keep(u as usize, at));
                match found {
                    Some(i) => {
                        *next += i + 1;
                        let u = self.in_from[*next - 1] as usize;
                        seen[u] = true;
                        path.push((u as u32, self.in_start[u]));
                    }
                    None => {
                        finish_order.push(*v);
                        path.pop();
                    }
                }
            }
        }
        // Second pass: depth-first pre-order of the calls, leaders by decreasing finish time.
        seen.fill(false);
        let mut nodes = Vec::with_capacity(n);
        let mut start = vec![0];
        for &s in finish_order.iter().rev() {
            if seen[s as usize] {
                continue;
            }
            seen[s as usize] = true;
            nodes.push(s);
            path.push((s, self.out_start[s as usize]));
            while let Some((v, next)) = path.last_mut() {
                let at = *v as usize;
                let end = self.out_start[at + 1];
                let found = self.out_to[*next..end]
                    .iter()
                    .position(|&t| !seen[t as usize] && keep(at, t as usize));
                match found {
                    Some(i) => {
                        *next += i + 1;
                        let t = self.out_to[*next - 1];
                        seen[t as usize] = true;
                        nodes.push(t);
                        path.push((t, self.out_start[t as usize]));
                    }
                    None => {
                        path.pop();
                    }
                }
            }
            start.push(nodes.len());
        }
        Components { nodes, start }
    }
}

/// The calls of `graph` grouped by the first of `ends(from, to)` (a stable counting sort): row
/// starts, the other end of each call, its edge index.
///
/// # Complexity
/// O(V + E).
fn rows(
    n: usize,
    graph: &CallGraph,
    ends: impl Fn(usize, usize) -> (usize, usize),
) -> (Vec<usize>, Vec<u32>, Vec<u32>) {
    let mut start = vec![0usize; n + 1];
    for (from, to, _) in graph.edges() {
        let (a, b) = ends(from, to);
        if a != b {
            start[a + 1] += 1;
        }
    }
    for v in 0..n {
        start[v + 1] += start[v];
    }
    let mut fill = start.clone();
    let (mut other, mut edge) = (vec![0u32; start[n]], vec![0u32; start[n]]);
    for (i, (from, to, _)) in graph.edges().enumerate() {
        let (a, b) = ends(from, to);
        if a != b {
            other[fill[a]] = b as u32;
            edge[fill[a]] = i as u32;
            fill[a] += 1;
        }
    }
    (start, other, edge)
}

#[cfg(test)]
mod tests {
    use analyzer::{Call, CallGraph, Node};
    use petgraph::algo::kosaraju_scc;

    use super::Calls;

    /// A graph of `n` nodes with these calls, built like every graph the planner sees.
    fn graph(n: usize, calls: &[(usize, usize, bool)]) -> CallGraph {
        let nodes = (0..n)
            .map(|i| Node {
                id: format!("n{i:04}"),
                ..Node::default()
            })
            .collect();
        let edges = calls
            .iter()
            .map(|&(f, t, is_async)| (f, t, Call::new(1.0, is_async)))
            .collect();
        CallGraph::from_parts(nodes, edges)
    }

    #[test]
    fn rows_hold_the_calls_in_edge_order_without_self_calls() {
        let g = graph(
            3,
            &[(0, 1, false), (0, 1, true), (0, 0, false), (2, 1, false)],
        );
        let calls = Calls::new(&g);
        assert_eq!(calls.callee_nodes(0), &[1, 1]);
        assert_eq!(calls.caller_nodes(1), &[0, 0, 2]);
        assert!(
            calls
                .callers(1)
                .map(|(_, c)| c.is_async)
                .eq([false, true, false])
        );
        assert!(!calls.has_callers(0));
        assert!(calls.callees(2).map(|(t, _)| t).eq([1]));
    }

    #[test]
    fn components_come_in_the_order_of_petgraphs_kosaraju() {
        // Random graphs with cycles, self-calls and calls made both ways.
        let mut rng = fastrand::Rng::with_seed(7);
        for round in 0..200 {
            let n = 1 + round % 40;
            let m = rng.usize(0..=4 * n);
            let list: Vec<(usize, usize, bool)> = (0..m)
                .map(|_| (rng.usize(0..n), rng.usize(0..n), rng.bool()))
                .collect();
            let g = graph(n, &list);
            let ours: Vec<Vec<usize>> = Calls::new(&g)
                .components(|_, _| true)
                .iter()
                .map(|c| c.iter().map(|&v| v as usize).collect())
                .collect();
            let theirs: Vec<Vec<usize>> = kosaraju_scc(&g)
                .into_iter()
                .map(|c| c.into_iter().map(|v| v.index()).collect())
                .collect();
            assert_eq!(ours, theirs, "graph {list:?}");
        }
    }

    #[test]
    fn kept_calls_bound_the_components() {
        // 0 ⇄ 1 ⇄ 2, but the calls between 1 and 2 are dropped: {2}, then {0, 1}.
        let g = graph(
            3,
            &[(0, 1, false), (1, 0, false), (1, 2, false), (2, 1, false)],
        );
        let calls = Calls::new(&g);
        let cut = |a: usize, b: usize| a.max(b) < 2;
        let mut got: Vec<Vec<u32>> = calls.components(cut).iter().map(<[u32]>::to_vec).collect();
        got.iter_mut().for_each(|c| c.sort_unstable());
        assert_eq!(got, vec![vec![2], vec![0, 1]]);
    }
}
