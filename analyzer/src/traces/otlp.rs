//! OTLP/JSON spans read straight into their fields, the format real pipelines write at volume:
//! no JSON value is built, and of the attributes only those the analysis reads are kept. The
//! reading is as lenient as the other formats': a field of an unexpected type counts as absent.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::formats::{relevant, slim};
use super::{Span, SpanKind};

/// A JSON scalar as read; objects and arrays are `Other`.
#[derive(Debug, Clone, Default, PartialEq)]
enum Loose {
    Str(String),
    U64(u64),
    I64(i64),
    F64(f64),
    Bool(bool),
    Null,
    #[default]
    Other,
}

impl Loose {
    /// Text: a non-empty string, or a number written as JSON writes it.
    fn text(self) -> Option<String> {
        match self {
            Loose::Str(s) if !s.is_empty() => Some(s),
            Loose::U64(n) => Some(n.to_string()),
            Loose::I64(n) => Some(n.to_string()),
            Loose::F64(x) => serde_json::Number::from_f64(x).map(|n| n.to_string()),
            _ => None,
        }
    }

    /// A number, or a string holding one.
    fn number(&self) -> Option<f64> {
        match self {
            Loose::Str(s) => s.parse().ok(),
            Loose::U64(n) => Some(*n as f64),
            Loose::I64(n) => Some(*n as f64),
            Loose::F64(x) => Some(*x),
            _ => None,
        }
    }

    /// An `AnyValue` member as attribute text (a string as it is, other scalars as JSON).
    fn attribute(self) -> Option<String> {
        match self {
            Loose::Str(s) => Some(s),
            Loose::Bool(b) => Some(b.to_string()),
            Loose::Null => Some("null".to_string()),
            Loose::Other => None,
            number => number.text(),
        }
    }
}

