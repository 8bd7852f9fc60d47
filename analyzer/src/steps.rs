//! Step timings for profiling the analysis and the planner at scale: with the environment
//! variable `CLEAVE_STEP_TIMES` set, each marked step prints its wall time to standard error
//! (docs/benchmarks.md). Without it, marking costs one branch; nothing else changes.

use std::sync::OnceLock;
use std::time::Instant;

/// Whether step timings are on (read once).
fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("CLEAVE_STEP_TIMES").is_some())
}

/// Prints `what()` as a step's detail, when step timings are on.
pub fn note(what: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("step:   {}", what());
    }
}

/// A stopwatch over consecutive steps.
pub struct Steps {
    last: Option<Instant>,
}

impl Steps {
    /// Starts timing (a no-op stopwatch unless `CLEAVE_STEP_TIMES` is set).
    pub fn start() -> Steps {
        Steps {
            last: enabled().then(Instant::now),
        }
    }

    /// Whether timings are printed.
    pub fn on(&self) -> bool {
        self.last.is_some()
    }

    /// Prints the time since the previous mark (or the start) under the name `what()`.
    pub fn mark(&mut self, what: impl FnOnce() -> String) {
        if let Some(last) = self.last {
            let now = Instant::now();
            eprintln!(
                "step: {:<48} {:>8.3} s",
                what(),
                now.duration_since(last).as_secs_f64()
            );
            self.last = Some(now);
        }
    }
}
