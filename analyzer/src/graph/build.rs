//! Building a [`CallGraph`] from parts whose calls are resolved to positions in id order: rows
//! (the calls of one caller) sorted and merged in parallel, then laid end to end in caller
//! order, and the calls each node receives indexed by a counting sort.

use rayon::prelude::*;

use super::{Call, CallGraph, Link, Node};

/// Rows of about this many calls make one parallel task of [`merge_rows`].
const ROWS_TASK: usize = 1 << 16;

impl CallGraph {
    /// Builds a graph of `nodes` nodes, `node(i)` giving the `i`-th in id order (called once
    /// for each), and calls given as positions in id order, in runs whose concatenation is the
    /// order of the input: the invariants are restored as in [`CallGraph::from_parts`],
    /// duplicates merged in input order.
    ///
    /// Producers write a caller's calls together (in any order of callers): each such segment
    /// is then sorted and merged where it is, in parallel, and the segments ordered by caller.
    /// Calls of a caller written apart are first put together by a stable counting sort. The
    /// merged rows are then copied end to end in caller order, in parallel, and the calls each
    /// node receives indexed by a counting sort over the callees.
    ///
    /// # Panics
    /// With `u32::MAX` merged calls or more (a file of hundreds of gigabytes).
    ///
    /// # Complexity
    /// O(V log V + E log d) time, d the largest out-degree; segments are sorted and merged in
    /// parallel.
    pub(crate) fn from_sorted_parts(
        nodes: usize,
        node: impl FnMut(usize) -> Node,
        links: Vec<Vec<Link>>,
        steps: &mut crate::steps::Steps,
    ) -> CallGraph {
        let rows = match Rows::by_caller(links) {
            Ok(rows) => rows,
            Err(links) => Rows::scatter(nodes, links),
        };
        steps.mark(|| "graph: calls merged by caller".into());
        let graph = rows.assemble(nodes, node);
        steps.mark(|| "graph: rows laid out and callers indexed".into());
        graph
    }
}

/// Calls merged, by caller: each caller's calls (a row) sorted by (target, async), duplicates
/// merged, somewhere in runs of calls.
struct Rows {
    /// The calls.
    runs: Vec<Vec<Link>>,
    /// Where the rows are in each run: `(start, len)` within the run.
    rows: Vec<Vec<(u32, u32)>>,
    /// The rows by caller: `(run, index in rows[run])`.
    order: Vec<(u32, u32)>,
}

