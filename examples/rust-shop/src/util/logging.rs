//! Structured logging.

pub fn init_tracing() {
    tracing_subscriber::fmt().with_target(false).init();
}

pub fn log_event(kind: &str, message: &str) {
    tracing::info!(kind, "{message}");
}

pub fn log_error(kind: &str, err: &dyn std::error::Error) {
    tracing::error!(kind, error = %err, "operation failed");
}
