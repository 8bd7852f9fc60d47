//! Property tests of the readers on hostile text: any input gives `Ok` or `Err`, never a panic.
//! Inputs are random text, and valid samples cut, spliced and sprinkled with random characters
//! (which reach deeper than random text: past the first bracket, into numbers and strings).

use proptest::prelude::*;

const GRAPH: &str = r#"{"version": 1, "nodes": [
  {"id": "shop::orders::place", "module": "shop::orders", "entry": "http", "stateful": false,
   "resources": ["db:orders"], "invocations_per_day": 120000, "duration_ms": {"p50": 40, "p95": 120},
   "memory_mb": 512, "hints": ["sleep"], "location": "src/orders.rs:3"},
  {"id": "shop::catalog::price", "module": "shop::catalog"}],
 "edges": [{"from": "shop::orders::place", "to": "shop::catalog::price", "weight": 3, "async": false, "confidence": 0.5}]}"#;

const ZIPKIN: &str = r#"[
  {"traceId": "t", "id": "1", "name": "get /orders", "kind": "SERVER", "timestamp": 1700000000000000, "duration": 5000, "localEndpoint": {"serviceName": "api"}, "tags": {"http.method": "GET"}},
  {"traceId": "t", "id": "2", "parentId": "1", "name": "select", "kind": "CLIENT", "timestamp": 1700000000001000, "duration": 900, "localEndpoint": {"serviceName": "api"}, "remoteEndpoint": {"serviceName": "postgres"}, "tags": {"db.statement": "SELECT * FROM orders"}}
]"#;

const OTLP: &str = r#"{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
  "scopeSpans": [{"spans": [{"traceId": "aa", "spanId": "bb", "name": "GET", "kind": 2, "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000005000000"}]}]},
  {"scopeSpans": [{"spans": [{"traceId": "aa", "spanId": "cc", "parentSpanId": "bb", "name": "load \"]}", "startTimeUnixNano": "1700000000001000000", "endTimeUnixNano": "1700000000002000000"}]}]}],
 "x": [1, {"y": null}]}
{"resourceSpans": []}"#;

const RUST: &str = r#"use actix_web::{web, HttpResponse};
use std::sync::Mutex;
static CACHE: Mutex<Vec<u8>> = Mutex::new(Vec::new());
pub struct Repo;
impl Repo { pub fn save(&self) { sqlx::query("INSERT INTO orders (id) VALUES ($1)"); } }
#[get("/orders")]
pub async fn list(repo: web::Data<Repo>) -> HttpResponse {
    for x in vec![1, 2] { repo.save(); }
    match Some(1) { Some(v) => helper(v), None => {} }
    let _ = format!("{x}", x = 1);
    HttpResponse::Ok().finish()
}
fn helper(_: i32) { CACHE.lock().unwrap().push(1); }
cfg_if::cfg_if! { if #[cfg(unix)] { pub fn unix() {} } else { pub fn other() {} } }
"#;

/// `sample` cut at `cut`, with `insert` spliced in and `tail` characters of it kept after.
fn mutate(sample: &str, cut: usize, insert: &str, skip: usize) -> String {
    let chars: Vec<char> = sample.chars().collect();
    let cut = cut % (chars.len() + 1);
    let resume = (cut + skip).min(chars.len());
    let mut out: String = chars[..cut].iter().collect();
    out.push_str(insert);
    out.extend(&chars[resume..]);
    out
}

fn analyze_source(text: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("src")).expect("src");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"fuzz\"\n",
    )
    .expect("toml");
    std::fs::write(dir.path().join("src/lib.rs"), text).expect("source");
    let _ = analyzer::analyze_rust(dir.path(), &|_, _| {});
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn call_graph_reader_never_panics(text in any::<String>(), cut in any::<usize>(), insert in ".{0,12}", skip in 0usize..40) {
        let _ = analyzer::load_json(&text);
        let _ = analyzer::load_json(&mutate(GRAPH, cut, &insert, skip));
    }

    #[test]
    fn trace_readers_never_panic(text in any::<String>(), cut in any::<usize>(), insert in ".{0,12}", skip in 0usize..40, which in 0usize..2) {
        let sample = if which == 0 { ZIPKIN } else { OTLP };
        for input in [text, mutate(sample, cut, &insert, skip)] {
            if let Ok(traces) = analyzer::parse_traces(&input) {
                let summary = analyzer::summarize(&[traces], None);
                let _ = analyzer::graph_from_traces(&summary);
            }
        }
    }
}

proptest! {
    // Each case writes a crate to disk: fewer of them.
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn rust_analysis_never_panics(cut in any::<usize>(), insert in ".{0,16}", skip in 0usize..60) {
        analyze_source(&mutate(RUST, cut, &insert, skip));
    }
}
