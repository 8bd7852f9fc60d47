//! `cleave compare` on the real binary: a plan of Spring PetClinic against the experts'
//! decomposition, a plan against itself, the fixture format, a flat mapping, and bad or missing
//! references (a many-keyed one named by a few keys).

use std::collections::BTreeMap;
use std::path::Path;

use crate::diff::{s, write};
use crate::{cleave, fixture, plan_ok, text};

/// The MoJoFM of the text report's first line (`MoJoFM 72.3 (…`).
fn text_score(stdout: &str) -> &str {
    stdout
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("MoJoFM "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no MoJoFM line in:\n{stdout}"))
}

/// Each member of a plan.json's clusters with its cluster's position.
fn members(planned: &serde_json::Value) -> Vec<(usize, &str)> {
    let clusters = planned["clusters"].as_array().expect("clusters");
    let mut out = Vec::new();
    for (c, cluster) in clusters.iter().enumerate() {
        for member in cluster["members"].as_array().expect("members") {
            out.push((c, member.as_str().expect("id")));
        }
    }
    out
}

/// `cleave compare PLAN REFERENCE --json`, parsed.
fn compare_json(plan: &Path, reference: &Path) -> serde_json::Value {
    let out = cleave(&["compare", s(plan), s(reference), "--json"]);
    assert!(out.status.success(), "{:?}", text(&out));
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

#[test]
fn petclinic_against_the_experts() {
    let (dir, planned) = plan_ok(
        &fixture("real/spring-petclinic/callgraph.json"),
        &["--services", "4"],
    );
    let plan = dir.path().join("out/plan.json");
    let expert = fixture("real/spring-petclinic/expert.json");
    let out = cleave(&["compare", s(&plan), s(&expert)]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let shown = text_score(&stdout);
    assert!(
        stdout.contains("moves and joins needed:") && stdout.contains("reference service"),
        "{stdout}"
    );
    // docs/review.md shows this very run.
    let doc = std::fs::read_to_string(crate::repo_file("docs/review.md")).expect("review.md");
    let asked =
        "$ cleave compare plan/plan.json tests/fixtures/real/spring-petclinic/expert.json\n";
    let shown_in_doc = doc
        .split_once(asked)
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(example, _)| example)
        .expect("docs/review.md shows `cleave compare` on PetClinic");
    assert_eq!(stdout, shown_in_doc, "docs/review.md's example is stale");

    let json = compare_json(&plan, &expert);
    let fm = json["mojofm"].as_f64().expect("mojofm");
    assert!((0.0..=100.0).contains(&fm), "{fm}");
    assert_eq!(format!("{fm:.1}"), shown);
    // Every expert entity is a method of the call graph.
    assert_eq!(json["compared"], 112);
    assert_eq!(json["unmatched_reference"]["count"], 0);
    assert_eq!(json["plan_services"], 4);
    assert_eq!(json["reference_services"], 4);
    println!("spring-petclinic, --services 4: MoJoFM {fm}");

    // The recipe of tests/fixtures/real/SOURCES.md done by hand: each member's last two segments,
    // then MoJoFM over the expert's entities.
    let expert_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&expert).expect("expert")).expect("JSON");
    let assignment = expert_json["assignment"].as_object().expect("assignment");
    let services: BTreeMap<&str, usize> = assignment
        .values()
        .filter_map(|v| v.as_str())
        .map(|v| (v, 0))
        .collect();
    let services: BTreeMap<&str, usize> =
        services.keys().enumerate().map(|(i, k)| (*k, i)).collect();
    let (mut actual, mut truth) = (Vec::new(), Vec::new());
    for (c, id) in members(&planned) {
        let parts: Vec<&str> = id.rsplitn(3, '.').collect();
        let key = format!("{}.{}", parts[1], parts[0]);
        if let Some(service) = assignment.get(&key).and_then(|v| v.as_str()) {
            actual.push(c);
            truth.push(services[service]);
        }
    }
    let by_hand = planner::mojofm(&actual, &truth);
    assert!((by_hand - fm).abs() < 0.005, "{by_hand} against {fm}");
}

