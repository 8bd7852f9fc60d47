//! The distinct module paths of a graph, each numbered once, so that the phases after clustering
//! (naming, shared code, service summaries) count and compare modules as numbers rather than as
//! strings.

use analyzer::CallGraph;

use rustc_hash::FxHashMap as FastMap;

/// The distinct module paths of a graph, numbered in order of first appearance.
pub(crate) struct Modules<'g> {
    /// Node position → index in `names`, or [`Modules::NONE`] for a node without module.
    pub of: Vec<u32>,
    /// Distinct module paths.
    pub names: Vec<&'g str>,
    /// Nodes per module path.
    pub counts: Vec<usize>,
}

impl<'g> Modules<'g> {
    /// A node without module.
    pub const NONE: u32 = u32::MAX;

    /// Numbers the module paths of `graph`.
    ///
    /// # Complexity
    /// O(V) expected; nodes sorted by id mostly repeat the module of the node before, which is
    /// then not hashed.
    pub(crate) fn new(graph: &'g CallGraph) -> Modules<'g> {
        let (of, names) = number(graph.nodes().map(|node| node.module.as_deref()));
        let mut counts = vec![0usize; names.len()];
        for &i in of.iter().filter(|&&i| i != Self::NONE) {
            counts[i as usize] += 1;
        }
        Modules { of, names, counts }
    }

    /// The module path of a module number ([`Modules::NONE`]: none).
    pub(crate) fn name(&self, module: u32) -> Option<&'g str> {
        self.names.get(module as usize).copied()
    }
}

/// Numbers string keys in order of first appearance: each key's number ([`Modules::NONE`] for
/// `None`), and the distinct keys. A key equal to the one before is not hashed again (nodes
/// sorted by id mostly repeat their module).
///
/// # Complexity
/// O(n) expected for n keys.
pub(crate) fn number<'g>(keys: impl Iterator<Item = Option<&'g str>>) -> (Vec<u32>, Vec<&'g str>) {
    let mut index: FastMap<&str, u32> = FastMap::default();
    let mut names: Vec<&str> = Vec::new();
    let mut last: Option<(&str, u32)> = None;
    let of = keys
        .map(|key| {
            let Some(key) = key else {
                return Modules::NONE;
            };
            let i = match last {
                Some((k, i)) if k == key => i,
                _ => *index.entry(key).or_insert_with(|| {
                    names.push(key);
                    // Fewer distinct keys than nodes, whose indices are u32.
                    (names.len() - 1) as u32
                }),
            };
            last = Some((key, i));
            i
        })
        .collect();
    (of, names)
}

#[cfg(test)]
mod tests {
    use analyzer::load_json;

    use super::Modules;

    #[test]
    fn equal_paths_share_a_number_and_missing_ones_have_none() {
        let graph = load_json(
            r#"{"nodes": [{"id": "a", "module": "m"}, {"id": "b"}, {"id": "c", "module": "n"},
                          {"id": "d", "module": "m"}]}"#,
        )
        .expect("valid");
        let modules = Modules::new(&graph);
        assert_eq!(modules.of, vec![0, Modules::NONE, 1, 0]);
        assert_eq!(modules.names, vec!["m", "n"]);
        assert_eq!(modules.counts, vec![2, 1]);
        assert_eq!(modules.name(Modules::NONE), None);
        assert_eq!(modules.name(1), Some("n"));
    }
}
