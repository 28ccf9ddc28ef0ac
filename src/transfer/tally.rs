//! Counting each entry once across a resumed transfer (pure bookkeeping, no I/O).
//!
//! A continuation sends directories again (they are never excluded, or their subtrees would
//! go), completed files whose names cannot be excluded, and entries skipped locally. The
//! extractor asks the [`Tally`] before adding to the summary's counters, so the summary of a
//! resumed copy equals an uninterrupted one's. Only kept with `UnpackOptions::track_resume`
//! (it costs one name per entry).

use std::collections::HashMap;

/// What an entry name was counted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// A directory.
    Dir,
    /// A regular file of this many bytes.
    File(u64),
    /// A symlink.
    Symlink,
    /// A hardlink.
    Hardlink,
    /// A skipped entry.
    Skipped,
}

/// Raw stream names already counted, with what they were counted as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    names: HashMap<Vec<u8>, Counted>,
}

impl Tally {
    /// Records `raw` as `now`; returns what it was counted as before, if it was.
    pub fn record(&mut self, raw: &[u8], now: Counted) -> Option<Counted> {
        self.names.insert(raw.to_vec(), now)
    }

    /// What `raw` was counted as, if it was.
    pub fn get(&self, raw: &[u8]) -> Option<Counted> {
        self.names.get(raw).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_seen_again_returns_its_first_count() {
        let mut t = Tally::default();
        assert_eq!(t.record(b"./d", Counted::Dir), None);
        assert_eq!(t.record(b"./d", Counted::Dir), Some(Counted::Dir));
        assert_eq!(t.record(b"./f", Counted::File(3)), None);
        assert_eq!(t.record(b"./f", Counted::File(5)), Some(Counted::File(3)));
        assert_eq!(t.get(b"./f"), Some(Counted::File(5)));
        assert_eq!(t.get(b"./g"), None);
    }
}
