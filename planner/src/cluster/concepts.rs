//! Concepts: clusters whose classes are named for the same business concept merge.
//!
//! In a layered application a class's name is a technical role and a business concept:
//! `OrderActionBean`, `OrderService`, `OrderMapper`, `Order`; `MongoQuoteRepository`,
//! `QuoteController`, `Quote`. Calls bind a layer's classes to their neighbours in the next
//! layer, so Leiden's clusters follow a concept only part of the way across the layers, and where
//! the packages are layers no feature package gathers them ([`super::features`]). The concept is
//! the evidence left: once the role words are dropped ([`super::vocabulary`]), clusters whose
//! classes speak of the same concepts are parts of one capability. Each cluster is the tf-idf
//! vector of its classes' name terms (a class weighted by the share of its members the cluster
//! holds, a term by its information over the classes): a class whose name is closer to another
//! cluster than to its own moves there ([`relocate_classes`]), and the two clusters of highest
//! cosine merge while it reaches [`MIN_COSINE`] ([`merge_concepts`]; the semantic coupling of
//! Mazlami et al. 2017, between clusters rather than classes). Both read one [`Classes`].

use std::collections::{BTreeMap, BTreeSet};

use analyzer::Node;
use rustc_hash::FxHashMap;

use super::namespace::segments;
use super::shared::declared_module;
use super::vocabulary::terms;

/// Least cosine between two clusters' concept vectors for them to merge: the vectors must
/// share a good part of their weight, not a word among many.
pub(super) const MIN_COSINE: f64 = 0.3;

/// Most clusters the merge reads: it compares the pairs that share a term, up to K² of them.
/// Graphs with more clusters (hundreds of thousands of nodes) keep Leiden's.
const MAX_CLUSTERS: usize = 4096;

/// The number of cluster numbers of `assignment` over the `connected` nodes, if the concept step
/// reads them: at least two, at most [`MAX_CLUSTERS`].
pub(super) fn clusters_to_read(assignment: &[usize], connected: &[usize]) -> Option<usize> {
    let k = connected
        .iter()
        .map(|&i| assignment[i] + 1)
        .max()
        .unwrap_or(0);
    (2..=MAX_CLUSTERS).contains(&k).then_some(k)
}

/// Cosines closer than this are equal: the norms are kept incrementally, so two vectors of one
/// direction can differ in the last bits; equals go to the lower cluster, and a class stays home.
const TIE: f64 = 1e-9;

/// Cosine from a dot product, one vector's norm and the other's squared norm (0 when either is
/// empty; a squared norm left at a rounding residue counts as empty).
fn cosine_of(dot: f64, norm: f64, other_norm2: f64) -> f64 {
    if norm == 0.0 || other_norm2 <= 1e-18 {
        0.0
    } else {
        dot / (norm * other_norm2.sqrt())
    }
}

/// A sparse vector: (term, weight) sorted by term.
type Vector = Vec<(u32, f64)>;

