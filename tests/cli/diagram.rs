//! The service diagram a reviewer reads: shared code as one library node and never as traffic
//! between services, data stores beside their owners and shared ones flagged, links thinned on
//! request with a note of what was hidden, and the dependency structure matrix for big plans.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::{cleave, plan_ok, repo_file, text};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Node id → service id, from a plan.
fn homes(plan: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for service in plan["clusters"].as_array().expect("clusters") {
        for m in service["members"].as_array().expect("members") {
            out.insert(
                m.as_str().expect("id").to_string(),
                service["id"].as_str().expect("id").to_string(),
            );
        }
    }
    out
}

/// The plan's calls between services, each pair with `value` of its entry.
fn cross_calls<T>(plan: &Value, value: impl Fn(&Value) -> T) -> BTreeMap<(String, String), T> {
    plan["cross_calls"]
        .as_array()
        .expect("cross_calls")
        .iter()
        .map(|c| {
            let end = |key: &str| c[key].as_str().expect("service id").to_string();
            ((end("from"), end("to")), value(c))
        })
        .collect()
}

/// The DOT of `plan` rendered with `extra` options, from standard output.
fn render_dot(plan: &Path, extra: &[&str]) -> String {
    let mut args = vec!["render", s(plan), "--format", "dot", "-o", "-"];
    args.extend_from_slice(extra);
    let result = cleave(&args);
    let (stdout, stderr) = text(&result);
    assert!(result.status.success(), "{stderr}");
    graphviz_rust::parse(&stdout).expect("DOT parses");
    stdout
}

/// The links between services the DOT draws: (from, to) pairs of service ids.
fn service_links(dot: &str) -> Vec<(String, String)> {
    dot.lines()
        .filter_map(|l| {
            let (from, rest) = l.trim().split_once(" -> ")?;
            let to = rest.split('[').next()?;
            let (from, to) = (from.trim_matches('"'), to.trim().trim_matches('"'));
            let service = |id: &str| id.starts_with('s') && id[1..].parse::<u32>().is_ok();
            (service(from) && service(to)).then(|| (from.to_string(), to.to_string()))
        })
        .collect()
}

#[test]
fn shared_code_is_a_library_and_data_stores_have_owners() {
    let input = repo_file("examples/shop.json");
    let (dir, plan) = plan_ok(&input, &["--quiet"]);
    let graph: Value =
        serde_json::from_str(&fs::read_to_string(&input).expect("shop")).expect("JSON");
    let home = homes(&plan);
    let shared: BTreeSet<&str> = plan["shared_code"]
        .as_array()
        .expect("shared_code")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert!(!shared.is_empty(), "the shop has shared utility code");
    // Edges between services' own code, and into shared code, counted from the input.
    let mut cross: BTreeMap<(String, String), u64> = BTreeMap::new();
    let mut into_library: BTreeMap<String, u64> = BTreeMap::new();
    for e in graph["edges"].as_array().expect("edges") {
        let (f, t) = (
            e["from"].as_str().expect("from"),
            e["to"].as_str().expect("to"),
        );
        match (shared.contains(f), shared.contains(t)) {
            (false, true) => *into_library.entry(home[f].clone()).or_default() += 1,
            (false, false) if home[f] != home[t] => {
                *cross.entry((home[f].clone(), home[t].clone())).or_default() += 1
            }
            _ => {}
        }
    }
    let listed: BTreeMap<(String, String), u64> =
        cross_calls(&plan, |c| c["edges"].as_u64().expect("edges"));
    assert_eq!(
        listed, cross,
        "cross_calls are the calls between services' own code"
    );
    let library: BTreeMap<String, u64> = plan["library_calls"]
        .as_array()
        .expect("library_calls")
        .iter()
        .map(|c| {
            (
                c["service"].as_str().expect("service").to_string(),
                c["edges"].as_u64().expect("edges"),
            )
        })
        .collect();
    assert_eq!(
        library, into_library,
        "library_calls count the calls into shared code"
    );

    // Data stores: every resource with the services whose members use it.
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for n in graph["nodes"].as_array().expect("nodes") {
        for r in n["resources"].as_array().into_iter().flatten() {
            users
                .entry(r.as_str().expect("resource").to_string())
                .or_default()
                .insert(home[n["id"].as_str().expect("id")].clone());
        }
    }
    let stores = plan["data_stores"].as_array().expect("data_stores");
    assert_eq!(stores.len(), users.len());
    let notes = plan["notes"].as_array().expect("notes");
    let mut shared_stores = 0;
    for store in stores {
        let name = store["name"].as_str().expect("name");
        let listed: BTreeSet<String> = store["services"]
            .as_array()
            .expect("services")
            .iter()
            .map(|s| s.as_str().expect("id").to_string())
            .collect();
        assert_eq!(listed, users[name], "{name}");
        assert_eq!(store["shared"], listed.len() > 1, "{name}");
        assert_eq!(store["kind"], name.split(':').next().expect("kind"));
        let noted = notes.iter().any(|n| {
            n.as_str()
                .expect("note")
                .starts_with(&format!("shared data store: {name} "))
        });
        assert_eq!(
            noted,
            listed.len() > 1,
            "a shared store is named in the notes: {name}"
        );
        shared_stores += usize::from(listed.len() > 1);
    }
    assert!(
        shared_stores > 0,
        "the shop shares a database between services"
    );

    // The diagram: top to bottom, one library node, a cylinder per store (and two in the legend),
    // shared stores in red, and no link between services that the plan does not list.
    let dot = fs::read_to_string(dir.path().join("out/plan.dot")).expect("plan.dot");
    assert!(dot.contains("rankdir=\"TB\""), "top to bottom");
    assert_eq!(dot.matches("\"library\"[").count(), 1, "one library node");
    assert!(dot.contains("calls into shared code stay in process"));
    assert_eq!(dot.matches("shape=\"cylinder\"").count(), stores.len() + 2);
    assert_eq!(
        dot.matches("fillcolor=\"#f8d0d0\"").count(),
        shared_stores + 1
    );
    for link in service_links(&dot) {
        assert!(
            listed.contains_key(&link),
            "{link:?} is drawn but is no call between services"
        );
    }
}

