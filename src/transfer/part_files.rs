//! The temporary names of files being written (`dest_tree.rs` writes each file under a
//! private `.dfimage-part.*` name and renames it when whole), kept process-wide so that an
//! interrupted run (Ctrl-C, SIGTERM; see `app/dispatch.rs`) removes them instead of leaving
//! hidden partial files behind. After [`remove_all`] no new one is created.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static CLOSED: AtomicBool = AtomicBool::new(false);

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // a poisoned list is still a list of paths
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether new temporary files may still be created (false once the run was interrupted).
pub(crate) fn open() -> bool {
    !CLOSED.load(Ordering::SeqCst)
}

/// Remembers a temporary file just created.
pub(crate) fn register(path: &Path) {
    live().push(path.to_owned());
}

/// Forgets a temporary file that was renamed into place or removed.
pub(crate) fn release(path: &Path) {
    let mut live = live();
    if let Some(i) = live.iter().position(|p| p == path) {
        live.swap_remove(i);
    }
}

/// Removes every temporary file still being written and refuses new ones; returns how many
/// were removed.
pub fn remove_all() -> usize {
    CLOSED.store(true, Ordering::SeqCst);
    let mut live = live();
    live.drain(..)
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn released_files_stay_and_live_ones_are_removed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (kept, part) = (dir.path().join("kept"), dir.path().join(".part"));
        for p in [&kept, &part] {
            std::fs::write(p, b"x").unwrap_or_else(|e| panic!("{e}"));
            register(p);
        }
        release(&kept);
        assert!(open());
        assert_eq!(remove_all(), 1);
        assert!(kept.exists() && !part.exists());
        assert!(!open(), "no new temporary file after an interruption");
    }
}
