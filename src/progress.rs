//! Phase progress of a long `plan` or `check` on standard error: a spinner naming the phase
//! (load, build, cluster and label, render, write) with the time so far. Drawn only when stderr
//! is a terminal, and only once the run has lasted about a second, so quick runs, pipes, logs and
//! tests see nothing of it.

use std::io::IsTerminal;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How long a run goes unannounced.
const DELAY: Duration = Duration::from_millis(1000);
/// How often the spinner turns.
const TICK: Duration = Duration::from_millis(120);

/// The spinner of one run, hidden until [`DELAY`] has passed; ends when dropped.
pub struct Phases {
    shown: Option<Shown>,
}

struct Shown {
    bar: ProgressBar,
    /// Dropped to tell the waiting thread the run ended before the delay.
    stop: Option<mpsc::Sender<()>>,
    waiter: Option<JoinHandle<()>>,
}

impl Phases {
    /// No spinner at all.
    pub fn off() -> Self {
        Phases { shown: None }
    }

    /// A spinner for a run, unless `quiet` or stderr is not a terminal.
    pub fn start(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Self::off();
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        let (stop, stopped) = mpsc::channel::<()>();
        let later = bar.clone();
        let waiter = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(delay()) {
                later.set_draw_target(ProgressDrawTarget::stderr());
                later.enable_steady_tick(TICK);
            }
        });
        Phases {
            shown: Some(Shown {
                bar,
                stop: Some(stop),
                waiter: Some(waiter),
            }),
        }
    }

    /// Names the phase now running.
    pub fn phase(&self, name: &str) {
        if let Some(s) = &self.shown {
            s.bar.set_message(format!("planning: {name}"));
        }
    }

    /// Runs `f` with the spinner off the screen: for a phase that draws its own progress bar
    /// (parsing Rust) or prints lines.
    pub fn hidden<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.shown {
            Some(s) => s.bar.suspend(f),
            None => f(),
        }
    }
}

impl Drop for Phases {
    fn drop(&mut self) {
        if let Some(s) = &mut self.shown {
            drop(s.stop.take());
            if let Some(w) = s.waiter.take() {
                let _ = w.join();
            }
            s.bar.finish_and_clear();
        }
    }
}

/// [`DELAY`], or `CLEAVE_PROGRESS_DELAY_MS` (for the tests that check the spinner on a terminal).
fn delay() -> Duration {
    std::env::var("CLEAVE_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(DELAY, Duration::from_millis)
}
