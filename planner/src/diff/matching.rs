//! Computing a [`PlanDiff`]: pairing services, then reading moves, merges, splits and deltas off
//! the pairing.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::*;

/// Where every node sits: node id → service position.
fn placement(plan: &Plan) -> HashMap<&str, usize> {
    let mut at = HashMap::new();
    for (i, s) in plan.clusters.iter().enumerate() {
        for m in &s.members {
            at.insert(m.as_str(), i);
        }
    }
    at
}

/// The service pairing and the overlaps behind it.
struct Pairing {
    /// Old service → new service.
    forward: Vec<Option<usize>>,
    /// New service → old service.
    backward: Vec<Option<usize>>,
    /// How each old service was paired.
    by: Vec<Option<MatchedBy>>,
    /// (old, new) → members in common.
    overlap: BTreeMap<(usize, usize), usize>,
    /// Old service → its members present in the new plan.
    old_common: Vec<usize>,
    /// New service → its members present in the old plan.
    new_common: Vec<usize>,
}

fn pair(old: &Plan, new: &Plan, old_at: &HashMap<&str, usize>) -> Pairing {
    let (ko, kn) = (old.clusters.len(), new.clusters.len());
    let mut overlap: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut old_common = vec![0; ko];
    let mut new_common = vec![0; kn];
    for (n, s) in new.clusters.iter().enumerate() {
        for m in &s.members {
            if let Some(&o) = old_at.get(m.as_str()) {
                *overlap.entry((o, n)).or_default() += 1;
                old_common[o] += 1;
                new_common[n] += 1;
            }
        }
    }
    let mut p = Pairing {
        forward: vec![None; ko],
        backward: vec![None; kn],
        by: vec![None; ko],
        overlap,
        old_common,
        new_common,
    };
    let new_by_id: HashMap<&str, usize> = new
        .clusters
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    for (o, s) in old.clusters.iter().enumerate() {
        let Some(&n) = new_by_id.get(s.id.as_str()) else {
            continue;
        };
        let ov = p.overlap.get(&(o, n)).copied().unwrap_or(0);
        if ov > 0 && 2 * ov >= p.old_common[o].min(p.new_common[n]) {
            p.forward[o] = Some(n);
            p.backward[n] = Some(o);
            p.by[o] = Some(MatchedBy::Id);
        }
    }
    // Greedy by overlap, then Jaccard similarity, then position (ids are sorted by size).
    let mut candidates: Vec<(usize, usize, usize)> = p
        .overlap
        .iter()
        .filter(|&(&(o, _), &ov)| 2 * ov > p.old_common[o])
        .map(|(&(o, n), &ov)| (ov, o, n))
        .collect();
    candidates.sort_by(|a, b| {
        let jaccard = |&(ov, o, n): &(usize, usize, usize)| {
            ov as f64 / (p.old_common[o] + p.new_common[n] - ov) as f64
        };
        b.0.cmp(&a.0)
            .then_with(|| jaccard(b).total_cmp(&jaccard(a)))
            .then_with(|| (a.1, a.2).cmp(&(b.1, b.2)))
    });
    for (_, o, n) in candidates {
        if p.forward[o].is_none() && p.backward[n].is_none() {
            p.forward[o] = Some(n);
            p.backward[n] = Some(o);
            p.by[o] = Some(MatchedBy::Overlap);
        }
    }
    p
}

/// For each side, where most of a service's common members went (`2·overlap > common`).
fn majorities(p: &Pairing, ko: usize, kn: usize) -> (Vec<Option<usize>>, Vec<Option<usize>>) {
    let mut dest = vec![None; ko];
    let mut src = vec![None; kn];
    for (&(o, n), &ov) in &p.overlap {
        if 2 * ov > p.old_common[o] {
            dest[o] = Some(n);
        }
        if 2 * ov > p.new_common[n] {
            src[n] = Some(o);
        }
    }
    (dest, src)
}

fn link(s: &[Service], from: usize, to: usize, edges: usize, calls: f64) -> ServiceLink {
    ServiceLink {
        from: service_ref(&s[from]),
        to: service_ref(&s[to]),
        edges,
        calls_per_day: calls,
    }
}

