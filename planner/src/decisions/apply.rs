//! Applying the decisions to a graph: `[exclude]` drops nodes; `[[service]]` and `[[together]]`
//! become must-link groups, named services and `[[apart]]` sides cannot-link tags; every pattern's
//! matches are counted for the plan's `decisions` section, and contradictions are errors.

use std::borrow::Cow;

use analyzer::CallGraph;

use super::matching::{Matcher, Pattern};
use super::{DecisionError, service_title};
use crate::Config;
use crate::cluster::{Constraints, Tags};
use crate::plan::{
    AppliedDecision, DecisionKind, DecisionsReport, Label, PatternField, PatternMatch,
};

/// Cannot-link key of the named services (each `[[apart]]` decision `d` uses key `d + 1`).
const SERVICE_KEY: u32 = 0;

/// The decisions applied to one graph.
pub(crate) struct Applied<'g> {
    /// The graph to plan: the input without the excluded nodes.
    pub graph: Cow<'g, CallGraph>,
    /// Must-link groups and cannot-link tags for the clustering (no warm start).
    pub constraints: Constraints,
    /// Node position in `graph` → index of the `[[service]]` it is pinned to (empty: none).
    pub pinned: Vec<Option<usize>>,
    /// The plan's `decisions` section (`None` without decisions); service ids come later.
    pub report: Option<DecisionsReport>,
    /// Titles of the named services that matched a node.
    pub(super) named: Vec<String>,
    /// Per `[[apart]]`, its title and how many of its sides matched a node.
    pub(super) apart_sides: Vec<(String, usize)>,
}

/// One decision, flattened: kind, title, patterns.
struct Entry<'c> {
    kind: DecisionKind,
    title: String,
    name: Option<&'c str>,
    label: Option<Label>,
    nodes: &'c [String],
    modules: &'c [String],
}

fn entries(config: &Config) -> Vec<Entry<'_>> {
    let mut out = Vec::new();
    for s in &config.service {
        out.push(Entry {
            kind: DecisionKind::Service,
            title: service_title(&s.name),
            name: Some(&s.name),
            label: s.label,
            nodes: &s.nodes,
            modules: &s.modules,
        });
    }
    for (kind, list) in [
        (DecisionKind::Together, &config.together),
        (DecisionKind::Apart, &config.apart),
    ] {
        for (i, g) in list.iter().enumerate() {
            out.push(Entry {
                kind,
                title: format!("[[{}]] #{}", kind.as_str(), i + 1),
                name: None,
                label: None,
                nodes: &g.nodes,
                modules: &g.modules,
            });
        }
    }
    let x = &config.exclude;
    if !x.nodes.is_empty() || !x.modules.is_empty() {
        out.push(Entry {
            kind: DecisionKind::Exclude,
            title: "[exclude]".to_string(),
            name: None,
            label: None,
            nodes: &x.nodes,
            modules: &x.modules,
        });
    }
    out
}

