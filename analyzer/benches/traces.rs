//! Trace reading at volume: writes a synthetic OTLP/JSON export of N spans, then reads it through
//! `analyzer::TraceAggregate` and reports the time, the throughput and the peak memory.
//!
//! Run with `cargo bench -p analyzer --bench traces`. Settings from the environment:
//! - `CLEAVE_TRACE_SPANS`: spans to write (default 1,000,000);
//! - `CLEAVE_TRACE_FILE`: where to write the export (default a temporary file); an existing file of
//!   that name is read as it is, not written again;
//! - `CLEAVE_TRACE_SHAPE`: `document` (one export request holding every batch, the default) or
//!   `lines` (OTLP/JSON Lines: one export request per line, as the collector's file exporter
//!   writes);
//! - `CLEAVE_TRACE_ONLY_WRITE=1`: write the file and stop (to time `cleave plan --traces` on it);
//! - `CLEAVE_TRACE_OPEN`: spans held in open traces at most (default
//!   `analyzer::DEFAULT_OPEN_SPANS`).
//!
//! The export is shaped like what a collector's batch processor sends: batches of 64 traces, each
//! batch one `resourceSpans` per service; 12 services with 6 operations each; every trace a tree
//! of depth 3 to 6 — a server span at the root, client → server hops between services, internal
//! spans and database client spans below — started evenly over one day. The same seed always
//! writes the same bytes. Peak memory is the process's `VmHWM` after the read (Linux).

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

/// The allocator the `cleave` binary uses.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const SERVICES: usize = 12;
const OPS_PER_SERVICE: usize = 6;
const TRACES_PER_BATCH: usize = 64;
const DAY_NS: u64 = 86_400 * 1_000_000_000;
const BASE_NS: u64 = 1_764_547_200 * 1_000_000_000;

