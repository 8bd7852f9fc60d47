//! The aggregates a telemetry pipeline already computes from its spans: the OpenTelemetry
//! Collector's `servicegraph` and `spanmetrics` connectors (and Grafana Tempo's metrics-generator,
//! which writes the same series), read from the Prometheus text exposition or a Prometheus
//! query-API result, and turned into operations (calls, rates, latency quantiles) and calls
//! between them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// One series: its metric name (empty when a query dropped it), labels, and points
/// (`(timestamp in seconds, value)`; a text exposition line has one point, its timestamp optional).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Metric name.
    pub name: String,
    /// Labels other than `__name__`.
    pub labels: BTreeMap<String, String>,
    /// Values in time order.
    pub points: Vec<(Option<f64>, f64)>,
}

/// Reads one line of the text exposition: `None` for a comment, `# HELP`/`# TYPE` or a blank
/// line; an error carries the 1-based column and what is wrong.
pub(super) fn parse_line(line: &str) -> Result<Option<Series>, (usize, String)> {
    let line = line.trim_end_matches(['\n', '\r']);
    let body = line.trim_start();
    if body.is_empty() || body.starts_with('#') {
        return Ok(None);
    }
    let at = |rest: &str| line.len() - rest.len() + 1;
    let name_end = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(body.len());
    if name_end == 0 {
        return Err((
            at(body),
            "expected a metric name: this is not a Prometheus text exposition".to_string(),
        ));
    }
    let name = body[..name_end].to_string();
    let mut rest = &body[name_end..];
    let mut labels = BTreeMap::new();
    if let Some(after) = rest.strip_prefix('{') {
        rest = after;
        loop {
            rest = rest.trim_start_matches([' ', ',']);
            if let Some(after) = rest.strip_prefix('}') {
                rest = after;
                break;
            }
            let key_end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let key = &rest[..key_end];
            let Some(after) = rest[key_end..].trim_start().strip_prefix('=') else {
                return Err((at(rest), "expected `label=\"value\"`".to_string()));
            };
            let Some(after) = after.trim_start().strip_prefix('"') else {
                return Err((at(after), "a label value must be quoted".to_string()));
            };
            let (value, after) = unquote(after)
                .ok_or_else(|| (at(after), "unterminated label value".to_string()))?;
            if key.is_empty() {
                return Err((at(rest), "a label without a name".to_string()));
            }
            labels.insert(key.to_string(), value);
            rest = after;
        }
    }
    let mut fields = rest.split_whitespace();
    let value = fields
        .next()
        .ok_or_else(|| (at(rest), "a sample without a value".to_string()))?;
    let value = number(value).ok_or_else(|| (at(rest), format!("`{value}` is not a number")))?;
    let timestamp = match fields.next() {
        Some(ms) => Some(
            ms.parse::<f64>().map_err(|_| {
                (
                    at(rest),
                    format!("`{ms}` is not a timestamp in milliseconds"),
                )
            })? / 1000.0,
        ),
        None => None,
    };
    Ok(Some(Series {
        name,
        labels,
        points: vec![(timestamp, value)],
    }))
}

/// A label value after its opening quote: the unescaped text and what follows the closing quote.
fn unquote(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

fn number(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse().ok(),
    }
}

/// One series of a query-API result (`{"metric": {...}, "value": [t, "v"]}` for a vector,
/// `"values": [[t, "v"], ...]` for a matrix).
pub(super) fn query_series(v: &Value) -> Result<Series, String> {
    let metric = v
        .get("metric")
        .and_then(Value::as_object)
        .ok_or("a query result series without `metric`: give the output of /api/v1/query")?;
    let mut labels: BTreeMap<String, String> = metric
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect();
    let name = labels.remove("__name__").unwrap_or_default();
    let point = |p: &Value| -> Result<(Option<f64>, f64), String> {
        let t = p.get(0).and_then(Value::as_f64);
        let value = p
            .get(1)
            .and_then(Value::as_str)
            .and_then(number)
            .ok_or_else(|| format!("a sample `{p}` is not [time, \"value\"]"))?;
        Ok((t, value))
    };
    let points = match (v.get("value"), v.get("values")) {
        (Some(p), _) => vec![point(p)?],
        (None, Some(Value::Array(ps))) => ps.iter().map(point).collect::<Result<_, _>>()?,
        _ => return Err("a query result series without `value` or `values`".to_string()),
    };
    Ok(Series {
        name,
        labels,
        points,
    })
}

