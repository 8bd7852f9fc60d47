//! Reference parsing (each shape, each bad input) and comparisons of small hand-built plans.

use std::collections::BTreeMap;

use analyzer::load_json;
use proptest::prelude::*;

use crate::{
    Config, Plan, Reference, ReferenceError, ReferenceFormat, Service, compare, compare_text,
    parse_reference, plan,
};

/// A plan whose services (`s1`, `s2`, … in this order) have these names and members; the rest
/// of each service is copied from a planned one-node graph.
fn plan_of(services: &[(&str, &[&str])]) -> Plan {
    let graph = load_json(r#"{"nodes": [{"id": "x"}], "edges": []}"#).expect("valid graph");
    let mut p = plan(&graph, &Config::default()).expect("plans");
    let template = p.clusters[0].clone();
    p.clusters = services
        .iter()
        .enumerate()
        .map(|(i, (name, members))| Service {
            id: format!("s{}", i + 1),
            name: name.to_string(),
            members: members.iter().map(|m| m.to_string()).collect(),
            size: members.len(),
            ..template.clone()
        })
        .collect();
    p
}

/// A reference in the assignment shape.
fn reference(pairs: &[(&str, &str)]) -> Reference {
    Reference {
        format: ReferenceFormat::Assignment,
        services: Vec::new(),
        assignment: pairs
            .iter()
            .map(|(e, s)| (e.to_string(), s.to_string()))
            .collect(),
    }
}

fn assignment(r: &Reference) -> Vec<(&str, &str)> {
    r.assignment
        .iter()
        .map(|(e, s)| (e.as_str(), s.as_str()))
        .collect()
}

#[test]
fn reads_an_expert_assignment() {
    let r = parse_reference(
        r#"{"entity": "Class.method", "services": ["vets", "owners", "empty"],
            "assignment": {"Vet.getName": "vets", "Owner.add": "owners", "Pet.feed": "owners"}}"#,
    )
    .expect("valid");
    assert_eq!(r.format, ReferenceFormat::Assignment);
    assert_eq!(r.services, ["empty", "owners", "vets"]);
    assert_eq!(
        assignment(&r),
        [
            ("Owner.add", "owners"),
            ("Pet.feed", "owners"),
            ("Vet.getName", "vets")
        ]
    );
}

#[test]
fn reads_service_lists() {
    let r = parse_reference(
        r#"{"source": "notes", "services": {"Cart": ["shop.Cart", "shop.CartItem"], "Account": ["shop.Account"]}}"#,
    )
    .expect("valid");
    assert_eq!(r.format, ReferenceFormat::Services);
    assert_eq!(r.services, ["Account", "Cart"]);
    assert_eq!(
        assignment(&r),
        [
            ("shop.Account", "Account"),
            ("shop.Cart", "Cart"),
            ("shop.CartItem", "Cart")
        ]
    );
}

#[test]
fn reads_a_plan() {
    let p = plan_of(&[("orders", &["a::x", "a::y"]), ("catalog", &["b::z"])]);
    let r = parse_reference(&serde_json::to_string(&p).expect("serialises")).expect("valid");
    assert_eq!(r.format, ReferenceFormat::Plan);
    assert_eq!(r.services, ["catalog", "orders"]);
    assert_eq!(
        assignment(&r),
        [("a::x", "orders"), ("a::y", "orders"), ("b::z", "catalog")]
    );
}