impl<'de> Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Loose;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E>(self, v: &str) -> Result<Loose, E> {
                Ok(Loose::Str(v.to_string()))
            }
            fn visit_string<E>(self, v: String) -> Result<Loose, E> {
                Ok(Loose::Str(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Loose, E> {
                Ok(Loose::U64(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Loose, E> {
                Ok(Loose::I64(v))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Loose, E> {
                Ok(Loose::F64(v))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Loose, E> {
                Ok(Loose::Bool(v))
            }
            fn visit_unit<E>(self) -> Result<Loose, E> {
                Ok(Loose::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Loose, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Loose, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Loose::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields of one OTLP span the analysis reads.
#[derive(Debug, Clone, Default)]
pub(super) struct OtlpSpan {
    trace_id: Loose,
    span_id: Loose,
    parent_id: Loose,
    name: Loose,
    kind: Loose,
    start: Loose,
    end: Loose,
    /// Relevant attributes, and the ones that name a remote service.
    attributes: BTreeMap<String, String>,
}

impl OtlpSpan {
    /// The span, of `service`; `None` when it lacks its trace id, span id or name.
    pub(super) fn into_span(self, service: &str) -> Option<Span> {
        let (Some(trace_id), Some(span_id), Some(name)) =
            (self.trace_id.text(), self.span_id.text(), self.name.text())
        else {
            return None;
        };
        let start = self.start.number();
        let end = self.end.number();
        let attributes = self.attributes;
        let remote_service = attributes
            .get("peer.service")
            .or_else(|| attributes.get("db.system"))
            .or_else(|| attributes.get("messaging.system"))
            .cloned();
        let kind = match &self.kind {
            Loose::Str(s) => match s.to_ascii_uppercase().as_str() {
                "SPAN_KIND_SERVER" => SpanKind::Server,
                "SPAN_KIND_CLIENT" => SpanKind::Client,
                "SPAN_KIND_PRODUCER" => SpanKind::Producer,
                "SPAN_KIND_CONSUMER" => SpanKind::Consumer,
                _ => SpanKind::Internal,
            },
            Loose::U64(2) => SpanKind::Server,
            Loose::U64(3) => SpanKind::Client,
            Loose::U64(4) => SpanKind::Producer,
            Loose::U64(5) => SpanKind::Consumer,
            _ => SpanKind::Internal,
        };
        Some(Span {
            trace_id: trace_id.to_ascii_lowercase(),
            span_id: span_id.to_ascii_lowercase(),
            parent_id: self.parent_id.text().map(|p| p.to_ascii_lowercase()),
            follows_from: false,
            service: service.to_string(),
            name,
            kind,
            start_us: start.map(|ns| ns / 1000.0),
            duration_us: start.zip(end).map(|(a, b)| (b - a) / 1000.0),
            remote_service,
            shared: false,
            attributes: slim(attributes),
        })
    }
}

/// The span's keys, read without keeping other keys' text.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum Field {
    #[serde(rename = "traceId")]
    TraceId,
    #[serde(rename = "spanId")]
    SpanId,
    #[serde(rename = "parentSpanId")]
    ParentId,
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "kind")]
    Kind,
    #[serde(rename = "startTimeUnixNano")]
    Start,
    #[serde(rename = "endTimeUnixNano")]
    End,
    #[serde(rename = "attributes")]
    Attributes,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for OtlpSpan {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OtlpSpan;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an OTLP span")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<OtlpSpan, A::Error> {
                let mut s = OtlpSpan::default();
                while let Some(field) = map.next_key::<Field>()? {
                    match field {
                        Field::TraceId => s.trace_id = map.next_value()?,
                        Field::SpanId => s.span_id = map.next_value()?,
                        Field::ParentId => s.parent_id = map.next_value()?,
                        Field::Name => s.name = map.next_value()?,
                        Field::Kind => s.kind = map.next_value()?,
                        Field::Start => s.start = map.next_value()?,
                        Field::End => s.end = map.next_value()?,
                        Field::Attributes => s.attributes = map.next_value::<Attributes>()?.0,
                        Field::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(s)
            }
        }
        // Anything but an object is a span without its ids: `Loose` reads it through.
        struct Any;
        impl<'de> Visitor<'de> for Any {
            type Value = OtlpSpan;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an OTLP span")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<OtlpSpan, A::Error> {
                V.visit_map(map)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<OtlpSpan, A::Error> {
                super::stream::drain_seq(seq)?;
                Ok(OtlpSpan::default())
            }
            scalars_are!(OtlpSpan::default());
        }
        d.deserialize_any(Any)
    }
}

/// Whether the analysis reads an OTLP attribute (it names a remote service, or it is relevant).
fn kept(key: &str) -> bool {
    relevant(key) || key == "peer.service"
}

/// `attributes`: `[{"key": k, "value": AnyValue}]`, the kept ones as text; anything but a list
/// is no attributes.
struct Attributes(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Attributes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of attributes")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Attributes, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(kv) = seq.next_element::<KeyValue>()? {
                    if let (Some(k), Some(v)) = (kv.key, kv.value) {
                        out.insert(k, v);
                    }
                }
                Ok(Attributes(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Attributes(BTreeMap::new()))
            }
            scalars_are!(Attributes(BTreeMap::new()));
        }
        d.deserialize_any(V)
    }
}

/// One attribute: its key when kept, and its value as text.
struct KeyValue {
    key: Option<String>,
    value: Option<String>,
}

impl<'de> Deserialize<'de> for KeyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an attribute")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyValue, A::Error> {
                // `None` until the key is read; then whether it is kept.
                let mut key: Option<Option<String>> = None;
                let mut value = None;
                while let Some(k) = map.next_key::<Word>()? {
                    match k {
                        Word::Key => key = Some(map.next_value::<KeptKey>()?.0),
                        Word::Value if !matches!(key, Some(None)) => {
                            value = map.next_value::<AnyValue>()?.0;
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(KeyValue {
                    key: key.flatten(),
                    value,
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(KeyValue {
                    key: None,
                    value: None,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// An `AnyValue` as text: its `stringValue` when that is a string, else the first of
/// `intValue`, `doubleValue`, `boolValue` present (arrays and key-value lists are not read).
struct AnyValue(Option<String>);

impl<'de> Deserialize<'de> for AnyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an AnyValue")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnyValue, A::Error> {
                let mut string = None;
                let mut others: [Option<Loose>; 3] = [None, None, None];
                while let Some(k) = map.next_key::<Word>()? {
                    let slot = match k {
                        Word::StringValue => {
                            if let Loose::Str(s) = map.next_value::<Loose>()? {
                                string = Some(s);
                            }
                            continue;
                        }
                        Word::IntValue => 0,
                        Word::DoubleValue => 1,
                        Word::BoolValue => 2,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    others[slot] = Some(map.next_value::<Loose>()?);
                }
                Ok(AnyValue(string.or_else(|| {
                    others
                        .into_iter()
                        .flatten()
                        .next()
                        .and_then(Loose::attribute)
                })))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyValue, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(AnyValue(None))
            }
            scalars_are!(AnyValue(None));
        }
        d.deserialize_any(V)
    }
}

/// The keys of an attribute and of an `AnyValue`.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum Word {
    #[serde(rename = "key")]
    Key,
    #[serde(rename = "value")]
    Value,
    #[serde(rename = "stringValue")]
    StringValue,
    #[serde(rename = "intValue")]
    IntValue,
    #[serde(rename = "doubleValue")]
    DoubleValue,
    #[serde(rename = "boolValue")]
    BoolValue,
    #[serde(other)]
    Other,
}

/// An attribute's key when the analysis reads it; any other key, or a key that is not a
/// string, is `None` and its text is not kept.
struct KeptKey(Option<String>);

impl<'de> Deserialize<'de> for KeptKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeptKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an attribute key")
            }
            fn visit_str<E>(self, v: &str) -> Result<KeptKey, E> {
                Ok(KeptKey(kept(v).then(|| v.to_string())))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<KeptKey, E> {
                Ok(KeptKey(None))
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<KeptKey, E> {
                Ok(KeptKey(None))
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<KeptKey, E> {
                Ok(KeptKey(None))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<KeptKey, E> {
                Ok(KeptKey(None))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<KeptKey, E> {
                Ok(KeptKey(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeptKey, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(KeptKey(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeptKey, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(KeptKey(None))
            }
        }
        d.deserialize_any(V)
    }
}
