//! MoJoFM: the external measure that compares a decomposition with an expert's one (100 = identical).
//!
//! MoJo distance (Tzerpos & Holt, "MoJo: A distance metric for software clusterings", WCRE 1999) is
//! the least number of *Move* (move one object to another, possibly new, cluster) and *Join* (merge
//! two clusters) operations that turn partition A into partition B. Wen & Tzerpos ("An optimal
//! algorithm for MoJo distance", IWPC 2003) compute it exactly:
//!
//! 1. tag every object of A with the B-cluster that holds it; for each A-cluster `A_i` let
//!    `max_i = max_j |A_i ∩ B_j|` and link `A_i` to *every* `B_j` reaching that maximum;
//! 2. a maximum bipartite matching between A-clusters and B-clusters over those links gives the
//!    number `g` of non-empty groups (each matched `B_j` keeps one A-cluster as its core; an
//!    unmatched `A_i` is joined into a group another cluster already holds);
//! 3. `mno(A, B) = Σ_i (|A_i| − max_i) + l − g`, moves plus joins, with `l` the number of A-clusters.
//!
//! MoJoFM (Wen & Tzerpos, "An effectiveness measure for software clustering algorithms", IWPC 2004)
//! normalises it: `MoJoFM(A, B) = (1 − mno(A, B) / max_{∀A'} mno(A', B)) × 100`, where
//! `max mno(A', B) = n − g'` and `g'` is found by sorting the B-cluster sizes ascending and
//! counting up while the count stays below the next size (the reference implementation by
//! Wen & Tzerpos, `MoJoCalculator.maxDistanceTo`).

use std::collections::HashMap;

/// MoJoFM(A, B) = (1 − mno(A, B) / max(mno(∀A', B))) × 100, Wen & Tzerpos 2004.
///
/// `actual[k]` and `expert[k]` are the cluster labels of object `k` in the evaluated decomposition A
/// and in the expert's decomposition B; labels are arbitrary and only compared for equality.
/// The result is in `[0, 100]`, 100 meaning the two partitions are identical. Objects beyond the
/// shorter slice are ignored (the reference tool likewise compares the objects both hold). With
/// fewer than two objects every partition is the same and the result is 100.
pub fn mojofm(actual: &[usize], expert: &[usize]) -> f64 {
    let n = actual.len().min(expert.len());
    let (actual, expert) = (&actual[..n], &expert[..n]);
    let max = max_mno(expert);
    if max == 0 {
        return 100.0;
    }
    let distance = mno(actual, expert);
    let fm = (1.0 - distance as f64 / max as f64) * 100.0;
    fm.clamp(0.0, 100.0)
}

/// The MoJo distance mno(A, B): the least number of Move and Join operations that turn the
/// evaluated decomposition A into the expert's B (Wen & Tzerpos 2003), the numerator of
/// [`mojofm`].
///
/// `actual` and `expert` are labels per object as in [`mojofm`]; objects beyond the shorter slice
/// are ignored.
///
/// # Complexity
/// O(n + l·m + l·E) for n objects, l clusters in A, m in B and E tie links (the matching's
/// augmenting paths), with O(l·m) memory for the intersection counts.
pub fn mojo_distance(actual: &[usize], expert: &[usize]) -> usize {
    let n = actual.len().min(expert.len());
    mno(&actual[..n], &expert[..n])
}

/// Renumbers arbitrary labels densely as `0..k` in order of first appearance; returns them and `k`.
fn dense_labels(labels: &[usize]) -> (Vec<usize>, usize) {
    let mut map: HashMap<usize, usize> = HashMap::new();
    let dense = labels
        .iter()
        .map(|label| {
            let next = map.len();
            *map.entry(*label).or_insert(next)
        })
        .collect();
    (dense, map.len())
}

