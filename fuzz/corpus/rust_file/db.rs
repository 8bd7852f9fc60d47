//! The Postgres pool and the redis connections.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use sqlx::postgres::{PgPool, PgPoolOptions};

pub async fn connect(url: &str) -> Result<PgPool, sqlx::Error> {
    PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(Duration::from_secs(5))
        .connect(url)
        .await
}

/// A multiplexed redis connection (cheap: shares one socket).
pub async fn redis_conn(client: &redis::Client) -> redis::RedisResult<MultiplexedConnection> {
    client.get_multiplexed_async_connection().await
}