fn main() {
    let spans: u64 = env("CLEAVE_TRACE_SPANS").map_or(1_000_000, |v| {
        v.replace('_', "")
            .parse()
            .expect("CLEAVE_TRACE_SPANS is a number")
    });
    let lines = env("CLEAVE_TRACE_SHAPE").as_deref() == Some("lines");
    let temp = tempfile::tempdir().expect("temporary directory");
    let path = env("CLEAVE_TRACE_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().join("export.json"));
    if !path.exists() {
        let started = Instant::now();
        let file = std::fs::File::create(&path).expect("create the export");
        let mut out = BufWriter::with_capacity(1 << 20, file);
        let written = write_export(&mut out, spans, lines).expect("write the export");
        out.flush().expect("write the export");
        eprintln!(
            "wrote {written} spans to {} in {:.1} s",
            path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    if env("CLEAVE_TRACE_ONLY_WRITE").is_some() {
        return;
    }
    let bytes = std::fs::metadata(&path).expect("the export").len();
    let started = Instant::now();
    let open = env("CLEAVE_TRACE_OPEN").map_or(analyzer::DEFAULT_OPEN_SPANS, |v| {
        v.replace('_', "")
            .parse()
            .expect("CLEAVE_TRACE_OPEN is a number")
    });
    let mut traces = analyzer::TraceAggregate::with_open_spans(None, open);
    let file = std::fs::File::open(&path).expect("open the export");
    traces.read(file, u64::MAX).expect("a valid export");
    let summary = traces.finish();
    let seconds = started.elapsed().as_secs_f64();
    println!("| spans | MB | operations | calls | seconds | MB/s | peak MB |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {:.0} | {} | {} | {:.1} | {:.0} | {} |",
        summary.spans,
        bytes as f64 / 1e6,
        summary.operations.len(),
        summary.calls.len(),
        seconds,
        bytes as f64 / 1e6 / seconds,
        peak_mb().map_or("?".to_string(), |m| m.to_string())
    );
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The process's peak resident memory, MB (`VmHWM`).
fn peak_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// One span of a generated trace.
struct GenSpan {
    service: usize,
    name: String,
    kind: u8,
    span_id: u64,
    parent: Option<u64>,
    start_ns: u64,
    end_ns: u64,
    db: bool,
}

/// Writes about `spans` spans (whole traces) as OTLP/JSON; returns the spans written.
fn write_export(out: &mut impl Write, spans: u64, lines: bool) -> std::io::Result<u64> {
    let mut rng = fastrand::Rng::with_seed(14);
    // Average spans per trace is about 12: the number of traces follows from it.
    let traces_total = (spans / 12).max(1);
    let mut written = 0u64;
    let mut trace_no = 0u64;
    let mut first = true;
    if !lines {
        out.write_all(b"{\"resourceSpans\":[")?;
    }
    let mut buf = String::new();
    while written < spans {
        let mut batch: Vec<(u128, Vec<GenSpan>)> = Vec::with_capacity(TRACES_PER_BATCH);
        for _ in 0..TRACES_PER_BATCH {
            if written >= spans {
                break;
            }
            let start = BASE_NS + trace_no * (DAY_NS / traces_total);
            let trace = gen_trace(&mut rng, start, (spans - written) as usize);
            written += trace.len() as u64;
            batch.push((rng.u128(..), trace));
            trace_no += 1;
        }
        if lines {
            out.write_all(b"{\"resourceSpans\":[")?;
            first = true;
        }
        for service in 0..SERVICES {
            let of_service: Vec<(u128, &GenSpan)> = batch
                .iter()
                .flat_map(|(id, t)| t.iter().map(move |s| (*id, s)))
                .filter(|(_, s)| s.service == service)
                .collect();
            if of_service.is_empty() {
                continue;
            }
            buf.clear();
            if !first {
                buf.push(',');
            }
            first = false;
            write!(
                buf,
                "{{\"resource\":{{\"attributes\":[{{\"key\":\"service.name\",\"value\":{{\"stringValue\":\"svc-{service}\"}}}},{{\"key\":\"host.name\",\"value\":{{\"stringValue\":\"node-{}\"}}}}]}},\"scopeSpans\":[{{\"scope\":{{\"name\":\"io.opentelemetry.http\",\"version\":\"1.32.0\"}},\"spans\":[",
                service % 4
            )
            .expect("write to a string");
            for (k, (trace_id, s)) in of_service.iter().enumerate() {
                if k > 0 {
                    buf.push(',');
                }
                span_json(&mut buf, *trace_id, s);
            }
            buf.push_str("]}]}");
            out.write_all(buf.as_bytes())?;
        }
        if lines {
            out.write_all(b"]}\n")?;
        }
    }
    if !lines {
        out.write_all(b"]}\n")?;
    }
    Ok(written)
}

fn span_json(buf: &mut String, trace_id: u128, s: &GenSpan) {
    write!(
        buf,
        "{{\"traceId\":\"{trace_id:032x}\",\"spanId\":\"{:016x}\",",
        s.span_id
    )
    .expect("write to a string");
    if let Some(p) = s.parent {
        write!(buf, "\"parentSpanId\":\"{p:016x}\",").expect("write to a string");
    }
    write!(
        buf,
        "\"name\":\"{}\",\"kind\":{},\"startTimeUnixNano\":\"{}\",\"endTimeUnixNano\":\"{}\",\"attributes\":[",
        s.name, s.kind, s.start_ns, s.end_ns
    )
    .expect("write to a string");
    if s.db {
        buf.push_str("{\"key\":\"db.system\",\"value\":{\"stringValue\":\"postgresql\"}},{\"key\":\"db.name\",\"value\":{\"stringValue\":\"orders\"}},{\"key\":\"db.statement\",\"value\":{\"stringValue\":\"SELECT * FROM orders WHERE id = $1\"}}");
    } else {
        buf.push_str("{\"key\":\"http.method\",\"value\":{\"stringValue\":\"GET\"}},{\"key\":\"http.status_code\",\"value\":{\"intValue\":\"200\"}}");
    }
    buf.push_str("],\"status\":{}}");
}

/// One trace: a server span at the root of service 0..3, then hops to other services (client
/// span → server span), internal work and database calls, 3 to 6 levels deep, at most `room`
/// spans.
fn gen_trace(rng: &mut fastrand::Rng, start_ns: u64, room: usize) -> Vec<GenSpan> {
    let mut spans = Vec::new();
    let root_service = rng.usize(0..3);
    let depth = rng.usize(3..=6);
    let id = |rng: &mut fastrand::Rng| rng.u64(1..);
    let root = GenSpan {
        service: root_service,
        name: format!("GET /api/v1/op{}", rng.usize(0..OPS_PER_SERVICE)),
        kind: 2,
        span_id: id(rng),
        parent: None,
        start_ns,
        end_ns: start_ns + rng.u64(2_000_000..200_000_000),
        db: false,
    };
    let mut frontier = vec![(root.span_id, root.service, root.start_ns, root.end_ns)];
    spans.push(root);
    for level in 1..depth {
        let mut next = Vec::new();
        for &(parent, service, t0, t1) in &frontier {
            let children = if level == 1 { 2 } else { rng.usize(1..=2) };
            for _ in 0..children {
                if spans.len() + 2 > room.max(1) {
                    return spans;
                }
                let length = t1.saturating_sub(t0).max(4) / 2;
                let start = t0 + rng.u64(0..length / 2 + 1);
                let end = start + rng.u64(1..length + 1);
                match rng.u8(0..4) {
                    // A hop to another service: client span here, server span there.
                    0 | 1 => {
                        let to = (service + 1 + rng.usize(0..SERVICES - 1)) % SERVICES;
                        let op = rng.usize(0..OPS_PER_SERVICE);
                        let client = id(rng);
                        spans.push(GenSpan {
                            service,
                            name: format!("HTTP GET svc-{to}"),
                            kind: 3,
                            span_id: client,
                            parent: Some(parent),
                            start_ns: start,
                            end_ns: end,
                            db: false,
                        });
                        let server = id(rng);
                        spans.push(GenSpan {
                            service: to,
                            name: format!("GET /svc-{to}/op{op}"),
                            kind: 2,
                            span_id: server,
                            parent: Some(client),
                            start_ns: start + 100_000,
                            end_ns: end.max(start + 200_000) - 100_000,
                            db: false,
                        });
                        next.push((server, to, start + 100_000, end.max(start + 200_000)));
                    }
                    // Internal work.
                    2 => {
                        let span = id(rng);
                        spans.push(GenSpan {
                            service,
                            name: format!("svc{service}.work{}", rng.usize(0..OPS_PER_SERVICE)),
                            kind: 1,
                            span_id: span,
                            parent: Some(parent),
                            start_ns: start,
                            end_ns: end,
                            db: false,
                        });
                        next.push((span, service, start, end));
                    }
                    // A database call: a client span with nothing traced below.
                    _ => spans.push(GenSpan {
                        service,
                        name: "SELECT orders".to_string(),
                        kind: 3,
                        span_id: id(rng),
                        parent: Some(parent),
                        start_ns: start,
                        end_ns: end,
                        db: true,
                    }),
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    spans
}
