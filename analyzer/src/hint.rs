//! The static hints the Rust analyzer writes into `nodes[].hints`: one vocabulary, read by the
//! labeller and listed in docs/callgraph-format.md and the schema (a test compares them).

/// A static hint about a function's body. The JSON format stays open: any other string is kept
/// and ignored ([`Hint::parse`] gives `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Hint {
    /// Sleeps or waits on a timer.
    Sleep,
    /// Blocking file or disk I/O.
    BlockingIo,
    /// Blocking network calls.
    BlockingNetwork,
    /// A loop around I/O: its duration grows with the data.
    IoLoop,
    /// A loop that receives from a queue or channel forever: a consumer, not a batch.
    WorkerLoop,
    /// CPU-heavy work (hashing, compression, image or numeric kernels).
    CpuHeavy,
    /// Keeps a connection pool or client between calls.
    HoldsConnections,
    /// Receives from a queue or stream (with a worker loop around it: a consumer).
    QueueReceive,
}

impl Hint {
    /// Every hint, in name order.
    pub const ALL: [Hint; 8] = [
        Hint::BlockingIo,
        Hint::BlockingNetwork,
        Hint::CpuHeavy,
        Hint::HoldsConnections,
        Hint::IoLoop,
        Hint::QueueReceive,
        Hint::Sleep,
        Hint::WorkerLoop,
    ];

    /// The name the JSON format writes.
    pub const fn name(self) -> &'static str {
        match self {
            Hint::Sleep => "sleep",
            Hint::BlockingIo => "blocking-io",
            Hint::BlockingNetwork => "blocking-network",
            Hint::IoLoop => "io-loop",
            Hint::WorkerLoop => "worker-loop",
            Hint::CpuHeavy => "cpu-heavy",
            Hint::HoldsConnections => "holds-connections",
            Hint::QueueReceive => "queue-receive",
        }
    }

    /// The hint a string names, or `None` for a string this version does not know.
    pub fn parse(text: &str) -> Option<Hint> {
        Hint::ALL.into_iter().find(|h| h.name() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_order() {
        for h in Hint::ALL {
            assert_eq!(Hint::parse(h.name()), Some(h));
        }
        assert!(Hint::ALL.windows(2).all(|w| w[0].name() < w[1].name()));
        assert_eq!(Hint::parse("long-loop"), None);
    }

    #[test]
    fn the_format_doc_and_schema_list_every_hint() {
        let doc = include_str!("../../docs/callgraph-format.md");
        let schema = include_str!("../../docs/callgraph.schema.json");
        let row = doc
            .lines()
            .find(|l| l.starts_with("| `nodes[].hints`"))
            .expect("the hints row");
        let described = schema
            .lines()
            .find(|l| l.contains("Static hints from the code"))
            .expect("the hints description");
        for h in Hint::ALL {
            assert!(
                row.contains(&format!("`{}`", h.name())),
                "{} missing from the format doc",
                h.name()
            );
            assert!(
                described.contains(h.name()),
                "{} missing from the schema",
                h.name()
            );
        }
    }
}
