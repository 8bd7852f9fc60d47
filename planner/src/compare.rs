//! Plan → reference decomposition: how close a plan comes to a target architecture an architect
//! drew (MoJoFM both ways, the moves and joins needed) and which services correspond.

mod reference;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use crate::mojo::{mojo_distance, mojofm};
use crate::plan::Plan;

pub use crate::render::compare_text;
pub use reference::{Reference, ReferenceError, ReferenceFormat, parse_reference};

/// Reference entities no plan node matches, listed by name before the rest are only counted.
pub const MAX_UNMATCHED: usize = 20;

/// How a plan compares with a reference decomposition, over the reference entities some plan
/// node maps to (see [`compare`]). Scores are rounded to 2 decimals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// MoJoFM of the plan against the reference (Wen & Tzerpos 2004): 100 = identical, 0 = as far
    /// as any decomposition can be. 0 when nothing was compared.
    pub mojofm: f64,
    /// MoJo distance: the least number of moves of one entity and joins of two services that turn
    /// the plan's services into the reference's.
    pub moves_and_joins: usize,
    /// MoJoFM of the reference against the plan (MoJo is not symmetric).
    pub reverse_mojofm: f64,
    /// Entities scored: reference entities that at least one plan node maps to.
    pub compared: usize,
    /// Services of the plan.
    pub plan_services: usize,
    /// Members of the plan, all services together.
    pub plan_nodes: usize,
    /// Plan members that map to no reference entity (not scored).
    pub unscored_plan_nodes: usize,
    /// The shape the reference was read from.
    pub reference_format: ReferenceFormat,
    /// Services the reference names.
    pub reference_services: usize,
    /// Entities the reference assigns.
    pub reference_entities: usize,
    /// Reference entities no plan node maps to (not scored).
    pub unmatched_reference: UnmatchedReference,
    /// Which services correspond, both ways.
    pub correspondence: Correspondence,
}

/// Reference entities no plan node maps to.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct UnmatchedReference {
    /// How many.
    pub count: usize,
    /// The first [`MAX_UNMATCHED`] by name.
    pub first: Vec<String>,
}

/// Plan services against reference services, over the compared entities.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Correspondence {
    /// Every plan service, in plan order, with the reference service it shares most with.
    pub plan: Vec<PlanCorrespondence>,
    /// Every reference service, by name, with the plan services holding its entities.
    pub reference: Vec<ReferenceCorrespondence>,
}

/// One plan service and its closest reference service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanCorrespondence {
    /// Service id (`s1`).
    pub id: String,
    /// Service name.
    pub name: String,
    /// Compared entities the service holds.
    pub compared: usize,
    /// The reference service sharing most of those entities (ties: first by name); none when the
    /// service holds no compared entity.
    pub reference: Option<String>,
    /// Entities it shares with that reference service.
    pub overlap: usize,
}

/// One reference service and the plan services holding its entities.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceCorrespondence {
    /// Service name.
    pub name: String,
    /// Entities the reference assigns to it.
    pub entities: usize,
    /// Of those, the ones compared.
    pub compared: usize,
    /// Plan services holding its compared entities, largest overlap first (ties by name, id).
    pub plan: Vec<ServiceOverlap>,
}

/// A plan service and how many entities of a reference service it holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceOverlap {
    /// Service id.
    pub id: String,
    /// Service name.
    pub name: String,
    /// Shared entities.
    pub overlap: usize,
}

/// Scores `plan` against `reference`.
///
/// Each plan member maps to at most one reference entity: the entity equal to its id, else the
/// longest entity that ends the id after a separator (`.`, `::`, `/`, `#`, `$`), so that
/// `org.shop.Cart.add` maps to `Cart.add`. An entity some plan members map to is compared and
/// sits in the plan service holding most of them (overloads, or one `Class.method` in two
/// packages; ties: the service listed first in the plan). MoJoFM and the MoJo distance are then
/// those of the plan's services against the reference's over the compared entities — how the
/// scores of tests/fixtures/real/SOURCES.md are computed.
///
/// # Complexity
/// O(Σ |id| · s + e log e + (l + m) log(l + m) + l·m) for plan ids with up to s separators each,
/// e entities, l plan and m reference services (the last terms from MoJo's matching, see
/// [`mojo_distance`]).
pub fn compare(plan: &Plan, reference: &Reference) -> Comparison {
    let mut names: BTreeSet<&str> = reference.services.iter().map(String::as_str).collect();
    names.extend(reference.assignment.values().map(String::as_str));
    let names: Vec<&str> = names.into_iter().collect();
    let service_of: HashMap<&str, usize> = names.iter().enumerate().map(|(r, n)| (*n, r)).collect();
    // Entities sorted by name, each with its reference service.
    let entities: Vec<(&str, usize)> = reference
        .assignment
        .iter()
        .map(|(e, s)| (e.as_str(), service_of[s.as_str()]))
        .collect();
    let keys: HashMap<&str, usize> = entities
        .iter()
        .enumerate()
        .map(|(k, (e, _))| (*e, k))
        .collect();

    // The plan services (in plan order, so each list is sorted) of the members mapping to each entity.
    let mut votes: Vec<Vec<usize>> = vec![Vec::new(); entities.len()];
    let (mut plan_nodes, mut unscored) = (0, 0);
    for (c, service) in plan.clusters.iter().enumerate() {
        for member in &service.members {
            plan_nodes += 1;
            match entity_of(&keys, member) {
                Some(k) => votes[k].push(c),
                None => unscored += 1,
            }
        }
    }

    let mut actual = Vec::new();
    let mut expert = Vec::new();
    let mut unmatched = Vec::new();
    let mut totals = vec![0usize; names.len()];
    for ((entity, r), votes) in entities.iter().zip(&votes) {
        totals[*r] += 1;
        match majority(votes) {
            Some(c) => {
                actual.push(c);
                expert.push(*r);
            }
            None => unmatched.push(entity.to_string()),
        }
    }

    let compared = actual.len();
    let (fm, reverse, moves) = if compared == 0 {
        (0.0, 0.0, 0)
    } else {
        (
            mojofm(&actual, &expert),
            mojofm(&expert, &actual),
            mojo_distance(&actual, &expert),
        )
    };
    Comparison {
        mojofm: round2(fm),
        moves_and_joins: moves,
        reverse_mojofm: round2(reverse),
        compared,
        plan_services: plan.clusters.len(),
        plan_nodes,
        unscored_plan_nodes: unscored,
        reference_format: reference.format,
        reference_services: names.len(),
        reference_entities: entities.len(),
        unmatched_reference: UnmatchedReference {
            count: unmatched.len(),
            first: unmatched.into_iter().take(MAX_UNMATCHED).collect(),
        },
        correspondence: correspondence(plan, &names, &totals, &actual, &expert),
    }
}

