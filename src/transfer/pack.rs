//! Local tree -> tar stream, for uploads (`tar x` reads it from exec stdin).
//!
//! Owns the upload side of the corpus (group K): walkdir without following links (the root
//! too, like `cp -P`); symlinks travel as symlinks with their target bytes unchanged;
//! a second name of an inode travels as a hardlink entry; directories get their own
//! entries so their modes travel; FIFOs, sockets and devices are never opened; unreadable
//! files and directories are reported as skipped and left out; a file that shrinks or grows
//! while read is sent with exactly its declared size and reported. Writes to any `Write`;
//! the lead bridges it to exec stdin and closes stdin afterwards. Never prints.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::error::TransferError;
use super::platform;
use super::safe_path::escape_for_display;
use crate::report::{Reporter, SkipReason, Skipped, TaskId};

/// What a pack did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackSummary {
    /// Regular files sent.
    pub files: u64,
    /// Directories sent.
    pub dirs: u64,
    /// Symlinks sent.
    pub symlinks: u64,
    /// Hardlink entries sent.
    pub hardlinks: u64,
    /// File bytes sent.
    pub bytes: u64,
    /// Paths left out (or sent inconsistent), each once.
    pub skipped: Vec<Skipped>,
    /// Every entry sent, in archive order, to match the remote tar's errors against.
    pub sent: Vec<SentEntry>,
}

/// One entry of the archive as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentEntry {
    /// The member name, escaped like the remote tar's diagnostics are.
    pub name: String,
    /// What it is.
    pub kind: SentKind,
    /// File bytes (0 for the other kinds).
    pub bytes: u64,
}

/// The kind of a [`SentEntry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentKind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// A symlink or a hardlink entry.
    Link,
}

/// Pack switches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PackOptions {
    /// Report sent bytes to this task.
    pub progress: Option<TaskId>,
}

/// Writes `source` as a tar stream whose root entry is named `archive_root` (`.` sends the
/// contents of a directory without a root entry), ending with the end-of-archive marker.
pub fn pack<W: Write>(
    source: &Path,
    archive_root: &OsStr,
    writer: W,
    opts: &PackOptions,
    reporter: &dyn Reporter,
) -> Result<PackSummary, TransferError> {
    let mut packer = Packer {
        builder: tar::Builder::new(writer),
        summary: PackSummary::default(),
        opts,
        reporter,
        seen: HashMap::new(),
    };
    let walk = walkdir::WalkDir::new(source)
        .follow_links(false)
        .follow_root_links(false)
        .sort_by_file_name();
    let mut it = walk.into_iter();
    while let Some(next) = it.next() {
        let entry = match next {
            Ok(entry) => entry,
            Err(err) => {
                let path = err
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| source.to_path_buf());
                let io = err
                    .into_io_error()
                    .unwrap_or_else(|| io::Error::other("walk error"));
                packer.skip(&path, &io);
                continue;
            }
        };
        let rel = entry.path().strip_prefix(source).unwrap_or(Path::new(""));
        let name = archive_name(archive_root, rel);
        let Some(name) = name else { continue };
        if !packer.entry(entry.path(), &name, entry.file_type())? && entry.file_type().is_dir() {
            it.skip_current_dir();
        }
    }
    let path = source.to_path_buf();
    let fail = |source| TransferError::Pack {
        path: path.clone(),
        source,
    };
    packer.builder.finish().map_err(fail)?;
    packer
        .builder
        .into_inner()
        .and_then(|mut w| w.flush())
        .map_err(fail)?;
    Ok(packer.summary)
}

/// The member names (raw bytes) of the directories [`pack`] would send for `source` under
/// `archive_root`, in walk order, for the remote clash check. Unreadable parts are left out
/// here (pack reports them).
pub fn dir_member_names(source: &Path, archive_root: &OsStr) -> Vec<Vec<u8>> {
    walkdir::WalkDir::new(source)
        .follow_links(false)
        .follow_root_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir())
        .filter_map(|e| {
            let rel = e.path().strip_prefix(source).ok()?;
            let name = archive_name(archive_root, rel)?;
            Some(platform::name_bytes(name.as_os_str()).to_vec())
        })
        .collect()
}

/// `ROOT/rel`, or just `rel` when the root is `.` (`None` for the root itself then).
fn archive_name(root: &OsStr, rel: &Path) -> Option<PathBuf> {
    if root == "." {
        return (!rel.as_os_str().is_empty()).then(|| rel.to_path_buf());
    }
    if rel.as_os_str().is_empty() {
        return Some(PathBuf::from(root)); // `join("")` would add a trailing `/`
    }
    Some(Path::new(root).join(rel))
}

struct Packer<'a, W: Write> {
    builder: tar::Builder<W>,
    summary: PackSummary,
    opts: &'a PackOptions,
    reporter: &'a dyn Reporter,
    seen: HashMap<(u64, u64), PathBuf>,
}