#[test]
fn reads_a_flat_mapping() {
    // As an expert's table or `cleave-gen --truth` writes it: names, or numbered communities.
    let r = parse_reference(r#"{"shop.Cart.add": "cart", "shop.Order.pay": 3, "shop.Pay.x": 3}"#)
        .expect("valid");
    assert_eq!(r.format, ReferenceFormat::Mapping);
    assert_eq!(r.services, ["3", "cart"]);
    assert_eq!(
        assignment(&r),
        [
            ("shop.Cart.add", "cart"),
            ("shop.Order.pay", "3"),
            ("shop.Pay.x", "3")
        ]
    );
}

#[test]
fn an_unknown_object_is_described_in_a_bounded_message() {
    // Every key listed would make a message the size of the file: five, cut short, and a count.
    let long = "k".repeat(10_000);
    let mut text = format!(r#"{{"{long}": [1]"#);
    for i in 0..50_000 {
        text.push_str(&format!(r#", "n{i}": {{}}"#));
    }
    text.push('}');
    let e = parse_reference(&text)
        .expect_err("not a reference")
        .to_string();
    assert!(e.len() < 1_000, "{} bytes: {e}", e.len());
    assert!(e.contains("and 49996 more"), "{e}");
    assert!(e.contains("is an array"), "{e}");
}

#[test]
fn bad_references_say_what_is_wrong() {
    let cases = [
        ("blank", "  \n"),
        ("not JSON", "{\"assignment\": {\"A.b\": \"x\",}\n"),
        ("an array", "[1, 2]"),
        ("empty object", "{}"),
        ("unknown keys", r#"{"nodes": [], "edges": []}"#),
        ("assignment not an object", r#"{"assignment": ["A.b"]}"#),
        ("service not a string", r#"{"assignment": {"A.b": 3}}"#),
        ("service null", r#"{"assignment": {"A.b": null}}"#),
        ("empty service name", r#"{"assignment": {"A.b": ""}}"#),
        ("empty entity", r#"{"assignment": {"": "x"}}"#),
        (
            "services list not strings",
            r#"{"services": [1], "assignment": {"A.b": "x"}}"#,
        ),
        (
            "key given twice",
            r#"{"assignment": {"A.b": "x", "A.b": "y"}}"#,
        ),
        ("nothing assigned", r#"{"assignment": {}}"#),
        (
            "entity in two services",
            r#"{"services": {"Cart": ["shop.Cart"], "Order": ["shop.Order", "shop.Cart"]}}"#,
        ),
        (
            "members not a list",
            r#"{"services": {"Cart": "shop.Cart"}}"#,
        ),
        ("member not a string", r#"{"services": {"Cart": [true]}}"#),
        ("no member at all", r#"{"services": {"Cart": []}}"#),
        ("clusters not a list", r#"{"clusters": {}}"#),
        (
            "cluster without name",
            r#"{"clusters": [{"members": ["a"]}]}"#,
        ),
        (
            "clusters named alike",
            r#"{"clusters": [{"name": "a", "members": ["x"]}, {"name": "a", "members": ["y"]}]}"#,
        ),
        (
            "member in two clusters",
            r#"{"clusters": [{"name": "a", "members": ["x"]}, {"name": "b", "members": ["x"]}]}"#,
        ),
        (
            "top-level key twice",
            r#"{"assignment": {"A.b": "x"}, "assignment": {"A.c": "y"}}"#,
        ),
        ("mapping key twice", r#"{"A.b": "x", "A.b": "y"}"#),
        ("mapping with an empty name", r#"{"A.b": ""}"#),
        ("mapping with a fraction", r#"{"A.b": 1.5}"#),
        ("mapping with a boolean", r#"{"A.b": "x", "A.c": true}"#),
    ];
    let mut out = String::new();
    for (name, text) in cases {
        let e = parse_reference(text).expect_err(name);
        out.push_str(&format!("{name}\n  {e}\n"));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn not_json_gives_the_place() {
    let e = parse_reference("{\n  \"services\": oops\n}").expect_err("not JSON");
    assert!(
        matches!(e, ReferenceError::NotJson { line: 2, .. }),
        "{e:?}"
    );
}

/// Plan `s1 orders` holds two `Order` methods and `Cart.add`, `s2 catalog` the `Item` methods and
/// a utility the reference does not know; the reference puts `Cart.add` in its own service and
/// names an entity no node has.
fn shop() -> (Plan, Reference) {
    let p = plan_of(&[
        (
            "orders",
            &["shop.Order.add", "shop.Order.get", "shop.Cart.add"],
        ),
        (
            "catalog",
            &["shop.Item.get", "shop.Item.list", "shop.Util.log"],
        ),
    ]);
    let r = reference(&[
        ("Order.add", "ordering"),
        ("Order.get", "ordering"),
        ("Cart.add", "cart"),
        ("Item.get", "catalog"),
        ("Item.list", "catalog"),
        ("Missing.x", "catalog"),
    ]);
    (p, r)
}

#[test]
fn hand_computed_comparison() {
    let (p, r) = shop();
    let c = compare(&p, &r);
    // A = {Cart.add, Order.add, Order.get}{Item.get, Item.list}, B = {Cart.add}{Item.*}{Order.*}:
    // one move (Cart.add out of s1) → mno 1; B's sizes [1, 2, 2] → g' = 2, max = 5 − 2 = 3;
    // MoJoFM = (1 − 1/3) · 100. Backwards: no move, one join (cart into ordering) → 1 of 3.
    assert_eq!(c.compared, 5);
    assert_eq!(c.moves_and_joins, 1);
    assert_eq!(c.mojofm, 66.67);
    assert_eq!(c.reverse_mojofm, 66.67);
    assert_eq!(
        (c.plan_services, c.plan_nodes, c.unscored_plan_nodes),
        (2, 6, 1)
    );
    assert_eq!((c.reference_services, c.reference_entities), (3, 6));
    assert_eq!(c.unmatched_reference.count, 1);
    assert_eq!(c.unmatched_reference.first, ["Missing.x"]);
    let plan_side: Vec<_> = c
        .correspondence
        .plan
        .iter()
        .map(|p| (p.id.as_str(), p.compared, p.reference.as_deref(), p.overlap))
        .collect();
    assert_eq!(
        plan_side,
        [
            ("s1", 3, Some("ordering"), 2),
            ("s2", 2, Some("catalog"), 2)
        ]
    );
    insta::assert_snapshot!(compare_text(&c));
}

#[test]
fn asymmetric_scores() {
    // One plan service of six against two reference services of three: three moves (25); the
    // other way one join out of at most five (80).
    let p = plan_of(&[("all", &["a", "b", "c", "d", "e", "f"])]);
    let r = reference(&[
        ("a", "x"),
        ("b", "x"),
        ("c", "x"),
        ("d", "y"),
        ("e", "y"),
        ("f", "y"),
    ]);
    let c = compare(&p, &r);
    assert_eq!(
        (c.mojofm, c.moves_and_joins, c.reverse_mojofm),
        (25.0, 3, 80.0)
    );
    let holders: Vec<_> = c
        .correspondence
        .reference
        .iter()
        .map(|r| (r.name.as_str(), r.entities, r.plan.len()))
        .collect();
    assert_eq!(holders, [("x", 3, 1), ("y", 3, 1)]);
    // Tie between x and y for the plan service: the first by name.
    assert_eq!(c.correspondence.plan[0].reference.as_deref(), Some("x"));
}

#[test]
fn a_plan_compared_with_itself_scores_100() {
    let (p, _) = shop();
    let r = parse_reference(&serde_json::to_string(&p).expect("serialises")).expect("valid");
    let c = compare(&p, &r);
    assert_eq!(
        (c.mojofm, c.reverse_mojofm, c.moves_and_joins),
        (100.0, 100.0, 0)
    );
    assert_eq!((c.compared, c.unscored_plan_nodes), (6, 0));
}

/// Which entity each plan node maps to, read off a comparison where every entity has its own
/// reference service named after it and every node its own plan service.
fn mapping(nodes: &[&str], entities: &[&str]) -> BTreeMap<String, Vec<String>> {
    let services: Vec<(&str, &[&str])> = nodes
        .iter()
        .map(|n| (*n, std::slice::from_ref(n)))
        .collect();
    let p = plan_of(&services);
    let r = reference(&entities.iter().map(|e| (*e, *e)).collect::<Vec<_>>());
    compare(&p, &r)
        .correspondence
        .reference
        .into_iter()
        .map(|r| (r.name, r.plan.into_iter().map(|h| h.name).collect()))
        .collect()
}

#[test]
fn entities_match_ids_at_separator_boundaries() {
    let m = mapping(
        &[
            "org.shop.Cart.add",
            "shop::orders::Order::place",
            "web/api/Items#list",
            "org.shop.Outer$Inner.run",
            "Exact.match",
            "org.shop.XPay.charge",
            "a:b",
        ],
        &[
            "Cart.add",
            "Order::place",
            "Items#list",
            "Inner.run",
            "Exact.match",
            "Pay.charge",
            "b",
        ],
    );
    let expect = |k: &str| m[k].iter().map(String::as_str).collect::<Vec<_>>();
    assert_eq!(expect("Cart.add"), ["org.shop.Cart.add"]);
    assert_eq!(expect("Order::place"), ["shop::orders::Order::place"]);
    assert_eq!(expect("Items#list"), ["web/api/Items#list"]);
    assert_eq!(expect("Inner.run"), ["org.shop.Outer$Inner.run"]);
    assert_eq!(expect("Exact.match"), ["Exact.match"]);
    // Not at a boundary: `XPay.charge` does not end with `.Pay.charge`, `:` alone separates nothing.
    assert!(expect("Pay.charge").is_empty());
    assert!(expect("b").is_empty());
}

#[test]
fn the_longest_matching_entity_wins() {
    let m = mapping(
        &["org.shop.Cart.add"],
        &["Cart.add", "add", "shop.Cart.add"],
    );
    assert_eq!(m["shop.Cart.add"], ["org.shop.Cart.add"]);
    assert!(m["Cart.add"].is_empty());
    assert!(m["add"].is_empty());
}

#[test]
fn overloads_take_the_service_holding_most_of_them() {
    // `Cart.add` is two nodes in s2 and one in s1: s2. `Cart.get` is one node in each: s1, listed
    // first, even though s2 comes first by name.
    let p = plan_of(&[
        ("b-first", &["a.Cart.add", "a.Cart.get"]),
        ("a-second", &["b.Cart.add", "c.Cart.add", "b.Cart.get"]),
    ]);
    let r = reference(&[("Cart.add", "add"), ("Cart.get", "get")]);
    let c = compare(&p, &r);
    assert_eq!(c.compared, 2);
    assert_eq!(c.unscored_plan_nodes, 0);
    let holders: Vec<_> = c
        .correspondence
        .reference
        .iter()
        .map(|r| (r.name.as_str(), r.plan[0].id.as_str(), r.plan.len()))
        .collect();
    assert_eq!(holders, [("add", "s2", 1), ("get", "s1", 1)]);
}

#[test]
fn nothing_in_common_scores_nothing() {
    let p = plan_of(&[("a", &["x::one"])]);
    let r = reference(&[("Other.thing", "s")]);
    let c = compare(&p, &r);
    assert_eq!((c.compared, c.mojofm, c.unscored_plan_nodes), (0, 0.0, 1));
    assert!(
        compare_text(&c).starts_with("MoJoFM not computed: no plan node matches"),
        "{}",
        compare_text(&c)
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn any_text_is_a_reference_or_an_error(
        text in r#"[{}\[\]":,. a-z0-9\\]{0,60}"#,
        shape in 0usize..4,
    ) {
        // Bare text, and text inside each shape so that the nested readers are reached too.
        let text = match shape {
            0 => text,
            1 => format!(r#"{{"assignment": {{{text}}}}}"#),
            2 => format!(r#"{{"services": {{"a": [{text}]}}}}"#),
            _ => format!(r#"{{"clusters": [{{"name": "a", "members": [{text}]}}]}}"#),
        };
        let _ = parse_reference(&text);
    }

    #[test]
    fn scores_stay_in_range_and_tables_add_up(
        plan_labels in proptest::collection::vec(0usize..5, 1..30),
        reference_labels in proptest::collection::vec(0usize..5, 1..30),
    ) {
        let n = plan_labels.len().min(reference_labels.len());
        let ids: Vec<String> = (0..n).map(|i| format!("pkg.C{i}.m")).collect();
        let groups: Vec<Vec<&str>> = (0..5)
            .map(|c| (0..n).filter(|&i| plan_labels[i] == c).map(|i| ids[i].as_str()).collect())
            .filter(|g: &Vec<&str>| !g.is_empty())
            .collect();
        let names: Vec<String> = (0..groups.len()).map(|c| format!("p{c}")).collect();
        let services: Vec<(&str, &[&str])> = names
            .iter()
            .zip(&groups)
            .map(|(name, g)| (name.as_str(), g.as_slice()))
            .collect();
        let p = plan_of(&services);
        let entities: Vec<(String, String)> = (0..n)
            .map(|i| (format!("C{i}.m"), format!("r{}", reference_labels[i])))
            .collect();
        let pairs: Vec<(&str, &str)> = entities.iter().map(|(e, r)| (e.as_str(), r.as_str())).collect();
        let c = compare(&p, &reference(&pairs));
        prop_assert_eq!(c.compared, n);
        prop_assert!((0.0..=100.0).contains(&c.mojofm) && (0.0..=100.0).contains(&c.reverse_mojofm));
        prop_assert!(c.moves_and_joins < n.max(1));
        prop_assert_eq!(c.correspondence.plan.iter().map(|p| p.compared).sum::<usize>(), n);
        prop_assert_eq!(c.correspondence.reference.iter().map(|r| r.compared).sum::<usize>(), n);
        let own = parse_reference(&serde_json::to_string(&p).expect("serialises")).expect("valid");
        prop_assert_eq!(compare(&p, &own).mojofm, 100.0);
    }
}
