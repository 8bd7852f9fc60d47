//! The collector's servicegraph and spanmetrics series (tests/fixtures/traces/prometheus, hand-made
//! in the documented shape): operations, calls split over operations, quantiles from buckets,
//! rates from a window given or read from a matrix's timestamps.

use super::{has_call, op, real};
use crate::traces::{TraceAggregate, TraceFormat, TraceSummary};

fn metrics(files: &[&str], window: Option<f64>) -> TraceSummary {
    let mut agg = TraceAggregate::new(window);
    for f in files {
        let formats = agg.read(real(f).as_bytes(), u64::MAX).expect("reads");
        assert_eq!(formats, vec![TraceFormat::Prometheus], "{f}");
    }
    agg.finish()
}

#[test]
fn collector_exposition_gives_operations_quantiles_and_calls() {
    let s = metrics(&["prometheus/collector.prom"], Some(86_400.0));
    let keys: Vec<String> = s.operations.iter().map(|o| o.key()).collect();
    assert_eq!(
        keys,
        [
            "catalog::GET /products",
            "catalog::GET /products/{id}",
            "checkout::POST /checkout",
            "frontend::GET /",
            "mailer::*"
        ],
        "client spans are not operations; a service only the graph names gets `*`"
    );
    let front = op(&s, "frontend::GET /");
    assert_eq!(front.count, 12_000, "summed over status codes");
    assert_eq!(front.per_day, Some(12_000.0));
    assert_eq!(front.entry.as_deref(), Some("http"), "no service calls it");
    let checkout = op(&s, "checkout::POST /checkout");
    assert_eq!(checkout.entry, None);
    // histogram_quantile: rank 1,500 of 3,000 in (10, 100] holding 1,000..2,500.
    assert_eq!(checkout.p50_ms, Some(40.0));
    assert_eq!(checkout.p95_ms, Some(730.0));
    assert!(checkout.resources.contains("db:orders-db"));
    // The mailer's figures come from the service graph's server-side buckets (seconds).
    let mailer = op(&s, "mailer::*");
    assert_eq!(mailer.count, 1200);
    assert_eq!(mailer.p50_ms, Some(550.0));
    assert_eq!(
        mailer.p95_ms,
        Some(1000.0),
        "in +Inf: the highest finite bound"
    );
    // The 9,000 catalog calls split over its two operations by their own calls.
    let front = "frontend::GET /";
    assert_eq!(
        has_call(&s, front, "catalog::GET /products", false),
        Some(6000)
    );
    assert_eq!(
        has_call(&s, front, "catalog::GET /products/{id}", false),
        Some(3000)
    );
    assert_eq!(
        has_call(&s, front, "checkout::POST /checkout", false),
        Some(3000)
    );
    assert_eq!(
        has_call(&s, "checkout::POST /checkout", "mailer::*", true),
        Some(1200),
        "a messaging edge is async"
    );
    assert_eq!(s.window_s, 86_400.0);
}

#[test]
fn exposition_without_a_window_has_no_rates_and_says_so() {
    let s = metrics(&["prometheus/collector.prom"], None);
    assert!(s.operations.iter().all(|o| o.per_day.is_none()));
    assert!(
        s.warnings.iter().any(|w| w.contains("--traces-window")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn tempo_matrix_reads_its_window_and_counter_resets() {
    let s = metrics(&["prometheus/tempo-matrix.json"], None);
    assert_eq!(s.window_s, 86_400.0, "from the first to the last timestamp");
    let front = op(&s, "frontend::GET /");
    assert_eq!(front.count, 6000, "1000 → 5000, reset, → 2000");
    assert_eq!(front.per_day, Some(6000.0));
    let checkout = op(&s, "checkout::POST /checkout");
    assert_eq!(
        checkout.p50_ms,
        Some(10.0),
        "Tempo's latency buckets are seconds"
    );
    assert!((checkout.p95_ms.expect("p95") - 91.0).abs() < 1e-9);
    assert_eq!(
        has_call(&s, "frontend::GET /", "checkout::POST /checkout", false),
        Some(3000)
    );
}

#[test]
fn a_query_that_drops_metric_names_is_read_by_its_labels() {
    let s = metrics(&["prometheus/query-vector.json"], Some(86_400.0));
    let keys: Vec<String> = s.operations.iter().map(|o| o.key()).collect();
    assert_eq!(keys, ["checkout::*", "frontend::*", "mailer::*"]);
    assert_eq!(
        has_call(&s, "frontend::*", "checkout::*", false),
        Some(3000)
    );
    assert_eq!(has_call(&s, "checkout::*", "mailer::*", true), Some(1200));
    assert_eq!(op(&s, "checkout::*").per_day, Some(3000.0));
}

#[test]
fn a_directory_of_metric_files_is_one_export() {
    let one = metrics(&["prometheus/collector.prom"], Some(3600.0));
    let mut agg = TraceAggregate::new(Some(3600.0));
    let text = real("prometheus/collector.prom");
    let (a, b) = text.split_at(
        text.find("# HELP traces_span_metrics_calls_total")
            .expect("cut"),
    );
    agg.read(a.as_bytes(), u64::MAX).expect("first half");
    agg.read(b.as_bytes(), u64::MAX).expect("second half");
    assert_eq!(agg.finish(), one);
}

#[test]
fn malformed_expositions_say_line_and_column() {
    let read = |text: &str| TraceAggregate::new(None).read(text.as_bytes(), u64::MAX);
    let err = read("# TYPE x counter\ncalls_total{span_name=\"a} 3\n").expect_err("unterminated");
    assert!(err.to_string().contains("line 2"), "{err}");
    let err = read("calls_total{span_name=\"a\"} many\n").expect_err("not a number");
    assert!(err.to_string().contains("`many` is not a number"), "{err}");
    let err = read(r#"{"status": "success", "data": {"resultType": "vector", "result": [{"value": [1, "2"]}]}}"#)
        .expect_err("no metric");
    assert!(err.to_string().contains("without `metric`"), "{err}");
    let err = read(r#"{"data": {"resultType": "vector"}}"#).expect_err("no result");
    assert!(err.to_string().contains("unrecognised"), "{err}");
}