/// Merges the clusters of `assignment` (over the `connected` node positions) whose concept
/// vectors are closest, best pair first, while their cosine reaches [`MIN_COSINE`] and more than
/// `floor` clusters remain. Clusters marked in `held` (by cluster number) never merge. Returns
/// the number of merges; merged clusters take the number of the lower one.
///
/// # Complexity
/// O(Σ |module name|) to find the terms, then O(M · P) for M merges among the P pairs of
/// clusters sharing a term (P ≤ K²); nothing above [`MAX_CLUSTERS`] clusters.
pub(super) fn merge_concepts(
    classes: &Classes<'_>,
    assignment: &mut [usize],
    connected: &[usize],
    held: &[bool],
    floor: usize,
) -> usize {
    let Some(k) = clusters_to_read(assignment, connected) else {
        return 0;
    };
    let mut present = vec![false; k];
    for &i in connected {
        present[assignment[i]] = true;
    }
    let mut count = present.iter().filter(|&&p| p).count();
    let members = class_members(classes, assignment, connected);
    let (weights, mut unnamed) = cluster_weights(classes, &members, k);
    let mut vectors: Vec<Vector> = weights
        .iter()
        .map(|v| v.iter().map(|(&t, &w)| (t, w)).collect())
        .collect();
    let terms = classes.count;
    // The clusters holding each term; a merged cluster's entries stay, and are skipped.
    let mut postings: Vec<Vec<usize>> = vec![Vec::new(); terms];
    for (c, v) in vectors.iter().enumerate() {
        for &(t, _) in v {
            postings[t as usize].push(c);
        }
    }
    let mut into: Vec<usize> = (0..k).collect();
    let movable = |c: usize| !held.get(c).copied().unwrap_or(false);
    // The pairs sharing a term, with their cosine; recomputed for a cluster that grows.
    let mut pairs: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for a in (0..k).filter(|&c| movable(c)) {
        for b in neighbours(&vectors, &postings, &into, a)
            .into_iter()
            .filter(|&b| b > a && movable(b))
        {
            pairs.insert(
                (a, b),
                cosine((&vectors[a], unnamed[a]), (&vectors[b], unnamed[b])),
            );
        }
    }
    let mut merges = 0;
    while count > floor {
        // Highest cosine; among equals the lowest pair (the map's order).
        let Some((&(a, b), &cos)) = pairs.iter().fold(
            None,
            |best: Option<(&(usize, usize), &f64)>, p| match best {
                Some(q) if q.1 >= p.1 => Some(q),
                _ => Some(p),
            },
        ) else {
            break;
        };
        if cos < MIN_COSINE {
            break;
        }
        let moved = std::mem::take(&mut vectors[b]);
        for &(t, _) in &moved {
            postings[t as usize].push(a);
        }
        vectors[a] = add(&vectors[a], &moved);
        unnamed[a] += std::mem::take(&mut unnamed[b]);
        into[b] = a;
        pairs.retain(|&(x, y), _| x != a && y != a && x != b && y != b);
        for c in neighbours(&vectors, &postings, &into, a)
            .into_iter()
            .filter(|&c| c != a && movable(c))
        {
            let key = (a.min(c), a.max(c));
            pairs.insert(
                key,
                cosine((&vectors[a], unnamed[a]), (&vectors[c], unnamed[c])),
            );
        }
        count -= 1;
        merges += 1;
    }
    if merges > 0 {
        for &i in connected {
            let mut c = assignment[i];
            while into[c] != c {
                c = into[c];
            }
            assignment[i] = c;
        }
    }
    merges
}

/// The members each class has in each cluster of `assignment` (over the `connected` nodes).
fn class_members(
    classes: &Classes<'_>,
    assignment: &[usize],
    connected: &[usize],
) -> Vec<BTreeMap<usize, usize>> {
    let mut members: Vec<BTreeMap<usize, usize>> = vec![BTreeMap::new(); classes.terms.len()];
    for (&i, c) in connected.iter().zip(&classes.of) {
        if let Some(c) = *c {
            *members[c].entry(assignment[i]).or_insert(0) += 1;
        }
    }
    members
}

/// Each of the `k` clusters' concept vector: the name terms of the classes among its members
/// (`members`, [`class_members`]), each weighted by its information over the classes
/// ([`Classes`]) times the share of the class's members the cluster holds. The shares of
/// classes without an informative term make up the cluster's `unnamed` weight: they speak of
/// nothing another cluster could share, so a cluster of such classes holding one method of a
/// named class is not that class's concept.
fn cluster_weights(
    classes: &Classes<'_>,
    members: &[BTreeMap<usize, usize>],
    k: usize,
) -> (Vec<BTreeMap<u32, f64>>, Vec<f64>) {
    let mut unnamed = vec![0.0; k];
    let mut vectors: Vec<BTreeMap<u32, f64>> = vec![BTreeMap::new(); k];
    for (c, held_by) in members.iter().enumerate() {
        let size: usize = held_by.values().sum();
        for (&cluster, &n) in held_by {
            let share = n as f64 / size as f64;
            if classes.terms[c].is_empty() {
                unnamed[cluster] += share;
            }
            for &(t, w) in &classes.terms[c] {
                *vectors[cluster].entry(t).or_insert(0.0) += w * share;
            }
        }
    }
    (vectors, unnamed)
}

