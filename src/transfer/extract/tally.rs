//! The extractor's counters: each entry name adds to the summary once per transfer, also
//! when a resumed attempt sends it again (see `transfer/tally.rs`).

use super::Extractor;
use crate::transfer::tally::Counted;

impl Extractor<'_> {
    /// Adds `raw`, counted as `now`, to the summary; `true` when it is new to this transfer
    /// (always without `track_resume`). A file sent again keeps one count, with its latest
    /// size.
    pub(super) fn count(&mut self, raw: &[u8], now: Counted) -> bool {
        let before = if self.opts.track_resume {
            self.summary.tally.record(raw, now)
        } else {
            None
        };
        let s = &mut *self.summary;
        match (before, now) {
            (Some(Counted::File(old)), Counted::File(size)) => {
                s.bytes = s.bytes.saturating_sub(old).saturating_add(size);
                false
            }
            (Some(prev), _) if prev == now => false,
            (prev, _) => {
                // a name counted as something else before is no longer that
                match prev {
                    Some(Counted::Dir) => s.dirs = s.dirs.saturating_sub(1),
                    Some(Counted::File(old)) => {
                        s.files = s.files.saturating_sub(1);
                        s.bytes = s.bytes.saturating_sub(old);
                    }
                    Some(Counted::Symlink) => s.symlinks = s.symlinks.saturating_sub(1),
                    Some(Counted::Hardlink) => s.hardlinks = s.hardlinks.saturating_sub(1),
                    // a skip was reported when it happened: it stays counted
                    Some(Counted::Skipped) | None => {}
                }
                match now {
                    Counted::Dir => s.dirs += 1,
                    Counted::File(size) => {
                        s.files += 1;
                        s.bytes += size;
                    }
                    Counted::Symlink => s.symlinks += 1,
                    Counted::Hardlink => s.hardlinks += 1,
                    Counted::Skipped => s.skipped_count += 1,
                }
                true
            }
        }
    }
}
