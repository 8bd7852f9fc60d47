//! Behaviour tests of the decisions: small graphs and a decisions file in, services out.

use analyzer::{Call, CallGraph, Node};

use crate::{Label, Plan, Service, parse_config, plan, plan_with};

/// `count` cliques of `size` nodes `c{k}::n{i}` (module `c{k}`), joined in a ring by one edge.
fn ring(count: usize, size: usize) -> CallGraph {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    for c in 0..count {
        for i in 0..size {
            nodes.push(Node {
                id: format!("c{c}::n{i}"),
                module: Some(format!("c{c}")),
                ..Node::default()
            });
            for j in 0..i {
                edges.push((c * size + j, c * size + i, Call::new(1.0, false)));
            }
        }
        edges.push((
            c * size,
            ((c + 1) % count) * size + 1,
            Call::new(1.0, false),
        ));
    }
    CallGraph::from_parts(nodes, edges)
}

/// Plans `graph` under the decisions file `toml`.
fn plan_toml(graph: &CallGraph, toml: &str) -> Result<Plan, crate::Error> {
    plan(graph, &parse_config(toml)?)
}

fn planned(graph: &CallGraph, toml: &str) -> Plan {
    plan_toml(graph, toml).expect("plans")
}

/// The service holding node `id`.
fn home<'p>(plan: &'p Plan, id: &str) -> &'p Service {
    plan.clusters
        .iter()
        .find(|s| s.members.iter().any(|m| m == id))
        .expect("every node in a service")
}

#[test]
fn a_named_service_pins_its_nodes_together_and_takes_its_name() {
    let g = ring(4, 5);
    let p = planned(
        &g,
        "[[service]]\nname = \"core\"\nnodes = [\"c0::*\"]\nmodules = [\"c2\"]\n",
    );
    let core = home(&p, "c0::n0");
    assert_eq!(core.name, "core");
    assert!(core.members.iter().any(|m| m == "c2::n3"), "{core:?}");
    let d = &p.decisions.as_ref().expect("report").decisions[0];
    assert_eq!(
        (d.nodes, d.service.as_deref()),
        (10, Some(core.id.as_str()))
    );
    assert_eq!(d.patterns[0].matched, 5);
}

#[test]
fn together_joins_nodes_of_different_cliques() {
    let g = ring(4, 5);
    let p = planned(&g, "[[together]]\nnodes = [\"c0::n2\", \"c2::n2\"]\n");
    assert_eq!(home(&p, "c0::n2").id, home(&p, "c2::n2").id);
    assert_eq!(p.clusters.iter().map(|s| s.size).sum::<usize>(), 20);
}

#[test]
fn apart_splits_a_clique_and_named_services_never_share() {
    let g = ring(3, 6);
    let p = planned(&g, "[[apart]]\nnodes = [\"c1::n0\", \"c1::n5\"]\n");
    assert_ne!(home(&p, "c1::n0").id, home(&p, "c1::n5").id);
    let p = planned(
        &g,
        "[[service]]\nname = \"a\"\nnodes = [\"c2::n1\"]\n[[service]]\nname = \"b\"\nnodes = [\"c2::n4\"]\n",
    );
    let (a, b) = (home(&p, "c2::n1"), home(&p, "c2::n4"));
    assert_ne!(a.id, b.id);
    assert_eq!((a.name.as_str(), b.name.as_str()), ("a", "b"));
}

#[test]
fn an_exact_count_keeps_named_services_apart() {
    let g = ring(6, 4);
    let toml = "[clustering]\nservices = 2\n[[service]]\nname = \"x\"\nnodes = [\"c0::*\"]\n\
                [[service]]\nname = \"y\"\nnodes = [\"c1::*\"]\n";
    let p = planned(&g, toml);
    assert_eq!(p.clusters.len(), 2);
    assert_ne!(home(&p, "c0::n0").id, home(&p, "c1::n0").id);
}