/// What a series is, from its name (or, when a query dropped the name, its labels).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Family {
    /// Service graph requests between two services.
    Requests,
    /// Span-metrics calls of an operation.
    Calls,
    /// Span-metrics duration buckets, bounds in this many milliseconds per unit.
    Duration(f64),
    /// Service-graph server-side latency buckets (seconds).
    ServerLatency,
    /// Anything else (failed requests, client latency, sums and counts, other metrics).
    Other,
}

fn family(s: &Series) -> Family {
    let n = s.name.as_str();
    let has = |k: &str| s.labels.contains_key(k);
    if n.is_empty() {
        return match (has("client") && has("server"), has("span_name"), has("le")) {
            (true, _, false) => Family::Requests,
            (true, _, true) => Family::ServerLatency,
            (false, true, false) => Family::Calls,
            (false, true, true) => Family::Duration(1000.0),
            _ => Family::Other,
        };
    }
    if n.ends_with("service_graph_request_total") {
        Family::Requests
    } else if n.ends_with("service_graph_request_server_seconds_bucket")
        || n.ends_with("service_graph_request_server_bucket")
    {
        Family::ServerLatency
    } else if n.ends_with("calls_total") || n == "calls" {
        Family::Calls
    } else if n.ends_with("_bucket") && (n.contains("duration") || n.contains("latency")) {
        // Tempo's `traces_spanmetrics_latency` and `*_seconds` are in seconds; the connector's
        // and the older processor's unsuffixed `duration`/`latency` in milliseconds.
        let seconds = (n.contains("seconds") && !n.contains("milliseconds"))
            || n == "traces_spanmetrics_latency_bucket";
        Family::Duration(if seconds { 1000.0 } else { 1.0 })
    } else {
        Family::Other
    }
}

/// The increase of a counter over a series' points (a counter reset restarts from zero), and the
/// seconds its timestamps span; one point is its own value, over an unknown time.
fn increase(points: &[(Option<f64>, f64)]) -> (f64, Option<f64>) {
    let values: Vec<f64> = points
        .iter()
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .collect();
    let total = match values.as_slice() {
        [] => 0.0,
        [one] => *one,
        [first, rest @ ..] => {
            let mut prev = *first;
            let mut sum = 0.0;
            for &v in rest {
                sum += if v >= prev { v - prev } else { v };
                prev = v;
            }
            sum
        }
    };
    let times: Vec<f64> = points.iter().filter_map(|p| p.0).collect();
    let span = match (times.first(), times.last()) {
        (Some(a), Some(b)) if times.len() > 1 && b > a => Some(b - a),
        _ => None,
    };
    (total.max(0.0), span)
}

/// Prometheus' `histogram_quantile`: the bucket the rank falls in, linearly interpolated; the
/// highest finite bound when it falls in `+Inf`; `None` without observations.
///
/// # Complexity
/// O(b log b) for b buckets.
pub(super) fn histogram_quantile(q: f64, buckets: &BTreeMap<OrdF64, f64>) -> Option<f64> {
    let total = *buckets.values().last()?;
    if total <= 0.0 || !total.is_finite() {
        return None;
    }
    let rank = q * total;
    let mut prev_bound = 0.0;
    let mut prev_count = 0.0;
    let mut highest_finite = None;
    for (bound, &count) in buckets {
        let bound = bound.0;
        if count >= rank {
            if bound.is_infinite() {
                return highest_finite;
            }
            if count == prev_count {
                return Some(bound);
            }
            let start = if prev_bound > bound { 0.0 } else { prev_bound };
            return Some(start + (bound - start) * (rank - prev_count) / (count - prev_count));
        }
        if bound.is_finite() {
            highest_finite = Some(bound);
        }
        prev_bound = bound;
        prev_count = count;
    }
    highest_finite
}

