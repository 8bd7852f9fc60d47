//! Figures over every span kept in memory that does not grow with the spans: the time window of an
//! export (exact up to a cap, then start times bucketed, the buckets widened when there are too
//! many) and an operation's
//! durations (exact up to a cap, then log-scale buckets). Both depend only on the set of values
//! added, never on their order, so a streamed read gives what a read in one piece gives.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

/// Most distinct start-time buckets kept per export before they are widened.
const MAX_WINDOW_BUCKETS: usize = 1 << 18;
/// Share of spans at each end whose start times may be outliers.
const OUTLIER_SHARE: f64 = 0.01;
/// Durations kept exactly per operation; past that, log-scale buckets.
pub(super) const EXACT_DURATIONS: usize = 10_000;
/// Ratio between consecutive duration buckets: a quantile read from them is within 0.1 %.
const GAMMA: f64 = 1.002;

/// Spans whose start and end are kept exactly per export; past that, buckets.
const EXACT_STARTS: usize = 1 << 20;

/// Span start times (µs) and ends: every (start, end) while there are at most [`EXACT_STARTS`],
/// then bucketed by `width` µs, per bucket the count, earliest start and latest end.
#[derive(Debug, Clone)]
pub(super) struct WindowSketch {
    exact: Vec<(f64, f64)>,
    width: i64,
    buckets: FxHashMap<i64, (u64, f64, f64)>,
}

impl Default for WindowSketch {
    fn default() -> Self {
        Self {
            exact: Vec::new(),
            width: 1,
            buckets: FxHashMap::default(),
        }
    }
}

impl WindowSketch {
    /// Adds a span starting at `start_us` and lasting `duration_us` (negative or absent: 0).
    pub(super) fn add(&mut self, start_us: f64, duration_us: Option<f64>) {
        if !start_us.is_finite() {
            return;
        }
        let end = start_us + duration_us.unwrap_or(0.0).max(0.0);
        if self.buckets.is_empty() && self.exact.len() < EXACT_STARTS {
            self.exact.push((start_us, end));
            return;
        }
        for (s, e) in std::mem::take(&mut self.exact) {
            self.bucket(s, e);
        }
        self.bucket(start_us, end);
    }

    fn bucket(&mut self, start: f64, end: f64) {
        let b = self.buckets.entry(bucket(start, self.width)).or_insert((
            0,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ));
        b.0 += 1;
        b.1 = b.1.min(start);
        b.2 = b.2.max(end);
        while self.buckets.len() > MAX_WINDOW_BUCKETS {
            self.widen();
        }
    }

    /// Doubles the bucket width, merging neighbours.
    fn widen(&mut self) {
        self.width = self.width.saturating_mul(2);
        let old = std::mem::take(&mut self.buckets);
        for (k, (n, lo, hi)) in old {
            let b = self.buckets.entry(k.div_euclid(2)).or_insert((
                0,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ));
            b.0 += n;
            b.1 = b.1.min(lo);
            b.2 = b.2.max(hi);
        }
    }

