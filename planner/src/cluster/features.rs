//! Feature namespaces: the top-level packages of an application (the first namespace segment
//! below the prefix every module shares, `…training.library`, `…petclinic.owner`, `shop::orders`).
//! A package that keeps most of its calls inside is a *feature* — a business capability — and
//! the Leiden clusters lying mostly inside one feature are parts of that capability, so the
//! automatic plan merges them. A package whose calls mostly leave it is a technical *layer*
//! (`web`, `service`, `dao`): its classes belong to different services and it merges nothing.

use std::collections::BTreeMap;

use analyzer::{CallGraph, Node};
use rayon::prelude::*;

use super::namespace::{segments, shared_depth};
use super::shared::declared_module;

/// A package holding at least this share of the nodes below its level is the application
/// itself, not one of its packages: its own packages are the features (see [`features`]).
const WHOLE_SHARE: f64 = 0.9;

/// Most levels [`features`] descends.
const MAX_DESCENT: usize = 4;

/// The feature (top-level package index) of every node, `None` where a node's module is the
/// shared prefix itself; and the number of features.
///
/// The top-level packages are those below the prefix every module shares, unless one of them
/// holds nearly all the nodes ([`WHOLE_SHARE`]): a Rust library with its binary
/// (`atuin_server::…` and `atuin_server_bin_…::main`) shares no prefix, and the library is then
/// the whole application, not a capability of it. Its own packages are the features, as far
/// down as that holds; the few nodes outside it keep their top-level package.
///
/// # Complexity
/// O(V) expected to number the modules, plus O(Σ |module path|) over the distinct modules per
/// level descended, and a sort of the distinct features.
pub(super) fn features(nodes: &[&Node]) -> (Vec<Option<usize>>, usize, Vec<bool>) {
    // A bare id (no module, no namespace) names no package: it has no feature. Nodes repeat
    // their module, so each distinct module's path is split once.
    let (module, names) = crate::modules::number(nodes.iter().map(|n| declared_module(n)));
    let paths: Vec<Vec<&str>> = names.iter().map(|m| segments(m).collect()).collect();
    let mut weight = vec![0usize; names.len()];
    for &m in &module {
        if let Some(w) = weight.get_mut(m as usize) {
            *w += 1;
        }
    }
    // The prefix the features sit below: the shared one, then the package holding nearly all.
    let mut levels = vec![shared_depth(names.iter().copied())];
    let mut prefix: Vec<&str> = paths
        .first()
        .map_or(Vec::new(), |p| p[..levels[0]].to_vec());
    for _ in 0..MAX_DESCENT {
        let depth = prefix.len();
        let mut below: BTreeMap<&str, usize> = BTreeMap::new();
        for (path, &w) in paths.iter().zip(&weight) {
            if path.len() > depth && path.starts_with(&prefix) {
                *below.entry(path[depth]).or_insert(0) += w;
            }
        }
        let total: usize = below.values().sum();
        let Some((&seg, &most)) = below
            .iter()
            .max_by_key(|&(&seg, &w)| (w, std::cmp::Reverse(seg)))
        else {
            break;
        };
        if below.len() < 2 || (most as f64) < WHOLE_SHARE * total as f64 {
            break;
        }
        prefix.push(seg);
        levels.push(prefix.len());
    }
    // A module's package: one segment below the deepest level whose prefix it lies under.
    let key = |path: &[&'_ str]| -> Option<usize> {
        let depth = levels
            .iter()
            .rev()
            .copied()
            .find(|&d| path.len() >= d && path[..d] == prefix[..d])?;
        (path.len() > depth).then_some(depth + 1)
    };
    let mut features: BTreeMap<&[&str], usize> = BTreeMap::new();
    let keyed: Vec<Option<&[&str]>> = paths
        .iter()
        .map(|path| key(path).map(|len| &path[..len]))
        .collect();
    for k in keyed.iter().flatten() {
        features.entry(k).or_insert(0);
    }
    for (i, slot) in features.values_mut().enumerate() {
        *slot = i;
    }
    // A package named for a tier (`repositories`, `domain`, `web`) is a layer.
    let layer = features
        .keys()
        .map(|k| k.last().is_some_and(|seg| super::vocabulary::is_tier(seg)))
        .collect();
    let of_module: Vec<Option<usize>> = keyed.iter().map(|k| k.map(|k| features[k])).collect();
    let of = module
        .iter()
        .map(|&m| of_module.get(m as usize).copied().flatten())
        .collect();
    (of, features.len(), layer)
}

