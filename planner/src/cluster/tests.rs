//! Behaviour tests of [`cluster`]: small graphs in, the grouping out.

use analyzer::{Call, CallGraph, Node};
use proptest::prelude::*;

use super::{Clustering, cluster};
use crate::ClusterConfig;

/// A graph from `(id, module)` nodes and `(from, to, weight)` calls by id.
fn graph(nodes: &[(&str, Option<&str>)], calls: &[(&str, &str, f64)]) -> CallGraph {
    let nodes: Vec<Node> = nodes
        .iter()
        .map(|(id, module)| Node {
            id: (*id).into(),
            module: module.map(Into::into),
            ..Node::default()
        })
        .collect();
    let pos = |id: &str| nodes.iter().position(|n| n.id == id).expect("known id");
    let edges = calls
        .iter()
        .map(|&(f, t, weight)| {
            let call = Call::new(weight, false);
            (pos(f), pos(t), call)
        })
        .collect();
    CallGraph::from_parts(nodes, edges)
}

/// `count` cliques of `size` nodes `c{k}.n{i}` in module `c{k}`, joined in a ring by one edge.
fn ring_of_cliques(count: usize, size: usize) -> CallGraph {
    let names: Vec<(String, String)> = (0..count)
        .flat_map(|c| (0..size).map(move |i| (format!("c{c}.n{i}"), format!("c{c}"))))
        .collect();
    let nodes: Vec<(&str, Option<&str>)> = names
        .iter()
        .map(|(id, m)| (id.as_str(), Some(m.as_str())))
        .collect();
    let mut calls = Vec::new();
    for c in 0..count {
        for i in 0..size {
            for j in i + 1..size {
                calls.push((
                    names[c * size + i].0.as_str(),
                    names[c * size + j].0.as_str(),
                    1.0,
                ));
            }
        }
        let next = ((c + 1) % count) * size;
        if count > 1 {
            calls.push((names[c * size].0.as_str(), names[next + 1].0.as_str(), 1.0));
        }
    }
    graph(&nodes, &calls)
}

/// Cluster of the node with this id.
fn of(g: &CallGraph, c: &Clustering, id: &str) -> usize {
    c.assignment[g.position(id).expect("known id")]
}

fn services(n: Option<usize>) -> ClusterConfig {
    ClusterConfig {
        services: n,
        ..ClusterConfig::default()
    }
}

#[test]
fn two_cliques_joined_by_a_bridge_make_two_clusters() {
    let g = ring_of_cliques(2, 5);
    let c = cluster(&g, &services(None));
    assert_eq!(c.count, 2);
    assert_eq!(c.assignment, vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
}

#[test]
fn services_are_exact_on_a_ring_of_cliques() {
    let g = ring_of_cliques(6, 5);
    for n in [1, 2, 3, 4, 6, 7, 12, 29, 30] {
        let c = cluster(&g, &services(Some(n)));
        assert_eq!(c.count, n, "asked for {n}");
        assert!(c.assignment.iter().all(|&a| a < n));
        assert!(c.notes.is_empty(), "{:?}", c.notes);
    }
    let c = cluster(&g, &services(Some(6)));
    for k in 0..6 {
        assert!(
            (1..5).all(|i| of(&g, &c, &format!("c{k}.n{i}")) == of(&g, &c, &format!("c{k}.n0")))
        );
    }
    // More than the automatic plan's six: its services split, and the reason says so.
    let c = cluster(&g, &services(Some(12)));
    assert_eq!(c.count_reason.automatic, Some(6));
    assert!(
        c.count_reason
            .reason
            .contains("the automatic plan's 6 services split into the 12 asked"),
        "{}",
        c.count_reason.reason
    );
    let c = cluster(&g, &services(Some(40)));
    assert_eq!(c.count, 30);
    assert_eq!(
        c.notes,
        vec!["asked for 40 services but the graph has 30 nodes: made 30"]
    );
}

#[test]
fn utility_called_from_every_module_does_not_merge_communities() {
    let base = ring_of_cliques(4, 4);
    let mut nodes: Vec<Node> = base.nodes().cloned().collect();
    let mut edges: Vec<(usize, usize, Call)> = base.edges().collect();
    nodes.push(Node {
        id: "util.log".into(),
        module: Some("util".into()),
        ..Node::default()
    });
    let log = nodes.len() - 1;
    for i in 0..log {
        let call = Call::new(50.0, false);
        edges.push((i, log, call));
    }
    let g = CallGraph::from_parts(nodes, edges);
    let c = cluster(&g, &services(None));
    let log = g.position("util.log").expect("log");
    assert!(c.shared[log]);
    assert_eq!(c.shared.iter().filter(|&&s| s).count(), 1);
    let firsts: Vec<usize> = (0..4).map(|k| of(&g, &c, &format!("c{k}.n0"))).collect();
    let mut distinct = firsts.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 4, "communities merged: {:?}", c.assignment);
    for (k, &first) in firsts.iter().enumerate() {
        assert!((1..4).all(|i| of(&g, &c, &format!("c{k}.n{i}")) == first));
    }
}

