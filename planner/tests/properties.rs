//! Property tests of the planner on random call graphs: every node in exactly one service, exact
//! `--services`, byte-identical output across runs and thread counts, DOT that parses.

use proptest::prelude::*;

use analyzer::{Call, CallGraph, Node};
use planner::{Config, parse_config, parse_reference, plan, render};

/// A random call graph: modules, resources, entries, stateful nodes, sync and async edges.
fn graphs() -> impl Strategy<Value = CallGraph> {
    (1usize..50).prop_flat_map(|n| {
        let nodes = proptest::collection::vec(
            (
                0usize..6,
                proptest::option::of(0usize..4),
                0usize..8,
                proptest::option::of(0.0f64..1e6),
                any::<bool>(),
            ),
            n,
        );
        let edges =
            proptest::collection::vec((0..n, 0..n, 0.0f64..20.0, any::<bool>()), 0..(n * 4));
        (nodes, edges).prop_map(|(nodes, edges)| {
            let triggers = ["http", "event", "queue", "schedule"];
            let nodes: Vec<Node> = nodes
                .into_iter()
                .enumerate()
                .map(|(i, (module, resource, entry, rate, stateful))| Node {
                    id: format!("m{module}::f{i}"),
                    module: Some(format!("m{module}")),
                    entry: triggers.get(entry).map(|t| t.to_string()),
                    stateful: stateful && i % 5 == 0,
                    resources: resource
                        .map(|r| vec![format!("db:t{r}")])
                        .unwrap_or_default(),
                    invocations_per_day: rate,
                    duration_ms: None,
                    memory_mb: None,
                    ..Node::default()
                })
                .collect();
            let edges = edges
                .into_iter()
                .map(|(f, t, weight, is_async)| (f, t, Call::new(weight, is_async)))
                .collect();
            CallGraph::from_parts(nodes, edges)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn every_node_sits_in_exactly_one_service(graph in graphs(), services in proptest::option::of(1usize..12)) {
        let mut config = Config::default();
        config.clustering.services = services;
        let p = plan(&graph, &config).expect("plans");
        let mut seen: Vec<&str> = p.clusters.iter().flat_map(|s| s.members.iter().map(String::as_str)).collect();
        seen.sort_unstable();
        let mut ids: Vec<&str> = graph.nodes().map(|n| n.id.as_str()).collect();
        ids.sort_unstable();
        prop_assert_eq!(seen, ids);
        prop_assert!(p.clusters.iter().all(|s| s.size > 0 && s.size == s.members.len()));
        if let Some(n) = services {
            prop_assert_eq!(p.clusters.len(), n.min(graph.node_count()));
        }
        prop_assert!(graphviz_rust::parse(&render::dot(&p)).is_ok());
    }

    #[test]
    fn output_is_identical_across_runs_and_thread_counts(graph in graphs()) {
        let config = Config::default();
        let render_all = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            pool.install(|| {
                let p = plan(&graph, &config).expect("plans");
                (render::json(&p), render::dot(&p), render::markdown(&p))
            })
        };
        let one = render_all(1);
        prop_assert_eq!(&one, &render_all(1));
        prop_assert_eq!(&one, &render_all(2));
        prop_assert_eq!(&one, &render_all(3));
    }

    #[test]
    fn a_plan_reads_back_in_every_reader(graph in graphs()) {
        let p = plan(&graph, &Config::default()).expect("plans");
        let text = render::json(&p);
        let back: planner::Plan = serde_json::from_str(&text).expect("plan.json reads back");
        prop_assert!(planner::validate_plan(&back).is_ok());
        prop_assert!(planner::diff(&back, &p).is_empty());
        let reference = parse_reference(&text).expect("a plan is a reference");
        let c = planner::compare(&back, &reference);
        prop_assert!((c.mojofm - 100.0).abs() < 1e-9 || c.compared == 0, "{}", c.mojofm);
    }

    #[test]
    fn config_and_reference_readers_never_panic(text in any::<String>(), cut in any::<usize>(), insert in ".{0,12}", skip in 0usize..30) {
        const CONFIG: &str = "[clustering]\nservices = 3\nresolution = 1.5\n[prices]\nfunction_per_gb_second = 0.0000166667\n[[service]]\nname = \"orders\"\nmembers = [\"shop::orders::*\"]\n[[apart]]\nnodes = [\"a::*\", \"b::*\"]\n[exclude]\nnodes = [\"tests::*\"]\n";
        const REFERENCE: &str = r#"{"assignment": {"Order.place": "orders", "Cart.add": "cart"}, "services": {"x": ["a::b"]}}"#;
        let cut_into = |sample: &str| {
            let chars: Vec<char> = sample.chars().collect();
            let at = cut % (chars.len() + 1);
            let resume = (at + skip).min(chars.len());
            let mut out: String = chars[..at].iter().collect();
            out.push_str(&insert);
            out.extend(&chars[resume..]);
            out
        };
        for input in [text.clone(), cut_into(CONFIG)] {
            if let Ok(config) = parse_config(&input) {
                let _ = config.validate();
            }
        }
        for input in [text, cut_into(REFERENCE)] {
            let _ = parse_reference(&input);
        }
    }
}
