//! SMS through an HTTP gateway.

use serde_json::json;

use super::{Message, Notifier};
use crate::error::AppResult;
use crate::util::config::Config;
use crate::util::log_event;

/// One SMS segment.
const MAX_LEN: usize = 160;

pub struct SmsNotifier {
    http: reqwest::Client,
    api_url: String,
    api_key: String,
}

impl SmsNotifier {
    pub fn new(http: reqwest::Client, config: &Config) -> Self {
        SmsNotifier {
            http,
            api_url: config.sms_api_url.clone(),
            api_key: config.sms_api_key.clone(),
        }
    }
}

impl Notifier for SmsNotifier {
    fn channel(&self) -> &'static str {
        "sms"
    }

    async fn send(&self, to: &str, message: &Message) -> AppResult<()> {
        // One SMS segment at most.
        let text: String = message.body.chars().take(MAX_LEN).collect();
        let body = json!({ "to": to, "text": text });
        self.http
            .post(&self.api_url)
            .bearer_auth(&self.api_key)
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        log_event(self.channel(), to);
        Ok(())
    }
}
