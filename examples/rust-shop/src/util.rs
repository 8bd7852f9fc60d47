//! Helpers used everywhere: configuration, logging, money and the clock.

pub mod config;
pub mod logging;
pub mod money;

pub use logging::{log_error, log_event};
pub use money::{format_money, Money};

/// The current time in UTC (one place to fake it in tests).
pub fn now_utc() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