/// Applies the decisions of `config` to `graph`, and keeps the users of one in-process state
/// (`mem:` resource) together: one process holds that memory ("each service owns its data").
///
/// The steps: match and drop `[exclude]`d nodes → link the matches of `[[service]]` and
/// `[[together]]`, tag named services and `[[apart]]` sides → link the users of each in-process
/// state where no decision keeps them apart → must-link groups → the report.
///
/// # Complexity
/// O(V · P) glob matching for P patterns (a glob set matches all at once), plus O((V + R) α(V))
/// for R (node, resource) pairs.
pub(crate) fn apply<'g>(
    graph: &'g CallGraph,
    config: &Config,
) -> Result<Applied<'g>, DecisionError> {
    let list = entries(config);
    if list.is_empty() {
        let mut links = UnionFind::new(graph.node_count());
        let tags = vec![Tags::new(); graph.node_count()];
        let constraints = if link_in_process_state(graph, &mut links, &tags) {
            groups(graph, &mut links, &tags, &list, &[])?
        } else {
            Constraints::default()
        };
        return Ok(Applied {
            graph: Cow::Borrowed(graph),
            constraints,
            pinned: Vec::new(),
            report: None,
            named: Vec::new(),
            apart_sides: Vec::new(),
        });
    }
    let patterns = patterns(&list);
    let titles: Vec<String> = list.iter().map(|e| e.title.clone()).collect();
    let matcher = Matcher::new(&patterns, &titles)?;
    let mut matches = Matches {
        counts: vec![0; patterns.len()],
        ids: vec![Vec::new(); list.len()],
    };
    let (graph, excluded) = exclude(graph, &list, &patterns, &matcher, &mut matches)?;
    let mut links = UnionFind::new(graph.node_count());
    let (pinned, tags) = link(&graph, &list, &patterns, &matcher, &mut links, &mut matches)?;
    link_in_process_state(&graph, &mut links, &tags);
    let constraints = groups(&graph, &mut links, &tags, &list, &patterns)?;
    let (report, named, apart_sides) = report(&list, &patterns, matches, excluded);
    Ok(Applied {
        graph,
        constraints,
        pinned,
        report: Some(report),
        named,
        apart_sides,
    })
}

