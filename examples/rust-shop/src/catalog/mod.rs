//! Catalog: product pages, listings and admin edits. Read-heavy, behind an in-memory
//! product cache.

mod repo;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

pub use self::repo::{CachedProductRepository, PgProductRepository, ProductRepository};
use crate::error::{AppError, AppResult};
use crate::util::{format_money, log_event, Money};
use crate::{images, inventory, AppState};

const DEFAULT_PAGE_SIZE: u32 = 24;
const MAX_PAGE_SIZE: u32 = 100;

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
pub struct Product {
    pub id: i64,
    pub sku: String,
    pub name: String,
    pub description: String,
    pub price: Money,
    pub category: String,
    pub active: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub category: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub struct NewProduct {
    pub sku: String,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub category: String,
}

/// What the storefront shows of a product.
#[derive(Debug, Serialize)]
pub struct ProductView {
    pub id: i64,
    pub name: String,
    pub price: String,
    pub in_stock: bool,
    pub image_url: String,
}

impl ProductView {
    pub fn from_product(product: &Product) -> Self {
        ProductView {
            id: product.id,
            name: product.name.clone(),
            price: format_money(product.price, "EUR"),
            in_stock: true,
            image_url: images::public_url(product.id, "medium"),
        }
    }
}

pub async fn list_products(
    State(state): State<AppState>,
    Query(query): Query<ListQuery>,
) -> AppResult<Json<Vec<ProductView>>> {
    let repo = repository(&state);
    let page = query.page.unwrap_or(1).max(1);
    let per_page = query
        .per_page
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    let products = repo.list(query.category.as_deref(), page, per_page).await?;
    Ok(Json(
        products.iter().map(ProductView::from_product).collect(),
    ))
}

pub async fn get_product(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> AppResult<Json<ProductView>> {
    let repo = repository(&state);
    let product = repo
        .find(id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("product {id}")))?;
    let mut view = ProductView::from_product(&product);
    view.in_stock = inventory::available(&state.pool, id).await? > 0;
    Ok(Json(view))
}

pub async fn create_product(
    State(state): State<AppState>,
    Json(new): Json<NewProduct>,
) -> AppResult<Json<Product>> {
    if new.sku.trim().is_empty() || new.name.trim().is_empty() || new.price_cents <= 0 {
        return Err(AppError::BadRequest(
            "sku, name and a positive price are required".into(),
        ));
    }
    let product = sqlx::query_as::<_, Product>(
        "INSERT INTO products (sku, name, description, price, category, active) \
         VALUES ($1, $2, $3, $4, $5, true) \
         RETURNING id, sku, name, description, price, category, active",
    )
    .bind(&new.sku)
    .bind(&new.name)
    .bind(&new.description)
    .bind(new.price_cents)
    .bind(&new.category)
    .fetch_one(&state.pool)
    .await?;
    repo::invalidate(product.id);
    log_event("catalog.created", &product.sku);
    Ok(Json(product))
}

/// The current price of a product, for the cart and the checkout.
pub async fn price_of(pool: &PgPool, product_id: i64) -> AppResult<Money> {
    let repo = CachedProductRepository::new(PgProductRepository::new(pool.clone()));
    match repo.find(product_id).await? {
        Some(product) => Ok(product.price),
        None => Err(AppError::not_found(format!("product {product_id}"))),
    }
}

fn repository(state: &AppState) -> CachedProductRepository {
    CachedProductRepository::new(PgProductRepository::new(state.pool.clone()))
}
