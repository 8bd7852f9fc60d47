//! Namespace proximity: places nodes (and tiny disconnected clusters) with the cluster whose
//! members share the longest module/namespace prefix, and groups nodes when no cluster exists.

use std::collections::{BTreeMap, HashMap, HashSet};

use analyzer::Node;

use super::shared::{declared_module, module_key};

/// Separator of path segments inside prefix keys (never in a segment).
const SEP: char = '\u{1f}';

/// Splits a name on `::`, `.` and `/` into its non-empty segments.
pub(super) fn segments(name: &str) -> impl Iterator<Item = &str> {
    name.split(['.', '/', ':']).filter(|s| !s.is_empty())
}

/// A node's namespace path: its id's segments, behind its module's when the id does not
/// already start with the module.
pub(super) fn path(node: &Node) -> Vec<&str> {
    let id: Vec<&str> = segments(&node.id).collect();
    match &node.module {
        Some(m) => {
            let module: Vec<&str> = segments(m).collect();
            if id.starts_with(&module) {
                id
            } else {
                module.into_iter().chain(id).collect()
            }
        }
        None => id,
    }
}

/// Depth (in segments) of the namespace prefix every declared module shares: the application's
/// root (`org.springframework.samples.petclinic`), below which its top-level packages lie.
///
/// # Complexity
/// O(Σ |module path|) over the nodes whose module differs from the node's before.
pub(super) fn root_depth(nodes: &[&Node]) -> usize {
    shared_depth(nodes.iter().filter_map(|node| declared_module(node)))
}

/// Depth (in segments) of the prefix all `modules` share (0 for none). A module equal to the
/// one before it is not split again (nodes sorted by id mostly repeat their module).
///
/// # Complexity
/// O(Σ |module path|) over the modules.
pub(super) fn shared_depth<'a>(modules: impl IntoIterator<Item = &'a str>) -> usize {
    let mut root: Option<Vec<&str>> = None;
    let mut last: Option<&str> = None;
    for module in modules {
        if last == Some(module) {
            continue;
        }
        last = Some(module);
        match &mut root {
            None => root = Some(segments(module).collect()),
            Some(prefix) => {
                let common = prefix
                    .iter()
                    .zip(segments(module))
                    .take_while(|(a, b)| **a == *b)
                    .count();
                prefix.truncate(common);
            }
        }
    }
    root.map_or(0, |r| r.len())
}

/// Whether sharing the first `len` segments of `node`'s namespace path with a cluster makes
/// them kin: more than the application's `root` is shared, or the node's whole module.
pub(super) fn kin(node: &Node, len: usize, root: usize) -> bool {
    len > root || declared_module(node).is_some_and(|m| len >= segments(m).count())
}

/// For every path prefix, the best cluster holding a member under it: largest, then lowest index.
pub(super) struct PrefixIndex {
    best: HashMap<String, usize>,
    sizes: Vec<usize>,
}

impl PrefixIndex {
    /// Indexes `(path, cluster)` members; `sizes[c]` ranks clusters. With `wanted`, only those
    /// prefix keys are indexed (the prefixes of the paths that will be placed), which spares a
    /// key per member prefix when few nodes are to be placed among many.
    ///
    /// # Complexity
    /// O(Σ |path|²) time; memory O(Σ |path|²), or O(|wanted|).
    pub fn new<'a>(
        members: impl Iterator<Item = (Vec<&'a str>, usize)>,
        sizes: Vec<usize>,
        wanted: Option<&HashSet<String>>,
    ) -> Self {
        let mut best: HashMap<String, usize> = HashMap::new();
        let mut key = String::new();
        for (path, c) in members {
            key.clear();
            for seg in path {
                key.push_str(seg);
                key.push(SEP);
                if wanted.is_some_and(|w| !w.contains(key.as_str())) {
                    continue;
                }
                match best.get_mut(key.as_str()) {
                    Some(slot) => {
                        if better(&sizes, c, *slot) {
                            *slot = c;
                        }
                    }
                    None => {
                        best.insert(key.clone(), c);
                    }
                }
            }
        }
        PrefixIndex { best, sizes }
    }

    /// The prefix keys of `paths`, for [`PrefixIndex::new`]'s `wanted`.
    pub fn keys<'a>(paths: impl Iterator<Item = Vec<&'a str>>) -> HashSet<String> {
        let mut keys = HashSet::new();
        for path in paths {
            let mut key = String::new();
            for seg in path {
                key.push_str(seg);
                key.push(SEP);
                keys.insert(key.clone());
            }
        }
        keys
    }

    /// The cluster for `path`: (shared prefix length, cluster), or the largest cluster with
    /// length 0 when nothing is shared; `None` when there is no cluster.
    pub fn place(&self, path: &[&str]) -> Option<(usize, usize)> {
        let mut keys = Vec::with_capacity(path.len());
        let mut key = String::new();
        for seg in path {
            key.push_str(seg);
            key.push(SEP);
            keys.push(key.clone());
        }
        for (len, key) in keys.iter().enumerate().rev() {
            if let Some(&c) = self.best.get(key) {
                return Some((len + 1, c));
            }
        }
        (0..self.sizes.len())
            .filter(|&c| self.sizes[c] > 0)
            .reduce(|a, b| if better(&self.sizes, b, a) { b } else { a })
            .map(|c| (0, c))
    }

    /// Size of cluster `c` as indexed.
    pub fn size(&self, c: usize) -> usize {
        self.sizes[c]
    }
}

