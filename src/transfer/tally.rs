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

/// One name: when it first arrived, and what it was counted as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    seq: u64,
    counted: Option<Counted>,
}

/// Raw stream names seen, in order of first arrival, with what they were counted as.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    names: HashMap<Vec<u8>, Slot>,
    next: u64,
}

impl Tally {
    fn slot(&mut self, raw: &[u8]) -> &mut Slot {
        let next = &mut self.next;
        self.names.entry(raw.to_vec()).or_insert_with(|| {
            *next += 1;
            Slot {
                seq: *next,
                counted: None,
            }
        })
    }

    /// Notes that `raw` arrived in the stream (its first arrival fixes its place).
    pub fn arrive(&mut self, raw: &[u8]) {
        self.slot(raw);
    }

    /// Records `raw` as `now`; returns what it was counted as before, if it was.
    pub fn record(&mut self, raw: &[u8], now: Counted) -> Option<Counted> {
        self.slot(raw).counted.replace(now)
    }

    /// What `raw` was counted as, if it was.
    pub fn get(&self, raw: &[u8]) -> Option<Counted> {
        self.names.get(raw).and_then(|s| s.counted)
    }

    /// When `raw` first arrived (1-based), if it did.
    pub fn arrival(&self, raw: &[u8]) -> Option<u64> {
        self.names.get(raw).map(|s| s.seq)
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

    #[test]
    fn the_first_arrival_fixes_the_order_whatever_is_counted_later() {
        let mut t = Tally::default();
        t.arrive(b"./link");
        t.arrive(b"./file");
        t.record(b"./file", Counted::File(1));
        t.record(b"./link", Counted::Symlink); // links are made after the stream
        t.arrive(b"./link");
        assert!(t.arrival(b"./link") < t.arrival(b"./file"));
        assert_eq!(t.arrival(b"./none"), None);
    }
}
