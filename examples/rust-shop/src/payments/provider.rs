//! The payment provider's HTTP API (a Stripe-like JSON API), with retries on server errors.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::util::config::Config;
use crate::util::{log_error, Money};

const MAX_RETRIES: u32 = 3;

/// The one HTTP client of the process (connection pool, timeouts).
pub fn build_http_client(config: &Config) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(config.http_timeout)
        .user_agent("rust-shop/0.1")
        .build()
}

pub struct ProviderClient {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
}

#[derive(Debug, Serialize)]
pub struct ChargeRequest {
    pub amount: i64,
    pub currency: String,
    pub order_id: i64,
    pub idempotency_key: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChargeResponse {
    pub id: String,
    pub status: String,
    pub failure_reason: Option<String>,
}

impl ChargeRequest {
    pub fn new(order_id: i64, amount: Money, currency: &str) -> Self {
        ChargeRequest {
            amount: amount.cents(),
            currency: currency.to_string(),
            order_id,
            idempotency_key: format!("order-{order_id}"),
        }
    }
}

impl ProviderClient {
    pub fn new(http: reqwest::Client, config: &Config) -> Self {
        ProviderClient {
            http,
            base_url: config.payment_api_url.trim_end_matches('/').to_string(),
            api_key: config.payment_api_key.clone(),
        }
    }

    pub async fn create_charge(&self, request: &ChargeRequest) -> AppResult<ChargeResponse> {
        self.post_with_retry("/v1/charges", request).await
    }

    pub async fn refund(&self, reference: &str) -> AppResult<ChargeResponse> {
        let path = format!("/v1/charges/{reference}/refunds");
        self.post_with_retry(
            &path,
            &serde_json::json!({ "reason": "requested_by_customer" }),
        )
        .await
    }

    async fn post_with_retry<B: Serialize, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> AppResult<R> {
        let mut attempt = 0;
        loop {
            let sent = self
                .http
                .post(format!("{}{}", self.base_url, path))
                .bearer_auth(&self.api_key)
                .json(body)
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => {
                    return Ok(response.json::<R>().await?);
                }
                Ok(response) if response.status().is_server_error() && attempt < MAX_RETRIES => {
                    log_error(
                        "payments.retry",
                        &AppError::Internal(format!("provider answered {}", response.status())),
                    );
                }
                Ok(response) => {
                    return Err(AppError::Internal(format!(
                        "payment provider answered {}",
                        response.status()
                    )));
                }
                Err(err) if attempt < MAX_RETRIES => log_error("payments.retry", &err),
                Err(err) => return Err(err.into()),
            }
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt))).await;
        }
    }
}
