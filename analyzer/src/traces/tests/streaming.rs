//! Streamed reading: the same spans in one document, split into JSON Lines, spread over several
//! pieces of one export or gzip-compressed give the same summary as the spans read in one piece,
//! an OTLP document cut into its resources or not; open traces stay bounded; broken inputs are
//! errors that say where.

use std::io::Write;

use super::{real, summary_of};
use crate::Error;
use crate::traces::{DEFAULT_OPEN_SPANS, TraceAggregate, TraceSummary};

/// The summary of `pieces` read as one export.
fn streamed(pieces: &[Vec<u8>], window: Option<f64>, open: usize) -> TraceSummary {
    let mut agg = TraceAggregate::with_open_spans(window, open);
    for p in pieces {
        agg.read(p.as_slice(), u64::MAX).expect("reads");
    }
    agg.finish()
}

/// A reader that gives one byte at a time.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some((&first, rest)) = self.0.split_first() else {
            return Ok(0);
        };
        match buf.first_mut() {
            Some(b) => {
                *b = first;
                self.0 = rest;
                Ok(1)
            }
            None => Ok(0),
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).expect("compress");
    e.finish().expect("compress")
}

/// The spans of a Zipkin export, as `n` Zipkin lists.
fn zipkin_pieces(text: &str, n: usize) -> Vec<String> {
    let spans: Vec<serde_json::Value> = match serde_json::from_str(text).expect("json") {
        serde_json::Value::Array(items) => items,
        _ => panic!("a Zipkin list"),
    };
    let size = spans.len().div_ceil(n);
    spans
        .chunks(size)
        .map(|c| serde_json::to_string(c).expect("json"))
        .collect()
}

#[test]
fn streamed_pieces_jsonl_and_gzip_equal_one_piece() {
    let text = real("zipkin/smartthings-mobile-web-install.json");
    let whole = summary_of(&[&text], None);
    assert_eq!(whole.spans, 1041);
    let pieces = zipkin_pieces(&text, 7);
    let lines = pieces.join("\n") + "\n";
    let cases: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("one document", vec![text.as_bytes().to_vec()]),
        ("gzip", vec![gzip(text.as_bytes())]),
        ("JSON Lines", vec![lines.as_bytes().to_vec()]),
        ("gzip JSON Lines", vec![gzip(lines.as_bytes())]),
        (
            "seven pieces",
            pieces.iter().map(|p| p.as_bytes().to_vec()).collect(),
        ),
        (
            "pieces, some compressed",
            pieces
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    if i % 2 == 0 {
                        gzip(p.as_bytes())
                    } else {
                        p.as_bytes().to_vec()
                    }
                })
                .collect(),
        ),
    ];
    for (what, input) in cases {
        assert_eq!(streamed(&input, None, DEFAULT_OPEN_SPANS), whole, "{what}");
    }
}

#[test]
fn otlp_in_every_layout_summarises_alike() {
    // One export request, pretty or compact, several in one document or one a line, compressed,
    // with members the reader ignores, or a first member that is not `resourceSpans`: the
    // document is cut into its resources or read as a stream, and the spans are the same.
    let (pretty, compact, resource) = super::otlp_fixture();
    let three = format!("{compact}\n{compact}\n{compact}\n");
    let whole = streamed(&[three.as_bytes().to_vec()], None, DEFAULT_OPEN_SPANS);
    assert_eq!(whole.spans, 3);
    let cases: Vec<(&str, String)> = vec![
        (
            "pretty, one after another",
            format!("{pretty}{pretty}\n{pretty}"),
        ),
        (
            "one document",
            format!(
                r#"{{"resourceSpans":[{resource},{resource}],"x":{{"y":"]"}},"resourceSpans":[{resource}]}}"#
            ),
        ),
        (
            "another first member",
            format!(r#"{{"schemaUrl":"x","resourceSpans":[{resource},{resource},{resource}]}}"#),
        ),
        (
            "the older name of scopeSpans",
            three.replace("scopeSpans", "instrumentationLibrarySpans"),
        ),
        (
            "a resource a line",
            format!("{{\"resourceSpans\": [\n{resource},\n{resource},\n{resource}\n]}}\n"),
        ),
    ];
    for (what, text) in &cases {
        for input in [text.as_bytes().to_vec(), gzip(text.as_bytes())] {
            assert_eq!(
                streamed(&[input], None, DEFAULT_OPEN_SPANS),
                whole,
                "{what}"
            );
        }
    }
    // Read a byte at a time, the start of the input shows too little to tell OTLP from anything
    // else: the first line decides, and the spans are the same.
    for (what, text) in cases.iter().chain([&("JSON Lines", three.clone())]) {
        let mut agg = TraceAggregate::with_open_spans(None, DEFAULT_OPEN_SPANS);
        agg.read(Trickle(text.as_bytes()), u64::MAX).expect("reads");
        assert_eq!(agg.finish(), whole, "a byte at a time: {what}");
    }
    // OTLP/JSON Lines, then a line of another format: what the splitter does not read is read as
    // a stream, as if it were a piece of its own.
    let zipkin = zipkin_pieces(&real("zipkin/messaging.json"), 1).remove(0);
    let mixed = format!("{three}{zipkin}\n");
    assert_eq!(
        streamed(&[mixed.into_bytes()], None, DEFAULT_OPEN_SPANS),
        streamed(
            &[three.into_bytes(), zipkin.into_bytes()],
            None,
            DEFAULT_OPEN_SPANS
        )
    );
}

#[test]
fn otlp_resources_written_before_or_after_their_spans_read_alike() {
    let first = r#"{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]},
      "scopeSpans": [{"scope": {"name": "x"}, "spans": [
        {"traceId": "AB", "spanId": "01", "name": "GET /", "kind": 2, "startTimeUnixNano": "0", "endTimeUnixNano": "5000000"},
        {"traceId": "ab", "spanId": "02", "parentSpanId": "01", "name": "load", "startTimeUnixNano": "1000000", "endTimeUnixNano": "2000000"}]}]}]}"#;
    let last = r#"{"resourceSpans": [{"scopeSpans": [{"spans": [
        {"traceId": "AB", "spanId": "01", "name": "GET /", "kind": 2, "startTimeUnixNano": "0", "endTimeUnixNano": "5000000"},
        {"traceId": "ab", "spanId": "02", "parentSpanId": "01", "name": "load", "startTimeUnixNano": "1000000", "endTimeUnixNano": "2000000"}]}],
      "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "api"}}]}}]}"#;
    let a = streamed(&[first.as_bytes().to_vec()], Some(60.0), 10);
    let b = streamed(&[last.as_bytes().to_vec()], Some(60.0), 10);
    assert_eq!(a, b);
    assert_eq!(a.calls.len(), 1, "{a:?}");
    assert_eq!(a.operations[0].key(), "api::GET /");
}