impl<W: Write> Packer<'_, W> {
    /// Sends one node; `Ok(false)` when it was left out.
    fn entry(
        &mut self,
        path: &Path,
        name: &Path,
        kind: fs::FileType,
    ) -> Result<bool, TransferError> {
        let meta = match fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) => return Ok(self.skip(path, &e)),
        };
        let mut header = tar::Header::new_gnu();
        header.set_metadata_in_mode(&meta, tar::HeaderMode::Complete);
        let fail = |source| TransferError::Pack {
            path: path.to_path_buf(),
            source,
        };
        if kind.is_dir() {
            if let Err(e) = fs::read_dir(path) {
                return Ok(self.skip(path, &e));
            }
            header.set_size(0);
            self.builder
                .append_data(&mut header, name, io::empty())
                .map_err(fail)?;
            self.summary.dirs += 1;
            self.sent(name, SentKind::Dir, 0);
        } else if kind.is_symlink() {
            let target = match fs::read_link(path) {
                Ok(t) => t,
                Err(e) => return Ok(self.skip(path, &e)),
            };
            header.set_size(0);
            let bytes = platform::name_bytes(target.as_os_str());
            if bytes.len() < 100 {
                header.set_link_name_literal(bytes).map_err(fail)?;
                self.builder
                    .append_data(&mut header, name, io::empty())
                    .map_err(fail)?;
            } else {
                self.builder
                    .append_link(&mut header, name, &target)
                    .map_err(fail)?;
            }
            self.summary.symlinks += 1;
            self.sent(name, SentKind::Link, 0);
        } else if kind.is_file() {
            let id = platform::node_identity(&meta).filter(|_| platform::link_count(&meta) > 1);
            if let Some(first) = id.and_then(|id| self.seen.get(&id).cloned()) {
                header.set_entry_type(tar::EntryType::Link);
                header.set_size(0);
                self.builder
                    .append_link(&mut header, name, &first)
                    .map_err(fail)?;
                self.summary.hardlinks += 1;
                self.sent(name, SentKind::Link, 0);
                return Ok(true);
            }
            let file = match File::open(path) {
                Ok(f) => f,
                Err(e) => return Ok(self.skip(path, &e)),
            };
            let size = meta.len();
            let mut body = ExactSize {
                inner: file,
                remaining: size,
                changed: false,
                failed: None,
                reporter: self.reporter,
                task: self.opts.progress,
            };
            self.builder
                .append_data(&mut header, name, &mut body)
                .map_err(fail)?;
            let grew = body.failed.is_none() && body.inner.read(&mut [0u8; 1]).is_ok_and(|n| n > 0);
            if let Some(e) = body.failed.take() {
                self.skip(path, &e);
            } else if body.changed || grew {
                self.report(
                    path,
                    SkipReason::Vanished,
                    "file changed as we read it".into(),
                );
            }
            if let Some(id) = id {
                self.seen.insert(id, name.to_path_buf());
            }
            self.summary.files += 1;
            self.summary.bytes += size;
            self.sent(name, SentKind::File, size);
        } else {
            let what = platform::special_kind(kind);
            self.report(path, SkipReason::Unsupported, what.into());
            return Ok(false);
        }
        Ok(true)
    }

    fn sent(&mut self, name: &Path, kind: SentKind, bytes: u64) {
        self.summary.sent.push(SentEntry {
            name: escape_for_display(platform::name_bytes(name.as_os_str())),
            kind,
            bytes,
        });
    }

    /// Reports a local I/O problem on `path`; returns `false` (left out).
    fn skip(&mut self, path: &Path, err: &io::Error) -> bool {
        let reason = if err.kind() == io::ErrorKind::PermissionDenied {
            SkipReason::PermissionDenied
        } else {
            SkipReason::Io
        };
        self.report(path, reason, err.to_string());
        false
    }

    fn report(&mut self, path: &Path, reason: SkipReason, detail: String) {
        let skipped = Skipped {
            path: escape_for_display(platform::name_bytes(path.as_os_str())),
            reason,
            detail: Some(detail),
        };
        self.reporter.skipped(&skipped);
        self.summary.skipped.push(skipped);
    }
}

/// Yields exactly `remaining` bytes: the file's, then zeros if it shrank (noted in
/// `changed`); a read error is kept in `failed` and the rest padded, so the archive stays
/// well-formed and only the writer's errors reach the builder.
struct ExactSize<'a> {
    inner: File,
    remaining: u64,
    changed: bool,
    failed: Option<io::Error>,
    reporter: &'a dyn Reporter,
    task: Option<TaskId>,
}

impl Read for ExactSize<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = if self.changed || self.failed.is_some() {
            0
        } else {
            loop {
                match self.inner.read(&mut buf[..want]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.failed = Some(e);
                        break 0;
                    }
                }
            }
        };
        let n = if n == 0 {
            self.changed |= self.failed.is_none();
            buf[..want].fill(0);
            want
        } else {
            n
        };
        self.remaining -= n as u64;
        if let Some(id) = self.task {
            self.reporter.task_advanced(id, n as u64);
        }
        Ok(n)
    }
}
