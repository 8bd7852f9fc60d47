//! The payment provider's webhook: signed JSON events that confirm, fail or refund a charge.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::update_payment_status;
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Event};
use crate::orders::{self, OrderStatus};
use crate::util::log_event;
use crate::{inventory, AppState};

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Deserialize)]
pub struct WebhookEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: WebhookData,
}

#[derive(Debug, Deserialize)]
pub struct WebhookData {
    pub reference: String,
    pub status: String,
    pub reason: Option<String>,
}

pub async fn handle_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<StatusCode> {
    let signature = headers
        .get("x-provider-signature")
        .and_then(|value| value.to_str().ok())
        .ok_or(AppError::Unauthorized)?;
    verify_signature(&state.config.payment_webhook_secret, &body, signature)?;
    let event: WebhookEvent =
        serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    apply(&state, &event).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn verify_signature(secret: &str, body: &[u8], signature: &str) -> AppResult<()> {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).map_err(AppError::internal)?;
    mac.update(body);
    let expected = hex::decode(signature).map_err(|_| AppError::Unauthorized)?;
    mac.verify_slice(&expected)
        .map_err(|_| AppError::Unauthorized)
}

async fn apply(state: &AppState, event: &WebhookEvent) -> AppResult<()> {
    let data = &event.data;
    update_payment_status(&state.pool, &data.reference, &data.status).await?;
    let Some(order) = orders::find_by_payment_ref(&state.pool, &data.reference).await? else {
        log_event("payments.webhook.unknown", &data.reference);
        return Ok(());
    };
    let session = order.customer_session.clone();
    match event.kind.as_str() {
        "charge.succeeded" => {
            orders::set_status(&state.pool, order.id, OrderStatus::Paid).await?;
            inventory::commit(state, order.id).await?;
            let placed = Event::OrderPlaced {
                order_id: order.id,
                session,
            };
            notifications::enqueue(&state.redis, &placed).await?;
        }
        "charge.failed" => {
            orders::set_status(&state.pool, order.id, OrderStatus::Failed).await?;
            inventory::release(&state.pool, order.id).await?;
            let failed = Event::PaymentFailed {
                order_id: order.id,
                session,
                reason: data.reason.clone().unwrap_or_default(),
            };
            notifications::enqueue(&state.redis, &failed).await?;
        }
        "charge.refunded" => {
            orders::set_status(&state.pool, order.id, OrderStatus::Cancelled).await?;
        }
        other => log_event("payments.webhook.ignored", other),
    }
    Ok(())
}
