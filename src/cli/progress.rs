//! Progress of a long evaluation on standard error: which source is being read
//! and how many KPIs are done. It appears only once an evaluation has run for a
//! second, only when standard error is a terminal, and never with `--quiet`, so
//! pipes, files and CI logs stay clean.

use crate::eval::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

use std::sync::mpsc;
use std::time::Duration;

/// How long an evaluation runs before its progress is shown.
const DELAY: Duration = Duration::from_secs(1);

/// A spinner line on standard error, hidden until [`DELAY`] has passed.
pub(crate) struct Spinner {
    bar: ProgressBar,
    /// Dropping the sender tells the waiting thread that the work is over.
    done: Option<mpsc::Sender<()>>,
    waiter: Option<std::thread::JoinHandle<()>>,
}

impl Spinner {
    /// A spinner for one evaluation; drawn nothing at all when `quiet` or when
    /// standard error is not a terminal.
    pub(crate) fn start(quiet: bool) -> Spinner {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        bar.set_style(ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("valid template"));
        if quiet || !std::io::stderr().is_terminal() {
            return Spinner { bar, done: None, waiter: None };
        }
        let (done, wait) = mpsc::channel::<()>();
        let shown = bar.clone();
        let waiter = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(DELAY) {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
        Spinner { bar, done: Some(done), waiter: Some(waiter) }
    }
}

impl Progress for Spinner {
    fn scanning(&self, source: &str, location: &crate::ir::Location, index: usize, of: usize) {
        let place = match location {
            crate::ir::Location::File { path, .. } => {
                path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned())
            }
            crate::ir::Location::Table { table, connection } => {
                format!("{table} on {} ({})", connection.name, connection.engine)
            }
        };
        self.bar.set_message(format!("reading source {}/{of}: {source} ({place})", index + 1));
    }

    fn kpis_done(&self, done: usize, of: usize) {
        self.bar.set_message(format!("scoring KPIs: {done}/{of} done"));
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(waiter) = self.waiter.take() {
            let _ = waiter.join();
        }
        self.bar.finish_and_clear();
    }
}
