//! A reader wrapper that lets the unpacker see what the tar parser cannot tell it.
//!
//! Owns two stream facts: whether the parser hit end-of-stream while looking for the next
//! header (tar-rs reports that as a clean end, which would hide a cut on a 512-byte boundary,
//! corpus F6), and a byte budget for everything read between two entries (long names, PAX
//! records, sparse maps: corpus F12/F13), so hostile extension headers cannot make the parser
//! allocate without bound. Must not interpret tar bytes itself (one parser, invariant I6).

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// Shared between the wrapper (owned by the archive) and the unpack loop.
#[derive(Debug, Default)]
pub(crate) struct GuardState {
    pos: Cell<u64>,
    between: Cell<bool>,
    budget: Cell<u64>,
    eof_between: Cell<bool>,
    exceeded: Cell<bool>,
}

impl GuardState {
    /// Bytes read from the stream so far.
    pub(crate) fn pos(&self) -> u64 {
        self.pos.get()
    }
    /// The parser is about to look for the next entry; allow `budget` bytes until it yields.
    pub(crate) fn begin_between(&self, budget: u64) {
        self.between.set(true);
        self.budget.set(budget);
        self.eof_between.set(false);
    }
    /// The parser yielded an entry (or gave up): reads are entry bodies again.
    pub(crate) fn end_between(&self) {
        self.between.set(false);
    }
    /// The stream ended while the parser looked for a header.
    pub(crate) fn eof_between(&self) -> bool {
        self.eof_between.get()
    }
    /// The budget between two entries was exhausted.
    pub(crate) fn exceeded(&self) -> bool {
        self.exceeded.get()
    }
}

/// The reader handed to `tar::Archive`.
pub(crate) struct Guarded<R> {
    inner: R,
    state: Rc<GuardState>,
}

impl<R: Read> Guarded<R> {
    /// Wraps `inner`, reporting into `state`.
    pub(crate) fn new(inner: R, state: Rc<GuardState>) -> Self {
        Self { inner, state }
    }
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let state = &self.state;
        let want = if state.between.get() {
            let budget = state.budget.get();
            if budget == 0 && !buf.is_empty() {
                state.exceeded.set(true);
                return Err(io::Error::other("extension headers exceed the cap"));
            }
            buf.len().min(usize::try_from(budget).unwrap_or(usize::MAX))
        } else {
            buf.len()
        };
        let n = self.inner.read(&mut buf[..want])?;
        state.pos.set(state.pos.get() + n as u64);
        if state.between.get() {
            if n == 0 && want > 0 {
                state.eof_between.set(true);
            }
            state.budget.set(state.budget.get() - n as u64);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_applies_only_between_entries() {
        let state = Rc::new(GuardState::default());
        let mut r = Guarded::new(&[7u8; 100][..], state.clone());
        let mut buf = [0u8; 64];
        assert_eq!(r.read(&mut buf).ok(), Some(64));
        state.begin_between(10);
        assert_eq!(r.read(&mut buf).ok(), Some(10));
        assert!(r.read(&mut buf).is_err());
        assert!(state.exceeded());
        state.end_between();
        assert_eq!(r.read(&mut buf).ok(), Some(26));
        assert_eq!(state.pos(), 100);
    }

    #[test]
    fn eof_is_noticed_only_while_looking_for_a_header() {
        let state = Rc::new(GuardState::default());
        let mut r = Guarded::new(&[][..], state.clone());
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).ok(), Some(0));
        assert!(!state.eof_between());
        state.begin_between(512);
        assert_eq!(r.read(&mut buf).ok(), Some(0));
        assert!(state.eof_between());
    }
}