#[test]
fn traces_kept_together_are_unchanged_by_the_open_span_limit() {
    // Each trace of the Zipkin production export arrives whole: a limit smaller than the export
    // but larger than any trace changes nothing.
    let text = real("zipkin/smartthings-oauth-authorization.json");
    let input = vec![text.as_bytes().to_vec()];
    let whole = streamed(&input, Some(3600.0), DEFAULT_OPEN_SPANS);
    assert_eq!(streamed(&input, Some(3600.0), 175), whole);
}

#[test]
fn interleaved_traces_beyond_the_limit_are_analysed_early_with_a_warning() {
    // 200 traces of a server span and its child, all roots first, then all children: with room for
    // 50 open spans, the early traces are analysed before their children arrive.
    let mut spans = Vec::new();
    for t in 0..200 {
        spans.push(format!(
            r#"{{"traceId": "t{t}", "id": "a", "name": "get /", "kind": "SERVER", "localEndpoint": {{"serviceName": "web"}}, "timestamp": {}, "duration": 10}}"#,
            t * 1_000_000
        ));
    }
    for t in 0..200 {
        spans.push(format!(
            r#"{{"traceId": "t{t}", "id": "b", "parentId": "a", "name": "load", "localEndpoint": {{"serviceName": "web"}}, "timestamp": {}, "duration": 5}}"#,
            t * 1_000_000 + 1
        ));
    }
    let text = format!("[{}]", spans.join(","));
    let input = vec![text.as_bytes().to_vec()];
    let roomy = streamed(&input, Some(60.0), 1000);
    assert_eq!(roomy.calls.len(), 1);
    assert_eq!(roomy.calls[0].count, 200);
    assert!(roomy.warnings.is_empty(), "{:?}", roomy.warnings);
    let tight = streamed(&input, Some(60.0), 50);
    assert_eq!(tight.spans, 400);
    assert_eq!(tight.traces, 200);
    assert!(
        tight.warnings.iter().any(|w| w.contains("analysed early")),
        "{:?}",
        tight.warnings
    );
    // Deterministic: the same input, the same answer.
    assert_eq!(streamed(&input, Some(60.0), 50), tight);
}

#[test]
fn durations_past_the_exact_cap_are_quantiles_within_a_tenth_of_a_percent() {
    // 30,000 spans of one operation, durations 1..=30,000 ms, in two orders.
    let span = |i: usize| {
        format!(
            r#"{{"traceId": "t{i}", "id": "a", "name": "get /", "kind": "SERVER", "localEndpoint": {{"serviceName": "web"}}, "timestamp": {}, "duration": {}}}"#,
            i * 1000,
            (i + 1) * 1000
        )
    };
    let up: Vec<String> = (0..30_000).map(span).collect();
    let down: Vec<String> = (0..30_000).rev().map(span).collect();
    let a = streamed(&[format!("[{}]", up.join(",")).into_bytes()], None, 100);
    let b = streamed(&[format!("[{}]", down.join(",")).into_bytes()], None, 100);
    assert_eq!(a, b, "order does not matter");
    let op = &a.operations[0];
    let near = |got: Option<f64>, want: f64| {
        let got = got.expect("figure");
        assert!((got - want).abs() <= want * 0.001, "{got} vs {want}");
    };
    near(op.p50_ms, 15_000.0);
    near(op.p95_ms, 28_500.0);
    assert_eq!(op.max_ms, Some(30_000.0));
}

