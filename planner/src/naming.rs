//! Service names a reviewer can read: from the dominant module, or from the service's hub member
//! when modules are layers spread over several services. Names are unique, lowercase kebab-case.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use analyzer::CallGraph;
use rayon::prelude::*;

use crate::modules::Modules;
use rustc_hash::FxHashMap as FastMap;

/// One name per service (`members[c]` are the positions of service `c`'s members): the module
/// that is this service's alone, else (layers shared by several services) the word its members'
/// names have in common and others lack, else its hub member's name; unique.
///
/// # Complexity
/// O(V + E) expected (hash maps of words and module paths).
pub(crate) fn service_names(
    graph: &CallGraph,
    modules: &Modules<'_>,
    members: &[Vec<usize>],
) -> Vec<String> {
    let inner = inner_degrees(graph, members);
    let chosen = dominant_modules(graph, modules, members);
    let mut used_by: HashMap<&str, usize> = HashMap::new();
    for p in chosen.iter().flatten() {
        *used_by.entry(p).or_default() += 1;
    }
    let words = distinctive_words(graph, modules, members);
    let names = members
        .iter()
        .enumerate()
        .map(|(c, list)| {
            let name = match chosen[c] {
                Some(p) if used_by[p] == 1 => kebab(last_segment(p)),
                _ => words[c]
                    .clone()
                    .or_else(|| {
                        hub(graph, list, &inner).map(|h| kebab(last_segment(&graph.node(h).id)))
                    })
                    .unwrap_or_default(),
            };
            if name.is_empty() {
                "service".to_string()
            } else {
                name
            }
        })
        .collect();
    unique(names)
}

/// Told a number other than the automatic plan's count: how the plan's services come from the
/// automatic plan's, by the names the automatic plan gives them, so a reviewer sees what was
/// joined or cut. An automatic service belongs to the service holding most of its members, and
/// a service comes from the automatic service most of its members come from (ties: the first).
pub(crate) struct Lineage {
    /// The automatic services' names.
    names: Vec<String>,
    /// Per service of the plan, the automatic services it holds, largest first.
    joined: Vec<Vec<usize>>,
    /// Per automatic service, the services of the plan that come from it, largest first.
    pieces: Vec<Vec<usize>>,
}

impl Lineage {
    /// From `automatic` (node position → automatic service, `usize::MAX` for a node placed
    /// afterwards) and the plan's `assignment`; `None` when no service merges two automatic
    /// services and none is split.
    ///
    /// # Complexity
    /// [`service_names`]' for the automatic services, plus O(V log V).
    pub(crate) fn new(
        graph: &CallGraph,
        modules: &Modules<'_>,
        automatic: &[usize],
        assignment: &[usize],
    ) -> Option<Lineage> {
        let count = |labels: &mut dyn Iterator<Item = usize>| labels.max().map_or(0, |c| c + 1);
        let k = count(&mut automatic.iter().copied().filter(|&a| a != usize::MAX));
        let services = count(&mut assignment.iter().copied());
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
        // held[(a, c)]: members of automatic service a in service c.
        let mut held: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for (i, &a) in automatic.iter().enumerate() {
            if a != usize::MAX {
                members[a].push(i);
                *held.entry((a, assignment[i])).or_default() += 1;
            }
        }
        // The largest share wins, ties to the lower number.
        let best = |x: &(usize, usize, usize), y: &(usize, usize, usize)| {
            x.0.cmp(&y.0).then(y.1.cmp(&x.1)).then(y.2.cmp(&x.2))
        };
        let mut home: Vec<Option<(usize, usize, usize)>> = vec![None; k];
        let mut origin: Vec<Option<(usize, usize, usize)>> = vec![None; services];
        for (&(a, c), &n) in &held {
            let to = (n, c, a);
            if home[a].is_none_or(|h| best(&to, &h).is_gt()) {
                home[a] = Some(to);
            }
            let from = (n, a, c);
            if origin[c].is_none_or(|o| best(&from, &o).is_gt()) {
                origin[c] = Some(from);
            }
        }
        let mut joined: Vec<Vec<(usize, usize)>> = vec![Vec::new(); services];
        for (a, h) in home.iter().enumerate() {
            if let Some((_, c, _)) = h {
                joined[*c].push((members[a].len(), a));
            }
        }
        let mut pieces: Vec<Vec<(usize, usize)>> = vec![Vec::new(); k];
        for (c, o) in origin.iter().enumerate() {
            if let Some((n, a, _)) = o {
                pieces[*a].push((*n, c));
            }
        }
        if joined.iter().all(|list| list.len() < 2) && pieces.iter().all(|list| list.len() < 2) {
            return None;
        }
        let largest_first = |lists: Vec<Vec<(usize, usize)>>| -> Vec<Vec<usize>> {
            lists
                .into_iter()
                .map(|mut list| {
                    list.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
                    list.into_iter().map(|(_, a)| a).collect()
                })
                .collect()
        };
        Some(Lineage {
            names: service_names(graph, modules, &members),
            joined: largest_first(joined),
            pieces: largest_first(pieces),
        })
    }