/// Which features are cohesive: a community in the weak sense of Radicchi et al. (2004), more
/// of its members' call weight (dampened) stays inside it than leaves it. Calls touching
/// `weak` nodes (shared code, composition roots) do not count.
///
/// # Complexity
/// O(V + E).
pub(super) fn cohesive(
    graph: &CallGraph,
    feature: &[Option<usize>],
    count: usize,
    weak: &[bool],
) -> Vec<bool> {
    // At most CHUNKS chunks of calls (their size set by the number of calls alone) summed in
    // parallel, the chunks' sums added in order: the same figures whatever the thread count,
    // in O(CHUNKS · count) memory.
    let chunk = graph.edge_count().div_ceil(CHUNKS).max(1);
    let sums: Vec<(Vec<f64>, Vec<f64>)> = graph
        .par_edges()
        .fold_chunks(
            chunk,
            || (vec![0.0; count], vec![0.0; count]),
            |(mut inner, mut strength), (f, t, call)| {
                if f == t || weak[f] || weak[t] {
                    return (inner, strength);
                }
                let w = super::coupling::dampen(call.weight) * call.confidence;
                if !(w.is_finite() && w > 0.0) {
                    return (inner, strength);
                }
                for end in [f, t] {
                    if let Some(g) = feature[end] {
                        strength[g] += w;
                    }
                }
                if let (Some(a), Some(b)) = (feature[f], feature[t])
                    && a == b
                {
                    inner[a] += 2.0 * w;
                }
                (inner, strength)
            },
        )
        .collect();
    let mut inner = vec![0.0; count];
    let mut strength = vec![0.0; count];
    for (i, s) in &sums {
        inner.iter_mut().zip(i).for_each(|(a, b)| *a += b);
        strength.iter_mut().zip(s).for_each(|(a, b)| *a += b);
    }
    inner
        .iter()
        .zip(&strength)
        .map(|(&i, &s)| s > 0.0 && i > s - i)
        .collect()
}

/// Chunks of the parallel pass over the calls.
const CHUNKS: usize = 8;