/// A bucket bound with a total order (bounds are never NaN once read).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct OrdF64(pub f64);
impl Eq for OrdF64 {}
impl PartialOrd for OrdF64 {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrdF64 {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// One operation measured by span metrics.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct MeasuredOp {
    pub service: String,
    pub name: String,
    pub calls: u64,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub entry: Option<String>,
    pub resources: BTreeSet<String>,
}

/// Operations and calls made of the series of one export, and the seconds their timestamps span.
#[derive(Debug, Default)]
pub(super) struct Measured {
    pub ops: Vec<MeasuredOp>,
    /// (from, to) indices in `ops`, calls, async.
    pub calls: Vec<(usize, usize, u64, bool)>,
    pub window_s: Option<f64>,
    pub warnings: Vec<String>,
}

fn label<'a>(s: &'a Series, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|k| s.labels.get(*k))
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// An operation's kind from a `span_kind` label (`SPAN_KIND_SERVER`, `SERVER`, `server`).
fn kind_of(s: &Series) -> String {
    label(s, &["span_kind", "kind"])
        .unwrap_or("")
        .to_ascii_uppercase()
        .trim_start_matches("SPAN_KIND_")
        .to_string()
}

/// Turns the series of one export into operations and calls.
///
/// Span metrics give operations: server, consumer and internal spans are operations (client and
/// producer spans are the calling side, as in traces), with their calls summed over the other
/// labels (status code and any dimension) and p50/p95 from their duration buckets. The service
/// graph gives calls between services, not operations: each edge's calls are split over the
/// calling service's operations and the called service's in proportion to their own calls
/// (largest remainders, so the edge's total stays exact). A service the graph names without any
/// span-metrics operation gets one operation `*`; a `database` edge is a resource `db:<server>`
/// of the client's operations instead, a `messaging_system` edge an async call.
///
/// # Complexity
/// O(s log s + Σ |ops(a)|·|ops(b)|) for s series and the service graph's edges (a, b).
pub(super) fn measure(series: &[Series]) -> Measured {
    type OpKey = (String, String);
    let mut calls: BTreeMap<OpKey, (f64, String)> = BTreeMap::new();
    let mut buckets: BTreeMap<OpKey, BTreeMap<OrdF64, f64>> = BTreeMap::new();
    let mut edges: BTreeMap<(String, String, bool), f64> = BTreeMap::new();
    let mut databases: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut server_latency: BTreeMap<String, BTreeMap<OrdF64, f64>> = BTreeMap::new();
    let mut window: Option<f64> = None;
    let mut unlabelled = 0usize;
    for s in series {
        let fam = family(s);
        if fam == Family::Other {
            continue;
        }
        let (value, span) = increase(&s.points);
        if let Some(w) = span {
            window = Some(window.map_or(w, |x: f64| x.max(w)));
        }
        match fam {
            Family::Requests => {
                let (Some(client), Some(server)) = (label(s, &["client"]), label(s, &["server"]))
                else {
                    unlabelled += 1;
                    continue;
                };
                match label(s, &["connection_type"]) {
                    Some("database") => {
                        databases
                            .entry(client.to_string())
                            .or_default()
                            .insert(format!("db:{server}"));
                    }
                    kind => {
                        let is_async = kind == Some("messaging_system");
                        *edges
                            .entry((client.to_string(), server.to_string(), is_async))
                            .or_default() += value;
                    }
                }
            }
            Family::ServerLatency => {
                let (Some(server), Some(le)) =
                    (label(s, &["server"]), label(s, &["le"]).and_then(number))
                else {
                    unlabelled += 1;
                    continue;
                };
                *server_latency
                    .entry(server.to_string())
                    .or_default()
                    .entry(OrdF64(le * 1000.0))
                    .or_default() += value;
            }
            Family::Calls | Family::Duration(_) => {
                let (Some(service), Some(span_name)) = (
                    label(s, &["service_name", "service"]),
                    label(s, &["span_name"]),
                ) else {
                    unlabelled += 1;
                    continue;
                };
                let kind = kind_of(s);
                if matches!(kind.as_str(), "CLIENT" | "PRODUCER") {
                    continue;
                }
                let key = (service.to_string(), span_name.to_string());
                if let Family::Duration(ms_per_unit) = fam {
                    let Some(le) = label(s, &["le"]).and_then(number) else {
                        unlabelled += 1;
                        continue;
                    };
                    *buckets
                        .entry(key)
                        .or_default()
                        .entry(OrdF64(le * ms_per_unit))
                        .or_default() += value;
                } else {
                    let e = calls.entry(key).or_insert((0.0, kind));
                    e.0 += value;
                }
            }
            Family::Other => {}
        }
    }
    let mut out = Measured {
        window_s: window,
        ..Measured::default()
    };
    if unlabelled > 0 {
        out.warnings.push(format!(
            "{unlabelled} metric series without the labels that name their service, operation or bucket (left out)"
        ));
    }
    let called: BTreeSet<&str> = edges
        .keys()
        .filter(|(client, _, _)| client != "user")
        .map(|(_, server, _)| server.as_str())
        .collect();
    // Services named only by the service graph get one operation `*`.
    let mut services: BTreeSet<String> = calls.keys().map(|(s, _)| s.clone()).collect();
    let graph_only: BTreeSet<String> = edges
        .keys()
        .flat_map(|(a, b, _)| [a.clone(), b.clone()])
        .filter(|s| s != "user" && !services.contains(s))
        .collect();
    let mut incoming: BTreeMap<&str, f64> = BTreeMap::new();
    for ((_, server, _), n) in &edges {
        *incoming.entry(server.as_str()).or_default() += n;
    }
    for service in &graph_only {
        let n = incoming.get(service.as_str()).copied().unwrap_or(0.0);
        calls.insert(
            (service.clone(), "*".to_string()),
            (n, "SERVER".to_string()),
        );
        if let Some(b) = server_latency.remove(service) {
            buckets.insert((service.clone(), "*".to_string()), b);
        }
    }
    services.extend(graph_only);
    let mut index: BTreeMap<OpKey, usize> = BTreeMap::new();
    for ((service, name), (n, kind)) in &calls {
        let b = buckets.get(&(service.clone(), name.clone()));
        let entry = (!called.contains(service.as_str())).then(|| {
            match kind.as_str() {
                "CONSUMER" => "queue",
                "SERVER" => "http",
                _ => "event",
            }
            .to_string()
        });
        index.insert((service.clone(), name.clone()), out.ops.len());
        out.ops.push(MeasuredOp {
            service: service.clone(),
            name: name.clone(),
            calls: n.round() as u64,
            p50_ms: b.and_then(|b| histogram_quantile(0.5, b)),
            p95_ms: b.and_then(|b| histogram_quantile(0.95, b)),
            entry,
            resources: databases.get(service).cloned().unwrap_or_default(),
        });
    }
    let ops_of = |service: &str| -> Vec<(usize, f64)> {
        index
            .range((service.to_string(), String::new())..)
            .take_while(|((s, _), _)| s == service)
            .map(|(_, &i)| (i, out.ops[i].calls as f64))
            .collect()
    };
    for ((client, server, is_async), n) in &edges {
        let total = n.round() as u64;
        if client == "user" || total == 0 {
            continue;
        }
        let (from, to) = (ops_of(client), ops_of(server));
        for (f, t, count) in split(total, &from, &to) {
            out.calls.push((f, t, count, *is_async));
        }
    }
    out
}

