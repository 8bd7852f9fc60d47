//! Streaming reading of one trace input: gzip recognised by its magic bytes and decompressed as it
//! is read, a UTF-8 byte-order mark skipped, then either JSON (one export, or several one after
//! another as JSON Lines) walked with serde visitors that hold one span at a time, or the
//! Prometheus text exposition read line by line. No document tree is ever built: each span is
//! read into a small JSON value of its own, made a [`Span`] and handed to a [`Sink`].

use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::formats::{self, jaeger_span, otlp_service, zipkin_span};
use super::otlp::OtlpSpan;
use super::prometheus::{self, Series};
use super::{Span, TraceFormat};
use crate::Error;

/// Most bytes one span (or one resource, one Jaeger `processes` object, one Prometheus query
/// result) may take: a larger one is an error, so a span with a 1 GB string cannot take 1 GB.
pub const MAX_UNIT_BYTES: u64 = 64 << 20;
/// Longest line of a Prometheus text exposition.
const MAX_LINE_BYTES: usize = 1 << 20;

/// Where the spans of a stream go.
pub(super) trait Sink {
    /// A span, as read.
    fn span(&mut self, span: Span);
    /// Spans that could not be used (missing ids or name).
    fn skipped(&mut self, n: usize);
    /// One Prometheus series (a text exposition line, or a query result's series).
    fn series(&mut self, series: Series);
    /// One export (one JSON value, or one whole exposition) was read in this format.
    fn format(&mut self, format: TraceFormat);
}

/// Bytes handed to the parser, and where the current span began.
#[derive(Default)]
struct Meter {
    read: AtomicU64,
    mark: AtomicU64,
}

impl Meter {
    fn mark(&self) {
        self.mark.store(self.read(), Ordering::Relaxed);
    }
    fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }
}

/// Counts the (decompressed) bytes read, and refuses more than `limit` in all or more than
/// [`MAX_UNIT_BYTES`] since the last mark.
struct Metered<R> {
    inner: R,
    meter: Arc<Meter>,
    limit: u64,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = self.meter.read.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        if read > self.limit {
            return Err(std::io::Error::other(format!(
                "the input is larger than the limit of {} MB (after decompression): set CLEAVE_MAX_INPUT_MB to raise it",
                self.limit >> 20
            )));
        }
        if read.saturating_sub(self.meter.mark.load(Ordering::Relaxed)) > MAX_UNIT_BYTES {
            return Err(std::io::Error::other(format!(
                "one span (or resource, or query result) is larger than {} MB: this is not a trace export a collector writes",
                MAX_UNIT_BYTES >> 20
            )));
        }
        Ok(n)
    }
}

/// Reads one input — a file's bytes, gzip-compressed or not — into `sink`, reading at most
/// `limit` bytes after decompression.
///
/// The format is recognised by content: a JSON array is Zipkin v2, an object with
/// `resourceSpans` OTLP/JSON, with a `data` array Jaeger, with a `data` object a Prometheus
/// query-API result; text starting with `#` or a metric name is the Prometheus text exposition.
/// Several JSON values one after another (JSON Lines) are read in turn.
///
/// # Complexity
/// O(bytes) time; memory O(one span) besides what the sink keeps.
pub(super) fn read_input<R: Read + Send>(
    input: R,
    limit: u64,
    sink: &mut impl Sink,
) -> Result<(), Error> {
    let meter = Arc::new(Meter::default());
    let mut raw = BufReader::with_capacity(1 << 16, input);
    let io_error = |e: std::io::Error, meter: &Meter| Error::TraceRead {
        offset: meter.read(),
        message: e.to_string(),
    };
    let gzip = raw
        .fill_buf()
        .map_err(|e| io_error(e, &meter))?
        .starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read + Send> = if gzip {
        Box::new(MultiGzDecoder::new(raw))
    } else {
        Box::new(raw)
    };
    let metered = Metered {
        inner,
        meter: Arc::clone(&meter),
        limit,
    };
    let mut reader = BufReader::with_capacity(1 << 16, metered);
    let head = reader.fill_buf().map_err(|e| io_error(e, &meter))?;
    let bom = head.starts_with(b"\xef\xbb\xbf");
    if bom {
        reader.consume(3);
    }
    let head = reader.fill_buf().map_err(|e| io_error(e, &meter))?;
    let Some(&first) = head.iter().find(|b| !b.is_ascii_whitespace()) else {
        if head.is_empty() {
            return Err(Error::TraceFormat {
                message: "the file is empty: give a trace export".to_string(),
            });
        }
        // Only whitespace so far: let the JSON reader say what follows.
        return read_json(reader, &meter, sink);
    };
    if first == b'#' || first.is_ascii_alphabetic() || first == b'_' {
        read_exposition(reader, &meter, sink)
    } else {
        read_json(reader, &meter, sink)
    }
}

const UNRECOGNISED: &str = "unrecognised trace export: expected Zipkin v2 JSON (a list of spans or of traces), OTLP/JSON (an object with `resourceSpans`), Jaeger JSON (an object with `data[].spans`) or Prometheus metrics of the collector's servicegraph/spanmetrics connectors";