/// Every pattern of every decision, numbered in decision order.
fn patterns(list: &[Entry<'_>]) -> Vec<Pattern> {
    let mut patterns = Vec::new();
    for (d, e) in list.iter().enumerate() {
        let fields = e.nodes.iter().map(|p| (PatternField::Nodes, p));
        let fields = fields.chain(e.modules.iter().map(|p| (PatternField::Modules, p)));
        for (side, (field, text)) in fields.enumerate() {
            patterns.push(Pattern {
                decision: d,
                side,
                field,
                text: text.clone(),
            });
        }
    }
    patterns
}

/// What the patterns matched: nodes per pattern, and the ids each decision matched (in graph
/// order, so sorted).
struct Matches {
    counts: Vec<usize>,
    ids: Vec<Vec<String>>,
}

/// The graph without the nodes an `[exclude]` pattern matches, and how many it dropped.
fn exclude<'g>(
    graph: &'g CallGraph,
    list: &[Entry<'_>],
    patterns: &[Pattern],
    matcher: &Matcher,
    matches: &mut Matches,
) -> Result<(Cow<'g, CallGraph>, usize), DecisionError> {
    let mut hits = Vec::new();
    let mut keep = vec![true; graph.node_count()];
    for (p, node) in graph.nodes().enumerate() {
        matcher.hits(node, &mut hits);
        hits.retain(|&h| list[patterns[h].decision].kind == DecisionKind::Exclude);
        for &h in &hits {
            matches.counts[h] += 1;
        }
        if let Some(&h) = hits.first() {
            matches.ids[patterns[h].decision].push(node.id.clone());
            keep[p] = false;
        }
    }
    let excluded = keep.iter().filter(|&&k| !k).count();
    if excluded == graph.node_count() {
        return Err(DecisionError::ExcludesAll);
    }
    Ok(if excluded > 0 {
        (Cow::Owned(without(graph, &keep)), excluded)
    } else {
        (Cow::Borrowed(graph), 0)
    })
}

/// Links the matches of each `[[service]]` and `[[together]]`, and tags each node with the named
/// service it is pinned to and the `[[apart]]` sides it is on. Returns node → pinned `[[service]]`
/// and node → tags.
fn link(
    graph: &CallGraph,
    list: &[Entry<'_>],
    patterns: &[Pattern],
    matcher: &Matcher,
    links: &mut UnionFind,
    matches: &mut Matches,
) -> Result<(Vec<Option<usize>>, Vec<Tags>), DecisionError> {
    let n = graph.node_count();
    let mut hits = Vec::new();
    let mut first: Vec<Option<usize>> = vec![None; list.len()];
    let mut pinned: Vec<Option<usize>> = vec![None; n];
    let mut tags: Vec<Tags> = vec![Tags::new(); n];
    for (p, node) in graph.nodes().enumerate() {
        matcher.hits(node, &mut hits);
        let mut last = None;
        for &h in &hits {
            matches.counts[h] += 1;
            let pat = &patterns[h];
            let d = pat.decision;
            if last != Some(d) {
                matches.ids[d].push(node.id.clone());
                last = Some(d);
            }
            let tag = match list[d].kind {
                DecisionKind::Service => {
                    if let Some(s) = pinned[p].filter(|&s| s != d) {
                        return Err(DecisionError::PinnedTwice {
                            node: node.id.clone(),
                            first: list[s].name.unwrap_or_default().to_string(),
                            second: list[d].name.unwrap_or_default().to_string(),
                        });
                    }
                    pinned[p] = Some(d);
                    Some((SERVICE_KEY, d as u32))
                }
                DecisionKind::Apart => Some((d as u32 + 1, pat.side as u32)),
                _ => None,
            };
            if matches!(list[d].kind, DecisionKind::Service | DecisionKind::Together) {
                match first[d] {
                    Some(f) => links.union(f, p),
                    None => first[d] = Some(p),
                }
            }
            if let Some((key, value)) = tag {
                if let Some(&other) = tags[p].get(&key).filter(|&&v| v != value) {
                    return Err(clash(list, patterns, key, other, value, &node.id, false));
                }
                tags[p].insert(key, value);
            }
        }
    }
    Ok((pinned, tags))
}

/// Links the users of each in-process state (`mem:` resource): its memory lives in one process,
/// so code reading it cannot run in another. Where a decision keeps two users apart (different
/// named services, or two sides of an `[[apart]]`), the decision wins and that user stays where
/// it is; the plan's notes then flag the shared state. Returns whether anything was linked.
///
/// # Complexity
/// O((V + R) α(V)) for R (node, resource) pairs.
fn link_in_process_state(graph: &CallGraph, links: &mut UnionFind, tags: &[Tags]) -> bool {
    let mut users: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (p, node) in graph.nodes().enumerate() {
        for r in node.resources.iter().filter(|r| r.starts_with("mem:")) {
            users.entry(r.as_str()).or_default().push(p);
        }
    }
    users.retain(|_, list| list.len() > 1);
    if users.is_empty() {
        return false;
    }
    // The merged tags of each class, kept at its root.
    let mut class: Vec<Tags> = vec![Tags::new(); graph.node_count()];
    for (p, own) in tags.iter().enumerate().filter(|(_, t)| !t.is_empty()) {
        let root = links.find(p);
        for (&k, &v) in own {
            class[root].entry(k).or_insert(v);
        }
    }
    for list in users.values() {
        for &u in &list[1..] {
            let (a, b) = (links.find(list[0]), links.find(u));
            if a == b || !crate::cluster::compatible(&class[a], &class[b]) {
                continue;
            }
            links.union(a, b);
            let root = links.find(a);
            let other = if root == a { b } else { a };
            let moved = std::mem::take(&mut class[other]);
            class[root].extend(moved);
        }
    }
    true
}

/// The plan's `decisions` section, the titles of the named services that matched, and each
/// `[[apart]]`'s title with how many of its sides matched.
fn report(
    list: &[Entry<'_>],
    patterns: &[Pattern],
    matches: Matches,
    excluded: usize,
) -> (DecisionsReport, Vec<String>, Vec<(String, usize)>) {
    let mut report = DecisionsReport {
        excluded_nodes: excluded,
        ..DecisionsReport::default()
    };
    let mut named = Vec::new();
    let mut apart_sides = Vec::new();
    let counts = &matches.counts;
    for ((d, e), ids) in list.iter().enumerate().zip(matches.ids) {
        let mine: Vec<(usize, &Pattern)> = patterns
            .iter()
            .enumerate()
            .filter(|(_, p)| p.decision == d)
            .collect();
        for &(_, p) in mine.iter().filter(|&&(h, _)| counts[h] == 0) {
            report
                .unmatched
                .push(format!("{}: {} `{}`", e.title, p.field.as_str(), p.text));
        }
        if e.kind == DecisionKind::Service && !ids.is_empty() {
            named.push(e.title.clone());
        }
        if e.kind == DecisionKind::Apart {
            let sides = mine.iter().filter(|&&(h, _)| counts[h] > 0).count();
            apart_sides.push((e.title.clone(), sides));
        }
        report.decisions.push(AppliedDecision {
            kind: e.kind,
            name: e.name.map(str::to_string),
            service: None,
            label: e.label,
            patterns: mine
                .iter()
                .map(|&(h, p)| PatternMatch {
                    field: p.field,
                    pattern: p.text.clone(),
                    matched: counts[h],
                })
                .collect(),
            nodes: ids.len(),
            node_ids: ids,
        });
    }
    (report, named, apart_sides)
}

/// The must-link groups (union-find classes holding a decision) with their merged tags.
fn groups(
    graph: &CallGraph,
    links: &mut UnionFind,
    tags: &[Tags],
    list: &[Entry<'_>],
    patterns: &[Pattern],
) -> Result<Constraints, DecisionError> {
    let n = graph.node_count();
    let mut dense = vec![usize::MAX; n];
    let mut cons = Constraints {
        group: vec![None; n],
        tags: Vec::new(),
        warm: Vec::new(),
        cochange: Vec::new(),
    };
    for (p, own) in tags.iter().enumerate() {
        let root = links.find(p);
        if links.size[root] < 2 && own.is_empty() {
            continue;
        }
        if dense[root] == usize::MAX {
            dense[root] = cons.tags.len();
            cons.tags.push(Tags::new());
        }
        let g = dense[root];
        cons.group[p] = Some(g);
        for (&key, &value) in own {
            match cons.tags[g].insert(key, value) {
                Some(other) if other != value => {
                    return Err(clash(
                        list,
                        patterns,
                        key,
                        other,
                        value,
                        &graph.node(p).id,
                        true,
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(cons)
}

/// The error for one node (or one must-link group) holding two values of a cannot-link key.
fn clash(
    list: &[Entry<'_>],
    patterns: &[Pattern],
    key: u32,
    a: u32,
    b: u32,
    node: &str,
    joined: bool,
) -> DecisionError {
    if key == SERVICE_KEY {
        return DecisionError::Contradiction {
            first: list[a as usize].title.clone(),
            second: list[b as usize].title.clone(),
            node: node.to_string(),
            how: "[[together]] groups join nodes pinned to both, but named services are always separate: narrow the [[together]] patterns or merge the two services".to_string(),
        };
    }
    let d = key as usize - 1;
    let side = |s: u32| {
        patterns
            .iter()
            .find(|p| p.decision == d && p.side == s as usize)
            .map_or_else(String::new, |p| p.text.clone())
    };
    let how = if joined {
        "a [[together]] or [[service]] decision keeps their matches in one service, which [[apart]] forbids: drop one of the decisions or narrow its patterns"
    } else {
        "an [[apart]] group's patterns must not share nodes: narrow one of them"
    };
    DecisionError::Contradiction {
        first: format!("{} pattern `{}`", list[d].title, side(a)),
        second: format!("pattern `{}`", side(b)),
        node: node.to_string(),
        how: how.to_string(),
    }
}

/// `graph` without the nodes whose `keep` flag is false (and their edges).
fn without(graph: &CallGraph, keep: &[bool]) -> CallGraph {
    let mut pos = vec![usize::MAX; keep.len()];
    let mut nodes = Vec::new();
    for (p, node) in graph.nodes().enumerate() {
        if keep[p] {
            pos[p] = nodes.len();
            nodes.push(node.clone());
        }
    }
    let edges = graph
        .edges()
        .filter(|&(f, t, _)| keep[f] && keep[t])
        .map(|(f, t, call)| (pos[f], pos[t], call))
        .collect();
    CallGraph::from_parts(nodes, edges)
}

/// Disjoint sets with union by size and path halving.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}
