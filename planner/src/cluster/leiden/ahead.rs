//! Loads started ahead of a walk through a graph's rows in a scattered order (the members of
//! each community, when node ids do not follow the communities): while one node is summed,
//! the processor is asked to fetch the row of a node a few places further and the labels of the
//! next node's neighbours, so that their cache misses overlap the work instead of following it.
//! Only hints: nothing read here decides anything, and the results do not depend on them.

use super::{Csr, Label};

/// How many places ahead a row is fetched (its offset twice as far).
const AHEAD: usize = 4;

/// Asks the processor to bring the cache line holding `x` into every cache level.
#[inline(always)]
fn prefetch<T>(x: &T) {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse"))]
    safe_arch::prefetch_t0(x);
    #[cfg(not(all(target_arch = "x86_64", target_feature = "sse")))]
    let _ = x;
}

/// Before `order[j]` is read: fetches the offset of `order[j + 2·AHEAD]`, the row of
/// `order[j + AHEAD]` (whose offset was fetched before) and the `labels` of the neighbours of
/// `order[j + 1]` (whose row was).
#[inline]
pub(super) fn ahead<N: Label, L>(g: &Csr, order: &[N], j: usize, labels: &[L]) {
    if let Some(&v) = order.get(j + 2 * AHEAD) {
        prefetch(&g.offsets[v.at()]);
    }
    if let Some(&v) = order.get(j + AHEAD) {
        let at = g.offsets[v.at()];
        if let (Some(t), Some(w)) = (g.targets.get(at), g.weights.get(at)) {
            prefetch(t);
            prefetch(w);
        }
    }
    if let Some(&v) = order.get(j + 1) {
        for &u in g.row(v.at()).0 {
            prefetch(&labels[u as usize]);
        }
    }
}