    /// The time range the spans cover, in seconds, and how many spans were left out of it as
    /// outliers; `None` when no span has a timestamp.
    ///
    /// The robust core is the range between the 1st and 99th percentiles of start times (past
    /// [`EXACT_STARTS`] spans, each read as the earliest start of its bucket); a span starting more
    /// than that core's length (at least a minute) beyond it is an outlier. With no outlier the
    /// window is the full range of starts and ends.
    ///
    /// # Complexity
    /// O(n log n) for n kept spans or buckets.
    pub(super) fn window(&self) -> (Option<f64>, usize) {
        // Exact spans are buckets of their own.
        let mut buckets: Vec<(u64, f64, f64)> = if self.buckets.is_empty() {
            self.exact.iter().map(|&(s, e)| (1, s, e)).collect()
        } else {
            self.buckets.values().copied().collect()
        };
        if buckets.is_empty() {
            return (None, 0);
        }
        buckets.sort_unstable_by(|a, b| a.1.total_cmp(&b.1));
        let n: u64 = buckets.iter().map(|b| b.0).sum();
        let at = |q: f64| -> f64 {
            let rank = ((n - 1) as f64 * q).round() as u64;
            let mut seen = 0;
            for b in &buckets {
                seen += b.0;
                if seen > rank {
                    return b.1;
                }
            }
            buckets.last().map_or(0.0, |b| b.1)
        };
        let (lo_core, hi_core) = (at(OUTLIER_SHARE), at(1.0 - OUTLIER_SHARE));
        let slack = (hi_core - lo_core).max(60e6);
        let keep = |t: f64| t >= lo_core - slack && t <= hi_core + slack;
        let outliers: u64 = buckets.iter().filter(|b| !keep(b.1)).map(|b| b.0).sum();
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for b in &buckets {
            if outliers == 0 || keep(b.1) {
                lo = lo.min(b.1);
                hi = hi.max(b.2);
            }
        }
        (
            Some(if hi >= lo { (hi - lo) / 1e6 } else { 0.0 }),
            outliers as usize,
        )
    }
}

fn bucket(t: f64, width: i64) -> i64 {
    // Saturating cast: a start time beyond ±2^63 µs lands in the extreme buckets.
    (t.floor() as i64).div_euclid(width)
}

/// An operation's durations (ms): every value while there are at most [`EXACT_DURATIONS`], then
/// counts in log-scale buckets (a value `v` in bucket ⌊ln v / ln γ⌋, γ = 1.002), zeros apart.
#[derive(Debug, Clone, Default)]
pub(super) struct DurationSketch {
    exact: Vec<f64>,
    buckets: BTreeMap<i32, u64>,
    zeros: u64,
    count: u64,
    max: f64,
}

impl DurationSketch {
    /// Adds a finite, non-negative duration.
    pub(super) fn add(&mut self, ms: f64) {
        self.count += 1;
        self.max = self.max.max(ms);
        if self.buckets.is_empty() && self.zeros == 0 && self.exact.len() < EXACT_DURATIONS {
            self.exact.push(ms);
            return;
        }
        if !self.exact.is_empty() {
            for v in std::mem::take(&mut self.exact) {
                self.bucket(v);
            }
        }
        self.bucket(ms);
    }

    fn bucket(&mut self, ms: f64) {
        if ms <= 0.0 {
            self.zeros += 1;
        } else {
            *self
                .buckets
                .entry((ms.ln() / GAMMA.ln()).floor() as i32)
                .or_default() += 1;
        }
    }

    /// Whether any duration was added.
    pub(super) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// p50, p95 (nearest rank) and max. Exact while every value is kept; from the buckets a
    /// quantile is the bucket's geometric middle, within 0.1 % of the true value.
    ///
    /// # Complexity
    /// O(n log n) for n kept values, O(b) for b buckets.
    pub(super) fn figures(&mut self) -> (Option<f64>, Option<f64>, Option<f64>) {
        if self.count == 0 {
            return (None, None, None);
        }
        if self.buckets.is_empty() && self.zeros == 0 {
            self.exact.sort_by(f64::total_cmp);
            return (
                percentile(&self.exact, 0.50),
                percentile(&self.exact, 0.95),
                self.exact.last().copied(),
            );
        }
        let rank = |q: f64| ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let value = |r: u64| -> f64 {
            if r <= self.zeros {
                return 0.0;
            }
            let mut seen = self.zeros;
            for (&k, &n) in &self.buckets {
                seen += n;
                if seen >= r {
                    return GAMMA.powf(k as f64 + 0.5).min(self.max);
                }
            }
            self.max
        };
        (
            Some(value(rank(0.50))),
            Some(value(rank(0.95))),
            Some(self.max),
        )
    }
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}
