//! The SCIP reader through the public API, on indexes made by the real indexers from the example
//! shops (tests/fixtures/scip/SOURCES.md): every function the source defines is a node, every
//! call the source makes an edge, and nothing else.

use std::collections::BTreeSet;

use analyzer::{CallGraph, Error, analyze_scip, is_scip};

const PYTHON: &[u8] = include_bytes!("../../tests/fixtures/scip/python-shop.scip");
const TYPESCRIPT: &[u8] = include_bytes!("../../tests/fixtures/scip/ts-shop.scip");

fn edges(g: &CallGraph) -> BTreeSet<(String, String)> {
    g.edges()
        .map(|(f, t, _)| (g.node(f).id.clone(), g.node(t).id.clone()))
        .collect()
}

fn node<'a>(g: &'a CallGraph, id: &str) -> &'a analyzer::Node {
    g.node(g.position(id).unwrap_or_else(|| panic!("no node {id}")))
}

#[test]
fn python_shop_has_every_function_and_call_of_its_source() {
    let a = analyze_scip(PYTHON).expect("reads");
    let g = &a.graph;
    // examples/scip-python-shop/shop/*.py define 20 functions (db.py: session; catalog.py: 5;
    // payments.py: 4; orders.py: 4; web.py: 6).
    let ids: Vec<&str> = g.nodes().map(|n| n.id.as_str()).collect();
    assert_eq!(g.node_count(), 20, "{ids:?}");
    assert!(ids.contains(&"shop.orders.place_order"));
    assert_eq!(
        node(g, "shop.orders.place_order").module.as_deref(),
        Some("shop.orders")
    );
    assert_eq!(
        node(g, "shop.orders.place_order").location.as_deref(),
        Some("shop/orders.py:8")
    );
    let e = edges(g);
    assert_eq!(g.edge_count(), 24, "{e:?}");
    for (from, to) in [
        ("shop.orders.place_order", "shop.catalog.reserve_stock"),
        ("shop.orders.place_order", "shop.catalog.price_of"),
        ("shop.orders.place_order", "shop.orders.save_order"),
        ("shop.orders.place_order", "shop.payments.charge"),
        ("shop.web.create_order", "shop.orders.place_order"),
        ("shop.web.products", "shop.web.product_json"),
        ("shop.catalog.price_of", "shop.catalog.apply_discount"),
    ] {
        assert!(
            e.contains(&(from.to_string(), to.to_string())),
            "{from} -> {to}"
        );
    }
    // Flask's decorators mark the five routes, and nothing else.
    let entries: Vec<(&str, &str)> = g
        .nodes()
        .filter_map(|n| n.entry.as_deref().map(|t| (n.id.as_str(), t)))
        .collect();
    assert_eq!(
        entries,
        vec![
            ("shop.web.cancel", "http"),
            ("shop.web.create_order", "http"),
            ("shop.web.history", "http"),
            ("shop.web.product", "http"),
            ("shop.web.products", "http"),
        ]
    );
    // SQLAlchemy sessions over mapped classes name their tables' entities.
    assert_eq!(
        node(g, "shop.orders.save_order").resources,
        vec!["db:order"]
    );
    assert_eq!(
        node(g, "shop.catalog.find_product").resources,
        vec!["db:product"]
    );
    assert_eq!(
        node(g, "shop.payments.refund").resources,
        vec!["db:payment"]
    );
    assert!(node(g, "shop.web.create_order").resources.is_empty());
    assert!(node(g, "shop.catalog.apply_discount").resources.is_empty());
    let s = &a.stats;
    assert_eq!(s.indexer, "scip-python 0.6.6");
    assert_eq!(
        (s.documents, s.definitions, s.resolved_references),
        (6, 20, 24)
    );
    assert_eq!(s.languages.get("python"), Some(&6));
    assert!(s.external_references > 0);
    assert_eq!(
        (s.estimated_ranges, s.duplicate_symbols, s.skipped_documents),
        (0, 0, 0)
    );
    assert!(a.diagnostics.is_empty(), "{:?}", a.diagnostics);
}

#[test]
fn typescript_shop_has_every_function_and_call_of_its_source() {
    let a = analyze_scip(TYPESCRIPT).expect("reads");
    let g = &a.graph;
    // examples/scip-ts-shop/src/*.ts: catalog 5 functions, payments 4 methods, orders 4 methods
    // and the constructor, web 6 functions, main 1.
    let ids: Vec<&str> = g.nodes().map(|n| n.id.as_str()).collect();
    assert_eq!(g.node_count(), 21, "{ids:?}");
    assert_eq!(
        node(g, "src.orders.OrderService.place").module.as_deref(),
        Some("src.orders.OrderService")
    );
    let e = edges(g);
    assert_eq!(g.edge_count(), 19, "{e:?}");
    for (from, to) in [
        (
            "src.orders.OrderService.place",
            "src.payments.PaymentService.charge",
        ),
        (
            "src.orders.OrderService.place",
            "src.orders.OrderService.save",
        ),
        ("src.web.createOrder", "src.orders.OrderService.place"),
        ("src.web.routes", "src.web.createOrder"),
        ("src.main.main", "src.web.routes"),
    ] {
        assert!(
            e.contains(&(from.to_string(), to.to_string())),
            "{from} -> {to}"
        );
    }
    // Express registrations (`app.post("/orders", createOrder)`) mark the handlers.
    let http: Vec<&str> = g
        .nodes()
        .filter(|n| n.entry.as_deref() == Some("http"))
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(
        http,
        vec![
            "src.web.cancelOrder",
            "src.web.createOrder",
            "src.web.listProducts",
            "src.web.orderHistory",
            "src.web.showProduct"
        ]
    );
    assert_eq!(node(g, "src.main.main").entry.as_deref(), Some("cli"));
    // node-postgres queries: one database, no table names in the index.
    assert_eq!(
        node(g, "src.orders.OrderService.save").resources,
        vec!["db:postgres"]
    );
    assert!(
        node(g, "src.orders.OrderService.place")
            .resources
            .is_empty()
    );
    assert_eq!(a.stats.languages.get("typescript"), Some(&6));
    assert_eq!(a.stats.indexer, "scip-typescript 0.4.0");
}

