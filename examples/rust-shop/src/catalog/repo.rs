//! Product storage: Postgres, and a cache in front of it shared by every request of the process.

use std::collections::HashMap;
use std::sync::RwLock;

use lazy_static::lazy_static;
use sqlx::PgPool;

use super::Product;
use crate::error::AppResult;

lazy_static! {
    static ref PRODUCT_CACHE: RwLock<HashMap<i64, Product>> = RwLock::new(HashMap::new());
}

const PRODUCT_COLUMNS: &str = "id, sku, name, description, price, category, active";

pub trait ProductRepository {
    async fn find(&self, id: i64) -> AppResult<Option<Product>>;
    async fn list(
        &self,
        category: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> AppResult<Vec<Product>>;
}

pub struct PgProductRepository {
    pool: PgPool,
}

impl PgProductRepository {
    pub fn new(pool: PgPool) -> Self {
        PgProductRepository { pool }
    }
}

impl ProductRepository for PgProductRepository {
    async fn find(&self, id: i64) -> AppResult<Option<Product>> {
        let product = sqlx::query_as::<_, Product>(
            "SELECT id, sku, name, description, price, category, active \
             FROM products WHERE id = $1 AND active",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(product)
    }

    async fn list(
        &self,
        category: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> AppResult<Vec<Product>> {
        let offset = i64::from(page.saturating_sub(1)) * i64::from(per_page);
        let products = sqlx::query_as::<_, Product>(&format!(
            "SELECT {PRODUCT_COLUMNS} FROM products \
             WHERE active AND ($1::text IS NULL OR category = $1) \
             ORDER BY name LIMIT $2 OFFSET $3"
        ))
        .bind(category)
        .bind(i64::from(per_page))
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(products)
    }
}

/// Serves products from the process-wide cache, falling back to Postgres.
pub struct CachedProductRepository {
    inner: PgProductRepository,
}

impl CachedProductRepository {
    pub fn new(inner: PgProductRepository) -> Self {
        CachedProductRepository { inner }
    }

    fn cached(id: i64) -> Option<Product> {
        PRODUCT_CACHE.read().ok()?.get(&id).cloned()
    }

    fn remember(product: &Product) {
        if let Ok(mut cache) = PRODUCT_CACHE.write() {
            cache.insert(product.id, product.clone());
        }
    }
}

impl ProductRepository for CachedProductRepository {
    async fn find(&self, id: i64) -> AppResult<Option<Product>> {
        if let Some(product) = Self::cached(id) {
            return Ok(Some(product));
        }
        let found = self.inner.find(id).await?;
        if let Some(product) = &found {
            Self::remember(product);
        }
        Ok(found)
    }

    async fn list(
        &self,
        category: Option<&str>,
        page: u32,
        per_page: u32,
    ) -> AppResult<Vec<Product>> {
        let products = self.inner.list(category, page, per_page).await?;
        for product in &products {
            Self::remember(product);
        }
        Ok(products)
    }
}

/// Drops a product from the cache after an edit.
pub fn invalidate(id: i64) {
    if let Ok(mut cache) = PRODUCT_CACHE.write() {
        cache.remove(&id);
    }
}