/// See [`super::diff`].
pub(super) fn diff(old: &Plan, new: &Plan) -> PlanDiff {
    let (os, ns) = (&old.clusters, &new.clusters);
    let old_at = placement(old);
    let new_at = placement(new);
    let p = pair(old, new, &old_at);
    let (dest, src) = majorities(&p, os.len(), ns.len());

    let mut moved = Vec::new();
    let mut removed = Vec::new();
    for (o, s) in os.iter().enumerate() {
        for m in &s.members {
            match new_at.get(m.as_str()) {
                Some(&n) if p.forward[o] != Some(n) => moved.push(MovedNode {
                    node: m.clone(),
                    from: service_ref(s),
                    to: service_ref(&ns[n]),
                }),
                Some(_) => {}
                None => removed.push(PlacedNode {
                    node: m.clone(),
                    service: service_ref(s),
                }),
            }
        }
    }
    let mut added: Vec<PlacedNode> = ns
        .iter()
        .flat_map(|s| s.members.iter().map(move |m| (m, s)))
        .filter(|(m, _)| !old_at.contains_key(m.as_str()))
        .map(|(m, s)| PlacedNode {
            node: m.clone(),
            service: service_ref(s),
        })
        .collect();
    moved.sort_by(|a, b| a.node.cmp(&b.node));
    removed.sort_by(|a, b| a.node.cmp(&b.node));
    added.sort_by(|a, b| a.node.cmp(&b.node));

    let mut into: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (o, d) in dest.iter().enumerate() {
        if let Some(n) = d {
            into.entry(*n).or_default().push(o);
        }
    }
    let merged: Vec<Merge> = into
        .iter()
        .filter(|(_, from)| from.len() >= 2)
        .map(|(&n, from)| Merge {
            from: from.iter().map(|&o| service_ref(&os[o])).collect(),
            into: service_ref(&ns[n]),
        })
        .collect();
    let merged_old: BTreeSet<usize> = into
        .values()
        .filter(|from| from.len() >= 2)
        .flatten()
        .copied()
        .collect();
    let mut parts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (n, s) in src.iter().enumerate() {
        if let Some(o) = s {
            parts.entry(*o).or_default().push(n);
        }
    }
    let split: Vec<Split> = parts
        .iter()
        .filter(|(_, to)| to.len() >= 2)
        .map(|(&o, to)| Split {
            from: service_ref(&os[o]),
            into: to.iter().map(|&n| service_ref(&ns[n])).collect(),
        })
        .collect();
    let split_new: BTreeSet<usize> = parts
        .values()
        .filter(|to| to.len() >= 2)
        .flatten()
        .copied()
        .collect();
    let born: Vec<ServiceBrief> = (0..ns.len())
        .filter(|&n| p.backward[n].is_none() && !split_new.contains(&n))
        .map(|n| brief(&ns[n]))
        .collect();
    let gone: Vec<ServiceBrief> = (0..os.len())
        .filter(|&o| p.forward[o].is_none() && !merged_old.contains(&o))
        .map(|o| brief(&os[o]))
        .collect();

    let mut matched = Vec::new();
    let mut relabelled = Vec::new();
    let mut renamed = Vec::new();
    let mut service_costs = Vec::new();
    for (o, s) in os.iter().enumerate() {
        let (Some(n), Some(by)) = (p.forward[o], p.by[o]) else {
            let c = s.cost.chosen_monthly_usd;
            service_costs.push(ServiceCost {
                service: service_ref(s),
                old: Some(c),
                new: None,
                delta: -c,
            });
            continue;
        };
        let t = &ns[n];
        matched.push(ServicePair {
            old: service_ref(s),
            new: service_ref(t),
            by,
            shared_members: p.overlap.get(&(o, n)).copied().unwrap_or(0),
        });
        if s.label != t.label {
            relabelled.push(Relabel {
                old: service_ref(s),
                new: service_ref(t),
                from: s.label,
                to: t.label,
                summary: t.rationale.summary.clone(),
            });
        }
        if s.id != t.id || s.name != t.name {
            renamed.push(Rename {
                old: service_ref(s),
                new: service_ref(t),
            });
        }
        let (a, b) = (s.cost.chosen_monthly_usd, t.cost.chosen_monthly_usd);
        if differs(a, b) {
            service_costs.push(ServiceCost {
                service: service_ref(t),
                old: Some(a),
                new: Some(b),
                delta: b - a,
            });
        }
    }
    for (n, t) in ns.iter().enumerate() {
        if p.backward[n].is_none() {
            let c = t.cost.chosen_monthly_usd;
            service_costs.push(ServiceCost {
                service: service_ref(t),
                old: None,
                new: Some(c),
                delta: c,
            });
        }
    }
    service_costs.sort_by(|a, b| a.service.cmp(&b.service));

    // Old pairs in new ids: a service's counterpart, else the service it merged into.
    let old_ix: HashMap<&str, usize> = os
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let new_ix: HashMap<&str, usize> = ns
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let carry = |o: usize| p.forward[o].or(dest[o]);
    let translated = |from: &str, to: &str| -> Option<(usize, usize)> {
        let (f, t) = (old_ix.get(from)?, old_ix.get(to)?);
        Some((carry(*f)?, carry(*t)?))
    };
    let old_pairs: BTreeSet<(usize, usize)> = old
        .cross_calls
        .iter()
        .filter_map(|c| translated(&c.from, &c.to))
        .collect();
    let new_pairs: BTreeSet<(usize, usize)> = new
        .cross_calls
        .iter()
        .filter_map(|c| Some((*new_ix.get(c.from.as_str())?, *new_ix.get(c.to.as_str())?)))
        .collect();
    let mut new_cross_calls: Vec<ServiceLink> = new
        .cross_calls
        .iter()
        .filter_map(|c| {
            let (f, t) = (*new_ix.get(c.from.as_str())?, *new_ix.get(c.to.as_str())?);
            (!old_pairs.contains(&(f, t))).then(|| link(ns, f, t, c.edges, c.calls_per_day))
        })
        .collect();
    let mut removed_cross_calls: Vec<ServiceLink> = old
        .cross_calls
        .iter()
        .filter_map(|c| {
            let (f, t) = (*old_ix.get(c.from.as_str())?, *old_ix.get(c.to.as_str())?);
            let kept = translated(&c.from, &c.to).is_some_and(|pair| new_pairs.contains(&pair));
            (!kept).then(|| link(os, f, t, c.edges, c.calls_per_day))
        })
        .collect();
    let by_ids =
        |a: &ServiceLink, b: &ServiceLink| (&a.from.id, &a.to.id).cmp(&(&b.from.id, &b.to.id));
    new_cross_calls.sort_by(by_ids);
    removed_cross_calls.sort_by(by_ids);

    let common = old_at.keys().filter(|k| new_at.contains_key(*k)).count();
    let counts = DiffCounts {
        old_nodes: old_at.len(),
        new_nodes: new_at.len(),
        common_nodes: common,
        moved: moved.len(),
        added: added.len(),
        removed: removed.len(),
        born: born.len(),
        gone: gone.len(),
        merged: merged.len(),
        split: split.len(),
        relabelled: relabelled.len(),
        renamed: renamed.len(),
        new_cross_calls: new_cross_calls.len(),
        removed_cross_calls: removed_cross_calls.len(),
    };
    PlanDiff {
        counts,
        matched,
        moved,
        added,
        removed,
        born,
        gone,
        merged,
        split,
        relabelled,
        renamed,
        new_cross_calls,
        removed_cross_calls,
        metrics: metric_deltas(old, new),
        cost: CostDeltas {
            plan: vec![
                Delta::new(
                    "cost.plan_monthly_usd",
                    old.cost.plan_monthly_usd,
                    new.cost.plan_monthly_usd,
                ),
                Delta::new(
                    "cost.all_microservices_monthly_usd",
                    old.cost.all_microservices_monthly_usd,
                    new.cost.all_microservices_monthly_usd,
                ),
                Delta::new(
                    "cost.all_functions_monthly_usd",
                    old.cost.all_functions_monthly_usd,
                    new.cost.all_functions_monthly_usd,
                ),
            ],
            services: service_costs,
        },
    }
}

fn metric_deltas(old: &Plan, new: &Plan) -> Vec<Delta> {
    let (a, b) = (&old.metrics, &new.metrics);
    vec![
        Delta::new(
            "input.nodes",
            old.input.nodes as f64,
            new.input.nodes as f64,
        ),
        Delta::new(
            "input.edges",
            old.input.edges as f64,
            new.input.edges as f64,
        ),
        Delta::new("metrics.services", a.services as f64, b.services as f64),
        Delta::new("metrics.modularity", a.modularity, b.modularity),
        Delta::new(
            "metrics.structural_modularity",
            a.structural_modularity,
            b.structural_modularity,
        ),
        Delta::new(
            "metrics.inter_call_percentage",
            a.inter_call_percentage,
            b.inter_call_percentage,
        ),
        Delta::new(
            "metrics.interface_number",
            a.interface_number,
            b.interface_number,
        ),
        Delta::new(
            "metrics.non_extreme_distribution",
            a.non_extreme_distribution,
            b.non_extreme_distribution,
        ),
    ]
}
