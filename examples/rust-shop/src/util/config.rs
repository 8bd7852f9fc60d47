//! Configuration from the environment, read once at start-up.

use std::env::{self, VarError};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen_addr: String,
    pub database_url: String,
    pub redis_url: String,
    pub payment_api_url: String,
    pub payment_api_key: String,
    pub payment_webhook_secret: String,
    pub smtp_host: String,
    pub mail_from: String,
    pub ops_email: String,
    pub sms_api_url: String,
    pub sms_api_key: String,
    pub image_dir: String,
    pub report_dir: String,
    pub report_hour: u32,
    pub http_timeout: Duration,
}

/// Reads the configuration; `main` shares it through `AppState`.
pub fn load() -> Result<Config, VarError> {
    let config = Config {
        listen_addr: var_or("LISTEN_ADDR", "0.0.0.0:8080"),
        database_url: env::var("DATABASE_URL")?,
        redis_url: var_or("REDIS_URL", "redis://127.0.0.1/"),
        payment_api_url: env::var("PAYMENT_API_URL")?,
        payment_api_key: env::var("PAYMENT_API_KEY")?,
        payment_webhook_secret: env::var("PAYMENT_WEBHOOK_SECRET")?,
        smtp_host: env::var("SMTP_HOST")?,
        mail_from: var_or("MAIL_FROM", "shop@example.com"),
        ops_email: var_or("OPS_EMAIL", "ops@example.com"),
        sms_api_url: env::var("SMS_API_URL")?,
        sms_api_key: env::var("SMS_API_KEY")?,
        image_dir: var_or("IMAGE_DIR", "/var/lib/shop/images"),
        report_dir: var_or("REPORT_DIR", "/var/lib/shop/reports"),
        report_hour: var_or("REPORT_HOUR", "2").parse().unwrap_or(2),
        http_timeout: Duration::from_secs(var_or("HTTP_TIMEOUT_SECS", "10").parse().unwrap_or(10)),
    };
    Ok(config)
}

fn var_or(name: &str, default: &str) -> String {
    env::var(name).unwrap_or_else(|_| default.to_string())
}
