//! Streaming reading of one trace input: gzip recognised by its magic bytes and decompressed as it
//! is read, a UTF-8 byte-order mark skipped, then either JSON or the Prometheus text exposition
//! read line by line. JSON is read one of three ways, each on a second thread a little ahead of
//! the sink, the spans reaching it in the order of the input:
//! - OTLP/JSON in one document (`{"resourceSpans": [...]}`, an export request of any size,
//!   pretty-printed or on one line) is cut into its resources by a small structure scanner
//!   (`split`), each resource parsed from memory;
//! - JSON Lines (the first line one whole value, at most 32 MB) are parsed from memory a line at
//!   a time;
//! - anything else in one document (a Zipkin list or a Jaeger export, pretty-printed or on one
//!   line longer than 32 MB; an OTLP document whose first member is not `resourceSpans`) is
//!   parsed as a stream.
//!
//! All three walk the JSON with serde visitors that hold one span at a time (`visit`): no document
//! tree is ever built, and a resource too long to cut out is read as a stream too. Sizes are
//! metered and limited.

mod split;
mod visit;

use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny};

use super::formats;
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
    /// Counts `n` bytes more, refusing more than `limit` in all or more than
    /// [`MAX_UNIT_BYTES`] since the last mark.
    fn count(&self, n: u64, limit: u64) -> std::io::Result<()> {
        let read = self.read.fetch_add(n, Ordering::Relaxed) + n;
        if read > limit {
            return Err(std::io::Error::other(format!(
                "the input is larger than the limit of {} MB (after decompression): set CLEAVE_MAX_INPUT_MB to raise it",
                limit >> 20
            )));
        }
        if read.saturating_sub(self.mark.load(Ordering::Relaxed)) > MAX_UNIT_BYTES {
            return Err(std::io::Error::other(format!(
                "one span (or resource, or query result) is larger than {} MB: this is not a trace export a collector writes",
                MAX_UNIT_BYTES >> 20
            )));
        }
        Ok(())
    }
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
        self.meter.count(n as u64, self.limit)?;
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

/// Reads JSON. Input that starts as OTLP/JSON (`{"resourceSpans": [`) goes at once to
/// [`read_documents`], which cuts it into resources parsed from memory; when its first document
/// is the whole first line, the input is JSON Lines and the rest is read a line at a time. Other
/// input is read as JSON Lines, each line parsed from memory, when the first line is one whole
/// value; otherwise (a pretty-printed export, one huge line) as a stream of values.
fn read_json<R: BufRead + Send>(
    mut reader: R,
    meter: &Arc<Meter>,
    sink: &mut impl Sink,
) -> Result<(), Error> {
    let head = reader.fill_buf().map_err(|e| Error::TraceRead {
        offset: meter.read(),
        message: e.to_string(),
    })?;
    if split::starts_document(head) {
        return read_ahead(reader, meter, sink, Ahead::Split { lines: true });
    }
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
            Err(e) => return Err(json_error(e, Position::START, meter)),
        }
    }
    // The line is read again as the start of the stream.
    let how = if split::starts_document(&line) {
        Ahead::Split { lines: false }
    } else {
        Ahead::Stream
    };
    read_ahead(again(line, meter).chain(reader), meter, sink, how)
}

/// Bytes read (and counted) already, to be read again: no longer counted, counted again as they
/// are read, the meter marked at their start.
fn again(bytes: Vec<u8>, meter: &Arc<Meter>) -> Metered<std::io::Cursor<Vec<u8>>> {
    meter.read.fetch_sub(bytes.len() as u64, Ordering::Relaxed);
    meter.mark();
    Metered {
        inner: std::io::Cursor::new(bytes),
        meter: Arc::clone(meter),
        limit: u64::MAX,
    }
}