/// The clusters (not merged away) whose vectors share a term with cluster `a`'s, in order.
fn neighbours(vectors: &[Vector], postings: &[Vec<usize>], into: &[usize], a: usize) -> Vec<usize> {
    let mut out: Vec<usize> = vectors[a]
        .iter()
        .flat_map(|&(t, _)| postings[t as usize].iter().copied())
        .filter(|&c| c != a && into[c] == c)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The sum of two sorted sparse vectors.
fn add(a: &Vector, b: &Vector) -> Vector {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(&(ta, wa)), Some(&(tb, wb))) if ta == tb => {
                out.push((ta, wa + wb));
                i += 1;
                j += 1;
            }
            (Some(&(ta, wa)), Some(&(tb, _))) if ta < tb => {
                out.push((ta, wa));
                i += 1;
            }
            (Some(_), Some(&(tb, wb))) | (None, Some(&(tb, wb))) => {
                out.push((tb, wb));
                j += 1;
            }
            (Some(&(ta, wa)), None) => {
                out.push((ta, wa));
                i += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// Cosine of two sorted sparse vectors, each with a weight of its own that the other does not
/// share (`unnamed`); 0 when either is empty.
fn cosine((a, ua): (&Vector, f64), (b, ub): (&Vector, f64)) -> f64 {
    let norm = |v: &Vector, u: f64| (v.iter().map(|&(_, w)| w * w).sum::<f64>() + u * u).sqrt();
    let (na, nb) = (norm(a, ua), norm(b, ub));
    if na == 0.0 || nb == 0.0 {
        return 0.0;
    }
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    dot / (na * nb)
}

/// Moves each class (module) whose name's concept belongs elsewhere: when the cluster of
/// highest cosine to the class's name terms, at least [`MIN_COSINE`], is not the one holding
/// most of its members (that one measured without the class), all its members join it. A class
/// is a unit, and in a layered application calls through a shared hub (a repository factory, a
/// configuration) can pull a controller into the wrong cluster, where its name says which
/// concept it serves. One pass, classes in order of first appearance; `held` clusters neither
/// give nor take. Returns the modules (classes) moved, in that order.
///
/// # Complexity
/// O(V + Σ |module name|) plus, per class, O(P) over the P clusters sharing a term with it.
pub(super) fn relocate_classes(
    classes: &Classes<'_>,
    assignment: &mut [usize],
    connected: &[usize],
    held: &[bool],
) -> Vec<String> {
    let Some(k) = clusters_to_read(assignment, connected) else {
        return Vec::new();
    };
    let m = classes.terms.len();
    let mut members = class_members(classes, assignment, connected);
    let (mut vectors, unnamed) = cluster_weights(classes, &members, k);
    let movable = |c: usize| !held.get(c).copied().unwrap_or(false);
    // Each cluster's squared norm (terms and unnamed weight), kept as weights change, and the
    // clusters holding each term: a class is compared through its own few terms only.
    let mut norm2: Vec<f64> = (0..k)
        .map(|x| vectors[x].values().map(|w| w * w).sum::<f64>() + unnamed[x] * unnamed[x])
        .collect();
    let mut postings: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); classes.count];
    for (x, v) in vectors.iter().enumerate() {
        for &t in v.keys() {
            postings[t as usize].insert(x);
        }
    }
    let mut moved = Vec::new();
    let mut to: Vec<Option<usize>> = vec![None; m];
    for c in 0..m {
        let own_terms = &classes.terms[c];
        if own_terms.is_empty() {
            continue;
        }
        let size: usize = members[c].values().sum();
        // The cluster holding most of the class (the lowest among equals).
        let Some((&home, _)) = members[c]
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        else {
            continue;
        };
        if !movable(home) {
            continue;
        }
        let norm = own_terms.iter().map(|&(_, w)| w * w).sum::<f64>().sqrt();
        let weight = |x: usize, t: u32| vectors[x].get(&t).copied().unwrap_or(0.0);
        // The home cluster without the class.
        let share = members[c][&home] as f64 / size as f64;
        let (mut dot, mut n2) = (0.0, norm2[home]);
        for &(t, w) in own_terms {
            let (before, after) = (weight(home, t), weight(home, t) - w * share);
            dot += w * after;
            n2 += after * after - before * before;
        }
        let own = cosine_of(dot, norm, n2);
        let candidates: BTreeSet<usize> = own_terms
            .iter()
            .flat_map(|&(t, _)| postings[t as usize].iter().copied())
            .filter(|&x| x != home && movable(x))
            .collect();
        let best = candidates
            .into_iter()
            .map(|x| {
                let dot: f64 = own_terms.iter().map(|&(t, w)| w * weight(x, t)).sum();
                (cosine_of(dot, norm, norm2[x]), x)
            })
            .fold(None, |b: Option<(f64, usize)>, p| match b {
                Some(q) if q.0 >= p.0 - TIE => Some(q),
                _ => Some(p),
            });
        let Some((cos, target)) = best else { continue };
        if cos < MIN_COSINE || cos <= own + TIE {
            continue;
        }
        let mut change = |x: usize, t: u32, by: f64| {
            let slot = vectors[x].entry(t).or_insert(0.0);
            let before = *slot;
            *slot += by;
            norm2[x] += *slot * *slot - before * before;
            postings[t as usize].insert(x);
        };
        for (&cluster, &n) in &members[c] {
            let share = n as f64 / size as f64;
            for &(t, w) in own_terms {
                change(cluster, t, -w * share);
            }
        }
        for &(t, w) in own_terms {
            change(target, t, w);
        }
        members[c] = BTreeMap::from([(target, size)]);
        to[c] = Some(target);
        moved.push(classes.names[c].to_string());
    }
    if !moved.is_empty() {
        for (j, &i) in connected.iter().enumerate() {
            if let Some(target) = classes.of[j].and_then(|c| to[c]) {
                assignment[i] = target;
            }
        }
    }
    moved
}