#[test]
fn a_plan_against_itself_scores_100() {
    let (dir, _) = plan_ok(&fixture("real/spring-petclinic/callgraph.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    let json = compare_json(&plan, &plan);
    assert_eq!(json["mojofm"], 100.0);
    assert_eq!(json["reverse_mojofm"], 100.0);
    assert_eq!(json["moves_and_joins"], 0);
    assert_eq!(json["unscored_plan_nodes"], 0);
    assert_eq!(json["reference_format"], "plan");
}

#[test]
fn service_lists_as_the_reference() {
    let (dir, _) = plan_ok(&fixture("bench/jpetstore.json"), &["--services", "4"]);
    let plan = dir.path().join("out/plan.json");
    let expert = fixture("bench/jpetstore.expert.json");
    let out = cleave(&["compare", s(&plan), s(&expert)]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    text_score(&stdout);
    let json = compare_json(&plan, &expert);
    assert_eq!(json["reference_format"], "services");
    assert_eq!(json["unmatched_reference"]["count"], 0);
    assert_eq!(json["unscored_plan_nodes"], 0);
    let fm = json["mojofm"].as_f64().expect("mojofm");
    assert!((0.0..=100.0).contains(&fm), "{fm}");
}

#[test]
fn a_flat_mapping_as_the_reference() {
    // `cleave-gen --truth` writes node → planted community (a number): compared as services.
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    let planned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).expect("plan")).expect("JSON");
    let mapping: serde_json::Map<String, serde_json::Value> = members(&planned)
        .into_iter()
        .map(|(c, id)| (id.to_string(), c.into()))
        .collect();
    let truth = write(
        dir.path(),
        "truth.json",
        &serde_json::Value::Object(mapping).to_string(),
    );
    let json = compare_json(&plan, &truth);
    assert_eq!(json["reference_format"], "mapping");
    assert_eq!(json["mojofm"], 100.0);
}

#[test]
fn bad_references_exit_2_naming_the_file() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    let not_json = write(dir.path(), "target.json", "services: [cart, orders]\n");
    let out = cleave(&["compare", s(&plan), s(&not_json)]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("target.json") && stderr.contains("not JSON"),
        "{stderr}"
    );

    let twice = write(
        dir.path(),
        "twice.json",
        r#"{"services": {"a": ["x"], "b": ["x"]}}"#,
    );
    let out = cleave(&["compare", s(&plan), s(&twice)]);
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("twice.json") && stderr.contains("entity `x`"),
        "{stderr}"
    );

    // An object of no known shape with many keys: named by a few of them, not all.
    let keys: Vec<String> = (0..20_000).map(|i| format!(r#""node{i}": [1]"#)).collect();
    let many = write(dir.path(), "many.json", &format!("{{{}}}", keys.join(", ")));
    let out = cleave(&["compare", s(&plan), s(&many)]);
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("many.json") && stderr.contains("and 19995 more"),
        "{stderr}"
    );
    assert!(stderr.len() < 2_000, "{} bytes of error", stderr.len());

    let foreign = write(
        dir.path(),
        "foreign.json",
        r#"{"assignment": {"Nothing.here": "a"}}"#,
    );
    let out = cleave(&["compare", s(&plan), s(&foreign)]);
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("nothing to compare") && stderr.contains("foreign.json"),
        "{stderr}"
    );
}

#[test]
fn missing_files_exit_2() {
    let (dir, _) = plan_ok(&fixture("tiny-shop.json"), &[]);
    let plan = dir.path().join("out/plan.json");
    let missing = dir.path().join("no-such-reference.json");
    let out = cleave(&["compare", s(&plan), s(&missing)]);
    let stderr = text(&out).1;
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no-such-reference.json"), "{stderr}");

    let out = cleave(&["compare", s(&missing), s(&plan)]);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}
