//! Safe extraction of an untrusted tar stream into a destination directory, as it arrives.
//!
//! Owns the public unpack API ([`unpack`], [`unpack_into`], [`UnpackOptions`],
//! [`UnpackSummary`]) and the stream loop: integrity (end-of-archive marker required, short
//! entries and cuts on a 512-byte boundary are errors), the cap on extension headers, and
//! draining what follows the marker. Per-entry policy lives in `extract.rs`, careful
//! filesystem calls in `dest_tree.rs`, name rules in `safe_path.rs`. Never prints: skips go
//! to the [`Reporter`] once each and into the summary. Used by `cp` downloads and for image
//! layers (issue 4), which is why prefix filtering and whiteouts are options.

use std::io::Read;
use std::path::Path;
use std::rc::Rc;

use super::error::TransferError;
use super::extract::Extractor;
use super::safe_path::NamePolicy;
use super::stream_guard::{GuardState, Guarded};
use crate::report::{Reporter, Skipped, TaskId};

/// Bytes of extension headers (GNU long names, PAX records, sparse maps) allowed before one
/// entry. Beyond it the stream is rejected (corpus F12, F13).
pub const EXTENSION_CAP: u64 = 4 << 20;
/// Bytes read from the stream at a time (the body buffer in `extract.rs` is as large).
const READ_BUFFER: usize = 64 * 1024;
/// Skip records kept in [`UnpackSummary::skipped`]; all are still reported and counted.
pub const MAX_RECORDED_SKIPS: usize = 10_000;

/// What to do with OCI/AUFS whiteout entries (`.wh.NAME`, `.wh..wh..opq`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WhiteoutMode {
    /// Extract them as the ordinary files they are (cp of a pod's tree).
    #[default]
    Keep,
    /// Flatten layers in order: `.wh.NAME` removes `NAME` from earlier layers, `.wh..wh..opq`
    /// empties its directory of earlier layers' contents. Removal never follows links and
    /// never touches what this same stream created.
    Apply,
}

/// How to extract.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnpackOptions {
    /// Only entries named this (component-wise) or below it are extracted, with the prefix
    /// removed: entry `PREFIX` becomes `dest` itself, `PREFIX/a` becomes `dest/a`. Others are
    /// skipped as unsafe (a stream should hold nothing else). `None`: every entry, as named.
    pub path_prefix: Option<String>,
    /// Only entries at or below this name are written, kept as named, under `dest` itself
    /// (`extract --path`): others are passed over silently; whiteouts on the way to it still
    /// apply. Unlike `path_prefix`, `dest` stays the root, so a symlink planted at `dest/NAME`
    /// is never followed.
    pub only_under: Option<String>,
    /// The stream must also read cleanly after the end-of-archive marker (image layers:
    /// their digest and the gzip checksum are checked at the very end); an error there
    /// fails the unpack instead of being ignored.
    pub whole_stream: bool,
    /// The root entry must be a directory (a trailing slash was given): anything else at the
    /// root is skipped.
    pub root_must_be_dir: bool,
    /// Apply numeric owners from the headers; honoured only when running as root.
    pub preserve_owner: bool,
    /// Whiteout handling (image layers).
    pub whiteouts: WhiteoutMode,
    /// Name rules of the destination platform.
    pub names: NamePolicy,
    /// Report written bytes to this task.
    pub progress: Option<TaskId>,
    /// Record completed entry names for a resumed transfer (`resume.rs`); costs memory per entry.
    pub track_resume: bool,
}

/// What an unpack did. [`unpack_into`] adds to an existing summary, so one summary can span a
/// transfer and its resumed continuations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnpackSummary {
    /// Regular files written.
    pub files: u64,
    /// Directory entries extracted.
    pub dirs: u64,
    /// Symlinks created.
    pub symlinks: u64,
    /// Hardlinks created.
    pub hardlinks: u64,
    /// File bytes written.
    pub bytes: u64,
    /// Existing names replaced (a later entry of the same name, or what was there before).
    pub replaced: u64,
    /// Whiteouts applied (nodes removed).
    pub whiteouts_applied: u64,
    /// The first [`MAX_RECORDED_SKIPS`] skipped paths.
    pub skipped: Vec<Skipped>,
    /// All skipped entries, including those past the cap and those below a skipped directory.
    pub skipped_count: u64,
    /// Kept symlinks that lead outside the destination (absolute, or `..` past the root when
    /// resolved link by link), as `name -> target`, escaped.
    pub escaping_links: Vec<String>,
    /// Non-zero bytes seen after the end-of-archive marker (ignored, never extracted).
    pub trailing_bytes: u64,
    /// Raw stream names of non-directory entries now complete on disk (with `track_resume`).
    pub completed: Vec<Vec<u8>>,
    /// Raw stream name of the entry being written when the stream broke.
    pub partial: Option<Vec<u8>>,
    /// The destination root was created by this copy (so a resumed attempt still gives it
    /// the stream's mode and mtime; a root that existed before is never changed).
    pub root_created: bool,
    /// With `track_resume`: what each name was counted as, so an entry a continuation sends
    /// again (directories, names that cannot be excluded, local skips) is counted once.
    pub tally: super::tally::Tally,
    /// The last regular files written, so one the remote tar reports as changed while read
    /// can be withdrawn (`withdraw.rs`).
    pub recent_files: super::withdraw::RecentFiles,
}