/// The classes (modules) of the connected nodes, with their name terms: found once for the
/// moves and the merges.
pub(super) struct Classes<'a> {
    /// Each class's module path.
    names: Vec<&'a str>,
    /// Class of each connected node (by connected position), if it declares one.
    of: Vec<Option<usize>>,
    /// Each class's informative name terms, weighted by information, sorted by term.
    terms: Vec<Vector>,
    /// Terms numbered (an upper bound of the term numbers).
    count: usize,
}

impl<'a> Classes<'a> {
    /// The classes of the `connected` nodes; the qualifiers of each package dropped
    /// ([`drop_qualifiers`]), terms of one class or of every class left out.
    pub(super) fn new(nodes: &[&'a Node], connected: &[usize]) -> Classes<'a> {
        let mut module_of: FxHashMap<&str, usize> = FxHashMap::default();
        let mut names: Vec<&'a str> = Vec::new();
        let of = connected
            .iter()
            .map(|&i| {
                let module = declared_module(nodes[i])?;
                let next = names.len();
                Some(*module_of.entry(module).or_insert_with(|| {
                    names.push(module);
                    next
                }))
            })
            .collect();
        let mut module_terms: Vec<Vec<String>> = names
            .iter()
            .map(|m| segments(m).last().map_or_else(Vec::new, terms))
            .collect();
        drop_qualifiers(&names, &mut module_terms);
        let mut df: BTreeMap<&str, usize> = BTreeMap::new();
        for ts in &module_terms {
            for t in ts {
                *df.entry(t.as_str()).or_insert(0) += 1;
            }
        }
        let m = names.len();
        let numbered: FxHashMap<&str, (u32, f64)> = df
            .iter()
            .enumerate()
            .filter(|&(_, (_, &d))| d >= 2 && d < m)
            .map(|(n, (&t, &d))| (t, (n as u32, (m as f64 / d as f64).ln() / (m as f64).ln())))
            .collect();
        let terms = module_terms
            .iter()
            .map(|ts| {
                let mut v: Vector = ts
                    .iter()
                    .filter_map(|t| numbered.get(t.as_str()).copied())
                    .collect();
                v.sort_unstable_by_key(|&(t, _)| t);
                v
            })
            .collect();
        Classes {
            names,
            of,
            terms,
            count: df.len(),
        }
    }
}

/// Least classes of a package repeating a word for it to be the package's qualifier.
const QUALIFIER_MIN_CLASSES: usize = 3;

/// Drops from each class's terms the words its package repeats in front of each class's own
/// concept: when at least [`QUALIFIER_MIN_CLASSES`] classes of a package, half of them or more,
/// carry a word and each of them carries another word too, the word names the package's
/// technology or role (`MongoOrderRepository`, `MongoQuoteRepository` in `…mongodb`;
/// `MockDealersRepository` in `…mock`; `OrderDetails`, `QuoteDetails` in `…models`), not a
/// concept. A package of one concept (`Pet`, `PetController`, `PetType` in `…owner`) keeps its
/// word: `Pet` carries no other.
fn drop_qualifiers(names: &[&str], module_terms: &mut [Vec<String>]) {
    let package = |m: &str| -> String {
        let segs: Vec<&str> = segments(m).collect();
        segs[..segs.len().saturating_sub(1)].join(".")
    };
    let mut by_package: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (c, m) in names.iter().enumerate() {
        by_package.entry(package(m)).or_default().push(c);
    }
    for classes in by_package.values() {
        let mut carriers: BTreeMap<&str, (usize, bool)> = BTreeMap::new();
        for &c in classes {
            let ts = &module_terms[c];
            for t in ts {
                let e = carriers.entry(t.as_str()).or_insert((0, true));
                e.0 += 1;
                e.1 &= ts.len() > 1;
            }
        }
        let qualifiers: Vec<String> = carriers
            .into_iter()
            .filter(|&(_, (n, others))| {
                others && n >= QUALIFIER_MIN_CLASSES && 2 * n >= classes.len()
            })
            .map(|(t, _)| t.to_string())
            .collect();
        if qualifiers.is_empty() {
            continue;
        }
        for &c in classes {
            module_terms[c].retain(|t| !qualifiers.contains(t));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nodes `Class.m0…` for each (class, methods), with module `pkg.Class`.
    fn nodes(classes: &[(&str, usize)]) -> Vec<Node> {
        classes
            .iter()
            .flat_map(|&(class, n)| {
                (0..n).map(move |i| Node {
                    id: format!("{class}.m{i}"),
                    module: Some(class.to_string()),
                    ..Node::default()
                })
            })
            .collect()
    }

    /// The clusters of `assignment` as sorted lists of the classes they hold.
    fn clusters(nodes: &[Node], assignment: &[usize]) -> Vec<Vec<String>> {
        let mut by: BTreeMap<usize, std::collections::BTreeSet<String>> = BTreeMap::new();
        for (n, &c) in nodes.iter().zip(assignment) {
            let class = n.module.clone().unwrap_or_default();
            let short = class.rsplit('.').next().unwrap_or("").to_string();
            by.entry(c).or_default().insert(short);
        }
        let mut out: Vec<Vec<String>> = by.into_values().map(|s| s.into_iter().collect()).collect();
        out.sort();
        out
    }

    /// A layered shop as calls leave it: the order concept in two clusters, the account
    /// controller pulled in with the orders' code.
    fn layered() -> (Vec<Node>, Vec<usize>) {
        let classes = [
            ("shop.web.OrderController", 3),
            ("shop.service.OrderService", 2),
            ("shop.web.AccountController", 3),
            ("shop.domain.Order", 4),
            ("shop.service.AccountService", 2),
            ("shop.domain.Account", 4),
            ("shop.web.CatalogController", 3),
            ("shop.service.CatalogService", 2),
            ("shop.domain.CatalogEntry", 4),
        ];
        let nodes = nodes(&classes);
        let cluster = |m: &str| match m.rsplit('.').next().unwrap_or("") {
            "OrderController" | "OrderService" | "AccountController" => 0,
            "Order" => 1,
            "AccountService" | "Account" => 2,
            _ => 3,
        };
        let assignment = nodes
            .iter()
            .map(|n| cluster(n.module.as_deref().unwrap_or("")))
            .collect();
        (nodes, assignment)
    }

    #[test]
    fn classes_move_to_their_concept_and_clusters_of_one_concept_merge() {
        let (nodes, mut assignment) = layered();
        let refs: Vec<&Node> = nodes.iter().collect();
        let connected: Vec<usize> = (0..nodes.len()).collect();
        let classes = Classes::new(&refs, &connected);
        // The order classes go to `Order`'s cluster (a class whose cluster speaks of another
        // concept more moves), `AccountController` to the accounts'.
        assert_eq!(
            relocate_classes(&classes, &mut assignment, &connected, &[]),
            [
                "shop.web.OrderController",
                "shop.service.OrderService",
                "shop.web.AccountController"
            ]
        );
        assert_eq!(
            merge_concepts(&classes, &mut assignment, &connected, &[], 1),
            0
        );
        let want: Vec<Vec<String>> = [
            ["Account", "AccountController", "AccountService"],
            ["CatalogController", "CatalogEntry", "CatalogService"],
            ["Order", "OrderController", "OrderService"],
        ]
        .iter()
        .map(|c| c.iter().map(|s| s.to_string()).collect())
        .collect();
        assert_eq!(clusters(&nodes, &assignment), want);
    }

    #[test]
    fn a_held_cluster_neither_gives_nor_takes() {
        let (nodes, mut assignment) = layered();
        let refs: Vec<&Node> = nodes.iter().collect();
        let connected: Vec<usize> = (0..nodes.len()).collect();
        let classes = Classes::new(&refs, &connected);
        let before = assignment.clone();
        let held = [true, true, false, false];
        assert_eq!(
            relocate_classes(&classes, &mut assignment, &connected, &held).len(),
            0
        );
        assert_eq!(
            merge_concepts(&classes, &mut assignment, &connected, &held, 1),
            0
        );
        assert_eq!(assignment, before);
    }

    #[test]
    fn merges_stop_at_the_floor_and_below_the_least_cosine() {
        // Two clusters of the order concept, one of accounts: told two, only the orders merge;
        // with words in common below the least cosine, nothing merges.
        let nodes = nodes(&[
            ("shop.web.OrderController", 2),
            ("shop.domain.Order", 2),
            ("shop.domain.Account", 2),
            ("shop.web.AccountController", 2),
        ]);
        let refs: Vec<&Node> = nodes.iter().collect();
        let connected: Vec<usize> = (0..nodes.len()).collect();
        let classes = Classes::new(&refs, &connected);
        let mut assignment = vec![0, 0, 1, 1, 2, 2, 2, 2];
        assert_eq!(
            merge_concepts(&classes, &mut assignment, &connected, &[], 2),
            1
        );
        assert_eq!(assignment, vec![0, 0, 0, 0, 2, 2, 2, 2]);
        let mut apart = vec![0, 0, 1, 1, 2, 2, 2, 2];
        assert_eq!(merge_concepts(&classes, &mut apart, &connected, &[], 3), 0);
    }

    #[test]
    fn a_method_of_a_named_class_does_not_name_a_cluster_of_unnamed_ones() {
        // `BaseEntity` and `NamedEntity` carry no concept; one method of `PetType` beside them
        // does not make their cluster the pets' (the unnamed weight), so nothing merges.
        let nodes = nodes(&[
            ("clinic.model.BaseEntity", 5),
            ("clinic.model.NamedEntity", 5),
            ("clinic.owner.PetType", 2),
            ("clinic.owner.Pet", 6),
            ("clinic.owner.PetController", 4),
        ]);
        let refs: Vec<&Node> = nodes.iter().collect();
        let connected: Vec<usize> = (0..nodes.len()).collect();
        let classes = Classes::new(&refs, &connected);
        let mut assignment: Vec<usize> = (0..nodes.len()).map(|i| usize::from(i >= 11)).collect();
        assert_eq!(
            merge_concepts(&classes, &mut assignment, &connected, &[], 1),
            0
        );
    }

    #[test]
    fn a_word_every_class_of_a_package_puts_before_its_concept_is_a_qualifier() {
        let names = [
            "shop.mongodb.MongoOrderRepository",
            "shop.mongodb.MongoQuoteRepository",
            "shop.mongodb.MongoDealerRepository",
            "shop.owner.Pet",
            "shop.owner.PetType",
            "shop.owner.PetOwner",
        ];
        let mut terms: Vec<Vec<String>> = names
            .iter()
            .map(|m| segments(m).last().map_or_else(Vec::new, super::terms))
            .collect();
        drop_qualifiers(&names, &mut terms);
        assert_eq!(terms[0], ["order"]);
        assert_eq!(terms[1], ["quote"]);
        // `Pet` carries no other word: `pet` names the package's one concept and stays.
        assert_eq!(terms[3], ["pet"]);
        assert_eq!(terms[5], ["owner", "pet"]);
    }

    #[test]
    fn sparse_vectors_add_and_compare() {
        let a: Vector = vec![(1, 1.0), (3, 2.0)];
        let b: Vector = vec![(2, 1.0), (3, 1.0)];
        assert_eq!(add(&a, &b), vec![(1, 1.0), (2, 1.0), (3, 3.0)]);
        assert!((cosine((&a, 0.0), (&a, 0.0)) - 1.0).abs() < 1e-12);
        assert_eq!(cosine((&a, 0.0), (&Vec::new(), 0.0)), 0.0);
        // Unnamed weight lowers the cosine without any shared term.
        assert!(cosine((&a, 0.0), (&a, 10.0)) < 0.3);
    }
}