#[test]
fn the_same_index_gives_the_same_graph() {
    let one = analyzer::scip_analysis_to_json(&analyze_scip(TYPESCRIPT).expect("reads"));
    let two = analyzer::scip_analysis_to_json(&analyze_scip(TYPESCRIPT).expect("reads"));
    assert_eq!(one, two);
    let graph = analyzer::load_json(&one).expect("the written graph loads back");
    assert_eq!(graph.node_count(), 21);
}

#[test]
fn indexes_are_told_from_other_files() {
    assert!(is_scip(PYTHON) && is_scip(TYPESCRIPT));
    assert!(!is_scip(b"{\"nodes\": []}"));
    assert!(!is_scip(b"\n{\"nodes\": []}\n"));
    assert!(!is_scip(b""));
    assert!(!is_scip(&PYTHON[..PYTHON.len() / 2]));
}

#[test]
fn a_truncated_index_is_an_error_naming_the_place() {
    let cut = &PYTHON[..PYTHON.len() - 100];
    let e = analyze_scip(cut).expect_err("truncated");
    assert!(matches!(e, Error::Scip { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("truncated SCIP index") && text.contains("byte"),
        "{text}"
    );
    let e = analyze_scip(b"hello, world").expect_err("not protobuf");
    assert!(e.to_string().contains("SCIP index"), "{e}");
}

#[test]
fn an_index_without_functions_is_an_error() {
    // Only the metadata field of the Python index: a valid message without documents.
    let meta_len = PYTHON[1] as usize + 2;
    assert_eq!(PYTHON[0], 0x0a, "the index starts with its metadata");
    let e = analyze_scip(&PYTHON[..meta_len]).expect_err("no documents");
    assert!(matches!(e, Error::ScipEmpty { documents: 0 }), "{e:?}");
}

#[test]
fn an_index_without_enclosing_ranges_estimates_them_with_lower_confidence() {
    let mut index = decode(PYTHON);
    for doc in &mut index.documents {
        for o in &mut doc.occurrences {
            o.enclosing_range.clear();
            o.typed_enclosing_range = None;
        }
    }
    let a = analyze_scip(&encode(&index)).expect("reads");
    let exact = analyze_scip(PYTHON).expect("reads");
    assert_eq!(a.stats.estimated_ranges, 20);
    assert_eq!(a.graph.node_count(), exact.graph.node_count());
    // The calls are the same; only the confidence drops.
    assert_eq!(edges(&a.graph), edges(&exact.graph));
    assert!(
        a.graph
            .edges()
            .all(|(_, _, c)| c.confidence == analyzer::ESTIMATED_CONFIDENCE)
    );
    // Decorators above a definition still mark the routes.
    assert_eq!(a.stats.entry_points, exact.stats.entry_points);
}

#[test]
fn a_document_given_twice_is_a_warning_not_a_failure() {
    let mut index = decode(PYTHON);
    let mut copy = index.documents[1].clone();
    copy.relative_path = "copy/catalog.py".to_string();
    index.documents.push(copy);
    let a = analyze_scip(&encode(&index)).expect("reads");
    assert_eq!(a.graph.node_count(), 20);
    assert_eq!(a.stats.duplicate_symbols, 5);
    assert!(
        a.diagnostics
            .iter()
            .any(|d| d.file == "copy/catalog.py" && d.message.contains("defined again")),
        "{:?}",
        a.diagnostics
    );
}

#[test]
fn mutated_indexes_are_read_or_refused_never_a_panic() {
    let mut rng = fastrand::Rng::with_seed(17);
    for base in [PYTHON, TYPESCRIPT] {
        for _ in 0..300 {
            let mut bytes = base.to_vec();
            for _ in 0..rng.usize(1..8) {
                let at = rng.usize(..bytes.len());
                match rng.u8(..3) {
                    0 => bytes[at] = rng.u8(..),
                    1 => bytes.truncate(at.max(1)),
                    _ => bytes.insert(at, rng.u8(..)),
                }
            }
            let _ = is_scip(&bytes);
            if let Ok(a) = analyze_scip(&bytes) {
                assert!(a.graph.node_count() > 0);
            }
        }
    }
}

fn decode(bytes: &[u8]) -> scip::types::Index {
    protobuf::Message::parse_from_bytes(bytes).expect("decodes")
}

fn encode(index: &scip::types::Index) -> Vec<u8> {
    protobuf::Message::write_to_bytes(index).expect("encodes")
}
