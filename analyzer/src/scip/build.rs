//! Document summaries → the call graph: nodes from function definitions (merged by id), edges
//! from references, dispatch edges from `is_implementation`, entry points and data resources.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::{FxHashMap, FxHashSet};

use super::document::Summary;
use super::symbols::entity_name;
use super::{ESTIMATED_CONFIDENCE, ScipStats, Symbols};
use crate::{Call, CallGraph, Diagnostic, Error, Node};

/// Which trigger wins when a function shows several: a route over a listener over a timer.
const TRIGGER_ORDER: [&str; 4] = ["http", "queue", "schedule", "cli"];

/// Builds the graph from the summaries.
///
/// # Errors
/// [`Error::ScipEmpty`] when no document defines a function.
///
/// # Complexity
/// O(definitions + references) hash operations, then the graph's sort (O(V log V + E log d)).
pub(crate) fn build_graph(
    docs: &[Summary],
    symbols: &Symbols,
    stats: &mut ScipStats,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<CallGraph, Error> {
    // Nodes: one per id; each function symbol maps to its node.
    let mut node_of_id: BTreeMap<String, usize> = BTreeMap::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut node_of_sym: FxHashMap<u32, usize> = FxHashMap::default();
    let mut defined_in: FxHashMap<u32, (usize, u32)> = FxHashMap::default(); // doc, line
    let mut project: FxHashSet<&str> = FxHashSet::default();
    for (d, doc) in docs.iter().enumerate() {
        for def in &doc.defs {
            stats.definitions += 1;
            stats.estimated_ranges += usize::from(def.estimated);
            let Some(parsed) = symbols.parsed(def.sym) else {
                continue;
            };
            project.insert(&parsed.package);
            match defined_in.get(&def.sym) {
                Some(&(first, _)) if first == d => continue,
                Some(&(first, line)) => {
                    stats.duplicate_symbols += 1;
                    diagnostics.push(Diagnostic {
                        file: doc.path.clone(),
                        line: def.line as usize + 1,
                        column: 0,
                        message: format!(
                            "`{}` is defined again here (first in {}:{}): merged into one node; an index holding a file twice is usually a stale or concatenated index, index the project again",
                            parsed.id,
                            docs[first].path,
                            line + 1
                        ),
                    });
                    continue;
                }
                None => {
                    defined_in.insert(def.sym, (d, def.line));
                }
            }
            let node = *node_of_id.entry(parsed.id.clone()).or_insert_with(|| {
                nodes.push(Node {
                    id: parsed.id.clone(),
                    module: parsed.module.clone(),
                    location: Some(format!("{}:{}", doc.path, def.line + 1)),
                    ..Node::default()
                });
                nodes.len() - 1
            });
            node_of_sym.insert(def.sym, node);
        }
    }
    if nodes.is_empty() {
        return Err(Error::ScipEmpty {
            documents: stats.documents,
        });
    }
    let entities = entity_types(docs, symbols, &project);
    // Edges, and per node the databases and entities it touches.
    let mut edges: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
    let mut databases: BTreeMap<usize, BTreeSet<&'static str>> = BTreeMap::new();
    let mut touched: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for doc in docs {
        stats.outside_references += doc.outside;
        stats.skipped_occurrences += doc.bad_ranges;
        let callers: Vec<Option<usize>> = doc
            .defs
            .iter()
            .map(|d| node_of_sym.get(&d.sym).copied())
            .collect();
        for r in &doc.refs {
            let Some(caller) = callers[r.def as usize] else {
                continue;
            };
            let Some(parsed) = symbols.parsed(r.sym) else {
                continue;
            };
            if let Some(key) = parsed
                .type_key
                .as_ref()
                .filter(|k| entities.contains_key(*k))
            {
                touched
                    .entry(caller)
                    .or_default()
                    .insert(entities[key].clone());
            }
            if let Some(&callee) = node_of_sym.get(&r.sym) {
                stats.resolved_references += 1;
                let confidence = if doc.defs[r.def as usize].estimated {
                    ESTIMATED_CONFIDENCE
                } else {
                    1.0
                };
                let e = edges.entry((caller, callee)).or_insert((0.0, confidence));
                e.0 += 1.0;
                e.1 = e.1.max(confidence);
            } else if project.contains(parsed.package.as_str()) {
                stats.unresolved_references += usize::from(parsed.method);
            } else {
                stats.external_references += usize::from(parsed.method);
                if let Some(db) = symbols.database(r.sym) {
                    databases.entry(caller).or_default().insert(db);
                }
            }
        }
    }
    dispatch_edges(docs, &node_of_sym, &mut edges);
    // Data resources: the entities a data-accessing function touches, else its libraries.
    for (&node, libs) in &databases {
        let resources: BTreeSet<String> = match touched.get(&node) {
            Some(names) if !names.is_empty() => names.iter().map(|n| format!("db:{n}")).collect(),
            _ => libs.iter().map(|l| format!("db:{l}")).collect(),
        };
        nodes[node].resources = resources.into_iter().collect();
        stats.data_access += 1;
    }
    // Entry points.
    let mut triggers: BTreeMap<usize, BTreeSet<&'static str>> = BTreeMap::new();
    for doc in docs {
        for &(sym, trigger) in &doc.triggers {
            if let Some(&node) = node_of_sym.get(&sym) {
                triggers.entry(node).or_default().insert(trigger);
            }
        }
    }
    for (&sym, &trigger) in &symbols.documented {
        if let Some(&node) = node_of_sym.get(&sym) {
            triggers.entry(node).or_default().insert(trigger);
        }
    }
    for (&sym, &node) in &node_of_sym {
        if symbols.parsed(sym).is_some_and(|p| p.name == "main") {
            triggers.entry(node).or_default().insert("cli");
        }
    }
    for (node, set) in triggers {
        if let Some(t) = TRIGGER_ORDER.iter().find(|t| set.contains(*t)) {
            nodes[node].entry = Some(t.to_string());
            *stats.entry_points.entry(t.to_string()).or_default() += 1;
        }
    }
    let edges = edges
        .into_iter()
        .map(|((from, to), (weight, confidence))| {
            (
                from,
                to,
                Call {
                    weight,
                    is_async: false,
                    confidence,
                },
            )
        })
        .collect();
    Ok(CallGraph::from_parts(nodes, edges))
}

/// Project types whose `is_implementation` chain reaches a type of a database library (an ORM
/// base class, a Spring Data repository): their key and the resource name they give. A project
/// type that other project types extend (a declarative `Base`) is a base, not an entity.
///
/// # Complexity
/// O(types + relationships): each type is settled once.
fn entity_types(
    docs: &[Summary],
    symbols: &Symbols,
    project: &FxHashSet<&str>,
) -> FxHashMap<String, String> {
    let mut parents: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for doc in docs {
        for &(sym, target) in &doc.implements {
            parents.entry(sym).or_default().push(target);
        }
    }
    let bases: FxHashSet<u32> = parents
        .values()
        .flatten()
        .copied()
        .filter(|&t| {
            symbols
                .parsed(t)
                .is_some_and(|p| project.contains(p.package.as_str()))
        })
        .collect();
    let mut memo: FxHashMap<u32, bool> = FxHashMap::default();
    let mut out = FxHashMap::default();
    let mut types: Vec<u32> = parents.keys().copied().collect();
    types.sort_unstable();
    for sym in types {
        let Some(p) = symbols.parsed(sym) else {
            continue;
        };
        if !p.is_type || !project.contains(p.package.as_str()) || bases.contains(&sym) {
            continue;
        }
        if reaches_database(sym, &parents, symbols, &mut memo)
            && let Some(key) = p.type_key.clone()
        {
            out.insert(key, entity_name(&p.name));
        }
    }
    out
}

/// Whether `sym` extends or implements, through any chain, a database library's type.
fn reaches_database(
    sym: u32,
    parents: &FxHashMap<u32, Vec<u32>>,
    symbols: &Symbols,
    memo: &mut FxHashMap<u32, bool>,
) -> bool {
    if let Some(&known) = memo.get(&sym) {
        return known;
    }
    // Settled false first, so a cycle of relationships ends.
    memo.insert(sym, false);
    let found = symbols.database(sym).is_some()
        || parents.get(&sym).is_some_and(|ps| {
            ps.iter()
                .any(|&p| reaches_database(p, parents, symbols, memo))
        });
    memo.insert(sym, found);
    found
}

/// An interface or base method calls each of its implementations: dispatch the index shows.
fn dispatch_edges(
    docs: &[Summary],
    node_of_sym: &FxHashMap<u32, usize>,
    edges: &mut BTreeMap<(usize, usize), (f64, f64)>,
) {
    let mut implementations: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for doc in docs {
        for &(sym, target) in &doc.implements {
            if let (Some(&imp), Some(&base)) = (node_of_sym.get(&sym), node_of_sym.get(&target))
                && imp != base
            {
                implementations.entry(base).or_default().insert(imp);
            }
        }
    }
    for (base, imps) in implementations {
        let confidence = 1.0 / imps.len() as f64;
        for imp in imps {
            let e = edges.entry((base, imp)).or_insert((0.0, confidence));
            e.0 += 1.0;
            e.1 = e.1.max(confidence);
        }
    }
}
