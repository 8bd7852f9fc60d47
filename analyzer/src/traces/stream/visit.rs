//! The serde visitors that walk an export: the top level recognises the format, the nested ones
//! hand each span to the sink as soon as it is read (a Zipkin or Jaeger span as a small JSON value,
//! an OTLP span straight into its fields), moving the meter's mark at each span.

use std::fmt;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::super::TraceFormat;
use super::super::formats::{jaeger_span, otlp_service, zipkin_span};
use super::super::otlp::OtlpSpan;
use super::super::prometheus;
use super::{Meter, Sink};

/// What every visitor carries: the sink and the meter whose mark it moves at each span.
pub(super) struct Ctx<'c, S> {
    pub(super) sink: &'c mut S,
    pub(super) meter: &'c Meter,
}

impl<S> Ctx<'_, S> {
    fn reborrow(&mut self) -> Ctx<'_, S> {
        Ctx {
            sink: &mut *self.sink,
            meter: self.meter,
        }
    }
}

/// `DeserializeSeed` for a visitor that takes any JSON value.
macro_rules! any_seed {
    ([$($g:tt)*] $ty:ty => $v:ty) => {
        impl<'de, $($g)*> DeserializeSeed<'de> for $ty {
            type Value = $v;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<$v, D::Error> {
                d.deserialize_any(self)
            }
        }
    };
}

/// Reads a list through without keeping anything.
pub(in crate::traces) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads an object through without keeping anything.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The top-level value: which format it is in (`None`: none), its spans sent to the sink.
pub(super) struct Root<'c, S>(pub(super) Ctx<'c, S>);

any_seed!([S: Sink] Root<'_, S> => Option<TraceFormat>);

impl<'de, S: Sink> Visitor<'de> for Root<'_, S> {
    type Value = Option<TraceFormat>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a trace export")
    }
    scalars_are!(None);
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq
            .next_element_seed(ZipkinItem(self.0.reborrow()))?
            .is_some()
        {}
        Ok(Some(TraceFormat::Zipkin))
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut format = None;
        while let Some(key) = map.next_key::<Key>()? {
            match (key, format) {
                (Key::ResourceSpans, None | Some(TraceFormat::Otlp)) => {
                    map.next_value_seed(OtlpList(self.0.reborrow()))?;
                    format = Some(TraceFormat::Otlp);
                }
                (Key::Data, None) => format = map.next_value_seed(Data(self.0.reborrow()))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(format)
    }
}

/// The keys the visitors look for, read without keeping any other key's text.
#[derive(Clone, Copy, Deserialize)]
#[serde(field_identifier)]
enum Key {
    #[serde(rename = "resourceSpans")]
    ResourceSpans,
    #[serde(rename = "data")]
    Data,
    #[serde(rename = "resource")]
    Resource,
    #[serde(rename = "scopeSpans", alias = "instrumentationLibrarySpans")]
    ScopeSpans,
    #[serde(rename = "spans")]
    Spans,
    #[serde(rename = "processes")]
    Processes,
    #[serde(rename = "result")]
    Result,
    #[serde(other)]
    Other,
}

/// One span as a small JSON value of its own, the meter marked at its start.
fn one_value<'de, A: SeqAccess<'de>>(
    seq: &mut A,
    meter: &Meter,
) -> Result<Option<Value>, A::Error> {
    meter.mark();
    seq.next_element::<Value>()
}

/// An element of a Zipkin list: a span, or a trace (a list of spans); `false` for anything else.
struct ZipkinItem<'c, S>(Ctx<'c, S>);

any_seed!([S: Sink] ZipkinItem<'_, S> => bool);

impl<'de, S: Sink> Visitor<'de> for ZipkinItem<'_, S> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Zipkin span or trace")
    }
    scalars_are!(false);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        self.0.meter.mark();
        let span = Value::deserialize(MapAccessDeserializer::new(map))?;
        zipkin(self.0.sink, &span);
        Ok(true)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        while let Some(span) = one_value(&mut seq, self.0.meter)? {
            zipkin(self.0.sink, &span);
        }
        Ok(true)
    }
}

fn zipkin(sink: &mut impl Sink, span: &Value) {
    match zipkin_span(span) {
        Some(s) => sink.span(s),
        None => sink.skipped(1),
    }
}

/// OTLP `resourceSpans`: a list of resources with their spans.
pub(super) struct OtlpList<'c, S>(pub(super) Ctx<'c, S>);

any_seed!([S: Sink] OtlpList<'_, S> => ());

impl<'de, S: Sink> Visitor<'de> for OtlpList<'_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of resource spans")
    }
    scalars_are!(());
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        drain_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(OtlpResource(self.0.reborrow()))?
            .is_some()
        {}
        Ok(())
    }
}

/// One OTLP resource: its `service.name`, then its scopes' spans. Spans met before the resource
/// (an exporter that writes it last) wait for it.
pub(super) struct OtlpResource<'c, S>(pub(super) Ctx<'c, S>);

