//! Evolutionary coupling: files changed together in the same commits belong together (Gall et
//! al. 1998; Zimmermann et al. 2005; Tornhill's code-maat). Code that always changes as one is one
//! piece of business logic whatever its call structure, and a service boundary between the two
//! files would make every such change a coordinated release of two services.
//!
//! The history is read by the caller (the binary runs `git log`); here it is pure data. A pair of
//! files couples by its *degree*, the commits they share over the mean of their commits (as
//! code-maat computes it), kept when they share at least [`MIN_SHARED`] commits and the degree
//! reaches [`MIN_DEGREE`]. Commits touching more than [`MAX_COMMIT_FILES`] files (mass renames,
//! reformatting, dependency bumps) say nothing about coupling and are skipped.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use analyzer::CallGraph;

/// A commit touching more files than this is skipped (code-maat's default changeset bound).
pub const MAX_COMMIT_FILES: usize = 30;
/// Fewest commits two files must share to couple: one shared commit is chance.
pub const MIN_SHARED: u32 = 2;
/// Lowest degree of coupling kept: shared commits over the mean of the two files' commits.
pub const MIN_DEGREE: f64 = 0.3;
/// Most coupled file pairs kept (the strongest first): bounds the ties on any history.
pub const MAX_PAIRS: usize = 100_000;

/// The co-change coupling read from a repository's history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct History {
    /// Commits read.
    pub commits: usize,
    /// Commits skipped for touching more than [`MAX_COMMIT_FILES`] files.
    pub skipped_commits: usize,
    /// The coupled file pairs, strongest first (ties by path).
    pub pairs: Vec<CoChange>,
}

/// Two files that change together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CoChange {
    /// One file (the smaller path), relative to where the history was read.
    pub a: String,
    /// The other file.
    pub b: String,
    /// Commits touching both.
    pub shared: u32,
    /// Shared commits over the mean of the two files' commits, in (0, 1].
    pub degree: f64,
}

impl History {
    /// The coupled file pairs of `commits`, each the list of files one commit changed.
    ///
    /// # Complexity
    /// O(C · F²) for C commits of at most F = [`MAX_COMMIT_FILES`] files, plus O(P log P) for
    /// the P pairs seen.
    pub fn from_commits<S: AsRef<str>>(commits: &[Vec<S>]) -> History {
        let mut revisions: FxHashMap<&str, u32> = FxHashMap::default();
        let mut together: FxHashMap<(&str, &str), u32> = FxHashMap::default();
        let mut skipped = 0;
        let mut files: Vec<&str> = Vec::new();
        for commit in commits {
            files.clear();
            files.extend(commit.iter().map(AsRef::as_ref).filter(|f| !f.is_empty()));
            files.sort_unstable();
            files.dedup();
            if files.len() > MAX_COMMIT_FILES {
                skipped += 1;
                continue;
            }
            for (i, &a) in files.iter().enumerate() {
                *revisions.entry(a).or_default() += 1;
                for &b in &files[i + 1..] {
                    *together.entry((a, b)).or_default() += 1;
                }
            }
        }
        let mut pairs: Vec<CoChange> = together
            .into_iter()
            .filter(|&(_, shared)| shared >= MIN_SHARED)
            .filter_map(|((a, b), shared)| {
                let mean = f64::from(revisions[a] + revisions[b]) / 2.0;
                let degree = (f64::from(shared) / mean).min(1.0);
                (degree >= MIN_DEGREE).then(|| CoChange {
                    a: a.to_string(),
                    b: b.to_string(),
                    shared,
                    degree,
                })
            })
            .collect();
        pairs.sort_unstable_by(|x, y| {
            y.degree
                .total_cmp(&x.degree)
                .then(y.shared.cmp(&x.shared))
                .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
        });
        pairs.truncate(MAX_PAIRS);
        History {
            commits: commits.len(),
            skipped_commits: skipped,
            pairs,
        }
    }
}

/// A coupled pair of files as node positions of a graph: the nodes defined in each, and the
/// degree.
pub(crate) type FileTie = (Vec<usize>, Vec<usize>, f64);

