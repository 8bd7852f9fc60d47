//! What starts an entry point: the one definition of which triggers are requests (someone waits
//! on the answer) and which are events (nobody waits: a cold start is tolerable).

use std::fmt;

/// The trigger of an entry point (`nodes[].entry`). The JSON format stays open: any other string
/// is [`Trigger::Other`], and counts as a request (docs/callgraph-format.md).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Trigger {
    /// An HTTP route.
    Http,
    /// A gRPC method.
    Grpc,
    /// A command line (`main`).
    Cli,
    /// A websocket handler: a client holds the connection and waits.
    Websocket,
    /// A generic event.
    Event,
    /// A queue or stream consumer.
    Queue,
    /// A timer or cron job.
    Schedule,
    /// A webhook: another system posts and does not wait on the work.
    Webhook,
    /// An object-store upload notification.
    Upload,
    /// Anything else, as written (lowercase).
    Other(String),
}

/// What a trigger means for the label and the clustering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    /// Someone waits on the answer: cold starts show up as latency.
    Request,
    /// Nobody waits: a cold start is tolerable.
    Event,
}

impl Trigger {
    /// The trigger a string names, ignoring case.
    pub fn parse(text: &str) -> Trigger {
        match text.trim().to_ascii_lowercase().as_str() {
            "http" => Trigger::Http,
            "grpc" => Trigger::Grpc,
            "cli" => Trigger::Cli,
            "websocket" => Trigger::Websocket,
            "event" => Trigger::Event,
            "queue" => Trigger::Queue,
            "schedule" => Trigger::Schedule,
            "webhook" => Trigger::Webhook,
            "upload" => Trigger::Upload,
            other => Trigger::Other(other.to_string()),
        }
    }

    /// Request or event.
    pub fn kind(&self) -> TriggerKind {
        match self {
            Trigger::Event
            | Trigger::Queue
            | Trigger::Schedule
            | Trigger::Webhook
            | Trigger::Upload => TriggerKind::Event,
            Trigger::Http
            | Trigger::Grpc
            | Trigger::Cli
            | Trigger::Websocket
            | Trigger::Other(_) => TriggerKind::Request,
        }
    }

    /// Whether nobody waits on it.
    pub fn is_event(&self) -> bool {
        self.kind() == TriggerKind::Event
    }

    /// The name as the JSON format writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Trigger::Http => "http",
            Trigger::Grpc => "grpc",
            Trigger::Cli => "cli",
            Trigger::Websocket => "websocket",
            Trigger::Event => "event",
            Trigger::Queue => "queue",
            Trigger::Schedule => "schedule",
            Trigger::Webhook => "webhook",
            Trigger::Upload => "upload",
            Trigger::Other(s) => s,
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_events_have_one_definition() {
        for request in ["http", "GRPC", "cli", "websocket", "ftp"] {
            assert_eq!(
                Trigger::parse(request).kind(),
                TriggerKind::Request,
                "{request}"
            );
        }
        for event in ["event", "queue", "Schedule", "webhook", "upload"] {
            assert!(Trigger::parse(event).is_event(), "{event}");
        }
        assert_eq!(Trigger::parse(" Queue ").as_str(), "queue");
        assert_eq!(Trigger::parse("Custom").to_string(), "custom");
    }
}