impl Rows {
    /// Rows from runs in which every caller's calls come together, merged where they are
    /// (runs in parallel); the runs back, in the same order, when a caller's calls come apart.
    ///
    /// # Complexity
    /// O(E log d + S log S) for S segments of calls by one caller.
    fn by_caller(mut runs: Vec<Vec<Link>>) -> Result<Rows, Vec<Vec<Link>>> {
        // A segment cut by the end of a run moves whole into that run (order is kept).
        runs.retain(|run| !run.is_empty());
        let mut tail = 0;
        for next in 1..runs.len() {
            let (head, rest) = runs.split_at_mut(next);
            let (into, from) = (&mut head[tail], &mut rest[0]);
            if let Some(caller) = into.last().map(|link| link.from) {
                let split = from.iter().take_while(|link| link.from == caller).count();
                into.extend(from.drain(..split));
            }
            if !runs[next].is_empty() {
                tail = next;
            }
        }
        // Runs hold fewer than 2^32 calls: they are pieces of a file, or all of its calls when
        // they came whole (a graph holds fewer than 2^32 edges).
        let mut rows: Vec<Vec<(u32, u32)>> = runs
            .iter()
            .map(|links| {
                let mut rows = Vec::new();
                let mut start = 0;
                while let Some(first) = links.get(start) {
                    let len = links[start..]
                        .iter()
                        .take_while(|l| l.from == first.from)
                        .count();
                    rows.push((start as u32, len as u32));
                    start += len;
                }
                rows
            })
            .collect();
        let mut order: Vec<(u32, u32, u32)> = rows
            .iter()
            .enumerate()
            .flat_map(|(run, rows)| {
                let links = &runs[run];
                (0..rows.len() as u32)
                    .map(move |i| (links[rows[i as usize].0 as usize].from, run as u32, i))
            })
            .collect();
        // A merge sort, which takes the runs already in order in one go (callers often come in
        // id order, or nearly). Callers are unique when their calls come together: any sort
        // then gives the one order there is, whatever the number of threads.
        order.par_sort_by_key(|&(from, _, _)| from);
        if order.par_windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(runs);
        }
        runs.par_iter_mut()
            .zip(rows.par_iter_mut())
            .for_each(|(links, rows)| {
                for (start, len) in rows {
                    let row = &mut links[*start as usize..(*start + *len) as usize];
                    *len = merge_row(row) as u32;
                }
            });
        let order = order.into_iter().map(|(_, run, i)| (run, i)).collect();
        Ok(Rows { runs, rows, order })
    }

    /// Rows from calls in any order, put by caller by a stable counting sort (the order of a
    /// stable sort by caller), then merged.
    ///
    /// # Complexity
    /// O(V + E log d), rows merged in parallel.
    fn scatter(n: usize, runs: Vec<Vec<Link>>) -> Rows {
        let mut start = vec![0usize; n + 1];
        for link in runs.iter().flatten() {
            start[link.from as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let empty = Link {
            from: 0,
            to: 0,
            call: Call::new(0.0, false),
        };
        let mut links = vec![empty; start[n]];
        for run in runs {
            for link in run {
                let slot = &mut fill[link.from as usize];
                links[*slot] = link;
                *slot += 1;
            }
        }
        drop(fill);
        let lens = merge_rows(&mut links, &start);
        // A graph holds fewer than 2^32 edges.
        let rows: Vec<(u32, u32)> = start
            .iter()
            .zip(lens)
            .filter(|&(_, len)| len > 0)
            .map(|(&start, len)| (start as u32, len as u32))
            .collect();
        Rows {
            order: (0..rows.len() as u32).map(|i| (0, i)).collect(),
            runs: vec![links],
            rows: vec![rows],
        }
    }

    /// The graph: `n` nodes in id order (`node(i)` the `i`-th, its resources then sorted and
    /// made unique), the rows' calls end to end by caller, and the calls each node receives.
    ///
    /// # Complexity
    /// O(V + E), plus what `node` takes; the rows are copied in parallel.
    fn assemble(self, n: usize, mut node: impl FnMut(usize) -> Node) -> CallGraph {
        let Rows { runs, rows, order } = self;
        let row = |&(run, i): &(u32, u32)| {
            let (start, len) = rows[run as usize][i as usize];
            &runs[run as usize][start as usize..(start + len) as usize]
        };
        // Where each caller's calls start; rows are not empty.
        let mut out_start = vec![0u32; n + 1];
        let mut total: u32 = 0;
        for key in &order {
            let calls = row(key);
            let len = u32::try_from(calls.len()).ok();
            total = len
                .and_then(|len| total.checked_add(len))
                .filter(|&total| total < u32::MAX)
                .expect("fewer than u32::MAX calls");
            out_start[calls[0].from as usize + 1] = total;
        }
        for i in 0..n {
            out_start[i + 1] = out_start[i + 1].max(out_start[i]);
        }
        let links = lay_out(&order, row, total as usize);
        drop((runs, rows, order));
        let (in_start, in_links) = by_callee(n, &links);
        let nodes = (0..n)
            .map(|i| {
                let mut node = node(i);
                node.resources.sort();
                node.resources.dedup();
                node
            })
            .collect();
        CallGraph {
            nodes,
            links,
            out_start,
            in_links,
            in_start,
        }
    }
}

/// The rows of `order` (`row(key)` the calls of one) end to end, `total` calls in all: copied
/// in parallel, in groups of consecutive rows of about [`ROWS_TASK`] calls.
fn lay_out<'a>(
    order: &[(u32, u32)],
    row: impl Fn(&(u32, u32)) -> &'a [Link] + Sync,
    total: usize,
) -> Vec<Link> {
    let empty = Link {
        from: 0,
        to: 0,
        call: Call::new(0.0, false),
    };
    let mut links = vec![empty; total];
    let mut tasks = Vec::new();
    let (mut left, mut first) = (links.as_mut_slice(), 0);
    while first < order.len() {
        let (mut end, mut len) = (first, 0);
        while end < order.len() && len < ROWS_TASK {
            len += row(&order[end]).len();
            end += 1;
        }
        let (group, rest) = std::mem::take(&mut left).split_at_mut(len);
        left = rest;
        tasks.push((&order[first..end], group));
        first = end;
    }
    tasks.into_par_iter().for_each(|(keys, mut group)| {
        for key in keys {
            let calls = row(key);
            let (into, rest) = std::mem::take(&mut group).split_at_mut(calls.len());
            into.copy_from_slice(calls);
            group = rest;
        }
    });
    links
}