#[test]
fn exclude_drops_nodes_and_typos_are_listed() {
    let g = ring(3, 4);
    let p = planned(
        &g,
        "[exclude]\nnodes = [\"c2::*\", \"nope::*\"]\n[[together]]\nmodules = [\"c9\", \"c0\"]\n",
    );
    assert_eq!(p.input.nodes, 8);
    assert!(
        p.clusters
            .iter()
            .all(|s| s.members.iter().all(|m| !m.starts_with("c2")))
    );
    let r = p.decisions.as_ref().expect("report");
    assert_eq!(r.excluded_nodes, 4);
    assert_eq!(
        r.unmatched,
        vec![
            "[[together]] #1: modules `c9`".to_string(),
            "[exclude]: nodes `nope::*`".to_string()
        ]
    );
    assert!(
        p.notes.iter().any(|n| n.contains("match no node")),
        "{:?}",
        p.notes
    );
    assert!(
        p.notes.iter().any(|n| n.contains("dropped 4 nodes")),
        "{:?}",
        p.notes
    );
}

/// A stateful request handler and a long batch job, each alone in its module.
fn shop() -> CallGraph {
    let mut nodes = vec![
        Node {
            id: "cart::add".into(),
            entry: Some("http".into()),
            stateful: true,
            ..Node::default()
        },
        Node {
            id: "cart::total".into(),
            ..Node::default()
        },
        Node {
            id: "img::resize".into(),
            entry: Some("event".into()),
            invocations_per_day: Some(10.0),
            ..Node::default()
        },
        Node {
            id: "img::thumb".into(),
            ..Node::default()
        },
    ];
    for n in &mut nodes {
        n.module = n.id.split("::").next().map(str::to_string);
    }
    let call = Call::new(1.0, false);
    CallGraph::from_parts(nodes, vec![(0, 1, call), (2, 3, call)])
}

#[test]
fn forced_labels_apply_unless_a_hard_limit_forbids_them() {
    let g = shop();
    let p = planned(
        &g,
        "[[service]]\nname = \"images\"\nmodules = [\"img\"]\nlabel = \"microservice\"\n",
    );
    let s = home(&p, "img::resize");
    assert_eq!((s.name.as_str(), s.label), ("images", Label::Microservice));
    assert!(
        s.rationale.reasons[0].contains("forced"),
        "{:?}",
        s.rationale
    );
    assert_eq!(s.cost.chosen_monthly_usd, s.cost.microservice_monthly_usd);
    let e = plan_toml(
        &g,
        "[[service]]\nname = \"cart\"\nmodules = [\"cart\"]\nlabel = \"function\"\n",
    )
    .expect_err("stateful");
    assert!(e.to_string().contains("keeps in-memory state"), "{e}");
}

#[test]
fn every_invalid_or_impossible_decision_says_why() {
    let g = ring(3, 4);
    let cases = [
        ("[[service]]\nname = \" \"\nnodes = [\"a\"]\n", "empty name"),
        (
            "[[service]]\nname = \"a\"\nnodes = [\"x\"]\n[[service]]\nname = \"a\"\nnodes = [\"y\"]\n",
            "named `a`",
        ),
        ("[[service]]\nname = \"a\"\n", "has no pattern"),
        ("[[together]]\nnodes = [\"c0::[\"]\n", "not a valid glob"),
        ("[[apart]]\nnodes = [\"c0::*\"]\n", "at least 2 patterns"),
        (
            "[[service]]\nname = \"a\"\nnodes = [\"c0::*\"]\nlabel = \"lambda\"\n",
            "microservice",
        ),
        (
            "[[service]]\nname = \"a\"\nnodez = [\"c0::*\"]\n",
            "unknown field",
        ),
        ("[exclude]\nnodes = [\"*\"]\n", "every node"),
        (
            "[[service]]\nname = \"a\"\nnodes = [\"c0::*\"]\n[[service]]\nname = \"b\"\nnodes = [\"c0::n1\"]\n",
            "pinned to both service `a` and service `b`",
        ),
        (
            "[[service]]\nname = \"a\"\nnodes = [\"c0::n0\"]\n[[service]]\nname = \"b\"\nnodes = [\"c1::n0\"]\n\
             [[together]]\nnodes = [\"c0::n0\", \"c1::n0\"]\n",
            "named services are always separate",
        ),
        (
            "[[apart]]\nnodes = [\"c0::*\", \"c0::n1\"]\n",
            "must not share nodes",
        ),
        (
            "[[together]]\nnodes = [\"c0::n0\", \"c1::n0\"]\n[[apart]]\nnodes = [\"c0::n0\", \"c1::n0\"]\n",
            "which [[apart]] forbids",
        ),
        (
            "[clustering]\nservices = 2\n[[service]]\nname = \"a\"\nnodes = [\"c0::*\"]\n\
             [[service]]\nname = \"b\"\nnodes = [\"c1::*\"]\n[[service]]\nname = \"c\"\nnodes = [\"c2::*\"]\n",
            "3 named services",
        ),
        (
            "[clustering]\nservices = 1\n[[apart]]\nnodes = [\"c0::*\", \"c1::*\"]\n",
            "ask for at least 2",
        ),
    ];
    for (toml, expected) in cases {
        let e = plan_toml(&g, toml).expect_err(toml);
        assert!(e.to_string().contains(expected), "{toml}\n→ {e}");
    }
}