#[test]
fn links_are_thinned_on_request_and_the_title_says_what_was_hidden() {
    let (dir, plan) = plan_ok(&repo_file("examples/shop.json"), &["--quiet"]);
    let path = dir.path().join("out/plan.json");
    let all = service_links(&render_dot(&path, &[]));
    assert_eq!(
        all.len(),
        plan["cross_calls"].as_array().expect("calls").len()
    );

    let top = render_dot(&path, &["--top-edges", "3"]);
    assert_eq!(service_links(&top).len(), 3);
    assert!(
        top.contains(&format!(
            "{} lighter links between services not drawn (--top-edges)",
            all.len() - 3
        )),
        "{top}"
    );

    // --min-calls keeps the links of at least that many calls a day (the shop is measured).
    let per_day: BTreeMap<(String, String), f64> =
        cross_calls(&plan, |c| c["calls_per_day"].as_f64().expect("per day"));
    let heavy = per_day.values().filter(|&&v| v >= 100_000.0).count();
    assert!(heavy > 0 && heavy < all.len());
    let thinned = render_dot(&path, &["--min-calls", "100000"]);
    let kept = service_links(&thinned);
    assert_eq!(kept.len(), heavy);
    assert!(kept.iter().all(|k| per_day[k] >= 100_000.0));
    assert!(
        thinned.contains(&format!(
            "{} links under 100k calls/day hidden (--min-calls)",
            all.len() - heavy
        )),
        "{thinned}"
    );

    // A negative threshold is bad input; the thinning options do not apply to one service.
    let bad = cleave(&["render", s(&path), "--min-calls=-5", "-o", "-"]);
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad).1);
    assert!(text(&bad).1.contains("--min-calls"));
    let both = cleave(&["render", s(&path), "--service", "s1", "--top-edges", "2"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn a_plan_past_forty_services_is_drawn_as_a_matrix() {
    let (dir, plan) = plan_ok(
        &repo_file("examples/shop.json"),
        &["--quiet", "--services", "45"],
    );
    let services = plan["clusters"].as_array().expect("clusters").len();
    assert!(services >= 41, "{services} services");
    let path = dir.path().join("out/plan.json");
    let auto = render_dot(&path, &[]);
    assert!(
        auto.contains("dependency structure matrix"),
        "auto picks the matrix"
    );
    assert!(service_links(&auto).is_empty(), "no node-link picture");
    // One row per service, each starting with its id; as many cells with a figure as links.
    for service in plan["clusters"].as_array().expect("clusters") {
        let id = service["id"].as_str().expect("id");
        assert!(auto.contains(&format!(">{id} ")), "a row for {id}");
    }
    let figures = auto.matches("point-size=\"9\">").count();
    let pairs = cross_calls(&plan, |_| ());
    assert_eq!(figures, pairs.len());
    // The node-link picture on request.
    let graph = render_dot(&path, &["--view", "graph"]);
    assert!(!graph.contains("dependency structure matrix"));
    // It keeps about three links a service, the heaviest, and says how to see the rest.
    let drawn = service_links(&graph).len();
    assert!(drawn > 0 && drawn <= 3 * services, "{drawn} links");
    if pairs.len() > 3 * services {
        assert!(graph.contains("(--top-edges N draws more, --view matrix all)"));
    }
    // Small plans get nodes and links unless the matrix is asked for.
    let (small, _) = plan_ok(&repo_file("examples/shop.json"), &["--quiet"]);
    let small = small.path().join("out/plan.json");
    assert!(!render_dot(&small, &[]).contains("dependency structure matrix"));
    assert!(render_dot(&small, &["--view", "matrix"]).contains("dependency structure matrix"));
}