/// How [`read_ahead`] reads JSON.
#[derive(Clone, Copy)]
enum Ahead {
    /// With [`read_documents`], which cuts OTLP documents into resources. With `lines`, a first
    /// document that is the whole first line (at most [`MAX_JSON_LINE`] bytes) makes the input
    /// JSON Lines: the rest is read a line at a time, as other JSON Lines are ([`parse_lines`]:
    /// finding a newline is cheaper than scanning).
    Split { lines: bool },
    /// As one stream of values: input that does not start as OTLP.
    Stream,
}

/// JSON read on a second thread, its spans handed over to the sink on this thread in batches,
/// in order.
fn read_ahead<R: Read + Send>(
    input: R,
    meter: &Arc<Meter>,
    sink: &mut impl Sink,
    how: Ahead,
) -> Result<(), Error> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Buffered, Error>>(4);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut batches = Batches {
                batch: Buffered::default(),
                tx: &tx,
                gone: false,
            };
            let done = match how {
                Ahead::Split { lines } => {
                    read_documents(input, meter, &mut batches, MAX_PIECE, lines)
                }
                Ahead::Stream => {
                    let mut de = serde_json::Deserializer::from_reader(input);
                    values(&mut de, meter, &mut batches)
                        .map(|()| None)
                        .map_err(|e| json_error(e, Position::START, meter))
                }
            };
            let last = std::mem::take(&mut batches.batch);
            match done {
                Ok(Some((rest, input))) => {
                    if tx.send(Ok(last)).is_err() {
                        return;
                    }
                    let reader = BufReader::with_capacity(1 << 16, again(rest, meter).chain(input));
                    parse_lines(reader, Vec::new(), meter, &tx);
                }
                done => {
                    let _ = tx.send(done.map(|_| last));
                }
            }
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
        .map_err(|e| {
            let at = Position {
                line: number,
                column: 0,
            };
            json_error(e, at, meter)
        });
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
/// line and column, counted from `at` (where the text serde_json read starts: a JSON Lines line,
/// one piece of a document, are parsed on their own).
fn json_error(e: serde_json::Error, at: Position, meter: &Meter) -> Error {
    let message = formats::strip_position(&e.to_string());
    if e.is_io() {
        Error::TraceRead {
            offset: meter.read(),
            message,
        }
    } else if message == UNRECOGNISED {
        Error::TraceFormat { message }
    } else {
        let at = at.offset(Position {
            line: e.line(),
            column: e.column(),
        });
        Error::Json {
            line: at.line,
            column: at.column,
            path: String::new(),
            message,
        }
    }
}

/// Longest piece of a document (one resource, one ignored value) parsed from memory; a longer
/// one is read as a stream.
const MAX_PIECE: usize = MAX_JSON_LINE;