    /// The suggested `names` with each service that holds automatic services named for the
    /// largest of them, unless that one was split (its pieces are named for what each holds);
    /// unique.
    pub(crate) fn rename(&self, mut names: Vec<String>) -> Vec<String> {
        for (name, joined) in names.iter_mut().zip(&self.joined) {
            if let Some(&a) = joined.first().filter(|&&a| self.pieces[a].len() < 2) {
                name.clone_from(&self.names[a]);
            }
        }
        unique(names)
    }

    /// The plan's note: for each service merging several, `id name = first + second + …`; for
    /// each automatic service split, `name = id name + id name + …`.
    pub(crate) fn note(&self, ids: &[String], names: &[String]) -> Option<String> {
        let merged: Vec<String> = self
            .joined
            .iter()
            .enumerate()
            .filter(|(_, joined)| joined.len() > 1)
            .map(|(c, joined)| {
                let of: Vec<&str> = joined.iter().map(|&a| self.names[a].as_str()).collect();
                format!("{} {} = {}", ids[c], names[c], of.join(" + "))
            })
            .collect();
        let split: Vec<String> = self
            .pieces
            .iter()
            .enumerate()
            .filter(|(_, pieces)| pieces.len() > 1)
            .map(|(a, pieces)| {
                let into: Vec<String> = pieces
                    .iter()
                    .map(|&c| format!("{} {}", ids[c], names[c]))
                    .collect();
                format!("{} = {}", self.names[a], into.join(" + "))
            })
            .collect();
        let (automatic, plan) = (self.names.len(), self.joined.len());
        let mut parts = Vec::new();
        if !merged.is_empty() {
            parts.push(format!(
                "the automatic plan's {automatic} services merged into the {plan} asked for: {}",
                merged.join("; ")
            ));
        }
        if !split.is_empty() {
            parts.push(format!(
                "the automatic plan's {automatic} services split into the {plan} asked for: {}",
                split.join("; ")
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Each node's call weight to members of its own service: the hub is the most connected member.
fn inner_degrees(graph: &CallGraph, members: &[Vec<usize>]) -> Vec<f64> {
    let mut assignment = vec![0usize; graph.node_count()];
    for (c, list) in members.iter().enumerate() {
        for &m in list {
            assignment[m] = c;
        }
    }
    let mut inner = vec![0.0f64; graph.node_count()];
    for (f, t, call) in graph.edges() {
        if f != t && assignment[f] == assignment[t] {
            inner[f] += call.weight;
            inner[t] += call.weight;
        }
    }
    inner
}

/// The service's hub: its most connected member inside it (an entry point on ties, then the
/// lowest id).
fn hub(graph: &CallGraph, list: &[usize], inner: &[f64]) -> Option<usize> {
    list.iter().copied().max_by(|&a, &b| {
        let ea = graph.node(a).entry.is_some();
        let eb = graph.node(b).entry.is_some();
        inner[a]
            .total_cmp(&inner[b])
            .then(ea.cmp(&eb))
            .then_with(|| graph.node(b).id.cmp(&graph.node(a).id))
    })
}

/// Per service, the module path that covers most of its members (≥ 60 %) and is mostly theirs
/// (the service holds at least half of it), among the distinctive ones (a prefix shared by most
/// of the graph, the crate or company root, names nothing in particular): the widest such, then
/// the deepest.
fn dominant_modules<'m>(
    graph: &CallGraph,
    modules: &Modules<'m>,
    members: &[Vec<usize>],
) -> Vec<Option<&'m str>> {
    let total_nodes = graph.node_count();
    let mut graph_counts: FastMap<&str, usize> = FastMap::default();
    for (module, &count) in modules.names.iter().zip(&modules.counts) {
        for p in prefixes(module) {
            *graph_counts.entry(p).or_default() += count;
        }
    }
    let distinctive = |p: &str| graph_counts.get(p).copied().unwrap_or(0) * 2 <= total_nodes;
    members
        .par_iter()
        .map(|list| {
            // Members per module, then per module path prefix.
            let mut of: Vec<u32> = list
                .iter()
                .map(|&m| modules.of[m])
                .filter(|&x| x != Modules::NONE)
                .collect();
            of.sort_unstable();
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for run in of.chunk_by(|a, b| a == b) {
                for p in prefixes(modules.names[run[0] as usize]) {
                    *counts.entry(p).or_default() += run.len();
                }
            }
            counts
                .iter()
                .filter(|&(p, &c)| {
                    distinctive(p)
                        && c * 5 >= list.len() * 3
                        && c * 2 >= graph_counts.get(p).copied().unwrap_or(0)
                })
                .max_by_key(|&(p, &c)| (c, depth(p), std::cmp::Reverse(*p)))
                .map(|(p, _)| *p)
        })
        .collect()
}

/// Unique names: later duplicates get -2, -3, … in service order.
fn unique(mut names: Vec<String>) -> Vec<String> {
    let mut used: HashSet<String> = HashSet::new();
    for name in &mut names {
        if !used.insert(name.clone()) {
            let mut i = 2;
            while !used.insert(format!("{name}-{i}")) {
                i += 1;
            }
            *name = format!("{name}-{i}");
        }
    }
    names
}

/// Words too generic to name a service.
const STOP_WORDS: [&str; 16] = [
    "get", "set", "new", "impl", "the", "and", "for", "with", "from", "into", "default", "test",
    "handle", "handler", "util", "utils",
];

/// Per service, the word of its members' names and modules (split on `_` and case changes) with the best
/// tf·idf: frequent among its members, rare among other services. `None` when no word occurs in
/// two members (one for a single-member service).
///
/// Only a service's candidates (words in enough members) need their document frequency, so it
/// is counted for those alone. Each service's best word is the unique maximum of (score, word
/// reversed), whatever order its words are visited in.
///
/// # Complexity
/// O(V + W) expected for W (member, word) pairs.
fn distinctive_words(
    graph: &CallGraph,
    modules: &Modules<'_>,
    members: &[Vec<usize>],
) -> Vec<Option<String>> {
    let k = members.len() as f64;
    // The last segment of each module path, kebab-cased once.
    let module_text: Vec<String> = modules
        .names
        .iter()
        .map(|m| kebab(last_segment(m)))
        .collect();
    let per_service: Vec<ServiceWords> = members
        .par_iter()
        .map(|list| ServiceWords::of(graph, modules, &module_text, list))
        .collect();
    let need = |list: &[usize]| if list.len() == 1 { 1 } else { 2 };
    // Candidate words, numbered, then the services holding each.
    let mut candidates: FastMap<&str, usize> = FastMap::default();
    for (words, list) in per_service.iter().zip(members) {
        for (w, n) in words.iter() {
            if n >= need(list) {
                let next = candidates.len();
                candidates.entry(w).or_insert(next);
            }
        }
    }
    let df: Vec<usize> = per_service
        .par_iter()
        .fold(
            || vec![0usize; candidates.len()],
            |mut df, words| {
                for (w, _) in words.iter() {
                    if let Some(&i) = candidates.get(w) {
                        df[i] += 1;
                    }
                }
                df
            },
        )
        .reduce(
            || vec![0usize; candidates.len()],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        );
    per_service
        .iter()
        .zip(members)
        .map(|(words, list)| {
            let need = need(list);
            words
                .iter()
                .filter(|&(_, n)| n >= need)
                .map(|(w, n)| (n as f64 * (1.0 + k / df[candidates[w]] as f64).ln(), w))
                .max_by(|a, b| a.0.total_cmp(&b.0).then_with(|| b.1.cmp(a.1)))
                .map(|(_, w)| w.to_string())
        })
        .collect()
}

/// The words of one service's members, each once with the number of members having it.
struct ServiceWords {
    /// The members' kebab-cased names and modules, one after the other: the words are pieces of it.
    text: String,
    /// Each distinct word as its range in `text` and the number of members having it.
    words: Vec<(Range<usize>, usize)>,
}

impl ServiceWords {
    /// The words of the members `list`; `module_text[i]` is module `i`'s last segment, kebab-cased.
    ///
    /// # Complexity
    /// O(M + W) expected for M members and W (member, word) pairs.
    fn of(
        graph: &CallGraph,
        modules: &Modules<'_>,
        module_text: &[String],
        list: &[usize],
    ) -> ServiceWords {
        let mut text = String::new();
        // Every (member, word), in member order, then the distinct words.
        let mut all: Vec<Range<usize>> = Vec::new();
        let mut own: Vec<Range<usize>> = Vec::new();
        for &m in list {
            let module = module_text
                .get(modules.of[m] as usize)
                .map_or("", String::as_str);
            node_words(last_segment(&graph.node(m).id), module, &mut text, &mut own);
            all.append(&mut own);
        }
        let mut index: FastMap<&str, usize> =
            FastMap::with_capacity_and_hasher(all.len(), Default::default());
        let mut words: Vec<(Range<usize>, usize)> = Vec::new();
        for range in all {
            let next = words.len();
            let at = *index.entry(&text[range.clone()]).or_insert(next);
            if at == next {
                words.push((range, 1));
            } else {
                words[at].1 += 1;
            }
        }
        drop(index);
        ServiceWords { text, words }
    }

    /// The distinct words with the number of members having each.
    fn iter(&self) -> impl Iterator<Item = (&str, usize)> + '_ {
        self.words
            .iter()
            .map(|(range, n)| (&self.text[range.clone()], *n))
    }
}

/// Appends a node's name (its last segment) and module (the last segment of its path, already
/// kebab-cased), kebab-cased, to `text`, and sets `words` to the ranges of its distinct words in
/// `text`, sorted: lowercase, split on `_` and case changes (`AccountActionBean` → account, action,
/// bean; `place_order` → place, order), words under three letters, stop words and numbers dropped.
fn node_words(name: &str, module: &str, text: &mut String, words: &mut Vec<Range<usize>>) {
    // Both kebab-cased into one piece of text: its pieces between dashes are the words of either.
    text.push('-');
    let base = text.len();
    kebab_into(name, text);
    text.push('-');
    text.push_str(module);
    words.clear();
    let mut from = base;
    for piece in text[base..].split('-') {
        let range = from..from + piece.len();
        from = range.end + 1;
        if is_word(piece) {
            words.push(range);
        }
    }
    words.sort_unstable_by(|a, b| text[a.clone()].cmp(&text[b.clone()]));
    words.dedup_by(|a, b| text[a.clone()] == text[b.clone()]);
}

/// Whether a piece of a kebab-cased identifier counts as a word: three letters or more, not a stop
/// word, not a number.
fn is_word(w: &str) -> bool {
    w.len() >= 3 && !STOP_WORDS.contains(&w) && !w.chars().all(|c| c.is_ascii_digit())
}

/// A module path and its ancestors: `a::b::c` → `a`, `a::b`, `a::b::c` (also for `.` and `/`).
fn prefixes(module: &str) -> impl Iterator<Item = &str> {
    module
        .match_indices([':', '.', '/'])
        .map(move |(i, _)| &module[..i])
        .filter(|p| !p.is_empty() && !p.ends_with(':'))
        .chain(std::iter::once(module))
}

/// Nesting depth of a module path.
fn depth(p: &str) -> usize {
    p.matches([':', '.', '/']).count()
}

/// The last segment of a path-like id (`a::b::c`, `a.b.C`, `a/b/c`, `A#m`).
///
/// Byte by byte: the separators are ASCII, which never occurs inside a multi-byte character.
pub(crate) fn last_segment(id: &str) -> &str {
    let bytes = id.as_bytes();
    let mut end = bytes.len();
    while end > 0 && matches!(bytes[end - 1], b':' | b'.' | b'/' | b'#') {
        end -= 1;
    }
    let trimmed = &id[..end];
    // The last non-empty piece between separators, or (none) the trimmed id.
    let is_separator = |b: u8| matches!(b, b':' | b'.' | b'/' | b'#' | b'\\');
    let mut piece_end = end;
    loop {
        let mut start = piece_end;
        while start > 0 && !is_separator(bytes[start - 1]) {
            start -= 1;
        }
        if start < piece_end {
            return &id[start..piece_end];
        }
        if start == 0 {
            return trimmed;
        }
        piece_end = start - 1;
    }
}

/// `OrderService` → `order-service`, `place_order` → `place-order`; anything else becomes `-`.
pub(crate) fn kebab(s: &str) -> String {
    let mut out = String::new();
    kebab_into(s, &mut out);
    out.trim_matches('-').to_string()
}

/// [`kebab`] appended to `out` (which is empty or ends with `-`), dashes at either end kept.
fn kebab_into(s: &str, out: &mut String) {
    let mut prev_lower = false;
    for ch in s.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower && !out.ends_with('-') {
                out.push('-');
            }
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
            out.push(ch.to_ascii_lowercase());
        } else {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            prev_lower = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use super::{STOP_WORDS, kebab, last_segment, node_words};

    /// Ids with every separator, repeats, trailing separators, non-ASCII and empty pieces.
    const IDS: [&str; 16] = [
        "a::b::c",
        "a.b.C",
        "a/b/c",
        "A#m",
        "a\\b",
        "shop::orders::",
        "x.y.",
        "::",
        "",
        "\\\\",
        "a\\",
        "é::ça::Zoë",
        "pkg000::fn00042",
        "com.acme.OrderService#placeOrder",
        "getHTTPResponse_v2",
        "a::b\\",
    ];

    #[test]
    fn last_segments_match_the_char_by_char_definition() {
        let reference = |id: &str| -> String {
            let trimmed = id.trim_end_matches([':', '.', '/', '#']);
            trimmed
                .rsplit([':', '.', '/', '#', '\\'])
                .find(|s| !s.is_empty())
                .unwrap_or(trimmed)
                .to_string()
        };
        for id in IDS {
            assert_eq!(last_segment(id), reference(id), "{id:?}");
        }
    }

    #[test]
    fn node_words_are_the_distinct_words_of_name_and_module() {
        let words = |ident: &str| -> Vec<String> {
            kebab(ident)
                .split('-')
                .filter(|w| {
                    w.len() >= 3
                        && !STOP_WORDS.contains(w)
                        && !w.chars().all(|c| c.is_ascii_digit())
                })
                .map(str::to_string)
                .collect()
        };
        let mut text = "left over".to_string();
        let mut ranges: Vec<Range<usize>> = Vec::new();
        for name in IDS {
            for module in ["orders", "OrderService", "", "get-handler"] {
                let mut expected: Vec<String> = words(last_segment(name))
                    .into_iter()
                    .chain(words(module))
                    .collect();
                expected.sort();
                expected.dedup();
                node_words(last_segment(name), &kebab(module), &mut text, &mut ranges);
                let got: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
                assert_eq!(got, expected, "{name:?} in {module:?}");
            }
        }
    }
}