#[test]
fn isolated_node_joins_its_namespace_neighbour() {
    let g = graph(
        &[
            ("shop.orders.place", None),
            ("shop.orders.pay", None),
            ("shop.orders.ship", None),
            ("shop.users.login", None),
            ("shop.users.logout", None),
            ("shop.users.profile", None),
            ("shop.orders.refund", None),
        ],
        &[
            ("shop.orders.place", "shop.orders.pay", 1.0),
            ("shop.orders.pay", "shop.orders.ship", 1.0),
            ("shop.orders.place", "shop.orders.ship", 1.0),
            ("shop.users.login", "shop.users.logout", 1.0),
            ("shop.users.login", "shop.users.profile", 1.0),
            ("shop.users.logout", "shop.users.profile", 1.0),
            ("shop.users.profile", "shop.orders.place", 1.0),
        ],
    );
    let c = cluster(&g, &services(None));
    let refund = g.position("shop.orders.refund").expect("refund");
    assert!(c.isolated[refund]);
    assert_eq!(c.isolated.iter().filter(|&&i| i).count(), 1);
    assert_eq!(c.count, 2);
    assert_eq!(c.assignment[refund], of(&g, &c, "shop.orders.pay"));
    assert_ne!(c.assignment[refund], of(&g, &c, "shop.users.login"));
}

#[test]
fn a_tiny_cluster_tied_to_nothing_joins_only_its_package_kin() {
    // Two capabilities (orders, users) of three methods each, and a two-method class tied to
    // nothing: in a package of its own (`system`) it stays a service of its own, as nothing but
    // the application's root says where it belongs; inside `orders` it joins orders.
    let nodes = |pkg: &str| {
        let mut out: Vec<(String, Option<String>)> = Vec::new();
        for (cls, methods) in [
            ("orders.Order", ["place", "pay", "ship"].as_slice()),
            ("users.User", ["login", "logout", "profile"].as_slice()),
            (pkg, ["cache", "configure"].as_slice()),
        ] {
            for m in methods {
                out.push((format!("app.{cls}.{m}"), Some(format!("app.{cls}"))));
            }
        }
        out
    };
    let calls = [
        ("app.orders.Order.place", "app.orders.Order.pay"),
        ("app.orders.Order.pay", "app.orders.Order.ship"),
        ("app.orders.Order.place", "app.orders.Order.ship"),
        ("app.users.User.login", "app.users.User.logout"),
        ("app.users.User.login", "app.users.User.profile"),
        ("app.users.User.logout", "app.users.User.profile"),
        ("app.users.User.profile", "app.orders.Order.place"),
    ];
    for (pkg, apart) in [("system.Cache", true), ("orders.Cache", false)] {
        let owned = nodes(pkg);
        let list: Vec<(&str, Option<&str>)> = owned
            .iter()
            .map(|(id, m)| (id.as_str(), m.as_deref()))
            .collect();
        let cache = format!("app.{pkg}.cache");
        let mut all: Vec<(&str, &str, f64)> = calls.iter().map(|&(f, t)| (f, t, 1.0)).collect();
        let configure = format!("app.{pkg}.configure");
        all.push((cache.as_str(), configure.as_str(), 1.0));
        let g = graph(&list, &all);
        let c = cluster(&g, &services(None));
        let own = of(&g, &c, &cache);
        let orders = of(&g, &c, "app.orders.Order.pay");
        assert_ne!(orders, of(&g, &c, "app.users.User.login"), "{pkg}");
        if apart {
            assert_eq!(c.count, 3, "{pkg}: {:?}", c.assignment);
            assert_ne!(own, orders);
        } else {
            assert_eq!(c.count, 2, "{pkg}: {:?}", c.assignment);
            assert_eq!(own, orders);
        }
    }
}