/// Reads one JSON value after another: an OTLP export request cut into its resources, each
/// parsed from memory (`split`: no byte-by-byte reader); anything else — other formats, another
/// layout, a piece longer than `max_piece` — as a stream from where it starts, as it would be
/// read whole. The spans reach the sink in the order of the input either way.
///
/// With `lines`, stops after a first document that is the whole first line (at most
/// [`MAX_JSON_LINE`] bytes), returning the rest of the input (the bytes read ahead, then the
/// reader): the input is JSON Lines.
///
/// # Complexity
/// O(bytes) time; memory O(`max_piece`) besides one span at a time.
fn read_documents<R: Read>(
    input: R,
    meter: &Arc<Meter>,
    sink: &mut impl Sink,
    max_piece: usize,
    lines: bool,
) -> Result<Option<(Vec<u8>, R)>, Error> {
    let mut doc = Splitter::new(input, max_piece);
    loop {
        meter.mark();
        let piece = doc.next().map_err(|e| split_error(e, meter))?;
        match piece {
            Piece::Value(kind, bytes, at) => {
                from_memory(kind, bytes, meter, sink)
                    .map_err(|e| piece_error(e, kind, at, meter))?;
            }
            Piece::Scalar(kind, bytes, at, next) => {
                if let Err(e) = from_memory(kind, bytes, meter, sink) {
                    // Cut short by the end of the piece, not of the input: the error is the one
                    // the stream gives at the next byte.
                    if let Some(next) = next.filter(|_| e.0.is_eof()) {
                        let longer = [bytes, &[next]].concat();
                        if let Err(e) = from_memory(kind, &longer, meter, sink) {
                            return Err(piece_error(e, kind, at, meter));
                        }
                    }
                    return Err(piece_error(e, kind, at, meter));
                }
            }
            Piece::TooLarge(kind) => doc.stream(meter, |input, at| {
                let mut de = serde_json::Deserializer::from_reader(input);
                read_value(kind, &mut de, meter, &mut *sink).map_err(|e| json_error(e, at, meter))
            })?,
            Piece::End => {
                sink.format(TraceFormat::Otlp);
                if lines
                    && doc
                        .ends_first_line(MAX_JSON_LINE)
                        .map_err(|e| split_error(SplitError::Io(e), meter))?
                {
                    return Ok(Some(doc.into_rest()));
                }
            }
            Piece::Other => {
                // Read as a stream to the end: nothing is read after it, so the splitter need not
                // follow where it is (which would cost on every byte).
                let at = doc.position();
                let (rest, input) = doc.into_rest();
                let mut de = serde_json::Deserializer::from_reader(again(rest, meter).chain(input));
                return values(&mut de, meter, sink)
                    .map(|()| None)
                    .map_err(|e| json_error(e, at, meter));
            }
            Piece::Eof => return Ok(None),
        }
    }
}

/// Reads one value cut out of a document as the stream reads it in its place.
fn read_value<'de, D: serde::Deserializer<'de>>(
    kind: Kind,
    de: D,
    meter: &Meter,
    sink: &mut impl Sink,
) -> Result<(), D::Error> {
    let ctx = Ctx { sink, meter };
    match kind {
        Kind::Resource => OtlpResource(ctx).deserialize(de),
        Kind::Resources => OtlpList(ctx).deserialize(de),
        Kind::Ignored => IgnoredAny::deserialize(de).map(drop),
    }
}

/// Parses one piece of a document from memory, as the stream reads it in its place; it must be
/// one whole value. The error, and whether it is that something follows the value.
fn from_memory(
    kind: Kind,
    bytes: &[u8],
    meter: &Meter,
    sink: &mut impl Sink,
) -> Result<(), (serde_json::Error, bool)> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    read_value(kind, &mut de, meter, sink).map_err(|e| (e, false))?;
    de.end().map_err(|e| (e, true))
}

/// The error of a piece starting at `at`; something after its value is the error the stream
/// gives after such a value in its place (after a list's element or an object's value).
fn piece_error(
    (e, trailing): (serde_json::Error, bool),
    kind: Kind,
    at: Position,
    meter: &Meter,
) -> Error {
    match json_error(e, at, meter) {
        Error::Json {
            line, column, path, ..
        } if trailing => {
            let after = if kind == Kind::Resource { "]" } else { "}" };
            Error::Json {
                line,
                column,
                path,
                message: format!("expected `,` or `{after}`"),
            }
        }
        other => other,
    }
}

/// A splitter's error as the analyzer's.
fn split_error(e: SplitError, meter: &Meter) -> Error {
    match e {
        SplitError::Io(e) => Error::TraceRead {
            offset: meter.read(),
            message: e.to_string(),
        },
        SplitError::Json { error, at } => json_error(error, at, meter),
        SplitError::Syntax { message, at } => Error::Json {
            line: at.line,
            column: at.column,
            path: String::new(),
            message: message.to_string(),
        },
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

use split::{Kind, Piece, Position, SplitError, Splitter};
pub(super) use visit::drain_seq;
use visit::{Ctx, OtlpList, OtlpResource, Root};
