//! The three export formats, each read into [`Span`]s: Zipkin v2 (µs), OTLP/JSON (ns, typed
//! attribute values, numeric or named kinds) and Jaeger (µs, references, processes).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Span, SpanKind, TraceFormat, Traces};
use crate::Error;

/// Recognises the format of a parsed export and reads its spans.
pub(super) fn read(value: &Value) -> Result<Traces, Error> {
    let mut skipped = 0usize;
    let (format, spans) = match value {
        Value::Array(items) => (TraceFormat::Zipkin, zipkin(items, &mut skipped)),
        Value::Object(map) if map.contains_key("resourceSpans") => {
            (TraceFormat::Otlp, otlp(value, &mut skipped))
        }
        Value::Object(map) if map.get("data").is_some_and(Value::is_array) => {
            (TraceFormat::Jaeger, jaeger(value, &mut skipped))
        }
        _ => {
            return Err(Error::TraceFormat {
                message: "unrecognised trace export: expected Zipkin v2 JSON (a list of spans or of traces), OTLP/JSON (an object with `resourceSpans`) or Jaeger JSON (an object with `data[].spans`)".to_string(),
            });
        }
    };
    let mut warnings = Vec::new();
    if skipped > 0 {
        warnings.push(format!(
            "{skipped} spans skipped: missing trace id, span id or name"
        ));
    }
    Ok(Traces {
        format,
        spans,
        warnings,
    })
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

fn zipkin_kind(v: Option<&Value>) -> SpanKind {
    match v
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("SERVER") => SpanKind::Server,
        Some("CLIENT") => SpanKind::Client,
        Some("PRODUCER") => SpanKind::Producer,
        Some("CONSUMER") => SpanKind::Consumer,
        _ => SpanKind::Internal,
    }
}

/// Zipkin v2: a list of spans, or a list of traces (lists of spans).
fn zipkin(items: &[Value], skipped: &mut usize) -> Vec<Span> {
    let mut out = Vec::new();
    let mut one = |s: &Value| {
        let service = s
            .pointer("/localEndpoint/serviceName")
            .and_then(Value::as_str)
            .filter(|x| !x.is_empty())
            .unwrap_or("unknown")
            .to_string();
        let (Some(trace_id), Some(span_id)) = (text(s.get("traceId")), text(s.get("id"))) else {
            *skipped += 1;
            return;
        };
        let name = text(s.get("name")).unwrap_or_else(|| "unnamed".to_string());
        let attributes = s
            .get("tags")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| text(Some(v)).map(|v| (k.clone(), v)))
                    .collect()
            })
            .unwrap_or_default();
        out.push(Span {
            trace_id,
            span_id,
            parent_id: text(s.get("parentId")),
            follows_from: false,
            service,
            name,
            kind: zipkin_kind(s.get("kind")),
            start_us: number(s.get("timestamp")),
            duration_us: number(s.get("duration")),
            remote_service: s
                .pointer("/remoteEndpoint/serviceName")
                .and_then(Value::as_str)
                .map(str::to_string),
            shared: s.get("shared").and_then(Value::as_bool).unwrap_or(false),
            attributes,
        });
    };
    let mut not_spans = 0;
    for item in items {
        match item {
            Value::Array(trace) => trace.iter().for_each(&mut one),
            Value::Object(_) => one(item),
            _ => not_spans += 1,
        }
    }
    *skipped += not_spans;
    out
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

fn otlp_attributes(v: Option<&Value>) -> BTreeMap<String, String> {
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

fn otlp_kind(v: Option<&Value>) -> SpanKind {
    let named = v.and_then(Value::as_str).map(str::to_ascii_uppercase);
    let numbered = v.and_then(Value::as_u64);
    match (named.as_deref(), numbered) {
        (Some("SPAN_KIND_SERVER"), _) | (_, Some(2)) => SpanKind::Server,
        (Some("SPAN_KIND_CLIENT"), _) | (_, Some(3)) => SpanKind::Client,
        (Some("SPAN_KIND_PRODUCER"), _) | (_, Some(4)) => SpanKind::Producer,
        (Some("SPAN_KIND_CONSUMER"), _) | (_, Some(5)) => SpanKind::Consumer,
        _ => SpanKind::Internal,
    }
}

/// OTLP/JSON: resourceSpans → scopeSpans (or the older instrumentationLibrarySpans) → spans.
fn otlp(root: &Value, skipped: &mut usize) -> Vec<Span> {
    let mut out = Vec::new();
    let empty = Vec::new();
    for rs in root["resourceSpans"].as_array().unwrap_or(&empty) {
        let resource = otlp_attributes(rs.pointer("/resource/attributes"));
        let service = resource
            .get("service.name")
            .cloned()
            .unwrap_or_else(|| "unknown".to_string());
        let scopes = rs
            .get("scopeSpans")
            .or_else(|| rs.get("instrumentationLibrarySpans"))
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        for scope in scopes {
            for s in scope
                .get("spans")
                .and_then(Value::as_array)
                .unwrap_or(&empty)
            {
                let (Some(trace_id), Some(span_id), Some(name)) = (
                    text(s.get("traceId")),
                    text(s.get("spanId")),
                    text(s.get("name")),
                ) else {
                    *skipped += 1;
                    continue;
                };
                let start = number(s.get("startTimeUnixNano"));
                let end = number(s.get("endTimeUnixNano"));
                let attributes = otlp_attributes(s.get("attributes"));
                let remote_service = attributes
                    .get("peer.service")
                    .or_else(|| attributes.get("db.system"))
                    .or_else(|| attributes.get("messaging.system"))
                    .cloned();
                out.push(Span {
                    trace_id: trace_id.to_ascii_lowercase(),
                    span_id: span_id.to_ascii_lowercase(),
                    parent_id: text(s.get("parentSpanId")).map(|p| p.to_ascii_lowercase()),
                    follows_from: false,
                    service: service.clone(),
                    name,
                    kind: otlp_kind(s.get("kind")),
                    start_us: start.map(|ns| ns / 1000.0),
                    duration_us: start.zip(end).map(|(a, b)| (b - a) / 1000.0),
                    remote_service,
                    shared: false,
                    attributes,
                });
            }
        }
    }
    out
}

/// Jaeger JSON: data[] of traces, each with spans[] and processes{} (service names).
fn jaeger(root: &Value, skipped: &mut usize) -> Vec<Span> {
    let mut out = Vec::new();
    let empty = Vec::new();
    for trace in root["data"].as_array().unwrap_or(&empty) {
        let processes = trace.get("processes").and_then(Value::as_object);
        for s in trace
            .get("spans")
            .and_then(Value::as_array)
            .unwrap_or(&empty)
        {
            let (Some(trace_id), Some(span_id), Some(name)) = (
                text(s.get("traceID")),
                text(s.get("spanID")),
                text(s.get("operationName")),
            ) else {
                *skipped += 1;
                continue;
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
                                text(t.get("value"))
                                    .or_else(|| t.get("value").map(Value::to_string))?,
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
            let kind = zipkin_kind(
                attributes
                    .get("span.kind")
                    .map(|k| Value::String(k.clone()))
                    .as_ref(),
            );
            out.push(Span {
                trace_id,
                span_id,
                parent_id,
                follows_from,
                service,
                name,
                kind,
                start_us: number(s.get("startTime")),
                duration_us: number(s.get("duration")),
                remote_service: attributes
                    .get("peer.service")
                    .or_else(|| attributes.get("db.system"))
                    .cloned(),
                shared: false,
                attributes,
            });
        }
    }
    out
}

/// serde_json appends " at line L column C" to its messages; the error carries them separately.
pub(super) fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}