#[test]
fn broken_streams_are_errors_that_say_where() {
    let read = |bytes: &[u8], limit: u64| TraceAggregate::new(None).read(bytes, limit).map(|_| ());
    // Truncated gzip.
    let packed = gzip(real("zipkin/yelp.json").as_bytes());
    let err = read(&packed[..packed.len() / 2], u64::MAX).expect_err("truncated gzip");
    assert!(matches!(err, Error::TraceRead { .. }), "{err}");
    // More bytes than the limit after decompression (a gzip bomb).
    let zeros = gzip(&vec![b' '; 4 << 20]);
    let err = read(&zeros, 1 << 20).expect_err("over the limit");
    assert!(err.to_string().contains("limit of 1 MB"), "{err}");
    // A span with an enormous string, alone and in an OTLP document: there its resource is too
    // long to be cut out and parsed from memory, so it is read as a stream, and its span is too
    // large.
    let with_huge_name = |before: &[u8], after: &[u8]| {
        let mut bytes = before.to_vec();
        bytes.extend(std::iter::repeat_n(
            b'x',
            (crate::MAX_UNIT_BYTES + (1 << 20)) as usize,
        ));
        bytes.extend(after);
        bytes
    };
    for huge in [
        with_huge_name(br#"[{"traceId": "t", "id": "a", "name": ""#, br#""}]"#),
        with_huge_name(
            br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"t","spanId":"a","name":""#,
            br#""}]}]}]}"#,
        ),
    ] {
        let err = read(&huge, u64::MAX).expect_err("too large a span");
        assert!(err.to_string().contains("one span"), "{err}");
    }
    // Where a syntax error is: (line, column, message).
    let json_error = |text: &str| match read(text.as_bytes(), u64::MAX) {
        Err(Error::Json {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("{other:?}"),
    };
    // An OTLP document broken in its second resource, and between resources.
    let doc = "{\"resourceSpans\": [\n  {\"scopeSpans\": []},\n  {\"scopeSpans\": [}]}\n]}";
    assert_eq!(json_error(doc), (3, 19, "expected value".to_string()));
    let doc = "{\"resourceSpans\": [\n  {\"scopeSpans\": []}\n  {\"scopeSpans\": []}\n]}";
    assert_eq!(json_error(doc), (3, 3, "expected `,` or `]`".to_string()));
    // A syntax error on the third line of a JSON Lines file.
    let lines = "[{\"traceId\": \"t\", \"id\": \"a\"}]\n[]\n[{\"traceId\": }]\n";
    let (line, column, _) = json_error(lines);
    assert_eq!((line, column), (3, 14));
    // The same in OTLP/JSON Lines: the first line is cut into resources, the others are lines.
    let lines = "{\"resourceSpans\": []}\n{\"resourceSpans\": []}\n{\"resourceSpans\": [}]}\n";
    let (line, column, _) = json_error(lines);
    assert_eq!((line, column), (3, 20));
    // Empty, and not a trace export.
    assert!(read(b"", u64::MAX).is_err());
    assert!(read(b"  \n", u64::MAX).is_err());
    let err = read(br#"{"hello": 1}"#, u64::MAX).expect_err("unknown");
    assert!(
        err.to_string().contains("unrecognised trace export"),
        "{err}"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 24, .. Default::default() })]

    /// However the spans of an export are cut into pieces, each piece plain or compressed, a list
    /// or JSON Lines, the summary is the one of the export read whole.
    #[test]
    fn any_split_of_an_export_summarises_alike(
        cuts in proptest::collection::vec(0usize..175, 0..6),
        packed in proptest::collection::vec(proptest::bool::ANY, 7),
        lines in proptest::bool::ANY,
    ) {
        let text = real("zipkin/smartthings-oauth-authorization.json");
        let spans: Vec<serde_json::Value> =
            serde_json::from_str(&text).expect("a Zipkin list");
        let mut cuts = cuts;
        cuts.extend([0, spans.len()]);
        cuts.sort_unstable();
        cuts.dedup();
        let pieces: Vec<String> = cuts
            .windows(2)
            .map(|w| serde_json::to_string(&spans[w[0]..w[1]]).expect("json"))
            .collect();
        let input: Vec<Vec<u8>> = if lines {
            vec![(pieces.join("\n") + "\n").into_bytes()]
        } else {
            pieces
                .iter()
                .zip(&packed)
                .map(|(p, &z)| if z { gzip(p.as_bytes()) } else { p.as_bytes().to_vec() })
                .collect()
        };
        let whole = summary_of(&[&text], Some(3600.0));
        proptest::prop_assert_eq!(streamed(&input, Some(3600.0), DEFAULT_OPEN_SPANS), whole);
    }
}
