//! Turns the record stream of the file-by-file walk (`filewise.rs`) into a tar stream, as it
//! arrives, so a tar-less download goes through the very same safe unpack (`unpack.rs`,
//! `extract.rs`, `dest_tree.rs`, `safe_path.rs`) as a real tar's.
//!
//! Owns the record format's integrity: every record must start with the copy's nonce (else
//! the stream is malformed and the copy fails); a file's bytes are delivered only once it is
//! known that no trailer starts inside them, and its last byte only once its trailer says
//! `cat` succeeded; a file whose trailer comes early (it shrank, or `cat` failed) or late (it
//! grew) is *withdrawn*: the body read fails with a [`Withdrawn`] error, which the extractor
//! turns into a skip (the partial file never gets its final name), then zeros fill the
//! declared size so the tar stream stays aligned. A stream that ends inside a file or
//! between records yields a short tar stream, which the unpacker reports as truncated.
//! Per-path problems the walk reports in band (unreadable, vanished) become
//! [`RemoteMessage`]s, reported once as they arrive. A file whose record says it has more
//! than one link and whose (device, inode) was already delivered whole in this stream
//! becomes a tar hardlink to that first name (its bytes are read past), so the copy keeps
//! one inode as with a real tar. Every name of a multiply-linked file is remembered
//! ([`FilewiseStream::linked_names`]): a resumed walk sends those names again, since a
//! continuation's stream cannot link to a file an earlier one delivered. Never touches the
//! filesystem.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Read};
use std::rc::Rc;

use super::filewise_record::{Line, entry_type, header_bytes, parse_line};
use super::remote_stderr::RemoteMessage;
use super::safe_path::escape_for_display;
use crate::report::Reporter;

/// Bytes read from the exec stream at a time.
const CHUNK: usize = 64 * 1024;
/// Longest record line accepted.
const LINE_CAP: usize = 512;
/// Longest name or symlink target accepted (deep trees exceed PATH_MAX).
const NAME_CAP: usize = 1 << 20;
/// Multiply-linked inodes remembered for hardlinks; beyond this, later names are whole files.
const MAX_INODES: usize = 100_000;

/// The error a withdrawn file's body read returns; the extractor skips that entry.
#[derive(Debug)]
pub struct Withdrawn {
    /// Why, for the skip record.
    pub detail: &'static str,
}

impl std::fmt::Display for Withdrawn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.detail)
    }
}

impl std::error::Error for Withdrawn {}

/// The detail of a [`Withdrawn`] error, when `err` is one.
pub(crate) fn withdrawn_detail(err: &io::Error) -> Option<&'static str> {
    err.get_ref()
        .and_then(|e| e.downcast_ref::<Withdrawn>())
        .map(|w| w.detail)
}

/// Where the converter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a record line.
    Head,
    /// Inside a file's bytes.
    Body { remaining: u64, pad: u64 },
    /// A withdrawn file: zeros for the rest of its declared size, then padding.
    Zeros { remaining: u64, pad: u64 },
    /// The end record was seen.
    Done,
}

/// In-band problems collected while converting (shared with the caller).
pub type Notes = Rc<RefCell<Vec<RemoteMessage>>>;

/// The converter: read it as a tar stream.
pub struct FilewiseStream<'a, R> {
    inner: R,
    buf: Vec<u8>,
    scratch: Box<[u8]>,
    start: usize,
    eof: bool,
    nonce: Vec<u8>,
    trailer: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    state: State,
    notes: Notes,
    reporter: &'a dyn Reporter,
    /// The display name of the file in progress.
    current: String,
    /// Multiply-linked files delivered whole: (device, inode) -> first raw name.
    inodes: HashMap<(u64, u64), Vec<u8>>,
    /// The file in progress, when it has more links: remembered once it is complete.
    linked: Option<((u64, u64), Vec<u8>)>,
    /// Every name delivered (whole or as a hardlink) of a file with more than one link.
    linked_names: Vec<Vec<u8>>,
}