/// The entity a plan node maps to: its id exactly, else the id's tail after the leftmost
/// separator whose tail is an entity (the longest such tail).
fn entity_of(keys: &HashMap<&str, usize>, id: &str) -> Option<usize> {
    if let Some(&k) = keys.get(id) {
        return Some(k);
    }
    let bytes = id.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        // Separators are ASCII, so `i + len` is a character boundary.
        let len = match bytes[i] {
            b'.' | b'/' | b'#' | b'$' => 1,
            b':' if bytes.get(i + 1) == Some(&b':') => 2,
            _ => 0,
        };
        if len == 0 {
            i += 1;
            continue;
        }
        i += len;
        if let Some(&k) = keys.get(&id[i..]) {
            return Some(k);
        }
    }
    None
}

/// The service most of `votes` name (ascending service indices), the first on a tie.
fn majority(votes: &[usize]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for run in votes.chunk_by(|a, b| a == b) {
        if best.is_none_or(|(_, count)| run.len() > count) {
            best = Some((run[0], run.len()));
        }
    }
    best.map(|(c, _)| c)
}

/// Both sides of the correspondence from the compared entities' plan (`actual`) and reference
/// (`expert`) services.
fn correspondence(
    plan: &Plan,
    names: &[&str],
    totals: &[usize],
    actual: &[usize],
    expert: &[usize],
) -> Correspondence {
    let mut overlaps: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (&c, &r) in actual.iter().zip(expert) {
        *overlaps.entry((c, r)).or_default() += 1;
    }
    let mut by_plan: Vec<Vec<(usize, usize)>> = vec![Vec::new(); plan.clusters.len()];
    let mut by_reference: Vec<Vec<(usize, usize)>> = vec![Vec::new(); names.len()];
    for (&(c, r), &count) in &overlaps {
        by_plan[c].push((r, count));
        by_reference[r].push((c, count));
    }
    let plan_side = plan
        .clusters
        .iter()
        .zip(&by_plan)
        .map(|(service, row)| {
            // Reference indices ascend with their names: the first maximum is the first by name.
            let best = row
                .iter()
                .fold(None, |best: Option<(usize, usize)>, &(r, n)| {
                    if best.is_none_or(|(_, m)| n > m) {
                        Some((r, n))
                    } else {
                        best
                    }
                });
            PlanCorrespondence {
                id: service.id.clone(),
                name: service.name.clone(),
                compared: row.iter().map(|(_, n)| n).sum(),
                reference: best.map(|(r, _)| names[r].to_string()),
                overlap: best.map_or(0, |(_, n)| n),
            }
        })
        .collect();
    let reference_side = names
        .iter()
        .zip(totals)
        .zip(by_reference)
        .map(|((name, &entities), row)| {
            let mut holders: Vec<ServiceOverlap> = row
                .into_iter()
                .map(|(c, overlap)| ServiceOverlap {
                    id: plan.clusters[c].id.clone(),
                    name: plan.clusters[c].name.clone(),
                    overlap,
                })
                .collect();
            holders.sort_by(|a, b| {
                b.overlap
                    .cmp(&a.overlap)
                    .then_with(|| a.name.cmp(&b.name))
                    .then_with(|| a.id.cmp(&b.id))
            });
            ReferenceCorrespondence {
                name: name.to_string(),
                entities,
                compared: holders.iter().map(|h| h.overlap).sum(),
                plan: holders,
            }
        })
        .collect();
    Correspondence {
        plan: plan_side,
        reference: reference_side,
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}