#[test]
fn plans_without_decisions_carry_no_decisions_section() {
    let g = ring(3, 4);
    assert!(planned(&g, "").decisions.is_none());
    assert_eq!(
        planned(&g, ""),
        plan(&g, &crate::Config::default()).expect("plans")
    );
}

/// Node id → service id.
fn membership(p: &Plan) -> std::collections::BTreeMap<String, (String, String)> {
    p.clusters
        .iter()
        .flat_map(|s| {
            s.members
                .iter()
                .map(|m| (m.clone(), (s.id.clone(), s.name.clone())))
        })
        .collect()
}

#[test]
fn a_replan_after_a_small_change_is_a_small_diff() {
    let config = crate::Config::default();
    let g = ring(8, 6);
    let first = plan(&g, &config).expect("plans");
    let (again, _) = plan_with(&g, &config, Some(&first)).expect("plans");
    assert_eq!(again, first, "re-planning the same graph changes nothing");
    let mut edges: Vec<_> = g.edges().collect();
    edges.push((3, 20, Call::new(2.0, false)));
    let changed = CallGraph::from_parts(g.nodes().cloned().collect(), edges);
    let (next, _) = plan_with(&changed, &config, Some(&first)).expect("plans");
    let (before, after) = (membership(&first), membership(&next));
    let moved = before.iter().filter(|(id, s)| after[*id].0 != s.0).count();
    assert!(moved <= 3, "{moved} nodes moved");
    let kept = before.iter().filter(|(id, s)| after[*id] == **s).count();
    assert!(kept >= 45, "ids and names persist: {kept}");
}

#[test]
fn new_services_get_fresh_ids_after_the_highest_earlier_one() {
    let config = crate::Config::default();
    let first = plan(&ring(4, 5), &config).expect("plans");
    let (next, _) = plan_with(&ring(5, 5), &config, Some(&first)).expect("plans");
    let old: Vec<(&str, &str)> = first
        .clusters
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let fresh: Vec<&Service> = next
        .clusters
        .iter()
        .filter(|s| !old.contains(&(s.id.as_str(), s.name.as_str())))
        .collect();
    assert_eq!(
        fresh.len(),
        1,
        "{:?}",
        next.clusters.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    assert_eq!(fresh[0].id, "s5");
    let sizes: Vec<usize> = next.clusters.iter().map(|s| s.size).collect();
    assert!(
        sizes.windows(2).all(|w| w[0] >= w[1]),
        "largest first: {sizes:?}"
    );
}

#[test]
fn benchmark_monoliths_replan_to_themselves_and_move_little_after_one_edge() {
    let config = crate::Config::default();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/bench");
    for name in [
        "jpetstore",
        "acmeair",
        "daytrader",
        "petclinic",
        "ecommerce-methods",
    ] {
        let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).expect("fixture");
        let g = analyzer::load_json(&text).expect("loads");
        let first = plan(&g, &config).expect("plans");
        let (again, _) = plan_with(&g, &config, Some(&first)).expect("plans");
        assert_eq!(membership(&again), membership(&first), "{name}: idempotent");
        let mut edges: Vec<_> = g.edges().collect();
        edges.remove(edges.len() / 2);
        let changed = CallGraph::from_parts(g.nodes().cloned().collect(), edges);
        let (next, _) = plan_with(&changed, &config, Some(&first)).expect("plans");
        let (before, after) = (membership(&first), membership(&next));
        let moved = before.iter().filter(|(id, s)| after[*id].0 != s.0).count();
        eprintln!("{name}: {} nodes, {moved} moved", before.len());
        assert!(
            moved * 10 <= before.len(),
            "{name}: {moved} of {} moved",
            before.len()
        );
    }
}
