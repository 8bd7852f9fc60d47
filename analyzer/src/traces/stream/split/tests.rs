//! The splitter on small documents, read in chunks of every size from one byte: where it cuts,
//! what it leaves to the stream, and its errors, placed where serde_json places them.

use std::io::Read;
use std::sync::Arc;

use serde::Deserialize;

use super::{Kind, Piece, SplitError, Splitter};
use crate::traces::stream::{Buffered, Meter, Metered, json_error, read_documents, values};

/// A reader that keeps a copy of what was read from it.
struct Recording<'a, R> {
    inner: &'a mut R,
    seen: Vec<u8>,
}

impl<R: Read> Read for Recording<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.seen.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Resource => "resource",
        Kind::Resources => "resources",
        Kind::Ignored => "ignored",
    }
}

/// The pieces of `text` one a line, read `chunk` bytes at a time: `resource L:C <piece>`,
/// `ignored L:C <piece>` (where it starts), `large resource <what the stream read>`, `end`,
/// `other <the rest>`, `eof`, or the error.
fn cut_with(text: &str, max_piece: usize, chunk: usize) -> String {
    let meter = Arc::new(Meter::default());
    let input = Metered {
        inner: text.as_bytes(),
        meter: Arc::clone(&meter),
        limit: u64::MAX,
    };
    let mut doc = Splitter::with_chunk(input, max_piece, chunk);
    let mut out = Vec::new();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    loop {
        let line = match doc.next() {
            Ok(Piece::Value(kind, b, at) | Piece::Scalar(kind, b, at, _)) => {
                format!("{} {}:{} {}", name(kind), at.line, at.column, text(b))
            }
            Ok(Piece::TooLarge(kind)) => {
                let read = doc.stream(&meter, |input, _| {
                    let mut recording = Recording {
                        inner: input,
                        seen: Vec::new(),
                    };
                    let mut de = serde_json::Deserializer::from_reader(&mut recording);
                    serde::de::IgnoredAny::deserialize(&mut de).expect("a valid value");
                    recording.seen
                });
                format!("large {} {}", name(kind), text(&read))
            }
            Ok(Piece::End) => "end".to_string(),
            Ok(Piece::Other) => {
                let at = doc.position();
                let (mut rest, mut input) = doc.into_rest();
                input.read_to_end(&mut rest).expect("reads");
                out.push(format!("other {}:{} {}", at.line, at.column, text(&rest)));
                break;
            }
            Ok(Piece::Eof) => {
                out.push("eof".to_string());
                break;
            }
            Err(SplitError::Syntax { message, at }) => {
                out.push(format!("error {}:{} {message}", at.line, at.column));
                break;
            }
            Err(SplitError::Json { error, at }) => {
                out.push(format!("error at {}:{}: {error}", at.line, at.column));
                break;
            }
            Err(SplitError::Io(e)) => {
                out.push(format!("io error {e}"));
                break;
            }
        };
        out.push(line);
    }
    out.join("\n")
}

/// The pieces of `text`, the same whatever the size of the chunks read.
fn cut(text: &str, max_piece: usize) -> String {
    let whole = cut_with(text, max_piece, 1 << 16);
    for chunk in 1..=9 {
        assert_eq!(
            cut_with(text, max_piece, chunk),
            whole,
            "chunks of {chunk} bytes"
        );
    }
    whole
}

const ROOMY: usize = 1 << 20;

