//! Inventory: stock levels and reservations, in the `stock` table.

use sqlx::{PgPool, Postgres, Transaction};

use crate::cart::CartItem;
use crate::error::{AppError, AppResult};
use crate::notifications::{self, Event};
use crate::AppState;

/// Units on hand that no order has reserved.
pub async fn available(pool: &PgPool, product_id: i64) -> AppResult<i64> {
    let available =
        sqlx::query_scalar::<_, i64>("SELECT on_hand - reserved FROM stock WHERE product_id = $1")
            .bind(product_id)
            .fetch_optional(pool)
            .await?;
    Ok(available.unwrap_or(0))
}

pub async fn is_available(pool: &PgPool, product_id: i64, quantity: u32) -> AppResult<bool> {
    Ok(available(pool, product_id).await? >= i64::from(quantity))
}

/// Reserves every line of a cart inside the checkout transaction, or fails as a whole.
pub async fn reserve(tx: &mut Transaction<'_, Postgres>, items: &[CartItem]) -> AppResult<()> {
    for item in items {
        let updated = sqlx::query!(
            "UPDATE stock SET reserved = reserved + $1 \
             WHERE product_id = $2 AND on_hand - reserved >= $1",
            i64::from(item.quantity),
            item.product_id
        )
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(AppError::BadRequest(format!(
                "product {} is out of stock",
                item.product_id
            )));
        }
    }
    Ok(())
}

/// Gives back what a failed or cancelled order had reserved.
pub async fn release(pool: &PgPool, order_id: i64) -> AppResult<()> {
    sqlx::query!(
        "UPDATE stock s SET reserved = s.reserved - l.quantity \
         FROM order_lines l WHERE l.order_id = $1 AND l.product_id = s.product_id",
        order_id
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Turns a paid order's reservation into a sale, and asks for restocking where it runs low.
pub async fn commit(state: &AppState, order_id: i64) -> AppResult<()> {
    let low = sqlx::query_as::<_, (i64, i64)>(
        "UPDATE stock s SET on_hand = s.on_hand - l.quantity, reserved = s.reserved - l.quantity \
         FROM order_lines l WHERE l.order_id = $1 AND l.product_id = s.product_id \
         RETURNING s.product_id, s.on_hand - s.reserved",
    )
    .bind(order_id)
    .fetch_all(&state.pool)
    .await?;
    for (product_id, remaining) in low.into_iter().filter(|(_, left)| *left < 5) {
        notifications::enqueue(
            &state.redis,
            &Event::LowStock {
                product_id,
                remaining,
            },
        )
        .await?;
    }
    Ok(())
}