#[test]
fn layered_packages_cluster_by_capability_not_by_layer() {
    let caps = ["account", "order", "catalog", "cart"];
    let mut names = Vec::new();
    for cap in caps {
        for layer in ["web", "service", "dao", "domain"] {
            for k in 0..2 {
                names.push((format!("app.{layer}.{cap}{k}"), format!("app.{layer}")));
            }
        }
    }
    let nodes: Vec<(&str, Option<&str>)> = names
        .iter()
        .map(|(id, m)| (id.as_str(), Some(m.as_str())))
        .collect();
    let mut calls = Vec::new();
    let name = |layer: &str, cap: &str, k: usize| format!("app.{layer}.{cap}{k}");
    for cap in caps {
        for k in 0..2 {
            calls.push((name("web", cap, k), name("service", cap, k), 2.0));
            calls.push((name("web", cap, k), name("service", cap, 1 - k), 1.0));
            calls.push((name("service", cap, k), name("dao", cap, k), 2.0));
            calls.push((name("service", cap, k), name("domain", cap, k), 1.0));
            calls.push((name("dao", cap, k), name("domain", cap, k), 1.0));
            calls.push((name("dao", cap, k), name("domain", cap, 1 - k), 1.0));
        }
    }
    calls.push((
        name("service", "order", 0),
        name("service", "account", 0),
        1.0,
    ));
    calls.push((
        name("service", "cart", 0),
        name("service", "catalog", 0),
        1.0,
    ));
    let calls: Vec<(&str, &str, f64)> = calls
        .iter()
        .map(|(f, t, w)| (f.as_str(), t.as_str(), *w))
        .collect();
    let g = graph(&nodes, &calls);
    let c = cluster(&g, &services(None));
    assert_eq!(c.count, 4, "{:?}", c.assignment);
    for cap in caps {
        let home = of(&g, &c, &name("web", cap, 0));
        for layer in ["web", "service", "dao", "domain"] {
            for k in 0..2 {
                assert_eq!(of(&g, &c, &name(layer, cap, k)), home, "{layer} {cap}{k}");
            }
        }
    }
    let told = cluster(&g, &services(Some(4)));
    assert_eq!((told.assignment, told.count), (c.assignment, c.count));
}

/// Planted partition: `groups` × `size` nodes, each calling `degree` others, a share `mixing`
/// of them outside its group.
fn planted(
    groups: usize,
    size: usize,
    degree: usize,
    mixing: f64,
    seed: u64,
) -> (CallGraph, Vec<usize>) {
    let mut rng = fastrand::Rng::with_seed(seed);
    let n = groups * size;
    let nodes: Vec<Node> = (0..n)
        .map(|i| Node {
            id: format!("n{i:04}"),
            ..Node::default()
        })
        .collect();
    let mut edges = Vec::new();
    for v in 0..n {
        let group = v / size;
        for _ in 0..degree {
            let u = if rng.f64() < mixing {
                let other = (group + 1 + rng.usize(..groups - 1)) % groups;
                other * size + rng.usize(..size)
            } else {
                group * size + rng.usize(..size)
            };
            if u != v {
                edges.push((v, u, Call::new(1.0, false)));
            }
        }
    }
    (
        CallGraph::from_parts(nodes, edges),
        (0..n).map(|v| v / size).collect(),
    )
}

/// Normalised mutual information of two labellings (arithmetic-mean normalisation).
fn nmi(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len() as f64;
    let mut joint = std::collections::BTreeMap::new();
    let (mut pa, mut pb) = (
        std::collections::BTreeMap::new(),
        std::collections::BTreeMap::new(),
    );
    for (&x, &y) in a.iter().zip(b) {
        *joint.entry((x, y)).or_insert(0.0) += 1.0 / n;
        *pa.entry(x).or_insert(0.0) += 1.0 / n;
        *pb.entry(y).or_insert(0.0) += 1.0 / n;
    }
    let entropy = |p: &std::collections::BTreeMap<usize, f64>| -> f64 {
        -p.values().map(|&q| q * q.ln()).sum::<f64>()
    };
    let mi: f64 = joint
        .iter()
        .map(|(&(x, y), &p)| p * (p / (pa[&x] * pb[&y])).ln())
        .sum();
    let h = (entropy(&pa) + entropy(&pb)) / 2.0;
    if h > 0.0 { mi / h } else { 1.0 }
}

#[test]
fn planted_partition_is_recovered() {
    for seed in [1, 2, 3] {
        let (g, truth) = planted(8, 25, 5, 0.2, seed);
        let c = cluster(&g, &services(None));
        let score = nmi(&c.assignment, &truth);
        assert!(
            score > 0.8,
            "seed {seed}: NMI {score:.3}, {} clusters",
            c.count
        );
        let exact = cluster(&g, &services(Some(8)));
        assert!(nmi(&exact.assignment, &truth) > 0.8);
    }
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let (g, _) = planted(6, 30, 4, 0.3, 9);
    let cfg = services(None);
    let first = cluster(&g, &cfg);
    assert_eq!(cluster(&g, &cfg), first);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        assert_eq!(pool.install(|| cluster(&g, &cfg)), first);
        let exact = services(Some(5));
        assert_eq!(pool.install(|| cluster(&g, &exact)), cluster(&g, &exact));
    }
}

