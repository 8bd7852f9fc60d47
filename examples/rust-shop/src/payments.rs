//! Payments: charges and refunds through the payment provider's HTTP API, and the provider's
//! webhook that confirms them later.

pub mod provider;
pub mod webhook;

use sqlx::PgPool;

use self::provider::{ChargeRequest, ChargeResponse, ProviderClient};
use crate::error::AppResult;
use crate::util::{log_event, Money};
use crate::AppState;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentOutcome {
    Approved { reference: String },
    Pending { reference: String },
    Declined { reason: String },
}

/// Charges an order's total; the outcome may still be pending (3-D Secure, bank transfer).
pub async fn charge(state: &AppState, order_id: i64, amount: Money) -> AppResult<PaymentOutcome> {
    let client = ProviderClient::new(state.http.clone(), &state.config);
    let request = ChargeRequest::new(order_id, amount, "EUR");
    let response = client.create_charge(&request).await?;
    record_payment(&state.pool, order_id, &response, amount).await?;
    log_event(
        "payments.charge",
        &format!("order {order_id}: {}", response.status),
    );
    Ok(outcome_of(&response))
}

/// Refunds the last charge of an order in full.
pub async fn refund(state: &AppState, order_id: i64) -> AppResult<()> {
    let reference = sqlx::query_scalar::<_, String>(
        "SELECT reference FROM payments WHERE order_id = $1 ORDER BY updated_at DESC LIMIT 1",
    )
    .bind(order_id)
    .fetch_one(&state.pool)
    .await?;
    let client = ProviderClient::new(state.http.clone(), &state.config);
    let response = client.refund(&reference).await?;
    update_payment_status(&state.pool, &reference, &response.status).await
}

pub(crate) async fn update_payment_status(
    pool: &PgPool,
    reference: &str,
    status: &str,
) -> AppResult<()> {
    sqlx::query!(
        "UPDATE payments SET status = $1, updated_at = now() WHERE reference = $2",
        status,
        reference
    )
    .execute(pool)
    .await?;
    Ok(())
}

async fn record_payment(
    pool: &PgPool,
    order_id: i64,
    response: &ChargeResponse,
    amount: Money,
) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO payments (order_id, reference, status, amount, updated_at) \
         VALUES ($1, $2, $3, $4, now())",
        order_id,
        response.id,
        response.status,
        amount.cents()
    )
    .execute(pool)
    .await?;
    Ok(())
}

fn outcome_of(response: &ChargeResponse) -> PaymentOutcome {
    match response.status.as_str() {
        "succeeded" => PaymentOutcome::Approved {
            reference: response.id.clone(),
        },
        "requires_action" | "processing" => PaymentOutcome::Pending {
            reference: response.id.clone(),
        },
        _ => PaymentOutcome::Declined {
            reason: response
                .failure_reason
                .clone()
                .unwrap_or_else(|| "declined".to_string()),
        },
    }
}