/// The nodes of `graph` in each file of `history`'s pairs; pairs with a file that holds no node
/// are dropped. A file holds the nodes whose `location` names it: the same path, or one path
/// ending with the other at a `/` (the history and the analysis may be read from different
/// folders of one repository). A node without a location is in the file of its `module` where
/// the module's dotted or `::` path ends the file's path without its extension, as a Java class
/// `com.shop.Order` is in `src/main/java/com/shop/Order.java`.
///
/// # Complexity
/// O(V + P · c) for P pairs and c nodes of a file's candidate paths.
pub(crate) fn file_ties(graph: &CallGraph, history: &History) -> Vec<FileTie> {
    // Paths by their last component, to find the ones a history path ends with (or that end it).
    let mut by_name: BTreeMap<&str, Vec<Located<'_>>> = BTreeMap::new();
    let mut located: BTreeMap<Vec<&str>, Vec<usize>> = BTreeMap::new();
    for (pos, node) in graph.nodes().enumerate() {
        if let Some(path) = node.location.as_deref().map(location_file) {
            located.entry(components(path)).or_default().push(pos);
        } else if let Some(module) = node.module.as_deref() {
            let parts: Vec<&str> = module
                .split(['.', ':', '/', '\\'])
                .filter(|p| !p.is_empty())
                .collect();
            if !parts.is_empty() {
                located.entry(parts).or_default().push(pos);
            }
        }
    }
    for (parts, nodes) in located {
        let last = *parts.last().expect("non-empty path");
        by_name.entry(last).or_default().push((parts, nodes));
    }
    let mut memo: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    let nodes_of = |file: &str| -> Vec<usize> {
        let parts = components(file);
        let Some(&last) = parts.last() else {
            return Vec::new();
        };
        // The path itself, and the path without the file's extension (a module has none).
        let stem = last.split('.').next().unwrap_or(last);
        let mut stemmed = parts.clone();
        *stemmed.last_mut().expect("non-empty path") = stem;
        // The same path wins over paths that end one another.
        let mut found: Vec<usize> = Vec::new();
        for exact in [true, false] {
            for (variant, name) in [(&parts, last), (&stemmed, stem)] {
                for (candidate, nodes) in by_name.get(name).into_iter().flatten() {
                    let same = variant == candidate;
                    if same == exact
                        && (same || variant.ends_with(candidate) || candidate.ends_with(variant))
                    {
                        found.extend(nodes);
                    }
                }
            }
            if !found.is_empty() {
                break;
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    };
    let mut ties = Vec::new();
    for pair in &history.pairs {
        let a = memo
            .entry(pair.a.as_str())
            .or_insert_with(|| nodes_of(&pair.a))
            .clone();
        let b = memo
            .entry(pair.b.as_str())
            .or_insert_with(|| nodes_of(&pair.b));
        if !a.is_empty() && !b.is_empty() {
            ties.push((a, b.clone(), pair.degree));
        }
    }
    ties
}

/// A path (its components) and the nodes in it.
type Located<'a> = (Vec<&'a str>, Vec<usize>);

/// The file of a location `path:line[:column]`.
fn location_file(location: &str) -> &str {
    let mut path = location;
    for _ in 0..2 {
        match path.rsplit_once(':') {
            Some((head, tail)) if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) => {
                path = head;
            }
            _ => break,
        }
    }
    path
}

/// The components of a path, without `.` and empty ones, either separator.
fn components(path: &str) -> Vec<&str> {
    path.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commits(list: &[&[&str]]) -> Vec<Vec<String>> {
        list.iter()
            .map(|c| c.iter().map(|s| (*s).to_string()).collect())
            .collect()
    }

    #[test]
    fn pairs_need_shared_commits_and_degree() {
        let h = History::from_commits(&commits(&[
            &["a.rs", "b.rs"],
            &["a.rs", "b.rs", "c.rs"],
            &["c.rs"],
            &["c.rs"],
            &["c.rs"],
            &["c.rs", "a.rs"],
        ]));
        assert_eq!(h.commits, 6);
        // a–b share 2 of (3 + 2)/2: kept; a–c share 2 of (3 + 5)/2 = 0.5: kept; b–c 1: dropped.
        let got: Vec<(&str, &str, u32)> = h
            .pairs
            .iter()
            .map(|p| (p.a.as_str(), p.b.as_str(), p.shared))
            .collect();
        assert_eq!(got, vec![("a.rs", "b.rs", 2), ("a.rs", "c.rs", 2)]);
        assert!((h.pairs[0].degree - 0.8).abs() < 1e-12);
        assert!((h.pairs[1].degree - 0.5).abs() < 1e-12);
    }

    #[test]
    fn large_commits_are_skipped() {
        let big: Vec<String> = (0..=MAX_COMMIT_FILES).map(|i| format!("f{i}.rs")).collect();
        let h = History::from_commits(&[big.clone(), big]);
        assert_eq!(h.skipped_commits, 2);
        assert!(h.pairs.is_empty());
    }

    #[test]
    fn locations_and_modules_name_files() {
        assert_eq!(location_file("src/a.rs:12"), "src/a.rs");
        assert_eq!(location_file("src/a.rs:12:4"), "src/a.rs");
        assert_eq!(location_file("C:/x/a.rs"), "C:/x/a.rs");
        let graph = analyzer::load_json(
            r#"{"nodes": [
                {"id": "w::a::f", "location": "src/a.rs:1"},
                {"id": "w::b::g", "location": "src/b.rs:3"},
                {"id": "com.shop.Order.total", "module": "com.shop.Order"},
                {"id": "com.shop.Cart.add", "module": "com.shop.Cart"}
            ]}"#,
        )
        .expect("a graph");
        let history = History {
            commits: 3,
            skipped_commits: 0,
            pairs: vec![
                CoChange {
                    a: "crates/w/src/a.rs".into(),
                    b: "crates/w/src/b.rs".into(),
                    shared: 3,
                    degree: 1.0,
                },
                CoChange {
                    a: "src/main/java/com/shop/Cart.java".into(),
                    b: "src/main/java/com/shop/Order.java".into(),
                    shared: 2,
                    degree: 0.5,
                },
                CoChange {
                    a: "README.md".into(),
                    b: "src/a.rs".into(),
                    shared: 2,
                    degree: 0.5,
                },
            ],
        };
        let ties = file_ties(&graph, &history);
        let id = |p: usize| graph.node(p).id.as_str();
        let named: Vec<(Vec<&str>, Vec<&str>)> = ties
            .iter()
            .map(|(a, b, _)| {
                (
                    a.iter().map(|&p| id(p)).collect(),
                    b.iter().map(|&p| id(p)).collect(),
                )
            })
            .collect();
        assert_eq!(
            named,
            vec![
                (vec!["w::a::f"], vec!["w::b::g"]),
                (vec!["com.shop.Cart.add"], vec!["com.shop.Order.total"]),
            ]
        );
    }
}
