//! Cart: one cart per session, stored in redis (`session:{id}:cart`) with a per-instance
//! in-memory copy so that repeated reads in one request burst skip the network.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use lazy_static::lazy_static;
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::util::{self, Money};
use crate::{catalog, db, inventory, AppState};

/// Carts expire after a week without changes.
const SESSION_TTL_SECS: u64 = 7 * 24 * 60 * 60;

lazy_static! {
    static ref CART_CACHE: Mutex<HashMap<String, Cart>> = Mutex::new(HashMap::new());
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Cart {
    pub session: String,
    pub items: Vec<CartItem>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CartItem {
    pub product_id: i64,
    pub quantity: u32,
    pub unit_price: Money,
}

#[derive(Debug, Deserialize)]
pub struct AddItem {
    pub product_id: i64,
    pub quantity: u32,
}

#[derive(Debug, Serialize)]
pub struct CartView {
    pub items: Vec<CartItem>,
    pub total: String,
}

impl Cart {
    pub fn new(session: &str) -> Self {
        Cart {
            session: session.to_string(),
            items: Vec::new(),
        }
    }

    pub fn total(&self) -> Money {
        self.items.iter().fold(Money::ZERO, |sum, item| {
            sum + item.unit_price.times(item.quantity)
        })
    }

    pub fn add(&mut self, product_id: i64, quantity: u32, unit_price: Money) {
        match self.items.iter_mut().find(|i| i.product_id == product_id) {
            Some(item) => {
                item.quantity += quantity;
                item.unit_price = unit_price;
            }
            None => self.items.push(CartItem {
                product_id,
                quantity,
                unit_price,
            }),
        }
    }
}

impl CartView {
    fn of(cart: &Cart) -> Self {
        CartView {
            items: cart.items.clone(),
            total: util::format_money(cart.total(), "EUR"),
        }
    }
}

/// The session id the storefront sends with every request.
pub fn session_id(headers: &HeaderMap) -> AppResult<String> {
    headers
        .get("x-session-id")
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .ok_or(AppError::Unauthorized)
}

pub async fn get_cart(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> AppResult<Json<CartView>> {
    let session = session_id(&headers)?;
    let cart = load_cart(&state.redis, &session).await?;
    Ok(Json(CartView::of(&cart)))
}

pub async fn add_item(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<AddItem>,
) -> AppResult<Json<CartView>> {
    let session = session_id(&headers)?;
    if request.quantity == 0 {
        return Err(AppError::BadRequest("quantity must be at least 1".into()));
    }
    if !inventory::is_available(&state.pool, request.product_id, request.quantity).await? {
        return Err(AppError::BadRequest("not enough stock".into()));
    }
    let price = catalog::price_of(&state.pool, request.product_id).await?;
    let mut cart = load_cart(&state.redis, &session).await?;
    cart.add(request.product_id, request.quantity, price);
    save_cart(&state.redis, &cart).await?;
    Ok(Json(CartView::of(&cart)))
}

pub async fn load_cart(client: &redis::Client, session: &str) -> AppResult<Cart> {
    if let Some(cart) = cached(session) {
        return Ok(cart);
    }
    let mut conn = db::redis_conn(client).await?;
    let raw: Option<String> = conn.get(format!("session:{session}:cart")).await?;
    let cart = match raw {
        Some(json) => serde_json::from_str(&json).map_err(AppError::internal)?,
        None => Cart::new(session),
    };
    remember(&cart);
    Ok(cart)
}

pub async fn save_cart(client: &redis::Client, cart: &Cart) -> AppResult<()> {
    let mut conn = db::redis_conn(client).await?;
    let json = serde_json::to_string(cart).map_err(AppError::internal)?;
    conn.set_ex::<_, _, ()>(
        format!("session:{}:cart", cart.session),
        json,
        SESSION_TTL_SECS,
    )
    .await?;
    remember(cart);
    Ok(())
}

/// Empties the cart after a successful checkout.
pub async fn clear_cart(client: &redis::Client, session: &str) -> AppResult<()> {
    let mut conn = client.get_multiplexed_async_connection().await?;
    conn.del::<_, ()>(format!("session:{session}:cart")).await?;
    if let Ok(mut cache) = CART_CACHE.lock() {
        cache.remove(session);
    }
    Ok(())
}

fn cached(session: &str) -> Option<Cart> {
    CART_CACHE.lock().ok()?.get(session).cloned()
}

fn remember(cart: &Cart) {
    if let Ok(mut cache) = CART_CACHE.lock() {
        cache.insert(cart.session.clone(), cart.clone());
    }
}
