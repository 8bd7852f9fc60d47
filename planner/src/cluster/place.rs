//! Placement by namespace proximity: nodes (or whole clusters) that have no place of their own
//! join the cluster sharing the longest namespace prefix with them.

use super::{Tags, constrain, namespace, vocabulary};

/// Moves each node of `movers` to the cluster of `anchors` sharing the longest namespace
/// prefix with it (ties: larger cluster, then lower index). A mover kin to no cluster (sharing
/// no package below the application's root, [`namespace::kin`]) joins, with the other movers
/// of its module, the cluster whose words are closest to theirs ([`vocabulary::closest`]), if
/// any shares a word with them.
pub(super) fn place(
    nodes: &[&analyzer::Node],
    assignment: &mut [usize],
    anchors: &[usize],
    movers: &[usize],
) {
    let Some(index) = prefix_index(nodes, assignment, anchors, movers) else {
        return;
    };
    let root = namespace::root_depth(nodes);
    let mut strangers = Vec::new();
    for &i in movers {
        if let Some((len, c)) = index.place(&namespace::path(nodes[i])) {
            assignment[i] = c;
            if !namespace::kin(nodes[i], len, root) {
                strangers.push(i);
            }
        }
    }
    if !strangers.is_empty() {
        // A class binds as a unit: its members are placed together, by all their words.
        let mut classes: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for &i in &strangers {
            classes
                .entry(super::module_key(nodes[i]))
                .or_default()
                .push(i);
        }
        let classes: Vec<Vec<usize>> = classes.into_values().collect();
        let closest = vocabulary::closest(nodes, assignment, anchors, &classes);
        for (class, c) in classes.iter().zip(closest) {
            if let Some(c) = c {
                for &i in class {
                    assignment[i] = c;
                }
            }
        }
    }
}

/// Like [`place`], but the movers' current clusters move whole, to the cluster best placed for
/// any of their members — unless their cannot-link tags (per cluster) clash, or no member is
/// kin to any cluster (shares no package below the application's root, [`namespace::kin`]):
/// then they stay. Returns how many clusters stayed for want of kin.
pub(super) fn place_groups(
    nodes: &[&analyzer::Node],
    assignment: &mut [usize],
    anchors: &[usize],
    movers: &[usize],
    tags: &mut [Tags],
) -> usize {
    let Some(index) = prefix_index(nodes, assignment, anchors, movers) else {
        return 0;
    };
    let root = namespace::root_depth(nodes);
    let mut best: std::collections::BTreeMap<usize, (usize, usize, usize)> = Default::default();
    for &i in movers {
        let path = namespace::path(nodes[i]);
        if let Some((len, c)) = index
            .place(&path)
            .filter(|&(len, _)| namespace::kin(nodes[i], len, root))
        {
            let cand = (len, index.size(c), usize::MAX - c);
            let slot = best.entry(assignment[i]).or_insert(cand);
            *slot = (*slot).max(cand);
        }
    }
    let mut moves = std::collections::BTreeMap::new();
    for (&from, &(_, _, c)) in &best {
        let to = usize::MAX - c;
        let (a, b) = (tags.get(from), tags.get(to));
        if a.zip(b).is_none_or(|(a, b)| constrain::compatible(a, b)) {
            if let Some(moved) = tags.get_mut(from).map(std::mem::take) {
                tags[to].extend(moved);
            }
            moves.insert(from, to);
        }
    }
    let mut strangers = std::collections::BTreeSet::new();
    for &i in movers {
        if !best.contains_key(&assignment[i]) {
            strangers.insert(assignment[i]);
        }
        if let Some(&c) = moves.get(&assignment[i]) {
            assignment[i] = c;
        }
    }
    strangers.len()
}

/// Prefix index of the anchors' clusters, for placing `movers`; `None` when there are no
/// anchors or no movers.
fn prefix_index(
    nodes: &[&analyzer::Node],
    assignment: &[usize],
    anchors: &[usize],
    movers: &[usize],
) -> Option<namespace::PrefixIndex> {
    if movers.is_empty() {
        return None;
    }
    let wanted = namespace::PrefixIndex::keys(movers.iter().map(|&i| namespace::path(nodes[i])));
    let k = anchors.iter().map(|&i| assignment[i] + 1).max()?;
    let mut sizes = vec![0usize; k];
    for &i in anchors {
        sizes[assignment[i]] += 1;
    }
    let members = anchors
        .iter()
        .map(|&i| (namespace::path(nodes[i]), assignment[i]));
    Some(namespace::PrefixIndex::new(members, sizes, Some(&wanted)))
}