/// Splits `total` calls over every (from, to) pair in proportion to the product of their weights
/// (equal shares when all weights are zero), in whole calls by largest remainders.
fn split(total: u64, from: &[(usize, f64)], to: &[(usize, f64)]) -> Vec<(usize, usize, u64)> {
    let weight = |list: &[(usize, f64)]| -> Vec<f64> {
        let sum: f64 = list.iter().map(|x| x.1).sum();
        list.iter()
            .map(|x| {
                if sum > 0.0 {
                    x.1 / sum
                } else {
                    1.0 / list.len() as f64
                }
            })
            .collect()
    };
    let (wf, wt) = (weight(from), weight(to));
    let mut cells: Vec<(usize, usize, u64, f64)> = Vec::new();
    for (i, a) in from.iter().enumerate() {
        for (j, b) in to.iter().enumerate() {
            let exact = total as f64 * wf[i] * wt[j];
            cells.push((a.0, b.0, exact.floor() as u64, exact - exact.floor()));
        }
    }
    let given: u64 = cells.iter().map(|c| c.2).sum();
    let mut order: Vec<usize> = (0..cells.len()).collect();
    order.sort_by(|&x, &y| cells[y].3.total_cmp(&cells[x].3).then(x.cmp(&y)));
    for &k in order.iter().take(total.saturating_sub(given) as usize) {
        cells[k].2 += 1;
    }
    cells
        .into_iter()
        .filter(|c| c.2 > 0)
        .map(|c| (c.0, c.1, c.2))
        .collect()
}