/// One-way MoJo distance mno(A, B): the least number of Move and Join operations from A to B,
/// computed with the exact algorithm of Wen & Tzerpos 2003 (see the module documentation).
fn mno(a: &[usize], b: &[usize]) -> usize {
    let (a, l) = dense_labels(a);
    let (b, m) = dense_labels(b);
    // tags[i][j] = |A_i ∩ B_j|
    let mut tags = vec![vec![0usize; m]; l];
    for (&i, &j) in a.iter().zip(&b) {
        tags[i][j] += 1;
    }
    let mut moves = 0;
    let mut links: Vec<Vec<usize>> = Vec::with_capacity(l);
    for row in &tags {
        let size: usize = row.iter().sum();
        let best = row.iter().copied().max().unwrap_or(0);
        moves += size - best;
        links.push(
            row.iter()
                .enumerate()
                .filter(|&(_, &count)| count == best && best > 0)
                .map(|(j, _)| j)
                .collect(),
        );
    }
    let groups = max_bipartite_matching(&links, m);
    moves + l - groups
}

/// Size of a maximum matching of the bipartite graph whose left vertex `i` links to the right
/// vertices `links[i]` (all `< right`), by augmenting paths (Kuhn's algorithm).
fn max_bipartite_matching(links: &[Vec<usize>], right: usize) -> usize {
    let mut owner: Vec<Option<usize>> = vec![None; right];
    let mut matched = 0;
    for left in 0..links.len() {
        let mut seen = vec![false; right];
        if augment(left, links, &mut owner, &mut seen) {
            matched += 1;
        }
    }
    matched
}

/// Tries to match `left`, re-matching earlier owners along an augmenting path.
fn augment(
    left: usize,
    links: &[Vec<usize>],
    owner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for &r in &links[left] {
        if seen[r] {
            continue;
        }
        seen[r] = true;
        let free = match owner[r] {
            None => true,
            Some(other) => augment(other, links, owner, seen),
        };
        if free {
            owner[r] = Some(left);
            return true;
        }
    }
    false
}