/// The cohesive feature holding most (over half) of each cluster's `members`, if any.
///
/// # Complexity
/// O(Σ members + features).
pub(super) fn dominant(
    members: &[Vec<usize>],
    feature: &[Option<usize>],
    cohesive: &[bool],
) -> Vec<Option<usize>> {
    // Votes per feature, reset after each cluster through the list of features it touched.
    let mut votes = vec![0usize; cohesive.len()];
    let mut touched: Vec<usize> = Vec::new();
    members
        .iter()
        .map(|list| {
            for &v in list {
                if let Some(f) = feature[v] {
                    if votes[f] == 0 {
                        touched.push(f);
                    }
                    votes[f] += 1;
                }
            }
            // Most votes, the lowest feature among equals (the key is unique per feature).
            let best = touched
                .iter()
                .map(|&f| (votes[f], std::cmp::Reverse(f)))
                .max()
                .map(|(n, std::cmp::Reverse(f))| (f, n));
            for &f in &touched {
                votes[f] = 0;
            }
            touched.clear();
            let (f, n) = best?;
            (cohesive[f] && 2 * n > list.len()).then_some(f)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, module: &str) -> Node {
        Node {
            id: id.to_string(),
            module: Some(module.to_string()),
            ..Node::default()
        }
    }

    #[test]
    fn the_first_segment_below_the_shared_prefix_is_the_feature() {
        let nodes = [
            node("com.x.library.Book.title", "com.x.library.Book"),
            node(
                "com.x.library.web.LendServlet.doPost",
                "com.x.library.web.LendServlet",
            ),
            node("com.x.math.Fib.fib", "com.x.math.Fib"),
        ];
        let refs: Vec<&Node> = nodes.iter().collect();
        let (of, count, _) = features(&refs);
        assert_eq!(count, 2);
        assert_eq!(of, vec![Some(0), Some(0), Some(1)]);
    }

    #[test]
    fn a_package_holding_nearly_all_the_nodes_is_the_application_not_a_feature() {
        // A Rust library and its binary share no prefix: the library's own modules are the
        // features, the binary keeps its own, and the library's root module has none.
        let mut nodes: Vec<Node> = (0..10)
            .flat_map(|i| {
                [
                    node(&format!("app::orders::place{i}"), "app::orders"),
                    node(&format!("app::billing::charge{i}"), "app::billing"),
                ]
            })
            .collect();
        nodes.push(node("app::connect", "app"));
        nodes.push(node("app_bin_app::main", "app_bin_app"));
        let refs: Vec<&Node> = nodes.iter().collect();
        let (of, count, _) = features(&refs);
        assert_eq!(count, 3);
        // Features in path order: app::billing, app::orders, app_bin_app.
        assert_eq!(of[0], Some(1));
        assert_eq!(of[1], Some(0));
        assert_eq!(of[20], None);
        assert_eq!(of[21], Some(2));
        // With a second package of some size (three nodes in twenty-five), the library is a
        // package of its own again.
        nodes.extend((0..3).map(|i| node(&format!("tool::run{i}"), "tool")));
        let refs: Vec<&Node> = nodes.iter().collect();
        let (of, count, _) = features(&refs);
        assert_eq!(count, 3);
        assert_eq!(of[0], of[1]);
    }

    #[test]
    fn a_package_named_for_a_tier_is_a_layer() {
        let nodes = [
            node("p.repositories.OrderRepo.find", "p.repositories.OrderRepo"),
            node("p.domain.Order.total", "p.domain.Order"),
            node("p.billing.Invoice.issue", "p.billing.Invoice"),
            node("p.controllers.Api.get", "p.controllers.Api"),
        ];
        let refs: Vec<&Node> = nodes.iter().collect();
        let (_, count, layer) = features(&refs);
        assert_eq!(count, 4);
        // In path order: billing, controllers, domain, repositories.
        assert_eq!(layer, vec![false, true, true, true]);
    }

    #[test]
    fn a_layer_is_not_cohesive_and_a_feature_is() {
        // feature a: calls stay inside; layers web → svc: every call crosses.
        let nodes = vec![
            node("p.a.X.f", "p.a.X"),
            node("p.a.Y.g", "p.a.Y"),
            node("p.web.W.h", "p.web.W"),
            node("p.svc.S.i", "p.svc.S"),
        ];
        let edges = vec![
            (0, 1, analyzer::Call::new(3.0, false)),
            (2, 3, analyzer::Call::new(1.0, false)),
        ];
        let graph = CallGraph::from_parts(nodes, edges);
        let refs: Vec<&Node> = graph.nodes().collect();
        let (of, count, _) = features(&refs);
        let c = cohesive(&graph, &of, count, &[false; 4]);
        let names = ["a", "svc", "web"];
        let by_name: BTreeMap<&str, bool> = names.iter().copied().zip(c).collect();
        assert!(by_name["a"]);
        assert!(!by_name["web"]);
        assert!(!by_name["svc"]);
    }

    #[test]
    fn a_cluster_belongs_to_the_cohesive_feature_of_over_half_its_members() {
        // Nodes 0..7: features 0, 0, 1, 1, none, 2, 2; feature 2 is a layer (not cohesive).
        let feature = [Some(0), Some(0), Some(1), Some(1), None, Some(2), Some(2)];
        let cohesive = [true, true, false];
        let members = vec![
            vec![0, 1, 2],    // two of three in feature 0
            vec![0, 1, 2, 3], // two each: no majority
            vec![2, 3],       // feature 1, cohesive
            vec![5, 6, 0],    // the layer holds most: a layer merges nothing
            vec![4],          // no feature at all
            vec![],
        ];
        assert_eq!(
            dominant(&members, &feature, &cohesive),
            vec![Some(0), None, Some(1), None, None, None]
        );
    }
}
