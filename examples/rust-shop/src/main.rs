//! rust-shop: an online shop built as one deployable. The HTTP API (axum), a nightly report
//! scheduler and two queue consumers (notifications, image resizing) all run in this process.

mod cart;
mod catalog;
mod chat;
mod db;
mod error;
mod images;
mod inventory;
mod notifications;
mod orders;
mod payments;
#[path = "jobs/nightly_report.rs"]
mod reporting;
mod util;

use std::sync::Arc;

use axum::{
    routing::{get, post},
    Router,
};
use tokio::net::TcpListener;

use crate::util::config::{self, Config};
use crate::util::logging as log;

/// Shared by every handler and background task.
#[derive(Clone)]
pub struct AppState {
    pub pool: sqlx::PgPool,
    pub redis: redis::Client,
    pub http: reqwest::Client,
    pub config: Arc<Config>,
    pub hub: Arc<chat::ChatHub>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    log::init_tracing();
    let config = Arc::new(config::load()?);
    let pool = db::connect(&config.database_url).await?;
    let redis = redis::Client::open(config.redis_url.as_str())?;
    let http = payments::provider::build_http_client(&config)?;
    let state = AppState {
        pool,
        redis,
        http,
        config: Arc::clone(&config),
        hub: chat::hub(),
    };

    // The scheduler and the queue consumers run next to the HTTP server, in the same process.
    tokio::spawn(reporting::run_scheduler(state.clone()));
    tokio::spawn(notifications::run_consumer(state.clone()));
    tokio::spawn(images::run_consumer(state.clone()));

    let listener = TcpListener::bind(&config.listen_addr).await?;
    log::log_event("startup", &format!("listening on {}", config.listen_addr));
    axum::serve(listener, router(state)).await?;
    Ok(())
}

/// Every HTTP route of the shop.
fn router(state: AppState) -> Router {
    Router::new()
        .route(
            "/products",
            get(catalog::list_products).post(catalog::create_product),
        )
        .route("/products/:id", get(catalog::get_product))
        .route("/products/:id/images", post(images::upload_image))
        .route("/cart", get(cart::get_cart))
        .route("/cart/items", post(cart::add_item))
        .route("/orders", post(orders::place_order))
        .route("/orders/:id/cancel", post(orders::cancel_order))
        .route(
            "/webhooks/payments",
            post(payments::webhook::handle_webhook),
        )
        .route("/chat/:room", get(chat::ws_handler))
        .with_state(state)
}