/// max_{∀A'} mno(A', B) = n − g', Wen & Tzerpos 2004: with the B-cluster sizes sorted ascending,
/// `g'` grows by one at each size that exceeds the current `g'`.
fn max_mno(b: &[usize]) -> usize {
    let (b, m) = dense_labels(b);
    let mut sizes = vec![0usize; m];
    for j in b.iter() {
        sizes[*j] += 1;
    }
    sizes.sort_unstable();
    let mut groups = 0;
    for size in sizes {
        if groups < size {
            groups += 1;
        }
    }
    b.len() - groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashSet, VecDeque};

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() < 1e-9
    }

    #[test]
    fn identical_partitions_score_100() {
        let p = [0, 0, 1, 1, 2, 2, 2];
        assert!(close(mojofm(&p, &p), 100.0));
        // same partition, other label names
        let q = [7, 7, 3, 3, 9, 9, 9];
        assert!(close(mojofm(&q, &p), 100.0));
    }

    #[test]
    fn hand_computed_one_move() {
        // A = {0,1,2}{3,4,5}, B = {0,1}{2,3,4,5}: move 2 → mno = 1;
        // B sizes [2,4] → g' = 2, max = 6 − 2 = 4; MoJoFM = (1 − 1/4)·100 = 75.
        let a = [0, 0, 0, 1, 1, 1];
        let b = [0, 0, 1, 1, 1, 1];
        assert_eq!(mno(&a, &b), 1);
        assert_eq!(mojo_distance(&a, &b), 1);
        assert_eq!(max_mno(&b), 4);
        assert!(close(mojofm(&a, &b), 75.0));
    }

    #[test]
    fn hand_computed_one_big_cluster() {
        // A = one cluster of 6, B = {0,1,2}{3,4,5}: 3 moves; max = 6 − 2 = 4 → 25.
        let a = [0; 6];
        let b = [0, 0, 0, 1, 1, 1];
        assert_eq!(mno(&a, &b), 3);
        assert!(close(mojofm(&a, &b), 25.0));
    }

    #[test]
    fn all_singletons_is_the_farthest_here() {
        // A = six singletons, B = {0,1,2}{3,4,5}: 4 joins = max → 0.
        let a = [0, 1, 2, 3, 4, 5];
        let b = [0, 0, 0, 1, 1, 1];
        assert_eq!(mno(&a, &b), 4);
        assert!(close(mojofm(&a, &b), 0.0));
    }

    #[test]
    fn ties_need_the_matching() {
        // A1 = {0,1} ties between B1 and B2, A2 = {2,3} ⊂ B1 with B1 = {0,2,3}, B2 = {1}.
        // Tagging A1 with B1 greedily would cost 1 move + 1 join; the matching gives A1 → B2 and
        // one move (object 0 into A2). max = 4 − 2 = 2 → 50.
        let a = [0, 0, 1, 1];
        let b = [0, 1, 0, 0];
        assert_eq!(mno(&a, &b), 1);
        assert!(close(mojofm(&a, &b), 50.0));
    }

    #[test]
    fn label_permutation_invariance() {
        let a = [0, 0, 1, 2, 2, 1, 3, 0, 3, 2];
        let b = [1, 1, 1, 0, 0, 2, 2, 0, 2, 1];
        let a2: Vec<usize> = a.iter().map(|x| [40, 11, 5, 99][*x]).collect();
        let b2: Vec<usize> = b.iter().map(|x| [8, 3, 1000][*x]).collect();
        assert!(close(mojofm(&a, &b), mojofm(&a2, &b2)));
    }

    #[test]
    fn degenerate_sizes() {
        assert!(close(mojofm(&[], &[]), 100.0));
        assert!(close(mojofm(&[4], &[9]), 100.0));
    }

    /// Every partition of `n` objects, as restricted growth strings.
    fn partitions(n: usize) -> Vec<Vec<usize>> {
        let mut out = vec![vec![]];
        for _ in 0..n {
            let mut next = Vec::new();
            for p in &out {
                let k = p.iter().max().map_or(0, |m| m + 1);
                for label in 0..=k {
                    let mut q = p.clone();
                    q.push(label);
                    next.push(q);
                }
            }
            out = next;
        }
        out
    }

    fn canonical(p: &[usize]) -> Vec<usize> {
        dense_labels(p).0
    }

    /// MoJo distance by breadth-first search over Move and Join operations.
    fn brute_mno(a: &[usize], b: &[usize]) -> usize {
        let target = canonical(b);
        let start = canonical(a);
        let mut seen = HashSet::new();
        let mut queue = VecDeque::new();
        seen.insert(start.clone());
        queue.push_back((start, 0));
        while let Some((p, d)) = queue.pop_front() {
            if p == target {
                return d;
            }
            let k = p.iter().max().map_or(0, |m| m + 1);
            let mut nexts = Vec::new();
            for obj in 0..p.len() {
                for label in 0..=k {
                    let mut q = p.clone();
                    q[obj] = label;
                    nexts.push(q);
                }
            }
            for x in 0..k {
                for y in 0..k {
                    if x != y {
                        nexts.push(p.iter().map(|&c| if c == y { x } else { c }).collect());
                    }
                }
            }
            for q in nexts {
                let q = canonical(&q);
                if seen.insert(q.clone()) {
                    queue.push_back((q, d + 1));
                }
            }
        }
        usize::MAX
    }

    #[test]
    fn exact_against_brute_force_on_all_partitions_of_five() {
        let all = partitions(5);
        assert_eq!(all.len(), 52);
        for b in &all {
            let mut worst = 0;
            for a in &all {
                let exact = brute_mno(a, b);
                assert_eq!(mno(a, b), exact, "A = {a:?}, B = {b:?}");
                worst = worst.max(exact);
                let fm = mojofm(a, b);
                assert!((0.0..=100.0).contains(&fm));
            }
            assert_eq!(max_mno(b), worst, "B = {b:?}");
        }
    }

    #[test]
    fn result_in_range_on_pseudo_random_partitions() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..200 {
            let n = rng.usize(1..40);
            let ka = rng.usize(1..=n);
            let kb = rng.usize(1..=n);
            let a: Vec<usize> = (0..n).map(|_| rng.usize(0..ka)).collect();
            let b: Vec<usize> = (0..n).map(|_| rng.usize(0..kb)).collect();
            let fm = mojofm(&a, &b);
            assert!((0.0..=100.0).contains(&fm), "{fm}");
            assert!(close(mojofm(&b, &b), 100.0));
        }
    }
}
