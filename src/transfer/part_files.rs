//! The temporary names of files being written (`dest_tree.rs` writes each file under a
//! private `.dfimage-part.*` name and renames it when whole), kept process-wide so that an
//! interrupted run (Ctrl-C, SIGTERM; see `app/dispatch.rs`) removes them instead of leaving
//! hidden partial files behind. After [`remove_all`] no new one is created.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static CLOSED: AtomicBool = AtomicBool::new(false);

fn live() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // a poisoned list is still a list of paths
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Creates the temporary file `path` with `create` and remembers it, under the list's lock,
/// so that [`remove_all`] runs wholly before (nothing is created: `Interrupted`) or after
/// (the file is in the list) — never between the file appearing and being listed.
pub(crate) fn create<T>(path: &Path, create: impl FnOnce(&Path) -> io::Result<T>) -> io::Result<T> {
    let mut live = live();
    if CLOSED.load(Ordering::SeqCst) {
        return Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "the copy was interrupted",
        ));
    }
    let made = create(path)?;
    live.push(path.to_owned());
    Ok(made)
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
    let mut live = live();
    CLOSED.store(true, Ordering::SeqCst);
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
            create(p, |p| std::fs::write(p, b"x")).unwrap_or_else(|e| panic!("{e}"));
        }
        release(&kept);
        assert_eq!(remove_all(), 1);
        assert!(kept.exists() && !part.exists());
        let late = dir.path().join(".late");
        let refused = create(&late, |p| std::fs::write(p, b"x"));
        assert!(
            refused.is_err() && !late.exists(),
            "no new temporary file after an interruption"
        );
    }
}
