//! The reporting seam between the core and the terminal.
//!
//! Core code (`registry`, `transfer`, `cluster`, `image`) never prints: it tells a [`Reporter`]
//! what happened. `app/progress.rs` implements it with indicatif; tests use [`Recording`].
//! Only text crosses the seam, so warning types stay in the modules that define them.

use std::fmt;
use std::sync::Mutex;

/// Identifies one task (a layer download, a copy) across `task_*` calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskId(pub u64);

/// Why a path was skipped: the classes a user acts on differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// The reader or writer lacked permission.
    PermissionDenied,
    /// The file disappeared or changed while it was read.
    Vanished,
    /// The entry would have escaped the destination or written through a link.
    Unsafe,
    /// A type that is not copied on purpose (device, FIFO, socket, unknown).
    Unsupported,
    /// Any other I/O failure on this path alone.
    Io,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PermissionDenied => "permission denied",
            Self::Vanished => "vanished or changed while read",
            Self::Unsafe => "unsafe entry",
            Self::Unsupported => "unsupported entry type",
            Self::Io => "i/o error",
        })
    }
}

/// One path that was not copied or extracted, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// The path as the source named it, escaped for display.
    pub path: String,
    /// The class of the problem.
    pub reason: SkipReason,
    /// Optional detail (the OS error, the link target).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Receives progress and non-fatal events. Implementations must be cheap and thread-safe.
pub trait Reporter: Send + Sync {
    /// A task began; `total` is its size in bytes when known.
    fn task_started(&self, id: TaskId, label: &str, total: Option<u64>);
    /// `bytes` more bytes of the task were processed.
    fn task_advanced(&self, id: TaskId, bytes: u64);
    /// The task ended (successfully or not).
    fn task_finished(&self, id: TaskId);
    /// A path was skipped; reported once per path.
    fn skipped(&self, skipped: &Skipped);
    /// A non-fatal warning for the user.
    fn warn(&self, message: &dyn fmt::Display);
}

/// A reporter that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Noop;

impl Reporter for Noop {
    fn task_started(&self, _: TaskId, _: &str, _: Option<u64>) {}
    fn task_advanced(&self, _: TaskId, _: u64) {}
    fn task_finished(&self, _: TaskId) {}
    fn skipped(&self, _: &Skipped) {}
    fn warn(&self, _: &dyn fmt::Display) {}
}

/// A reporter that remembers warnings and skips, for tests and for summaries.
#[derive(Debug, Default)]
pub struct Recording {
    warnings: Mutex<Vec<String>>,
    skipped: Mutex<Vec<Skipped>>,
}

impl Recording {
    /// The warnings received so far, in order.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.lock().map(|w| w.clone()).unwrap_or_default()
    }
    /// The skipped paths received so far, in order.
    pub fn skipped_paths(&self) -> Vec<Skipped> {
        self.skipped.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Reporter for Recording {
    fn task_started(&self, _: TaskId, _: &str, _: Option<u64>) {}
    fn task_advanced(&self, _: TaskId, _: u64) {}
    fn task_finished(&self, _: TaskId) {}
    fn skipped(&self, skipped: &Skipped) {
        if let Ok(mut s) = self.skipped.lock() {
            s.push(skipped.clone());
        }
    }
    fn warn(&self, message: &dyn fmt::Display) {
        if let Ok(mut w) = self.warnings.lock() {
            w.push(message.to_string());
        }
    }
}