#[test]
fn small_event_handler_tied_only_by_async_calls_stays_apart() {
    let base = ring_of_cliques(2, 6);
    for (trigger, apart) in [("queue", true), ("http", false)] {
        let mut nodes: Vec<Node> = base.nodes().cloned().collect();
        let mut edges: Vec<(usize, usize, Call)> = base.edges().collect();
        nodes.push(Node {
            id: "jobs.resize".into(),
            entry: Some(trigger.into()),
            ..Node::default()
        });
        nodes.push(Node {
            id: "jobs.thumb".into(),
            ..Node::default()
        });
        let (h, t) = (nodes.len() - 2, nodes.len() - 1);
        edges.push((h, t, Call::new(1.0, false)));
        edges.push((0, h, Call::new(1.0, true)));
        let g = CallGraph::from_parts(nodes, edges);
        let c = cluster(&g, &services(None));
        assert_eq!(
            c.count,
            if apart { 3 } else { 2 },
            "{trigger}: {:?}",
            c.assignment
        );
        assert_eq!(of(&g, &c, "jobs.resize"), of(&g, &c, "jobs.thumb"));
    }
}

#[test]
fn degenerate_graphs_do_not_panic() {
    let empty = CallGraph::default();
    let c = cluster(&empty, &services(Some(3)));
    assert_eq!((c.count, c.assignment.len()), (0, 0));
    let one = graph(&[("a", None)], &[("a", "a", 2.0)]);
    for n in [None, Some(1), Some(5)] {
        let c = cluster(&one, &services(n));
        assert_eq!(
            (c.count, c.assignment.clone(), c.isolated.clone()),
            (1, vec![0], vec![true])
        );
    }
    let loose = graph(
        &[("x.a", Some("x")), ("x.b", Some("x")), ("y.c", Some("y"))],
        &[],
    );
    assert_eq!(cluster(&loose, &services(None)).assignment, vec![0, 0, 1]);
    assert_eq!(cluster(&loose, &services(Some(3))).count, 3);
    assert_eq!(cluster(&loose, &services(Some(1))).count, 1);
    let zero = graph(&[("a", None), ("b", None), ("c", None)], &[("a", "b", 0.0)]);
    for n in [None, Some(1), Some(2), Some(3)] {
        let c = cluster(&zero, &services(n));
        assert!(c.count >= 1 && c.assignment.iter().all(|&a| a < c.count));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_node_gets_exactly_one_cluster(
        n in 1usize..40,
        raw in proptest::collection::vec((0usize..40, 0usize..40, 0.0f64..20.0, any::<bool>()), 0..120),
        want in proptest::option::of(1usize..45),
        seed in any::<u64>(),
    ) {
        let nodes: Vec<Node> = (0..n)
            .map(|i| Node { id: format!("m{}.n{i}", i % 5), module: (i % 3 == 0).then(|| format!("m{}", i % 4)), ..Node::default() })
            .collect();
        let edges = raw
            .into_iter()
            .map(|(f, t, weight, is_async)| (f % n, t % n, Call::new(weight, is_async)))
            .collect();
        let g = CallGraph::from_parts(nodes, edges);
        let cfg = ClusterConfig { services: want, seed, ..ClusterConfig::default() };
        let c = cluster(&g, &cfg);
        prop_assert_eq!(c.assignment.len(), n);
        prop_assert!(c.assignment.iter().all(|&a| a < c.count));
        let mut used = c.assignment.clone();
        used.sort_unstable();
        used.dedup();
        prop_assert_eq!(used.len(), c.count);
        if let Some(want) = want {
            prop_assert_eq!(c.count, want.min(n));
        }
        prop_assert_eq!(cluster(&g, &cfg), c);
    }
}

#[test]
fn without_module_affinity_or_modules_one_leiden_run_on_the_calls_decides() {
    // High mixing, so that the partition depends on the random visit order: a probe run before
    // the final one would draw from the same generator and change it. The ids are bare (no
    // module, no namespace), so with module affinity on there are still no modules to tie.
    let (g, _) = planted(12, 30, 4, 0.45, 4);
    for module_affinity in [0.0, ClusterConfig::default().module_affinity] {
        let cfg = ClusterConfig {
            module_affinity,
            min_service_size: 1,
            ..ClusterConfig::default()
        };
        one_run_decides(&g, &cfg);
    }
}

fn one_run_decides(g: &CallGraph, cfg: &ClusterConfig) {
    let c = cluster(g, cfg);
    let n = g.node_count();
    let index: Vec<Option<u32>> = (0..n as u32).map(Some).collect();
    let weak = vec![false; n];
    let calls = super::coupling::build(g, &index, n, &weak, cfg, None, &[]);
    // A small graph's final run partitions the consensus of seeded runs (their own
    // generators), and then draws from the run's generator first.
    assert!(n < super::leiden::CONSENSUS_MAX_NODES);
    let calls = super::leiden::consensus(&calls, cfg.resolution, cfg.seed);
    let mut rng = fastrand::Rng::with_seed(cfg.seed);
    let direct = super::leiden::leiden(&calls, cfg.resolution, &mut rng);
    let pairs = |a: &[usize]| -> Vec<bool> {
        (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .map(|(i, j)| a[i] == a[j])
            .collect()
    };
    assert!(c.shared.iter().all(|&s| !s) && c.isolated.iter().all(|&i| !i));
    assert_eq!(pairs(&c.assignment), pairs(&direct));
}

/// Labels renumbered in order of first appearance: equal for equal partitions.
fn canonical(labels: &[usize]) -> Vec<usize> {
    let mut seen = std::collections::HashMap::new();
    labels
        .iter()
        .map(|&l| {
            let next = seen.len();
            *seen.entry(l).or_insert(next)
        })
        .collect()
}

#[test]
fn a_large_graph_starts_its_final_run_from_the_probe() {
    let (g, truth) = planted(1000, 50, 4, 0.3, 6);
    // Modules (layers across the planted groups), so that there is a probe.
    let nodes = g
        .nodes()
        .enumerate()
        .map(|(i, node)| Node {
            module: Some(format!("layer{}", i % 4)),
            ..node.clone()
        })
        .collect();
    let g = CallGraph::from_parts(nodes, g.edges().collect());
    let n = g.node_count();
    assert!(n >= super::leiden::LARGE);
    let cfg = ClusterConfig {
        min_service_size: 1,
        ..ClusterConfig::default()
    };
    let c = cluster(&g, &cfg);
    // The pipeline by hand: probe, coupling weighed by it, final run warm-started from it.
    let index: Vec<Option<u32>> = (0..n as u32).map(Some).collect();
    let weak = super::shared::detect(&g, cfg.shared_min_caller_modules);
    let mut rng = fastrand::Rng::with_seed(cfg.seed);
    let calls = super::coupling::build(&g, &index, n, &weak, &cfg, None, &[]);
    let probe = super::leiden::probe(&calls, cfg.resolution, &mut rng);
    let coupling = super::coupling::build(&g, &index, n, &weak, &cfg, Some(&probe), &[]);
    let warm = super::leiden::leiden_from(&coupling, cfg.resolution, &mut rng, Some(&probe));
    assert!(c.isolated.iter().all(|&i| !i));
    assert_eq!(canonical(&c.assignment), canonical(&warm));
    // The warm start recovers the planted groups as well as a cold one (sparse groups: ~0.73).
    let cold = super::leiden::leiden_from(&coupling, cfg.resolution, &mut rng, None);
    let (warm, cold) = (nmi(&c.assignment, &truth), nmi(&cold, &truth));
    assert!(
        warm > 0.7 && warm > cold - 0.02,
        "NMI warm {warm:.3}, cold {cold:.3}"
    );
}

#[test]
fn moved_nodes_are_counted_against_a_one_to_one_matching() {
    use super::matching;
    // Same partition, other labels: nothing moved; each cluster matches its earlier service.
    let earlier = [Some(5), Some(5), Some(7), Some(7), None];
    assert_eq!(
        matching(&[1, 1, 0, 0, 0], 2, &earlier),
        (0, vec![Some(7), Some(5)])
    );
    // A split: one part keeps the earlier service, the other part moved (a split is a move).
    let earlier = [Some(0), Some(0), Some(0), Some(0)];
    assert_eq!(
        matching(&[0, 0, 0, 1], 2, &earlier),
        (1, vec![Some(0), None])
    );
    // A merge: the smaller earlier service's nodes moved.
    let earlier = [Some(0), Some(0), Some(0), Some(1)];
    assert_eq!(matching(&[0, 0, 0, 0], 1, &earlier).0, 1);
}