any_seed!([S: Sink] OtlpResource<'_, S> => ());

impl<'de, S: Sink> Visitor<'de> for OtlpResource<'_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a resource with its spans")
    }
    scalars_are!(());
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        drain_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        self.0.meter.mark();
        let mut service: Option<String> = None;
        let mut waiting: Vec<OtlpSpan> = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Resource => {
                    let resource: Value = map.next_value()?;
                    service = Some(otlp_service(Some(&resource)));
                }
                Key::ScopeSpans => map.next_value_seed(Scopes {
                    ctx: self.0.reborrow(),
                    service: service.as_deref(),
                    waiting: &mut waiting,
                    level: Level::Scopes,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let service = service.unwrap_or_else(|| "unknown".to_string());
        for span in waiting {
            otlp(self.0.sink, span, &service);
        }
        Ok(())
    }
}

fn otlp(sink: &mut impl Sink, span: OtlpSpan, service: &str) {
    match span.into_span(service) {
        Some(s) => sink.span(s),
        None => sink.skipped(1),
    }
}

/// Where in one OTLP resource a visitor is.
#[derive(Clone, Copy)]
enum Level {
    /// `scopeSpans` (or the older `instrumentationLibrarySpans`): a list of scopes.
    Scopes,
    /// One scope: an object with `spans`.
    Scope,
    /// One scope's list of spans.
    Spans,
}

/// The scopes of one resource, one scope, or one scope's spans; spans go to the sink with the
/// resource's service, or wait for it when it is not read yet.
struct Scopes<'c, 'w, S> {
    ctx: Ctx<'c, S>,
    service: Option<&'w str>,
    waiting: &'w mut Vec<OtlpSpan>,
    level: Level,
}

impl<S> Scopes<'_, '_, S> {
    fn down(&mut self, level: Level) -> Scopes<'_, '_, S> {
        Scopes {
            ctx: self.ctx.reborrow(),
            service: self.service,
            waiting: &mut *self.waiting,
            level,
        }
    }
}

any_seed!([S: Sink] Scopes<'_, '_, S> => ());

impl<'de, S: Sink> Visitor<'de> for Scopes<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("OTLP scopes and spans")
    }
    scalars_are!(());
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        if !matches!(self.level, Level::Scope) {
            return drain_map(map);
        }
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Spans => map.next_value_seed(self.down(Level::Spans))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        match self.level {
            Level::Scope => drain_seq(seq),
            Level::Scopes => {
                while seq.next_element_seed(self.down(Level::Scope))?.is_some() {}
                Ok(())
            }
            Level::Spans => {
                loop {
                    self.ctx.meter.mark();
                    let Some(span) = seq.next_element::<OtlpSpan>()? else {
                        break;
                    };
                    match self.service {
                        Some(service) => otlp(self.ctx.sink, span, service),
                        None => self.waiting.push(span),
                    }
                }
                Ok(())
            }
        }
    }
}

/// A top-level `data`: a list of Jaeger traces, or a Prometheus query-API result.
struct Data<'c, S>(Ctx<'c, S>);

any_seed!([S: Sink] Data<'_, S> => Option<TraceFormat>);

impl<'de, S: Sink> Visitor<'de> for Data<'_, S> {
    type Value = Option<TraceFormat>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Jaeger traces or a Prometheus query result")
    }
    scalars_are!(None);
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq
            .next_element_seed(JaegerTrace(self.0.reborrow()))?
            .is_some()
        {}
        Ok(Some(TraceFormat::Jaeger))
    }
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        // Without a `result`, an object is no query result: the export is unrecognised.
        let mut format = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Result => {
                    map.next_value_seed(PromResult(self.0.reborrow()))?;
                    format = Some(TraceFormat::Prometheus);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(format)
    }
}

/// A Prometheus query-API `result`: a list of series, each read on its own.
struct PromResult<'c, S>(Ctx<'c, S>);

impl<'de, S: Sink> DeserializeSeed<'de> for PromResult<'_, S> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S: Sink> Visitor<'de> for PromResult<'_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of series (resultType vector or matrix)")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(series) = one_value(&mut seq, self.0.meter)? {
            let series = prometheus::query_series(&series).map_err(serde::de::Error::custom)?;
            self.0.sink.series(series);
        }
        Ok(())
    }
}

/// One Jaeger trace: its spans wait for its `processes` (which name their services), often
/// written after them.
struct JaegerTrace<'c, S>(Ctx<'c, S>);

any_seed!([S: Sink] JaegerTrace<'_, S> => ());

impl<'de, S: Sink> Visitor<'de> for JaegerTrace<'_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Jaeger trace")
    }
    scalars_are!(());
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        drain_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut spans: Vec<Value> = Vec::new();
        let mut processes = None;
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Spans => map.next_value_seed(JaegerSpans {
                    meter: self.0.meter,
                    spans: &mut spans,
                })?,
                Key::Processes => {
                    self.0.meter.mark();
                    processes = Some(map.next_value::<Value>()?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let processes = processes.as_ref().and_then(Value::as_object);
        for span in &spans {
            match jaeger_span(span, processes) {
                Some(s) => self.0.sink.span(s),
                None => self.0.sink.skipped(1),
            }
        }
        Ok(())
    }
}

/// A Jaeger trace's `spans`, kept until the trace's `processes` is read.
struct JaegerSpans<'c> {
    meter: &'c Meter,
    spans: &'c mut Vec<Value>,
}

any_seed!([] JaegerSpans<'_> => ());

impl<'de> Visitor<'de> for JaegerSpans<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of spans")
    }
    scalars_are!(());
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        drain_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(span) = one_value(&mut seq, self.meter)? {
            self.spans.push(span);
        }
        Ok(())
    }
}