impl<'a, R: Read> FilewiseStream<'a, R> {
    /// Converts `inner`, the stdout of [`super::filewise::walk_argv`] run with `nonce`.
    pub fn new(inner: R, nonce: &str, reporter: &'a dyn Reporter, notes: Notes) -> Self {
        Self {
            inner,
            buf: Vec::with_capacity(2 * CHUNK),
            scratch: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            eof: false,
            nonce: nonce.as_bytes().to_vec(),
            trailer: [b"\n", nonce.as_bytes(), b" x "].concat(),
            out: Vec::new(),
            out_pos: 0,
            state: State::Head,
            notes,
            reporter,
            current: String::new(),
            inodes: HashMap::new(),
            linked: None,
            linked_names: Vec::new(),
        }
    }

    /// The names of multiply-linked files this stream delivered (at most `MAX_INODES`).
    pub fn linked_names(self) -> Vec<Vec<u8>> {
        self.linked_names
    }

    fn note_linked(&mut self, name: &[u8]) {
        if self.linked_names.len() < MAX_INODES {
            self.linked_names.push(name.to_vec());
        }
    }

    fn avail(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Reads until `n` bytes are buffered or the stream ends.
    fn fill_to(&mut self, n: usize) -> io::Result<()> {
        while self.buf.len() - self.start < n && !self.eof {
            if self.start > 0 {
                self.buf.drain(..self.start);
                self.start = 0;
            }
            match self.inner.read(&mut self.scratch) {
                Ok(0) => self.eof = true,
                Ok(n) => self.buf.extend_from_slice(&self.scratch[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Buffers up to and including the next `delim` (at most `cap` bytes) and returns its
    /// index in `avail()`; `None` at the end of the stream.
    fn find_delim(&mut self, delim: u8, cap: usize) -> io::Result<Option<usize>> {
        let mut scanned = 0;
        loop {
            if let Some(i) = self.avail()[scanned..].iter().position(|b| *b == delim) {
                return Ok(Some(scanned + i));
            }
            scanned = self.avail().len();
            if scanned > cap {
                return Err(malformed("a record field is too long"));
            }
            if self.eof {
                return Ok(None);
            }
            self.fill_to(scanned + 1)?;
        }
    }

    /// Takes the bytes before the next `delim` and the delimiter.
    fn take_field(&mut self, delim: u8, cap: usize) -> io::Result<Option<Vec<u8>>> {
        let Some(i) = self.find_delim(delim, cap)? else {
            return Ok(None);
        };
        let field = self.avail()[..i].to_vec();
        self.start += i + 1;
        Ok(Some(field))
    }

    fn note(&mut self, message: RemoteMessage) {
        if let Some(s) = message.skipped() {
            self.reporter.skipped(&s);
        }
        self.notes.borrow_mut().push(message);
    }

    /// Reads one record; `false` when the stream ended first.
    fn next_record(&mut self) -> io::Result<bool> {
        let Some(line) = self.take_field(b'\n', LINE_CAP)? else {
            return Ok(false);
        };
        let parsed = parse_line(&line, &self.nonce)
            .ok_or_else(|| malformed("a record does not start with this copy's nonce"))?;
        if parsed == Line::End {
            self.out.resize(1024, 0);
            self.state = State::Done;
            return Ok(true);
        }
        let Some(name) = self.take_field(0, NAME_CAP)? else {
            return Ok(false);
        };
        let path = escape_for_display(&name);
        let Line::Node {
            kind,
            mode,
            size,
            dev,
            ino,
            nlink,
            ..
        } = parsed
        else {
            self.note(if parsed == Line::Denied {
                RemoteMessage::PermissionDenied { path }
            } else {
                RemoteMessage::Vanished { path }
            });
            return Ok(true);
        };
        let link = if kind == b'l' {
            let Some(target) = self.take_field(0, NAME_CAP)? else {
                return Ok(false);
            };
            match target.strip_suffix(b"\n") {
                Some(t) if !t.is_empty() => Some(t.to_vec()),
                // readlink failed: the link went away between stat and readlink
                _ => {
                    self.note(RemoteMessage::Vanished { path });
                    return Ok(true);
                }
            }
        } else {
            None
        };
        let Some(ty) = entry_type(mode) else {
            self.note(RemoteMessage::SocketIgnored { path });
            return Ok(true);
        };
        if kind == b'f'
            && nlink > 1
            && let Some(first) = self.inodes.get(&(dev, ino))
        {
            // a second name of a file already sent: a hardlink; its bytes are not needed
            self.out = header_bytes(&name, tar::EntryType::Link, &parsed, 0, Some(first));
            self.note_linked(&name);
            self.out_pos = 0;
            self.resync();
            return Ok(true);
        }
        let size = if kind == b'f' { size } else { 0 };
        self.out = header_bytes(&name, ty, &parsed, size, link.as_deref());
        self.out_pos = 0;
        if kind == b'f' {
            if nlink > 1 {
                self.note_linked(&name);
            }
            self.linked = (nlink > 1).then(|| ((dev, ino), name.clone()));
            self.current = path;
            self.state = State::Body {
                remaining: size,
                pad: size.next_multiple_of(512) - size,
            };
        }
        Ok(true)
    }

    /// The exit status in the trailer line starting at `at` (`None` when the stream ended).
    fn trailer_status(&mut self, at: usize) -> io::Result<Option<(bool, usize)>> {
        let from = at + self.trailer.len();
        self.fill_to(from + 8)?;
        let rest = &self.avail()[from.min(self.avail().len())..];
        let Some(nl) = rest.iter().take(8).position(|b| *b == b'\n') else {
            if self.eof {
                return Ok(None);
            }
            return Err(malformed("a file trailer is malformed"));
        };
        Ok(Some((&rest[..nl] == b"0", from + nl + 1)))
    }

    /// Skips to the end of the next trailer line (it is at the start when a file shrank,
    /// later when it grew); stops at the end of the stream.
    fn resync(&mut self) {
        loop {
            let avail = self.avail();
            if let Some(j) = find(avail, &self.trailer) {
                self.start += j;
                if let Ok(Some((_, end))) = self.trailer_status(0) {
                    self.start += end;
                }
                return;
            }
            let keep = self.trailer.len().min(avail.len());
            self.start += avail.len() - keep;
            if self.eof || self.fill_to(keep + CHUNK).is_err() {
                return;
            }
        }
    }

    /// Gives up on the file in progress: skip its bytes, then fill with zeros.
    fn withdraw(&mut self, remaining: u64, pad: u64, detail: &'static str) -> io::Error {
        self.linked = None;
        self.resync();
        self.state = State::Zeros { remaining, pad };
        io::Error::other(Withdrawn { detail })
    }

    /// Serves file bytes that are certainly the file's.
    fn body(&mut self, dst: &mut [u8], remaining: u64, pad: u64) -> io::Result<usize> {
        let l = self.trailer.len();
        let want = usize::try_from(remaining).unwrap_or(usize::MAX).min(CHUNK) + l;
        self.fill_to(want)?;
        let window = self.avail().len().min(
            usize::try_from(remaining)
                .unwrap_or(usize::MAX)
                .saturating_add(l),
        );
        let found = find(&self.avail()[..window], &self.trailer);
        let deliverable = match found {
            Some(j) if (j as u64) < remaining && j > 0 => j,
            Some(j) if (j as u64) < remaining => {
                return Err(self.withdraw(
                    remaining,
                    pad,
                    "remote: the file shrank or could not be read to its end",
                ));
            }
            Some(j) => match self.trailer_status(j)? {
                None => return Ok(0),
                Some((false, _)) => {
                    return Err(self.withdraw(
                        remaining,
                        pad,
                        "remote: cat failed while reading the file",
                    ));
                }
                Some((true, _)) => j,
            },
            None if window as u64 == remaining + l as u64 => {
                return Err(self.withdraw(
                    remaining,
                    pad,
                    "remote: the file grew while it was read",
                ));
            }
            None => (window + 1)
                .saturating_sub(l)
                .min(usize::try_from(remaining - 1).unwrap_or(usize::MAX)),
        };
        if deliverable == 0 {
            return Ok(0); // the stream ended inside the file
        }
        let n = deliverable.min(dst.len());
        dst[..n].copy_from_slice(&self.avail()[..n]);
        self.start += n;
        let remaining = remaining - n as u64;
        if remaining == 0 {
            // the trailer is right here and said success
            if let Some((_, end)) = self.trailer_status(0)? {
                self.start += end;
            }
            self.remember_linked();
            self.out = vec![0; usize::try_from(pad).unwrap_or(0)];
            self.out_pos = 0;
            self.state = State::Head;
        } else {
            self.state = State::Body { remaining, pad };
        }
        Ok(n)
    }

    /// An empty file: its trailer follows the name directly. If bytes came first, the file
    /// grew after `stat`: the empty file stays (it was complete when stat'ed) and the path
    /// is noted as changed.
    fn empty_file(&mut self) -> io::Result<bool> {
        self.fill_to(self.trailer.len())?;
        if !self.avail().starts_with(&self.trailer) {
            if self.eof {
                return Ok(false);
            }
            let path = std::mem::take(&mut self.current);
            self.linked = None;
            self.resync();
            self.note(RemoteMessage::Changed { path });
            self.state = State::Head;
            return Ok(true);
        }
        let Some((ok, end)) = self.trailer_status(0)? else {
            return Ok(false);
        };
        self.start += end;
        if ok {
            self.remember_linked();
        }
        self.state = State::Head;
        Ok(true)
    }

    /// The file just delivered whole is the first name of its inode.
    fn remember_linked(&mut self) {
        if let Some((key, name)) = self.linked.take()
            && self.inodes.len() < MAX_INODES
        {
            self.inodes.entry(key).or_insert(name);
        }
    }
}

impl<R: Read> Read for FilewiseStream<'_, R> {
    fn read(&mut self, dst: &mut [u8]) -> io::Result<usize> {
        if dst.is_empty() {
            return Ok(0);
        }
        loop {
            if self.out_pos < self.out.len() {
                let n = (self.out.len() - self.out_pos).min(dst.len());
                dst[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                return Ok(n);
            }
            self.out.clear();
            self.out_pos = 0;
            match self.state {
                State::Done => {
                    // let the command finish: read whatever follows to the end
                    while !self.eof {
                        self.start = self.buf.len();
                        self.fill_to(1)?;
                    }
                    return Ok(0);
                }
                State::Head => {
                    if !self.next_record()? {
                        return Ok(0);
                    }
                }
                State::Body { remaining: 0, .. } => {
                    if !self.empty_file()? {
                        return Ok(0);
                    }
                }
                State::Body { remaining, pad } => return self.body(dst, remaining, pad),
                State::Zeros { remaining: 0, pad } => {
                    self.out = vec![0; usize::try_from(pad).unwrap_or(0)];
                    self.state = State::Head;
                }
                State::Zeros { remaining, pad } => {
                    let n = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(dst.len());
                    dst[..n].fill(0);
                    self.state = State::Zeros {
                        remaining: remaining - n as u64,
                        pad,
                    };
                    return Ok(n);
                }
            }
        }
    }
}

fn malformed(what: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// The first index of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(i) = hay.get(from..)?.iter().position(|b| *b == first) {
        let at = from + i;
        if hay.len() - at < needle.len() {
            // a partial match at the end does not count
            return None;
        }
        if hay[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

// the tests check modes and inodes of what they unpack
#[cfg(all(test, unix))]
mod tests;
