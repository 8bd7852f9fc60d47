//! Orders: the checkout transaction (cart → order lines → stock reservation → payment), order
//! pages and cancellation.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgPool, Postgres, Transaction};

use crate::cart::{self, Cart};
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Event};
use crate::payments::{self, PaymentOutcome};
use crate::util::{money::Money as Amount, *};
use crate::{inventory, AppState};

/// Order totals: subtotal, shipping and VAT.
mod pricing {
    use serde::Serialize;

    use super::Amount;
    use crate::cart::CartItem;

    const VAT_PERCENT: u32 = 20;
    const FREE_SHIPPING_FROM: Amount = Amount(5_000);
    const SHIPPING: Amount = Amount(495);

    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct Totals {
        pub subtotal: Amount,
        pub shipping: Amount,
        pub vat: Amount,
        pub total: Amount,
    }

    pub fn subtotal(items: &[CartItem]) -> Amount {
        items.iter().fold(Amount::ZERO, |sum, item| {
            sum + item.unit_price.times(item.quantity)
        })
    }

    pub fn totals(items: &[CartItem]) -> Totals {
        let subtotal = self::subtotal(items);
        let shipping = if subtotal >= FREE_SHIPPING_FROM {
            Amount::ZERO
        } else {
            SHIPPING
        };
        let vat = (subtotal + shipping).percent(VAT_PERCENT);
        Totals {
            subtotal,
            shipping,
            vat,
            total: subtotal + shipping + vat,
        }
    }
}

pub use self::pricing::Totals;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    Pending,
    Paid,
    Failed,
    Cancelled,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Paid => "paid",
            OrderStatus::Failed => "failed",
            OrderStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Order {
    pub id: i64,
    pub customer_session: String,
    pub status: String,
    pub total: Amount,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OrderLine {
    pub order_id: i64,
    pub product_id: i64,
    pub quantity: i32,
    pub unit_price: Amount,
}

#[derive(Debug, Serialize)]
pub struct OrderView {
    pub id: i64,
    pub status: String,
    pub total: String,
    pub lines: Vec<OrderLine>,
}

pub async fn place_order(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<OrderView>> {
    let session = cart::session_id(&headers)?;
    let cart = cart::load_cart(&state.redis, &session).await?;
    if cart.items.is_empty() {
        return Err(AppError::BadRequest("the cart is empty".into()));
    }
    let totals = pricing::totals(&cart.items);

    let mut tx = state.pool.begin().await?;
    let order_id = insert_order(&mut tx, &session, &totals).await?;
    insert_lines(&mut tx, order_id, &cart).await?;
    inventory::reserve(&mut tx, &cart.items).await?;
    tx.commit().await?;
    log_event("orders.placed", &format!("order {order_id} for {session}"));

    match payments::charge(&state, order_id, totals.total).await? {
        PaymentOutcome::Approved { .. } => {
            set_status(&state.pool, order_id, OrderStatus::Paid).await?;
            inventory::commit(&state, order_id).await?;
            cart::clear_cart(&state.redis, &session).await?;
            let placed = Event::OrderPlaced { order_id, session };
            notifications::enqueue(&state.redis, &placed).await?;
        }
        // The provider confirms later, through the webhook.
        PaymentOutcome::Pending { .. } => {}
        PaymentOutcome::Declined { reason } => {
            set_status(&state.pool, order_id, OrderStatus::Failed).await?;
            inventory::release(&state.pool, order_id).await?;
            return Err(AppError::BadRequest(format!("payment declined: {reason}")));
        }
    }
    order_view(&state.pool, order_id).await.map(Json)
}

pub async fn cancel_order(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> AppResult<Json<OrderView>> {
    let session = cart::session_id(&headers)?;
    let order = fetch_order(&state.pool, id).await?;
    if order.customer_session != session {
        return Err(AppError::not_found(format!("order {id}")));
    }
    match order.status.as_str() {
        "paid" => payments::refund(&state, id).await?,
        "pending" => inventory::release(&state.pool, id).await?,
        other => {
            return Err(AppError::BadRequest(format!(
                "a {other} order cannot be cancelled"
            )))
        }
    }
    set_status(&state.pool, id, OrderStatus::Cancelled).await?;
    let cancelled = Event::OrderCancelled {
        order_id: id,
        session,
    };
    notifications::enqueue(&state.redis, &cancelled).await?;
    order_view(&state.pool, id).await.map(Json)
}

async fn insert_order(
    tx: &mut Transaction<'_, Postgres>,
    session: &str,
    totals: &Totals,
) -> AppResult<i64> {
    let id = sqlx::query_scalar!(
        "INSERT INTO orders (customer_session, status, total, created_at) \
         VALUES ($1, 'pending', $2, now()) RETURNING id",
        session,
        totals.total.cents()
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(id)
}

async fn insert_lines(
    tx: &mut Transaction<'_, Postgres>,
    order_id: i64,
    cart: &Cart,
) -> AppResult<()> {
    for item in &cart.items {
        sqlx::query!(
            "INSERT INTO order_lines (order_id, product_id, quantity, unit_price) \
             VALUES ($1, $2, $3, $4)",
            order_id,
            item.product_id,
            item.quantity as i32,
            item.unit_price.cents()
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn fetch_order(pool: &PgPool, id: i64) -> AppResult<Order> {
    sqlx::query_as::<_, Order>(
        "SELECT id, customer_session, status, total, created_at FROM orders WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or_else(|| AppError::not_found(format!("order {id}")))
}

/// The order a payment provider's reference belongs to (for the webhook).
pub async fn find_by_payment_ref(pool: &PgPool, reference: &str) -> AppResult<Option<Order>> {
    let order = sqlx::query_as::<_, Order>(
        "SELECT o.id, o.customer_session, o.status, o.total, o.created_at \
         FROM orders o JOIN payments p ON p.order_id = o.id WHERE p.reference = $1",
    )
    .bind(reference)
    .fetch_optional(pool)
    .await?;
    Ok(order)
}

/// The lines of one order (order pages and the nightly report read them).
pub async fn lines(pool: &PgPool, order_id: i64) -> AppResult<Vec<OrderLine>> {
    let lines = sqlx::query_as::<_, OrderLine>(
        "SELECT order_id, product_id, quantity, unit_price FROM order_lines WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_all(pool)
    .await?;
    Ok(lines)
}

pub async fn set_status(pool: &PgPool, order_id: i64, status: OrderStatus) -> AppResult<()> {
    sqlx::query!(
        "UPDATE orders SET status = $1 WHERE id = $2",
        status.as_str(),
        order_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

async fn order_view(pool: &PgPool, order_id: i64) -> AppResult<OrderView> {
    let order = fetch_order(pool, order_id).await?;
    Ok(OrderView {
        id: order.id,
        status: order.status.clone(),
        total: format_money(order.total, "EUR"),
        lines: lines(pool, order_id).await?,
    })
}