/// Whether cluster `a` ranks before `b`: larger, then lower index.
fn better(sizes: &[usize], a: usize, b: usize) -> bool {
    (sizes[a], std::cmp::Reverse(a)) > (sizes[b], std::cmp::Reverse(b))
}

/// Groups `members` (node positions) by module, then merges the adjacent groups (in module
/// order) sharing the longest prefix, or halves the largest group, until there are `target`
/// groups (`None`: as many as modules). Returns one group label per member, in input order.
///
/// # Complexity
/// O(V log V + G²) for G modules.
pub(super) fn group(nodes: &[&Node], members: &[usize], target: Option<usize>) -> Vec<usize> {
    let mut by_module: BTreeMap<Vec<&str>, Vec<usize>> = BTreeMap::new();
    for (i, &m) in members.iter().enumerate() {
        let key: Vec<&str> = segments(module_key(nodes[m])).collect();
        by_module.entry(key).or_default().push(i);
    }
    let mut groups: Vec<(Vec<&str>, Vec<usize>)> = by_module.into_iter().collect();
    let target = target
        .unwrap_or(groups.len())
        .clamp(1, members.len().max(1));
    while groups.len() > target {
        let mut pick = 0;
        let mut pick_score = (0usize, std::cmp::Reverse(usize::MAX));
        for i in 0..groups.len() - 1 {
            let common = groups[i]
                .0
                .iter()
                .zip(&groups[i + 1].0)
                .take_while(|(a, b)| a == b)
                .count();
            let score = (
                common,
                std::cmp::Reverse(groups[i].1.len() + groups[i + 1].1.len()),
            );
            if i == 0 || score > pick_score {
                pick = i;
                pick_score = score;
            }
        }
        let (_, tail) = groups.remove(pick + 1);
        groups[pick].1.extend(tail);
        groups[pick].1.sort_unstable();
    }
    while groups.len() < target {
        let Some(largest) =
            (0..groups.len()).max_by_key(|&g| (groups[g].1.len(), std::cmp::Reverse(g)))
        else {
            break;
        };
        if groups[largest].1.len() < 2 {
            break;
        }
        let half = groups[largest].1.len() / 2;
        let tail = groups[largest].1.split_off(half);
        let key = groups[largest].0.clone();
        groups.insert(largest + 1, (key, tail));
    }
    let mut labels = vec![0usize; members.len()];
    for (g, (_, list)) in groups.iter().enumerate() {
        for &i in list {
            labels[i] = g;
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, module: Option<&str>) -> Node {
        Node {
            id: id.into(),
            module: module.map(Into::into),
            ..Node::default()
        }
    }

    #[test]
    fn paths_join_module_and_id() {
        assert_eq!(path(&node("a::b::c", None)), vec!["a", "b", "c"]);
        assert_eq!(
            path(&node("com.x.Y.m", Some("com.x.Y"))),
            vec!["com", "x", "Y", "m"]
        );
        assert_eq!(
            path(&node("get", Some("dao/Account"))),
            vec!["dao", "Account", "get"]
        );
    }

    #[test]
    fn longest_prefix_then_largest_cluster() {
        let members = vec![
            (vec!["a", "b", "x"], 0),
            (vec!["a", "c", "y"], 1),
            (vec!["a", "c", "z"], 1),
            (vec!["q"], 2),
        ];
        let index = PrefixIndex::new(members.into_iter(), vec![1, 2, 1], None);
        assert_eq!(index.place(&["a", "b", "w"]), Some((2, 0)));
        assert_eq!(index.place(&["a", "d"]), Some((1, 1)));
        assert_eq!(index.place(&["zz"]), Some((0, 1)));
        assert_eq!(index.size(2), 1);
    }

    #[test]
    fn kin_shares_more_than_the_root_or_the_whole_module() {
        let owned = [
            node("org.app.owner.Owner.name", Some("org.app.owner.Owner")),
            node("org.app.vet.Vet.name", Some("org.app.vet.Vet")),
            node("org.app.App.main", Some("org.app.App")),
        ];
        let nodes: Vec<&Node> = owned.iter().collect();
        let root = root_depth(&nodes);
        assert_eq!(root, 2);
        assert!(kin(nodes[0], 3, root));
        assert!(!kin(nodes[0], 2, root));
        assert!(!kin(nodes[2], 2, root));
        // One module throughout: its members are kin.
        let one = node("Calc.add", Some("Calc"));
        assert_eq!(root_depth(&[&one]), 1);
        assert!(kin(&one, 1, 1));
        assert_eq!(root_depth(&[&node("main", None)]), 0);
    }

    #[test]
    fn groups_reach_the_target() {
        let owned: Vec<Node> = ["a.x.f", "a.x.g", "a.y.f", "b.z.f", "b.z.g"]
            .iter()
            .map(|id| node(id, None))
            .collect();
        let nodes: Vec<&Node> = owned.iter().collect();
        let all: Vec<usize> = (0..5).collect();
        assert_eq!(group(&nodes, &all, None), vec![0, 0, 1, 2, 2]);
        assert_eq!(group(&nodes, &all, Some(2)), vec![0, 0, 0, 1, 1]);
        assert_eq!(group(&nodes, &all, Some(5)).iter().max(), Some(&4));
        assert_eq!(group(&nodes, &all, Some(1)), vec![0; 5]);
    }
}