/// Extracts the tar stream `reader` into `dest`; see [`unpack_into`].
pub fn unpack<R: Read>(
    reader: R,
    dest: &Path,
    opts: &UnpackOptions,
    reporter: &dyn Reporter,
) -> Result<UnpackSummary, TransferError> {
    let mut summary = UnpackSummary::default();
    unpack_into(reader, dest, opts, reporter, &mut summary)?;
    Ok(summary)
}

/// Extracts the tar stream `reader` into `dest`, adding to `summary`.
///
/// `dest` is the mapped root (see `plan.rs`): it may exist as a directory (a symlink given by
/// the user is followed here, once), or not exist yet, its parent existing. Entries are
/// checked and written one by one as they arrive; symlinks are created after the stream
/// ends and directory modes and times are applied last, deepest first — also when the stream
/// breaks, so what was extracted is complete and consistent. A stream without its
/// end-of-archive marker, or with a short entry, is [`TransferError::Truncated`]; the entry
/// in progress is removed and named in [`UnpackSummary::partial`]. After the marker the
/// reader is drained to its end, so the caller can then collect the remote status.
pub fn unpack_into<R: Read>(
    reader: R,
    dest: &Path,
    opts: &UnpackOptions,
    reporter: &dyn Reporter,
    summary: &mut UnpackSummary,
) -> Result<(), TransferError> {
    let mut ex = Extractor::open(dest, opts, reporter, summary)?;
    let state = Rc::new(GuardState::default());
    // Buffered below the guard: tar reads each header, body and padding separately, and over
    // a bridged exec stream every read is a hand-off between threads (about 2 context switches
    // per small file, measured); one 64 KiB fill serves many small entries, and bodies read
    // with a buffer at least that large bypass it. The guard still counts consumed bytes.
    let reader = std::io::BufReader::with_capacity(READ_BUFFER, reader);
    let mut archive = tar::Archive::new(Guarded::new(reader, Rc::clone(&state)));
    let streamed = read_entries(&mut archive, &state, &mut ex);
    let finished = ex.finish();
    streamed?;
    finished?;
    let tail = drain(archive.into_inner(), summary, reporter);
    match tail {
        Some(source) if opts.whole_stream => Err(TransferError::Archive {
            offset: state.pos(),
            source,
        }),
        _ => Ok(()),
    }
}

/// Feeds every entry to the extractor and checks how the stream ended.
fn read_entries<R: Read>(
    archive: &mut tar::Archive<Guarded<R>>,
    state: &GuardState,
    ex: &mut Extractor<'_>,
) -> Result<(), TransferError> {
    let mut entries = archive.entries().map_err(|source| TransferError::Archive {
        offset: state.pos(),
        source,
    })?;
    let mut allowance = 0u64;
    loop {
        state.begin_between(EXTENSION_CAP.saturating_add(allowance));
        let next = entries.next();
        state.end_between();
        let mut entry = match next {
            None if state.eof_between() => {
                return Err(TransferError::Truncated {
                    offset: state.pos(),
                });
            }
            None => return Ok(()),
            Some(Err(source)) => return Err(stream_error(state, source)),
            Some(Ok(entry)) => entry,
        };
        let physical = if entry.header().entry_type().is_gnu_sparse() {
            entry.header().entry_size().unwrap_or(0)
        } else {
            entry.size()
        };
        let end = entry.raw_file_position().saturating_add(physical);
        ex.entry(&mut entry, state.pos())?;
        allowance = end.saturating_sub(state.pos());
    }
}

/// Names a parser error by what the guard saw.
fn stream_error(state: &GuardState, source: std::io::Error) -> TransferError {
    let offset = state.pos();
    if state.exceeded() {
        TransferError::MetadataTooLarge {
            offset,
            cap: EXTENSION_CAP,
        }
    } else if state.eof_between() {
        TransferError::Truncated { offset }
    } else {
        TransferError::Archive { offset, source }
    }
}

/// Reads what follows the end-of-archive marker (the second zero block, record padding,
/// anything else) to the end, so the exec can finish; non-zero bytes are counted and noted.
/// A read error there is returned (it matters for image layers, see `whole_stream`).
fn drain<R: Read>(
    mut reader: Guarded<R>,
    summary: &mut UnpackSummary,
    reporter: &dyn Reporter,
) -> Option<std::io::Error> {
    let mut buf = [0u8; 8192];
    let mut total = 0u64;
    let mut nonzero = 0u64;
    let mut error = None;
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                error = Some(e);
                break;
            }
            Ok(n) => {
                total += n as u64;
                nonzero += buf[..n].iter().filter(|b| **b != 0).count() as u64;
            }
        }
    }
    summary.trailing_bytes += nonzero;
    if nonzero > 0 {
        reporter.warn(&format_args!(
            "ignored {nonzero} non-zero bytes after the end-of-archive marker"
        ));
    } else if total < 512 && error.is_none() {
        reporter.warn(&"the archive ended with a single zero block (accepted as its end)");
    }
    error
}
