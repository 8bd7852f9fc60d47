//! Product images: an upload stores the original and queues a resize job; a consumer loop makes
//! the thumbnail, medium and large variants (CPU-heavy, on the blocking pool).

use std::path::{Path as FsPath, PathBuf};
use std::time::Duration;

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

use crate::error::{AppError, AppResult};
use crate::util::{log_error, log_event};
use crate::{db, AppState};

const UPLOAD_QUEUE: &str = "queue:image-uploads";
const VARIANTS: [(&str, u32); 3] = [("thumb", 150), ("medium", 600), ("large", 1200)];

#[derive(Debug, Serialize, Deserialize)]
struct ResizeJob {
    product_id: i64,
    original: PathBuf,
}

/// `POST /products/:id/images` (multipart, field `image`).
pub async fn upload_image(
    State(state): State<AppState>,
    Path(product_id): Path<i64>,
    mut multipart: Multipart,
) -> AppResult<StatusCode> {
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(e.to_string()))?
    {
        if field.name() != Some("image") {
            continue;
        }
        let data = field
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let original = store_original(&state.config.image_dir, product_id, &data).await?;
        enqueue_resize(&state.redis, product_id, original).await?;
        return Ok(StatusCode::ACCEPTED);
    }
    Err(AppError::BadRequest(
        "missing multipart field `image`".into(),
    ))
}

/// The URL where the storefront finds a variant.
pub fn public_url(product_id: i64, variant: &str) -> String {
    format!("/static/products/{product_id}/{variant}.jpg")
}

async fn store_original(dir: &str, product_id: i64, data: &[u8]) -> AppResult<PathBuf> {
    let path = FsPath::new(dir)
        .join(product_id.to_string())
        .join("original");
    if let Some(parent) = path.parent() {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(AppError::internal)?;
    }
    tokio::fs::write(&path, data)
        .await
        .map_err(AppError::internal)?;
    Ok(path)
}

async fn enqueue_resize(
    client: &redis::Client,
    product_id: i64,
    original: PathBuf,
) -> AppResult<()> {
    let job = ResizeJob {
        product_id,
        original,
    };
    let payload = serde_json::to_string(&job).map_err(AppError::internal)?;
    let mut conn = db::redis_conn(client).await?;
    conn.lpush::<_, _, ()>(UPLOAD_QUEUE, payload).await?;
    Ok(())
}

/// The consumer: one resize job at a time, off the async threads.
pub async fn run_consumer(state: AppState) {
    loop {
        let job = match next_job(&state.redis).await {
            Ok(Some(job)) => job,
            Ok(None) => continue,
            Err(err) => {
                log_error("images.queue", &err);
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        let dir = state.config.image_dir.clone();
        let product_id = job.product_id;
        let resized =
            tokio::task::spawn_blocking(move || resize_variants(&dir, product_id, &job.original))
                .await;
        match resized {
            Ok(Ok(variants)) => {
                if let Err(err) = record_variants(&state.pool, product_id, &variants).await {
                    log_error("images.record", &err);
                }
                log_event("images.resized", &format!("product {product_id}"));
            }
            Ok(Err(err)) => log_error("images.resize", &err),
            Err(err) => log_error("images.worker", &err),
        }
    }
}

async fn next_job(client: &redis::Client) -> AppResult<Option<ResizeJob>> {
    let mut conn = db::redis_conn(client).await?;
    let popped: Option<(String, String)> = conn.brpop(UPLOAD_QUEUE, 5.0).await?;
    Ok(popped.and_then(|(_, payload)| serde_json::from_str(&payload).ok()))
}

/// Decodes the original and writes every variant; returns the variant names written.
pub fn resize_variants(
    dir: &str,
    product_id: i64,
    original: &FsPath,
) -> Result<Vec<String>, image::ImageError> {
    let img = image::open(original)?;
    let mut written = Vec::with_capacity(VARIANTS.len());
    for (name, width) in VARIANTS {
        let resized = resize_to_width(&img, width);
        let path = FsPath::new(dir)
            .join(product_id.to_string())
            .join(format!("{name}.jpg"));
        resized.save_with_format(path, ImageFormat::Jpeg)?;
        written.push(name.to_string());
    }
    Ok(written)
}

fn resize_to_width(img: &DynamicImage, width: u32) -> DynamicImage {
    if img.width() <= width {
        return img.clone();
    }
    let height = (u64::from(img.height()) * u64::from(width) / u64::from(img.width())) as u32;
    img.resize_exact(width, height, FilterType::Lanczos3)
}

async fn record_variants(pool: &PgPool, product_id: i64, variants: &[String]) -> AppResult<()> {
    for variant in variants {
        sqlx::query!(
            "INSERT INTO product_images (product_id, variant, url) VALUES ($1, $2, $3) \
             ON CONFLICT (product_id, variant) DO UPDATE SET url = EXCLUDED.url",
            product_id,
            variant,
            public_url(product_id, variant)
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}