/// The calls each node receives: `(start, positions)`, the positions in `links` of the calls
/// node `i` receives at `positions[start[i]..start[i + 1]]`, in increasing order (a stable
/// counting sort by callee).
///
/// # Complexity
/// O(V + E).
fn by_callee(n: usize, links: &[Link]) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for link in links {
        start[link.to as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut positions = vec![0u32; links.len()];
    // Fewer than u32::MAX calls (checked when they were laid out).
    for (e, link) in (0u32..).zip(links) {
        let slot = &mut fill[link.to as usize];
        positions[*slot as usize] = e;
        *slot += 1;
    }
    (start, positions)
}

/// Sorts and merges each row of `links` (row `f` is `links[start[f]..start[f + 1]]`), as
/// [`merge_row`] does; returns the merged length of each row.
///
/// # Complexity
/// O(E log d), d the longest row, in parallel over groups of rows.
fn merge_rows(rows: &mut [Link], start: &[usize]) -> Vec<usize> {
    let n = start.len() - 1;
    let mut lens = vec![0; n];
    // Disjoint groups of consecutive rows, each with its slices of `rows` and `lens`.
    let mut tasks = Vec::new();
    let (mut rows_left, mut lens_left) = (rows, lens.as_mut_slice());
    let mut first = 0;
    while first < n {
        let mut end = first + 1;
        while end < n && start[end] - start[first] < ROWS_TASK {
            end += 1;
        }
        let (group, rest) = std::mem::take(&mut rows_left).split_at_mut(start[end] - start[first]);
        rows_left = rest;
        let (group_lens, rest) = std::mem::take(&mut lens_left).split_at_mut(end - first);
        lens_left = rest;
        tasks.push((first, group, group_lens));
        first = end;
    }
    tasks
        .into_par_iter()
        .for_each(|(first, group, group_lens)| {
            let base = start[first];
            for (f, len) in (first..).zip(group_lens.iter_mut()) {
                *len = merge_row(&mut group[start[f] - base..start[f + 1] - base]);
            }
        });
    lens
}

/// Sorts the calls of one caller stably by (target, async) and merges duplicates into the
/// first of them, at the front of the row: weights add up in row order, confidence is the
/// strongest of them. Returns how many calls are left.
fn merge_row(row: &mut [Link]) -> usize {
    row.sort_by_key(|link| (link.to, link.call.is_async));
    let mut kept: usize = 0;
    for i in 0..row.len() {
        let link = row[i];
        match kept.checked_sub(1) {
            Some(k) if (row[k].to, row[k].call.is_async) == (link.to, link.call.is_async) => {
                let last = &mut row[k].call;
                last.weight += link.call.weight;
                last.confidence = last.confidence.max(link.call.confidence);
            }
            _ => {
                row[kept] = link;
                kept += 1;
            }
        }
    }
    kept
}
