//! Diff cases: pairs of small plans in, the changes out.

use analyzer::load_json;

use crate::{Config, Label, Plan, diff, diff_text, plan};

/// Nodes `m::n0..n{size}` per module `m`, chained and closed into a ring with weight 5; `extra`
/// are further `from to weight` edges; `fields` add JSON fields to named nodes.
fn planned(
    modules: &[(&str, usize)],
    extra: &[(&str, &str, f64)],
    fields: &[(&str, &str)],
    services: Option<usize>,
) -> Plan {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for (m, size) in modules {
        for i in 0..*size {
            let id = format!("{m}::n{i}");
            let more: String = fields
                .iter()
                .filter(|(n, _)| *n == id)
                .map(|(_, f)| format!(", {f}"))
                .collect();
            let entry = if i == 0 { r#", "entry": "http""# } else { "" };
            let module = if more.contains(r#""module""#) {
                String::new()
            } else {
                format!(r#", "module": "{m}""#)
            };
            nodes.push(format!(r#"{{"id": "{id}"{module}{entry}{more}}}"#));
            edges.push(format!(
                r#"{{"from": "{m}::n{i}", "to": "{m}::n{}", "weight": 5}}"#,
                (i + 1) % size
            ));
            edges.push(format!(
                r#"{{"from": "{m}::n0", "to": "{m}::n{i}", "weight": 5}}"#
            ));
        }
    }
    for (f, t, w) in extra {
        edges.push(format!(r#"{{"from": "{f}", "to": "{t}", "weight": {w}}}"#));
    }
    let text = format!(
        r#"{{"nodes": [{}], "edges": [{}]}}"#,
        nodes.join(","),
        edges.join(",")
    );
    let graph = load_json(&text).expect("valid graph");
    let mut config = Config::default();
    config.clustering.services = services;
    plan(&graph, &config).expect("plans")
}

const ABC: &[(&str, usize)] = &[("a", 4), ("b", 4), ("c", 4)];
const LINKS: &[(&str, &str, f64)] = &[("a::n0", "b::n0", 1.0), ("b::n1", "c::n0", 1.0)];

fn base() -> Plan {
    planned(ABC, LINKS, &[], None)
}

fn ids(list: &[crate::ServiceRef]) -> Vec<&str> {
    list.iter().map(|s| s.id.as_str()).collect()
}

#[test]
fn identical_plans_have_no_differences() {
    let p = base();
    let d = diff(&p, &p);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(d.matched.len(), 3);
    assert_eq!(diff_text(&d), "no differences\n");
}

#[test]
fn a_node_rewired_to_another_module_moves() {
    let old = base();
    // c::n3 now lives in module a, is called heavily from a and calls into a.
    let mut extra = LINKS.to_vec();
    extra.extend([
        ("a::n0", "c::n3", 60.0),
        ("c::n3", "a::n1", 60.0),
        ("a::n2", "c::n3", 60.0),
    ]);
    let new = planned(ABC, &extra, &[("c::n3", r#""module": "a""#)], None);
    let d = diff(&old, &new);
    let moved: Vec<(&str, &str, &str)> = d
        .moved
        .iter()
        .map(|m| (m.node.as_str(), m.from.id.as_str(), m.to.id.as_str()))
        .collect();
    insta::assert_snapshot!(diff_text(&d));
    assert_eq!(moved, [("c::n3", "s3", "s1")]);
    assert_eq!(
        (d.counts.common_nodes, d.born.len(), d.gone.len()),
        (12, 0, 0)
    );
}

#[test]
fn forcing_fewer_services_merges_and_more_splits() {
    let three = base();
    let two = planned(ABC, LINKS, &[], Some(2));
    let d = diff(&three, &two);
    insta::assert_snapshot!("merged", diff_text(&d));
    assert_eq!(d.merged.len(), 1, "{d:?}");
    assert_eq!(d.merged[0].from.len(), 2);
    assert!(d.gone.is_empty() && d.born.is_empty());
    let back = diff(&two, &three);
    insta::assert_snapshot!("split", diff_text(&back));
    assert_eq!(back.split.len(), 1, "{back:?}");
    assert_eq!(ids(&back.split[0].into).len(), 2);
    assert_eq!(ids(&back.split[0].into), ids(&d.merged[0].from));
    assert!(back.born.is_empty() && back.gone.is_empty());
}

#[test]
fn a_busier_entry_point_relabels_its_service() {
    let old = base();
    let new = planned(
        ABC,
        LINKS,
        &[(
            "c::n0",
            r#""invocations_per_day": 50000000, "duration_ms": {"p50": 200}"#,
        )],
        None,
    );
    let d = diff(&old, &new);
    insta::assert_snapshot!(diff_text(&d));
    assert_eq!(d.relabelled.len(), 1);
    let r = &d.relabelled[0];
    assert_eq!(
        (r.new.id.as_str(), r.from, r.to),
        ("s3", Label::Function, Label::Microservice)
    );
    assert!(r.summary.starts_with("microservice"), "{}", r.summary);
    assert!(d.moved.is_empty());
}

#[test]
fn a_new_module_is_born_and_a_removed_one_is_gone() {
    let old = base();
    let new = planned(
        &[("a", 4), ("b", 4), ("c", 4), ("d", 4)],
        &[
            ("a::n0", "b::n0", 1.0),
            ("b::n1", "c::n0", 1.0),
            ("c::n1", "d::n0", 1.0),
        ],
        &[],
        None,
    );
    let d = diff(&old, &new);
    insta::assert_snapshot!("born", diff_text(&d));
    assert_eq!(d.born.len(), 1, "{d:?}");
    assert_eq!(d.born[0].name, "d");
    assert_eq!(d.added.len(), 4);
    assert_eq!(d.new_cross_calls.len(), 1);
    let back = diff(&new, &old);
    assert_eq!(back.gone.len(), 1);
    assert_eq!(back.gone[0].name, "d");
    assert_eq!(back.removed.len(), 4);
    assert_eq!(back.removed_cross_calls.len(), 1);
}

#[test]
fn service_cost_deltas_add_up_to_the_plan_delta() {
    let old = base();
    let new = planned(
        &[("a", 4), ("b", 6), ("d", 3)],
        &[("a::n0", "b::n0", 1.0), ("b::n1", "d::n0", 1.0)],
        &[("d::n0", r#""invocations_per_day": 50000000"#)],
        None,
    );
    let d = diff(&old, &new);
    let sum: f64 = d.cost.services.iter().map(|s| s.delta).sum();
    assert!(
        (sum - d.cost.plan[0].delta).abs() < 0.02,
        "{sum} vs {:?}",
        d.cost.plan[0]
    );
}

#[test]
fn renumbered_services_pair_by_overlap() {
    let old = base();
    let mut new = old.clone();
    for s in &mut new.clusters {
        s.id = format!("x{}", s.id);
    }
    let d = diff(&old, &new);
    assert!(
        d.moved.is_empty() && d.born.is_empty() && d.gone.is_empty(),
        "{d:?}"
    );
    assert_eq!(d.renamed.len(), 3);
    assert!(d.matched.iter().all(|m| m.by == crate::MatchedBy::Overlap));
}

#[test]
fn hostile_names_stay_on_one_line() {
    let old = base();
    let mut new = old.clone();
    new.clusters[0].name = "evil\n<script>\"x\"".to_string();
    let text = diff_text(&diff(&old, &new));
    assert!(text.contains("evil\\n<script>\"x\""), "{text}");
}
