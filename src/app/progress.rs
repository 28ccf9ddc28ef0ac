//! The indicatif implementation of [`Reporter`]: one bar per task on stderr, shown only on a
//! terminal and never with `-q`/`-v`/`--no-progress`. The only file that names indicatif.
//!
//! Warnings and skips are printed above the bars (through `MultiProgress::suspend`) so lines
//! and bars never interleave. Each skipped path is printed once.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::printer::Printer;
use crate::report::{Reporter, Skipped, TaskId};

/// Terminal progress plus the printer for lines.
pub struct TerminalReporter {
    printer: Printer,
    multi: Option<MultiProgress>,
    bars: Mutex<HashMap<TaskId, ProgressBar>>,
    seen: Mutex<HashSet<String>>,
    skipped: Mutex<Vec<Skipped>>,
    warnings: Mutex<usize>,
}

impl TerminalReporter {
    /// A reporter drawing bars when the printer allows it.
    pub fn new(printer: Printer) -> Self {
        let multi = printer
            .progress_enabled()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            printer,
            multi,
            bars: Mutex::new(HashMap::new()),
            seen: Mutex::new(HashSet::new()),
            skipped: Mutex::new(Vec::new()),
            warnings: Mutex::new(0),
        }
    }

    /// Every path skipped so far, in order.
    pub fn skipped_paths(&self) -> Vec<Skipped> {
        self.skipped.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// How many warnings were reported.
    pub fn warning_count(&self) -> usize {
        self.warnings.lock().map(|w| *w).unwrap_or_default()
    }

    /// Sets the text after a task's bar (e.g. the file count of a copy).
    pub fn describe(&self, id: TaskId, message: String) {
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(&id)
        {
            bar.set_message(message);
        }
    }

    fn line(&self, f: impl FnOnce()) {
        match &self.multi {
            Some(m) => m.suspend(f),
            None => f(),
        }
    }
}

fn style(total: Option<u64>) -> ProgressStyle {
    let template = if total.is_some() {
        "{prefix:>12.cyan} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta} {msg}"
    } else {
        "{prefix:>12.cyan} {spinner} {bytes} {bytes_per_sec} {msg}"
    };
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Reporter for TerminalReporter {
    fn task_started(&self, id: TaskId, label: &str, total: Option<u64>) {
        let Some(multi) = &self.multi else { return };
        let bar = multi.add(match total {
            Some(t) => ProgressBar::new(t),
            None => ProgressBar::new_spinner(),
        });
        bar.set_style(style(total));
        bar.set_prefix(label.to_owned());
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(id, bar);
        }
    }

    fn task_advanced(&self, id: TaskId, bytes: u64) {
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(&id)
        {
            bar.inc(bytes);
        }
    }

    fn task_finished(&self, id: TaskId) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.remove(&id)
        {
            bar.finish_and_clear();
        }
    }

    fn skipped(&self, skipped: &Skipped) {
        let first = self
            .seen
            .lock()
            .map(|mut s| s.insert(skipped.path.clone()))
            .unwrap_or(true);
        if !first {
            return;
        }
        if let Ok(mut s) = self.skipped.lock() {
            s.push(skipped.clone());
        }
        let detail = skipped
            .detail
            .as_deref()
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        self.line(|| {
            self.printer.stderr_line(format_args!(
                "skipped: {}: {}{detail}",
                skipped.path, skipped.reason
            ));
        });
    }

    fn warn(&self, message: &dyn fmt::Display) {
        if let Ok(mut w) = self.warnings.lock() {
            *w += 1;
        }
        self.line(|| self.printer.warn(message));
    }
}
