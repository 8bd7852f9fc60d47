//! docs/plan.schema.json must be the schema of the `Plan` types. Regenerate it with
//! `CLEAVE_UPDATE_SCHEMA=1 cargo test -p planner --test schema`.

use std::path::PathBuf;

#[test]
fn the_documented_plan_schema_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/plan.schema.json");
    let generated = planner::plan_schema();
    if std::env::var_os("CLEAVE_UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &generated).expect("write schema");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/plan.schema.json is stale: run CLEAVE_UPDATE_SCHEMA=1 cargo test -p planner --test schema"
    );
}

#[test]
fn a_real_plan_validates_against_the_schema_shape() {
    // Every top-level property the schema requires is present in a real plan.
    let schema: serde_json::Value =
        serde_json::from_str(&planner::plan_schema()).expect("schema JSON");
    let graph = analyzer::load_json(
        r#"{"nodes": [{"id": "a"}, {"id": "b"}], "edges": [{"from": "a", "to": "b"}]}"#,
    )
    .expect("valid");
    let plan = planner::plan(&graph, &planner::Config::default()).expect("plans");
    let value: serde_json::Value =
        serde_json::from_str(&planner::render::json(&plan)).expect("plan JSON");
    for key in schema["required"].as_array().expect("required") {
        assert!(
            value.get(key.as_str().expect("key")).is_some(),
            "{key} missing"
        );
    }
}
