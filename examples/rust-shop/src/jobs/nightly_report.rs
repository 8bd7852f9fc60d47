//! Reporting: the nightly sales report. A scheduler wakes once a day, walks every order of the
//! previous day page by page, and writes a CSV file and a summary row. It runs for minutes.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Duration;

use chrono::{NaiveDate, Timelike};
use sqlx::PgPool;
use tokio::time::{interval, MissedTickBehavior};

use crate::error::{AppError, AppResult};
use crate::orders::{self, Order, OrderLine};
use crate::util::{format_money, log_error, log_event, now_utc, Money};
use crate::AppState;

const PAGE_SIZE: i64 = 500;
const DAY: Duration = Duration::from_secs(24 * 60 * 60);
/// Pause between written chunks, to stay gentle with the shared report volume.
const WRITE_THROTTLE: Duration = Duration::from_millis(20);

#[derive(Debug, Default)]
pub struct DailyReport {
    pub day: NaiveDate,
    pub orders: u64,
    pub revenue: Money,
    pub units_by_product: HashMap<i64, u64>,
}

impl DailyReport {
    pub fn new(day: NaiveDate) -> Self {
        DailyReport {
            day,
            ..DailyReport::default()
        }
    }

    pub fn add(&mut self, order: &Order, lines: &[OrderLine]) {
        self.orders += 1;
        if order.status == "paid" {
            self.revenue = self.revenue + order.total;
        }
        for line in lines {
            *self.units_by_product.entry(line.product_id).or_default() +=
                u64::try_from(line.quantity).unwrap_or(0);
        }
    }

    pub fn to_csv(&self) -> String {
        let mut csv = String::from("metric,key,value\n");
        csv.push_str(&format!("orders,,{}\n", self.orders));
        csv.push_str(&format!("revenue,,{}\n", format_money(self.revenue, "EUR")));
        let mut products: Vec<_> = self.units_by_product.iter().collect();
        products.sort();
        for (product_id, units) in products {
            csv.push_str(&format!("units,{product_id},{units}\n"));
        }
        csv
    }
}

/// Runs the report every night at `report_hour` (UTC).
pub async fn run_scheduler(state: AppState) {
    // First run at the next `report_hour`, then every 24 hours.
    tokio::time::sleep(until_next_run(state.config.report_hour)).await;
    let mut ticker = interval(DAY);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        let Some(yesterday) = now_utc().date_naive().pred_opt() else {
            continue;
        };
        match run_nightly_report(&state, yesterday).await {
            Ok(report) => log_event(
                "reporting.done",
                &format!("{}: {} orders", report.day, report.orders),
            ),
            Err(err) => log_error("reporting.failed", &err),
        }
    }
}

/// Walks every order of `day` and writes the report.
pub async fn run_nightly_report(state: &AppState, day: NaiveDate) -> AppResult<DailyReport> {
    let mut report = DailyReport::new(day);
    let mut after_id = 0;
    loop {
        let page = orders_page(&state.pool, day, after_id).await?;
        if page.is_empty() {
            break;
        }
        for order in &page {
            let lines = orders::lines(&state.pool, order.id).await?;
            report.add(order, &lines);
            after_id = order.id;
        }
    }
    let path = Path::new(&state.config.report_dir).join(format!("sales-{day}.csv"));
    let csv = report.to_csv();
    tokio::task::spawn_blocking(move || write_report(&path, &csv))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    store_summary(&state.pool, &report).await?;
    Ok(report)
}

async fn orders_page(pool: &PgPool, day: NaiveDate, after_id: i64) -> AppResult<Vec<Order>> {
    let page = sqlx::query_as::<_, Order>(
        "SELECT id, customer_session, status, total, created_at FROM orders \
         WHERE created_at::date = $1 AND id > $2 ORDER BY id LIMIT $3",
    )
    .bind(day)
    .bind(after_id)
    .bind(PAGE_SIZE)
    .fetch_all(pool)
    .await?;
    Ok(page)
}

/// Blocking write, in chunks, with a pause between chunks.
fn write_report(path: &Path, csv: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut out = BufWriter::new(File::create(path)?);
    for chunk in csv.as_bytes().chunks(64 * 1024) {
        out.write_all(chunk)?;
        std::thread::sleep(WRITE_THROTTLE);
    }
    out.flush()
}

async fn store_summary(pool: &PgPool, report: &DailyReport) -> AppResult<()> {
    sqlx::query!(
        "INSERT INTO daily_reports (day, orders, revenue) VALUES ($1, $2, $3) \
         ON CONFLICT (day) DO UPDATE SET orders = EXCLUDED.orders, revenue = EXCLUDED.revenue",
        report.day,
        report.orders as i64,
        report.revenue.cents()
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Time from now to the next `hour`:00 UTC.
fn until_next_run(hour: u32) -> Duration {
    let now = now_utc();
    let seconds_today = u64::from(now.num_seconds_from_midnight());
    let target = u64::from(hour % 24) * 3600;
    let wait = if target > seconds_today {
        target - seconds_today
    } else {
        DAY.as_secs() - seconds_today + target
    };
    Duration::from_secs(wait)
}