/// Longest line read whole as one value of a JSON Lines file (a collector's export request is a
/// few MB); a first line longer than this is read as a stream instead.
const MAX_JSON_LINE: usize = (MAX_UNIT_BYTES / 2) as usize;

/// Reads JSON: as JSON Lines, each line parsed from memory (fast), when the first line is one
/// whole value; otherwise (a pretty-printed export, one huge line) as one stream of values.
fn read_json<R: BufRead + Send>(
    mut reader: R,
    meter: &Arc<Meter>,
    sink: &mut impl Sink,
) -> Result<(), Error> {
    let mut line = Vec::new();
    let whole = next_line(&mut reader, &mut line, meter)?;
    if whole {
        // Spans of the first line wait until it is known to be a whole value.
        let mut first = Buffered::default();
        match values(
            &mut serde_json::Deserializer::from_slice(&line),
            meter,
            &mut first,
        ) {
            Ok(()) => {
                first.replay(sink);
                return read_lines(reader, line, meter, sink);
            }
            Err(e) if e.is_eof() => {}
            Err(e) => return Err(json_error(e, 0, meter)),
        }
    }
    // The line is read again, and counted again, as the start of the stream.
    meter.read.fetch_sub(line.len() as u64, Ordering::Relaxed);
    meter.mark();
    let again = Metered {
        inner: std::io::Cursor::new(line),
        meter: Arc::clone(meter),
        limit: u64::MAX,
    };
    // Parsed on a second thread, handed over in batches of spans, in order.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Buffered, Error>>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut batches = Batches {
                batch: Buffered::default(),
                tx: &tx,
                gone: false,
            };
            let mut de = serde_json::Deserializer::from_reader(again.chain(reader));
            let done = values(&mut de, meter, &mut batches).map_err(|e| json_error(e, 0, meter));
            let last = std::mem::take(&mut batches.batch);
            let _ = tx.send(done.map(|()| last));
        });
        for parsed in rx {
            parsed?.replay(sink);
        }
        Ok(())
    })
}

/// Spans of a streamed document in batches: every [`BATCH`] spans go to the aggregating thread.
struct Batches<'t> {
    batch: Buffered,
    tx: &'t std::sync::mpsc::SyncSender<Result<Buffered, Error>>,
    /// The receiver stopped (at an error): nothing more is sent.
    gone: bool,
}

/// Spans handed over at once by the parsing thread.
const BATCH: usize = 4096;

impl Sink for Batches<'_> {
    fn span(&mut self, span: Span) {
        self.batch.spans.push(span);
        if self.batch.spans.len() >= BATCH && !self.gone {
            let full = std::mem::take(&mut self.batch);
            self.gone = self.tx.send(Ok(full)).is_err();
        }
    }
    fn skipped(&mut self, n: usize) {
        self.batch.skipped(n);
    }
    fn series(&mut self, series: Series) {
        self.batch.series(series);
    }
    fn format(&mut self, format: TraceFormat) {
        self.batch.format(format);
    }
}

/// The rest of a JSON Lines file, each line a whole value (or blank). A second thread reads and
/// parses the lines, in order, a few ahead of the sink (which takes them on this thread): the
/// spans reach the sink in the order of the file.
fn read_lines<R: BufRead + Send>(
    reader: R,
    line: Vec<u8>,
    meter: &Arc<Meter>,
    sink: &mut impl Sink,
) -> Result<(), Error> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Buffered, Error>>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || parse_lines(reader, line, meter, &tx));
        for parsed in rx {
            parsed?.replay(sink);
        }
        Ok(())
    })
}