#[test]
fn resources_are_cut_at_their_brackets_not_at_those_in_strings() {
    assert_eq!(
        cut(r#"{"resourceSpans":[{"a":1},{"b":[2]}]}"#, ROOMY),
        "resource 1:18 {\"a\":1}\nresource 1:26 {\"b\":[2]}\nend\neof"
    );
    let text = r#"{"resourceSpans":[{"a":"]}[{"},{"b":"\"]}\\"},{"c":["x]",{"d":"}\\\""}]}]}"#;
    assert_eq!(
        cut(text, ROOMY),
        [
            r#"resource 1:18 {"a":"]}[{"}"#,
            r#"resource 1:31 {"b":"\"]}\\"}"#,
            r#"resource 1:46 {"c":["x]",{"d":"}\\\""}]}"#,
            "end",
            "eof"
        ]
        .join("\n")
    );
    // A `\u` escape's four bytes are skipped whatever they are, as serde_json reads them: a
    // quote among them does not end the string.
    let text = r#"{"resourceSpans":[{"a":"\u"]}x"},{"b":"\u0022"}]}"#;
    assert_eq!(
        cut(text, ROOMY),
        [
            r#"resource 1:18 {"a":"\u"]}x"}"#,
            r#"resource 1:33 {"b":"\u0022"}"#,
            "end",
            "eof"
        ]
        .join("\n")
    );
    // Depth is a counter: no stack, whatever the nesting.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let text = format!(r#"{{"resourceSpans":[{deep}]}}"#);
    assert_eq!(
        cut_with(&text, ROOMY, 4096),
        format!("resource 1:18 {deep}\nend\neof")
    );
}

#[test]
fn whitespace_anywhere_and_positions_as_serde_json_counts() {
    let text = "\n\t{ \"resourceSpans\" :\r\n [ {\"a\" : 1} ,\n  {}\n ] ,\n \"x\": true \n}\n";
    assert_eq!(
        cut(text, ROOMY),
        "resource 3:3 {\"a\" : 1}\nresource 4:2 {}\nignored 6:6 true\nend\neof"
    );
}

#[test]
fn empty_lists_scalars_and_members_after_the_resources() {
    assert_eq!(cut(r#"{"resourceSpans":[]}"#, ROOMY), "end\neof");
    assert_eq!(cut("{\"resourceSpans\":[ ]} \n ", ROOMY), "end\neof");
    assert_eq!(
        cut(r#"{"resourceSpans":[1,null,"]",true,-2e5]}"#, ROOMY),
        "resource 1:18 1\nresource 1:20 null\nresource 1:25 \"]\"\nresource 1:29 true\nresource 1:34 -2e5\nend\neof"
    );
    // Other members after the first are ignored (checked as JSON); a `resourceSpans` list again,
    // its key escaped or not, is read again.
    let text = r#"{"resourceSpans":[{}],"x":{"y":[1,"]"]},"data":[{"spans":[]}],"n":-1.5e3,"resource\u0053pans":[{"b":2}],"resourceSpans":{"c":3}}"#;
    assert_eq!(
        cut(text, ROOMY),
        [
            "resource 1:18 {}",
            r#"ignored 1:26 {"y":[1,"]"]}"#,
            r#"ignored 1:47 [{"spans":[]}]"#,
            "ignored 1:66 -1.5e3",
            r#"resource 1:95 {"b":2}"#,
            r#"resources 1:120 {"c":3}"#,
            "end",
            "eof"
        ]
        .join("\n")
    );
}

#[test]
fn anything_else_is_left_to_the_stream_from_where_it_starts() {
    for text in [
        "",
        "[1,2]",
        r#"{"data":[]}"#,
        r#"{"x":1,"resourceSpans":[{}]}"#,
        r#"{"resourceSpans":{}}"#,
        r#"{"resource_spans":[{}]}"#,
        r#"{"resourceSpans""#,
        r#"{"resourceSpans":"#,
        r#"{"resource\uZZZZSpans":[]}"#,
        "{}",
        "tru",
    ] {
        assert_eq!(cut(text, ROOMY), format!("other 1:0 {text}"), "{text}");
    }
    // A document, then something else.
    assert_eq!(
        cut(
            "{\"resourceSpans\":[{}]}\n{\"resourceSpans\":[]} [{\"traceId\":\"t\"}]",
            ROOMY
        ),
        "resource 1:18 {}\nend\nend\nother 2:21 [{\"traceId\":\"t\"}]"
    );
    // A head longer than a piece.
    let text = format!(r#"{{{}"resourceSpans":[]}}"#, " ".repeat(20));
    assert_eq!(cut(&text, 8), format!("other 1:0 {text}"));
}

#[test]
fn pieces_longer_than_the_limit_are_left_to_the_stream_and_the_cutting_goes_on() {
    let text = r#"{"resourceSpans":[{"a":"0123456789abcdef"},{"b":1}],"x":[1,2,3,4,5,6,7,8,9,10],"y":"0123456789abcdefghi"}"#;
    assert_eq!(
        cut(text, 20),
        [
            r#"large resource {"a":"0123456789abcdef"}"#,
            r#"resource 1:43 {"b":1}"#,
            "large ignored [1,2,3,4,5,6,7,8,9,10]",
            r#"large ignored "0123456789abcdefghi""#,
            "end",
            "eof"
        ]
        .join("\n")
    );
    assert_eq!(
        cut(r#"{"resourceSpans":[123456789012345678901234]}"#, 20),
        "error 1:19 a value longer than the limit that is no object, list or string: this is not a trace export"
    );
    assert_eq!(
        cut(r#"{"resourceSpans":[],"0123456789abcdefghij":1}"#, 20),
        "error 1:21 a key longer than the limit: this is not a trace export"
    );
}

/// Texts whose punctuation between pieces is wrong, or that end too soon.
const BROKEN: &[&str] = &[
    r#"{"resourceSpans":["#,
    r#"{"resourceSpans":[{}"#,
    r#"{"resourceSpans":[{},"#,
    r#"{"resourceSpans":[{}]"#,
    r#"{"resourceSpans":[{}],"#,
    r#"{"resourceSpans":[{}],"x"#,
    r#"{"resourceSpans":[{}],"x""#,
    r#"{"resourceSpans":[{}],"x":"#,
    "{\"resourceSpans\":[{}\n  {}]}",
    r#"{"resourceSpans":[{},]}"#,
    r#"{"resourceSpans":[{}],}"#,
    r#"{"resourceSpans":[{}],1:2}"#,
    r#"{"resourceSpans":[{}],"a" 1}"#,
    r#"{"resourceSpans":[{}]]"#,
    r#"{"resourceSpans":[{}],"a\x":1}"#,
];

/// The error of the splitter on `text`, as the reader reports it.
fn split_error(text: &str) -> crate::Error {
    let meter = Meter::default();
    let mut doc = Splitter::new(text.as_bytes(), ROOMY);
    loop {
        match doc.next() {
            Ok(Piece::Eof | Piece::Other) => panic!("{text}: no error"),
            Ok(_) => {}
            Err(e) => return super::super::split_error(e, &meter),
        }
    }
}

/// The error of the streaming reader on `text`.
fn stream_error(text: &str) -> crate::Error {
    let meter = Meter::default();
    let mut de = serde_json::Deserializer::from_reader(text.as_bytes());
    let e = values(&mut de, &meter, &mut Buffered::default()).expect_err(text);
    json_error(e, super::Position::START, &meter)
}

#[test]
fn broken_punctuation_is_the_error_the_stream_gives_where_it_gives_it() {
    for text in BROKEN {
        assert_eq!(
            format!("{:?}", split_error(text)),
            format!("{:?}", stream_error(text)),
            "{text}"
        );
    }
}

#[test]
fn a_piece_cut_short_by_the_end_is_handed_out_for_serde_json_to_say_so() {
    assert_eq!(
        cut(r#"{"resourceSpans":[{"a":"x"#, ROOMY),
        "resource 1:18 {\"a\":\"x\nerror 1:25 EOF while parsing a list"
    );
}

// The reader with the splitter against the stream it replaces.

/// What a reader made of `text`: the spans, skipped spans and formats, or the error.
fn outcome(
    text: &[u8],
    read: impl FnOnce(Metered<&[u8]>, &Arc<Meter>, &mut Buffered) -> Result<(), crate::Error>,
) -> String {
    let meter = Arc::new(Meter::default());
    let input = Metered {
        inner: text,
        meter: Arc::clone(&meter),
        limit: u64::MAX,
    };
    let mut found = Buffered::default();
    match read(input, &meter, &mut found) {
        Ok(()) => format!(
            "{} skipped, formats {:?}, spans {:#?}",
            found.skipped, found.formats, found.spans
        ),
        // Where reading stopped depends on how far ahead it reads.
        Err(crate::Error::TraceRead { message, .. }) => format!("read error: {message}"),
        Err(crate::Error::Json {
            line,
            column,
            message,
            ..
        }) => format!("error {line}:{column} {message}"),
        Err(e) => format!("{e:?}"),
    }
}

/// `text` read with the splitter, pieces of at most `max_piece` bytes parsed from memory.
fn by_split(text: &[u8], max_piece: usize) -> String {
    outcome(text, |input, meter, sink| {
        read_documents(input, meter, sink, max_piece, false).map(|rest| assert!(rest.is_none()))
    })
}

/// `text` read as one stream, as before the splitter.
fn by_stream(text: &[u8]) -> String {
    outcome(text, |input, meter, sink| {
        let mut de = serde_json::Deserializer::from_reader(input);
        values(&mut de, meter, sink).map_err(|e| json_error(e, super::Position::START, meter))
    })
}

#[test]
fn the_fixture_and_its_variants_read_as_the_stream_reads_them() {
    let (text, compact, resource) = crate::traces::tests::otlp_fixture();
    let variants = [
        text.clone(),
        compact.clone(),
        format!("{compact}\n{text}"),
        format!(
            r#"{{"resourceSpans":[{resource},{resource}],"x":[],"resourceSpans":[{resource}]}}"#
        ),
        format!(r#"{{"x":1,"resourceSpans":[{resource}]}}"#),
        format!(r#"{{"resourceSpans":[{resource}]}}[{{"traceId":"t","id":"a","name":"n"}}]"#),
        text.replace("scopeSpans", "instrumentationLibrarySpans"),
    ];
    for text in &variants {
        let want = by_stream(text.as_bytes());
        assert!(want.contains("spans ["), "{want}");
        for max_piece in [ROOMY, 64, 300] {
            assert_eq!(
                by_split(text.as_bytes(), max_piece),
                want,
                "{max_piece}: {text}"
            );
        }
    }
}

#[test]
fn pieces_fail_as_the_stream_fails_in_their_place() {
    for text in [
        // A later `resourceSpans` that is no list is read as a string, not skipped.
        &b"{\"resourceSpans\":[],\"resourceSpans\":\"\xff\"}"[..],
        // What is wrong with a number or literal shows at the byte after it.
        br#"{"resourceSpans":[],"x":nul}"#,
        br#"{"resourceSpans":[1x]}"#,
        br#"{"resourceSpans":[],"x":1.}"#,
        b"{\"resourceSpans\":[],\"x\":-1.5e\n}",
        // A control character in a string.
        b"{\"resourceSpans\":[{\"a\":\"\n\"}]}",
        // A quote where a `\u` escape's digits should be, in a resource, in a later member, and
        // cut short.
        br#"{"resourceSpans":[{"a":"\u"}"}]}"#,
        br#"{"resourceSpans":[],"data":"\u"05d","x":"y"}"#,
        br#"{"resourceSpans":[],"data":"\u""#,
    ] {
        let (split, stream) = (by_split(text, ROOMY), by_stream(text));
        assert!(split.starts_with("error"), "{split}");
        assert!(same_error(&split, &stream), "{split} vs {stream}");
    }
}

/// Strings that trip a scanner: brackets, quotes, escapes, non-ASCII.
const TRICKY: &[&str] = &[
    "GET /",
    "]}",
    r#"\"[{"#,
    r"a\\",
    r#"\\\""#,
    "é",
    "😀",
    r"\u005d",
    r"x\ny",
    "",
    r"\ud83d\ude00",
];

/// A random OTLP/JSON export of one or more documents, with whitespace anywhere and members the
/// reader ignores; sometimes a first member that is not `resourceSpans`, or a Zipkin list after.
fn export(rng: &mut fastrand::Rng) -> String {
    let mut out = String::new();
    for _ in 0..rng.usize(1..=3) {
        if rng.u8(..20) == 0 {
            out += &format!(r#"[{{"traceId":"t","id":"{}","name":"n"}}]"#, rng.u8(..));
        } else {
            document(rng, &mut out);
        }
        out += ws(rng);
    }
    out
}

fn ws(rng: &mut fastrand::Rng) -> &'static str {
    ["", "", "", " ", "\n", "\n  ", "\t", "\r\n"][rng.usize(..8)]
}

fn string(rng: &mut fastrand::Rng) -> String {
    format!("\"{}\"", TRICKY[rng.usize(..TRICKY.len())])
}

/// Any JSON value, small.
fn junk(rng: &mut fastrand::Rng, depth: usize) -> String {
    match rng.usize(..if depth > 2 { 4 } else { 6 }) {
        0 => "null".to_string(),
        1 => format!("{}", rng.i32(..)),
        2 => "-1.5e3".to_string(),
        3 => string(rng),
        4 => {
            let items: Vec<String> = (0..rng.usize(..3)).map(|_| junk(rng, depth + 1)).collect();
            format!("[{}]", items.join(&format!(",{}", ws(rng))))
        }
        _ => {
            let items: Vec<String> = (0..rng.usize(..3))
                .map(|_| format!("{}:{}{}", string(rng), ws(rng), junk(rng, depth + 1)))
                .collect();
            format!("{{{}{}}}", ws(rng), items.join(","))
        }
    }
}

fn document(rng: &mut fastrand::Rng, out: &mut String) {
    *out += "{";
    *out += ws(rng);
    if rng.u8(..10) == 0 {
        *out += &format!(r#""x":{},"#, junk(rng, 0));
    }
    *out += ["\"resourceSpans\"", "\"resource\\u0053pans\""][usize::from(rng.u8(..10) == 0)];
    *out += ws(rng);
    *out += ":";
    *out += ws(rng);
    resources(rng, out);
    for _ in 0..rng.usize(..3) {
        *out += ",";
        *out += ws(rng);
        let key = [
            "\"x\"",
            "\"data\"",
            "\"resourceSpans\"",
            "\"resource_spans\"",
        ][rng.usize(..4)];
        *out += key;
        *out += ":";
        if key == "\"resourceSpans\"" && rng.bool() {
            resources(rng, out);
        } else {
            *out += &junk(rng, 0);
        }
    }
    *out += ws(rng);
    *out += "}";
}

fn resources(rng: &mut fastrand::Rng, out: &mut String) {
    let items: Vec<String> = (0..rng.usize(..4)).map(|_| resource(rng)).collect();
    *out += &format!(
        "[{}{}{}]",
        ws(rng),
        items.join(&format!("{},", ws(rng))),
        ws(rng)
    );
}

fn resource(rng: &mut fastrand::Rng) -> String {
    if rng.u8(..20) == 0 {
        return junk(rng, 0);
    }
    let mut members = Vec::new();
    if rng.u8(..5) > 0 {
        members.push(format!(
            r#""resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":{}}}}}]}}"#,
            string(rng)
        ));
    }
    let key = ["\"scopeSpans\"", "\"instrumentationLibrarySpans\""][usize::from(rng.u8(..5) == 0)];
    let scopes: Vec<String> = (0..rng.usize(..3))
        .map(|_| {
            let spans: Vec<String> = (0..rng.usize(..4)).map(|_| span(rng)).collect();
            format!(
                r#"{{"scope":{{"name":{}}},{}"spans":[{}]}}"#,
                string(rng),
                ws(rng),
                spans.join(&format!(",{}", ws(rng)))
            )
        })
        .collect();
    members.push(format!("{key}:{}[{}]", ws(rng), scopes.join(",")));
    if rng.bool() {
        members.push(format!(r#""schemaUrl":{}"#, junk(rng, 1)));
    }
    rng.shuffle(&mut members);
    format!("{{{}{}}}", ws(rng), members.join(&format!(",{}", ws(rng))))
}

fn span(rng: &mut fastrand::Rng) -> String {
    let mut fields = vec![
        format!(r#""spanId":"{:04x}""#, rng.u16(..)),
        format!(r#""name":{}"#, string(rng)),
        format!(r#""kind":{}"#, rng.u8(..6)),
        format!(r#""startTimeUnixNano":"{}""#, 1_000_000 * rng.u64(..1000)),
        format!(r#""endTimeUnixNano":{}"#, 1_000_000 * rng.u64(1000..2000)),
        format!(
            r#""attributes":[{{"key":"db.system","value":{{"stringValue":{}}}}}]"#,
            string(rng)
        ),
    ];
    if rng.u8(..10) > 0 {
        fields.push(format!(r#""traceId":"{:x}""#, rng.u8(..4)));
    }
    if rng.bool() {
        fields.push(format!(r#""parentSpanId":"{:04x}""#, rng.u16(..)));
    }
    rng.shuffle(&mut fields);
    format!("{{{}}}", fields.join(&format!(",{}", ws(rng))))
}

/// `text` with one byte dropped, replaced or the end cut off, at `at` (a fraction of its length).
fn broken(text: &str, how: u8, at: f64, with: u8) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    let i = ((bytes.len() as f64 * at) as usize).min(bytes.len().saturating_sub(1));
    match how {
        0 => bytes.truncate(i),
        1 if !bytes.is_empty() => {
            bytes.remove(i);
        }
        _ if !bytes.is_empty() => bytes[i] = b"{}[]\",:x\\ 1"[usize::from(with) % 11],
        _ => {}
    }
    bytes
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, .. Default::default() })]

    /// Whatever the export, with pieces parsed from memory or some too long and streamed, the
    /// splitter's reader gives the spans, skipped spans and formats the stream gives, in the same
    /// order, or the same error at the same place.
    #[test]
    fn split_reads_as_the_stream_reads(seed in proptest::prelude::any::<u64>(), small in proptest::prelude::any::<bool>()) {
        let text = export(&mut fastrand::Rng::with_seed(seed));
        let max_piece = if small { 64 + (seed % 256) as usize } else { ROOMY };
        proptest::prop_assert_eq!(by_split(text.as_bytes(), max_piece), by_stream(text.as_bytes()), "{}", text);
    }

    /// The same for exports broken anywhere: cut short, a byte dropped or replaced.
    #[test]
    fn broken_exports_fail_as_the_stream_fails(
        seed in proptest::prelude::any::<u64>(),
        how in 0u8..3,
        at in 0.0f64..1.0,
        with in proptest::prelude::any::<u8>(),
    ) {
        let text = export(&mut fastrand::Rng::with_seed(seed));
        let bytes = broken(&text, how, at, with);
        let (split, stream) = (by_split(&bytes, ROOMY), by_stream(&bytes));
        proptest::prop_assert!(
            same_error(&split, &stream),
            "{split} vs {stream}: {}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

/// Whether two outcomes are the same, but for an error placed one byte apart: serde_json's
/// reader from memory places some errors (a control character in a string, a number cut short)
/// before the offending byte, its reader from a stream after it (on the next line, for a
/// newline).
fn same_error(a: &str, b: &str) -> bool {
    let place = |s: &str| -> Option<(usize, usize, String)> {
        let (at, message) = s.strip_prefix("error ")?.split_once(' ')?;
        let (line, column) = at.split_once(':')?;
        Some((
            line.parse().ok()?,
            column.parse().ok()?,
            message.to_string(),
        ))
    };
    match (place(a), place(b)) {
        (Some((la, ca, ma)), Some((lb, cb, mb))) => {
            ma == mb && ((la == lb && ca.abs_diff(cb) <= 1) || (lb == la + 1 && cb == 0))
        }
        _ => a == b,
    }
}
