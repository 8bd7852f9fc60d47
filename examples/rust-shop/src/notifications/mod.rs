//! Notifications: e-mail and SMS, sent by a consumer loop from the `queue:notifications` redis
//! list. Other modules only enqueue events; nothing waits for a message to go out.

mod email;
mod sms;

use std::time::Duration;

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

pub use self::email::EmailNotifier;
pub use self::sms::SmsNotifier;
use crate::error::{AppError, AppResult};
use crate::util::{log_error, log_event};
use crate::{db, AppState};

const QUEUE: &str = "queue:notifications";
/// How long one `BRPOP` waits for an event before the loop goes round again.
const POLL_SECS: f64 = 5.0;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind")]
pub enum Event {
    OrderPlaced {
        order_id: i64,
        session: String,
    },
    OrderCancelled {
        order_id: i64,
        session: String,
    },
    PaymentFailed {
        order_id: i64,
        session: String,
        reason: String,
    },
    LowStock {
        product_id: i64,
        remaining: i64,
    },
}

#[derive(Debug, Clone)]
pub struct Message {
    pub subject: String,
    pub body: String,
}

/// A channel that can deliver a message to one recipient.
pub trait Notifier {
    fn channel(&self) -> &'static str;
    async fn send(&self, to: &str, message: &Message) -> AppResult<()>;
}

#[derive(Debug, sqlx::FromRow)]
struct Contact {
    email: String,
    phone: Option<String>,
}

/// Queues an event for the consumer; returns as soon as redis has it.
pub async fn enqueue(client: &redis::Client, event: &Event) -> AppResult<()> {
    let payload = serde_json::to_string(event).map_err(AppError::internal)?;
    let mut conn = db::redis_conn(client).await?;
    conn.lpush::<_, _, ()>(QUEUE, payload).await?;
    Ok(())
}

/// The consumer: pops events one at a time and sends what each calls for.
pub async fn run_consumer(state: AppState) {
    let email = EmailNotifier::from_config(&state.config);
    let sms = SmsNotifier::new(state.http.clone(), &state.config);
    loop {
        match next_event(&state.redis).await {
            Ok(Some(event)) => {
                if let Err(err) = dispatch(&state, &email, &sms, &event).await {
                    log_error("notifications.dispatch", &err);
                }
            }
            Ok(None) => continue,
            Err(err) => {
                log_error("notifications.queue", &err);
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

async fn next_event(client: &redis::Client) -> AppResult<Option<Event>> {
    let mut conn = db::redis_conn(client).await?;
    let popped: Option<(String, String)> = conn.brpop(QUEUE, POLL_SECS).await?;
    match popped {
        Some((_, payload)) => Ok(serde_json::from_str(&payload).ok()),
        None => Ok(None),
    }
}

async fn dispatch(
    state: &AppState,
    email: &EmailNotifier,
    sms: &SmsNotifier,
    event: &Event,
) -> AppResult<()> {
    let message = render(event);
    match event {
        Event::OrderPlaced { session, .. } | Event::OrderCancelled { session, .. } => {
            let contact = contact_for(&state.pool, session).await?;
            email.send(&contact.email, &message).await?;
            if let Some(phone) = contact.phone {
                sms.send(&phone, &message).await?;
            }
        }
        Event::PaymentFailed { session, .. } => {
            let contact = contact_for(&state.pool, session).await?;
            email.send(&contact.email, &message).await?;
        }
        Event::LowStock { .. } => email.send(&state.config.ops_email, &message).await?,
    }
    log_event("notifications.sent", &message.subject);
    Ok(())
}

fn render(event: &Event) -> Message {
    let (subject, body) = match event {
        Event::OrderPlaced { order_id, .. } => (
            format!("Order {order_id} confirmed"),
            format!("Thank you! Order {order_id} is paid and on its way to packing."),
        ),
        Event::OrderCancelled { order_id, .. } => (
            format!("Order {order_id} cancelled"),
            format!("Order {order_id} is cancelled; any payment will be refunded."),
        ),
        Event::PaymentFailed {
            order_id, reason, ..
        } => (
            format!("Payment for order {order_id} failed"),
            format!("The payment was declined ({reason}). Please try another card."),
        ),
        Event::LowStock {
            product_id,
            remaining,
        } => (
            format!("Low stock: product {product_id}"),
            format!("Only {remaining} left of product {product_id}: reorder."),
        ),
    };
    Message { subject, body }
}

async fn contact_for(pool: &PgPool, session: &str) -> AppResult<Contact> {
    let contact =
        sqlx::query_as::<_, Contact>("SELECT email, phone FROM customers WHERE session_id = $1")
            .bind(session)
            .fetch_one(pool)
            .await?;
    Ok(contact)
}