/// Reads and parses the lines after the first, sending each line's findings, then any error.
fn parse_lines<R: BufRead>(
    mut reader: R,
    mut line: Vec<u8>,
    meter: &Meter,
    tx: &std::sync::mpsc::SyncSender<Result<Buffered, Error>>,
) {
    let mut number = 1;
    loop {
        line.clear();
        let whole = match next_line(&mut reader, &mut line, meter) {
            Ok(whole) => whole,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        if line.is_empty() {
            return;
        }
        number += 1;
        if !whole {
            let _ = tx.send(Err(Error::Json {
                line: number,
                column: 1,
                path: String::new(),
                message: format!(
                    "a JSON Lines line longer than {} MB: write one export request per line",
                    MAX_JSON_LINE >> 20
                ),
            }));
            return;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let mut found = Buffered::default();
        let parsed = values(
            &mut serde_json::Deserializer::from_slice(&line),
            meter,
            &mut found,
        )
        .map(|()| found)
        .map_err(|e| json_error(e, number - 1, meter));
        let failed = parsed.is_err();
        // The receiver is gone only when it stopped at an error of its own.
        if tx.send(parsed).is_err() || failed {
            return;
        }
    }
}

/// Reads up to a newline into `line` (at most [`MAX_JSON_LINE`] bytes); whether the line is
/// whole (ended by a newline or the end of the input).
fn next_line<R: BufRead>(reader: &mut R, line: &mut Vec<u8>, meter: &Meter) -> Result<bool, Error> {
    meter.mark();
    let n = reader
        .take(MAX_JSON_LINE as u64 + 1)
        .read_until(b'\n', line)
        .map_err(|e| Error::TraceRead {
            offset: meter.read(),
            message: e.to_string(),
        })?;
    Ok(line.len() <= MAX_JSON_LINE
        || (n > 0 && line.ends_with(b"\n") && line.len() == MAX_JSON_LINE + 1))
}

/// Every JSON value of `de`, one after another, into the sink.
fn values<'de, R: serde_json::de::Read<'de>>(
    de: &mut serde_json::Deserializer<R>,
    meter: &Meter,
    sink: &mut impl Sink,
) -> Result<(), serde_json::Error> {
    loop {
        let format = Root(Ctx {
            sink: &mut *sink,
            meter,
        })
        .deserialize(&mut *de)?;
        let Some(format) = format else {
            return Err(serde::de::Error::custom(UNRECOGNISED));
        };
        sink.format(format);
        // Whitespace then the end, or another value: `end` only peeks at it.
        match de.end() {
            Ok(()) => return Ok(()),
            Err(e) if e.is_io() => return Err(e),
            Err(_) => {}
        }
    }
}

/// A serde_json error as the analyzer's: I/O and limits with the byte offset, the rest with the
/// line (`lines_before` added: a JSON Lines line is parsed on its own) and column.
fn json_error(e: serde_json::Error, lines_before: usize, meter: &Meter) -> Error {
    let message = formats::strip_position(&e.to_string());
    if e.is_io() {
        Error::TraceRead {
            offset: meter.read(),
            message,
        }
    } else if message == UNRECOGNISED {
        Error::TraceFormat { message }
    } else {
        Error::Json {
            line: e.line() + lines_before,
            column: e.column(),
            path: String::new(),
            message,
        }
    }
}

/// What the first line of a file gave, held until the line is known to be a whole value.
#[derive(Default)]
struct Buffered {
    spans: Vec<Span>,
    skipped: usize,
    series: Vec<Series>,
    formats: Vec<TraceFormat>,
}

impl Buffered {
    fn replay(self, sink: &mut impl Sink) {
        self.spans.into_iter().for_each(|s| sink.span(s));
        sink.skipped(self.skipped);
        self.series.into_iter().for_each(|s| sink.series(s));
        self.formats.into_iter().for_each(|f| sink.format(f));
    }
}

impl Sink for Buffered {
    fn span(&mut self, span: Span) {
        self.spans.push(span);
    }
    fn skipped(&mut self, n: usize) {
        self.skipped += n;
    }
    fn series(&mut self, series: Series) {
        self.series.push(series);
    }
    fn format(&mut self, format: TraceFormat) {
        self.formats.push(format);
    }
}

fn read_exposition<R: BufRead>(
    mut reader: R,
    meter: &Meter,
    sink: &mut impl Sink,
) -> Result<(), Error> {
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        meter.mark();
        let n = (&mut reader)
            .take(MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::TraceRead {
                offset: meter.read(),
                message: e.to_string(),
            })?;
        if n == 0 {
            break;
        }
        line += 1;
        if buf.len() > MAX_LINE_BYTES {
            return Err(Error::Json {
                line,
                column: 1,
                path: String::new(),
                message: format!(
                    "a line longer than {} MB: this is not a Prometheus text exposition",
                    MAX_LINE_BYTES >> 20
                ),
            });
        }
        let text = std::str::from_utf8(&buf).map_err(|e| Error::Json {
            line,
            column: e.valid_up_to() + 1,
            path: String::new(),
            message: "not UTF-8 text: give a UTF-8 file".to_string(),
        })?;
        match prometheus::parse_line(text) {
            Ok(Some(series)) => sink.series(series),
            Ok(None) => {}
            Err((column, message)) => {
                return Err(Error::Json {
                    line,
                    column,
                    path: String::new(),
                    message,
                });
            }
        }
    }
    sink.format(TraceFormat::Prometheus);
    Ok(())
}

/// What every visitor carries: the sink and the meter whose mark it moves at each span.
struct Ctx<'c, S> {
    sink: &'c mut S,
    meter: &'c Meter,
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
pub(super) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Reads an object through without keeping anything.
pub(super) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The top-level value: which format it is in (`None`: none), its spans sent to the sink.
struct Root<'c, S>(Ctx<'c, S>);

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
#[derive(Clone, Copy)]
enum Key {
    ResourceSpans,
    Data,
    Resource,
    ScopeSpans,
    Spans,
    Processes,
    Result,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "resourceSpans" => Key::ResourceSpans,
                    "data" => Key::Data,
                    "resource" => Key::Resource,
                    "scopeSpans" | "instrumentationLibrarySpans" => Key::ScopeSpans,
                    "spans" => Key::Spans,
                    "processes" => Key::Processes,
                    "result" => Key::Result,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_identifier(V)
    }
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
struct OtlpList<'c, S>(Ctx<'c, S>);

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
struct OtlpResource<'c, S>(Ctx<'c, S>);

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
