//! Zipkin v2 (µs) and Jaeger (µs, references, processes) spans, one at a time, each handed here by
//! the streaming reader (`stream.rs`) as a small JSON value of its own and read into a [`Span`];
//! an OTLP resource's service name. (OTLP spans are read straight into their fields: `otlp.rs`.)

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{Span, SpanKind};

/// Attribute keys whose values the analysis reads; other attributes it reads are kept by key only.
const VALUED: [&str; 9] = [
    "code.namespace",
    "code.function",
    "db.name",
    "messaging.destination.name",
    "messaging.destination",
    "kafka.topic",
    "rabbit.queue",
    "rpc.system",
    "span.kind",
];

/// Whether the analysis reads an attribute: by value ([`VALUED`]) or by the presence of its key.
pub(super) fn relevant(key: &str) -> bool {
    VALUED.contains(&key)
        || key.starts_with("db.")
        || key == "sql.query"
        || key.starts_with("messaging.")
        || key.starts_with("kafka.")
        || key.starts_with("rabbit.")
}

/// Keeps only the attributes the analysis reads, and the values only of those it reads by value:
/// an open trace holds its spans until it closes, and a `db.statement` may be long.
pub(super) fn slim(attributes: BTreeMap<String, String>) -> BTreeMap<String, String> {
    attributes
        .into_iter()
        .filter(|(k, _)| relevant(k))
        .map(|(k, v)| {
            let v = if VALUED.contains(&k.as_str()) {
                v
            } else {
                String::new()
            };
            (k, v)
        })
        .collect()
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn zipkin_kind(v: Option<&str>) -> SpanKind {
    match v.map(str::to_ascii_uppercase).as_deref() {
        Some("SERVER") => SpanKind::Server,
        Some("CLIENT") => SpanKind::Client,
        Some("PRODUCER") => SpanKind::Producer,
        Some("CONSUMER") => SpanKind::Consumer,
        _ => SpanKind::Internal,
    }
}

/// One Zipkin v2 span; `None` when it lacks its trace id or span id.
pub(super) fn zipkin_span(s: &Value) -> Option<Span> {
    let service = s
        .pointer("/localEndpoint/serviceName")
        .and_then(Value::as_str)
        .filter(|x| !x.is_empty())
        .unwrap_or("unknown")
        .to_string();
    let (Some(trace_id), Some(span_id)) = (text(s.get("traceId")), text(s.get("id"))) else {
        return None;
    };
    let name = text(s.get("name")).unwrap_or_else(|| "unnamed".to_string());
    let attributes = s
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter(|(k, _)| relevant(k))
                .filter_map(|(k, v)| text(Some(v)).map(|v| (k.clone(), v)))
                .collect()
        })
        .unwrap_or_default();
    Some(Span {
        trace_id,
        span_id,
        parent_id: text(s.get("parentId")),
        follows_from: false,
        service,
        name,
        kind: zipkin_kind(s.get("kind").and_then(Value::as_str)),
        start_us: number(s.get("timestamp")),
        duration_us: number(s.get("duration")),
        remote_service: s
            .pointer("/remoteEndpoint/serviceName")
            .and_then(Value::as_str)
            .map(str::to_string),
        shared: s.get("shared").and_then(Value::as_bool).unwrap_or(false),
        attributes: slim(attributes),
    })
}

/// An OTLP `AnyValue` as text.
fn otlp_value(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    if let Some(s) = obj.get("stringValue").and_then(Value::as_str) {
        return Some(s.to_string());
    }
    for key in ["intValue", "doubleValue", "boolValue"] {
        if let Some(x) = obj.get(key) {
            return match x {
                Value::String(s) => Some(s.clone()),
                other => Some(other.to_string()),
            };
        }
    }
    None
}

/// OTLP attributes (`[{"key", "value": AnyValue}]`) as text, sorted by key.
pub(super) fn otlp_attributes(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|kv| {
                    let key = kv.get("key")?.as_str()?.to_string();
                    Some((key, otlp_value(kv.get("value")?)?))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The service an OTLP resource names (`service.name`), or `unknown`.
pub(super) fn otlp_service(resource: Option<&Value>) -> String {
    otlp_attributes(resource.and_then(|r| r.get("attributes")))
        .remove("service.name")
        .unwrap_or_else(|| "unknown".to_string())
}

/// One Jaeger span, its service named by the trace's `processes`; `None` when it lacks its trace
/// id, span id or operation name.
pub(super) fn jaeger_span(s: &Value, processes: Option<&Map<String, Value>>) -> Option<Span> {
    let (Some(trace_id), Some(span_id), Some(name)) = (
        text(s.get("traceID")),
        text(s.get("spanID")),
        text(s.get("operationName")),
    ) else {
        return None;
    };
    let service = s
        .get("processID")
        .and_then(Value::as_str)
        .and_then(|pid| processes?.get(pid))
        .and_then(|p| p.get("serviceName"))
        .and_then(Value::as_str)
        .unwrap_or("unknown")
        .to_string();
    let attributes: BTreeMap<String, String> = s
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    Some((
                        t.get("key")?.as_str()?.to_string(),
                        text(t.get("value")).or_else(|| t.get("value").map(Value::to_string))?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let reference = s
        .get("references")
        .and_then(Value::as_array)
        .and_then(|refs| refs.first());
    let parent_id = reference
        .and_then(|r| text(r.get("spanID")))
        .or_else(|| text(s.get("parentSpanID")));
    let follows_from = reference
        .and_then(|r| r.get("refType"))
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("FOLLOWS_FROM"));
    let kind = zipkin_kind(attributes.get("span.kind").map(String::as_str));
    let remote_service = attributes
        .get("peer.service")
        .or_else(|| attributes.get("db.system"))
        .cloned();
    Some(Span {
        trace_id,
        span_id,
        parent_id,
        follows_from,
        service,
        name,
        kind,
        start_us: number(s.get("startTime")),
        duration_us: number(s.get("duration")),
        remote_service,
        shared: false,
        attributes: slim(attributes),
    })
}

/// serde_json appends " at line L column C" to its messages; the error carries them separately.
pub(super) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
