//! Careful filesystem operations below the destination root, for `unpack.rs`.
//!
//! Owns the no-follow discipline of invariants I1-I3 (tar-attack-corpus.md) with std only:
//! every parent is `lstat`ed component by component and must be a real directory; new files
//! are created `O_CREAT|O_EXCL` (which refuses any symlink, dangling too) under a temporary
//! name, written, given their mode, owner and times through the descriptor, then renamed over
//! the final name (so an existing node is replaced, never opened, and no file is ever left
//! short under its final name); directories are opened and checked against their `lstat`
//! identity before metadata is applied. std has no `openat`, so a concurrent local process
//! swapping a checked parent for a symlink is narrowed to a small window, not excluded; the
//! tar crate leaves that case out of its threat model too. Must not decide policy (what to
//! skip): it returns errors and lets the caller classify them.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::{part_files, platform};

/// Mode, times and owner to give a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeMeta {
    /// Permission bits only (`0o777`): setuid, setgid and sticky are dropped (P-meta).
    pub mode: u32,
    /// Modification (and access) time, when the header's is representable.
    pub mtime: Option<SystemTime>,
    /// Numeric owner, only when owners are to be applied.
    pub owner: Option<(u32, u32)>,
}

/// The identity of a node we created (for hardlink targets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NodeId {
    pub dev: u64,
    pub ino: u64,
}

impl NodeId {
    /// `None` where the OS has no node identity (then no hardlink target is trusted).
    pub(crate) fn of(meta: &fs::Metadata) -> Option<Self> {
        platform::node_identity(meta).map(|(dev, ino)| Self { dev, ino })
    }
}

/// What a name currently is, without following it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Missing,
    Dir,
    Symlink,
    Other,
}

/// `lstat` of `path`, reduced to what the policy needs.
pub(crate) fn node_kind(path: &Path) -> io::Result<NodeKind> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Ok(NodeKind::Symlink),
        Ok(m) if m.is_dir() => Ok(NodeKind::Dir),
        Ok(_) => Ok(NodeKind::Other),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(NodeKind::Missing),
        Err(e) => Err(e),
    }
}

/// A component of an entry name as an OS string.
pub(crate) fn os(component: &[u8]) -> Cow<'_, OsStr> {
    platform::os_name(component)
}

/// `root` joined with `components`.
pub(crate) fn join(root: &Path, components: &[Vec<u8>]) -> PathBuf {
    let mut path = root.to_path_buf();
    for c in components {
        path.push(os(c));
    }
    path
}

/// Creates one directory (never its parents), `mode` before the umask.
pub(crate) fn make_dir(path: &Path, mode: u32) -> io::Result<()> {
    platform::make_dir(path, mode)
}

/// Removes a non-directory name (file, symlink, FIFO) without following it.
pub(crate) fn remove_name(path: &Path) -> io::Result<()> {
    fs::remove_file(path)
}

/// Removes whatever `path` names; a directory with its contents. Symlinks are removed, never
/// followed (std's `remove_dir_all` does not follow links at any depth).
pub(crate) fn remove_tree(path: &Path) -> io::Result<()> {
    match node_kind(path)? {
        NodeKind::Missing => Ok(()),
        NodeKind::Dir => fs::remove_dir_all(path),
        NodeKind::Symlink | NodeKind::Other => fs::remove_file(path),
    }
}

/// Whether every parent of `components` below `root` is a real directory right now.
pub(crate) fn parents_are_dirs(root: &Path, components: &[Vec<u8>]) -> io::Result<bool> {
    let mut path = root.to_path_buf();
    for c in &components[..components.len().saturating_sub(1)] {
        path.push(os(c));
        if node_kind(&path)? != NodeKind::Dir {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Why writing a regular file failed.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// Reading the entry body from the stream failed.
    Stream(io::Error),
    /// The stream ended after `got` of the declared bytes.
    Short { got: u64 },
    /// A local operation failed.
    Local(io::Error),
}

/// Writes `body` (declared `size` bytes) as a new file `name` in `dir`, then renames it over
/// whatever `name` was (the caller has refused directories). Returns the new node's identity
/// (`None` where the OS has none).
pub(crate) fn write_file(
    dir: &Path,
    name: &OsStr,
    body: &mut dyn Read,
    size: u64,
    meta: &NodeMeta,
    buf: &mut [u8],
    on_chunk: &mut dyn FnMut(u64),
) -> Result<Option<NodeId>, WriteError> {
    let (tmp, mut file) = create_temp(dir).map_err(WriteError::Local)?;
    let result = fill_and_finish(&mut file, body, size, meta, buf, on_chunk)
        .and_then(|()| fs::rename(&tmp, dir.join(name)).map_err(WriteError::Local))
        .and_then(|()| {
            file.metadata()
                .map(|m| NodeId::of(&m))
                .map_err(WriteError::Local)
        });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    part_files::release(&tmp);
    result
}

fn fill_and_finish(
    file: &mut File,
    body: &mut dyn Read,
    size: u64,
    meta: &NodeMeta,
    buf: &mut [u8],
    on_chunk: &mut dyn FnMut(u64),
) -> Result<(), WriteError> {
    let mut got = 0u64;
    loop {
        let n = match body.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(WriteError::Stream(e)),
        };
        file.write_all(&buf[..n]).map_err(WriteError::Local)?;
        got += n as u64;
        on_chunk(n as u64);
    }
    if got < size {
        return Err(WriteError::Short { got });
    }
    apply_meta(file, meta).map_err(WriteError::Local)
}

/// Creates an empty private file with a fresh name in `dir` (`O_EXCL`, so never through a link).
fn create_temp(dir: &Path) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let open =
        |p: &Path| platform::private_file(OpenOptions::new().write(true).create_new(true)).open(p);
    let mut last = None;
    for n in 0..64u32 {
        let path = dir.join(format!(".dfimage-part.{pid}.{n}"));
        // listed for an interruption as it is created (part_files.rs)
        match part_files::create(&path, open) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free temporary name")))
}

/// Mode, owner and times through the descriptor. Times that the OS refuses are ignored.
fn apply_meta(file: &File, meta: &NodeMeta) -> io::Result<()> {
    if let Some((uid, gid)) = meta.owner {
        platform::chown_open(file, uid, gid)?;
    }
    platform::set_mode(file, meta.mode & 0o777)?;
    if let Some(t) = meta.mtime {
        let _ = file.set_times(FileTimes::new().set_modified(t).set_accessed(t));
    }
    Ok(())
}

/// Gives the directory at `path` its final metadata, through a descriptor whose identity is
/// checked against an `lstat` of the same path (so a swapped-in symlink is never followed).
pub(crate) fn finish_dir(path: &Path, meta: &NodeMeta) -> io::Result<bool> {
    let before = fs::symlink_metadata(path)?;
    if !before.is_dir() {
        return Ok(false);
    }
    let dir = File::open(path)?;
    if NodeId::of(&dir.metadata()?) != NodeId::of(&before) {
        return Ok(false);
    }
    apply_meta(&dir, meta)?;
    Ok(true)
}

/// Makes the directory at `path` usable by its owner (`u+rwx`) until its final mode is
/// applied, through a descriptor checked like in [`finish_dir`]; a directory we do not own
/// is left as it is.
pub(crate) fn open_up_dir(path: &Path) -> io::Result<()> {
    let before = fs::symlink_metadata(path)?;
    if !before.is_dir() || platform::mode_bits(&before) & 0o700 == 0o700 {
        return Ok(());
    }
    let dir = match File::open(path) {
        Ok(d) => d,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => return Ok(()),
        Err(e) => return Err(e),
    };
    let now = dir.metadata()?;
    if NodeId::of(&now) != NodeId::of(&before) {
        return Ok(());
    }
    match platform::set_mode(&dir, platform::mode_bits(&now) | 0o700) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => Ok(()),
        other => other,
    }
}

/// Creates the symlink `path -> target`; `path` must not exist.
pub(crate) fn make_symlink(
    target: &[u8],
    path: &Path,
    owner: Option<(u32, u32)>,
) -> io::Result<()> {
    platform::symlink(&os(target), path, owner)
}

/// The target of the symlink at `path`, or `None` when it is not a symlink.
pub(crate) fn read_link(path: &Path) -> Option<Vec<u8>> {
    match node_kind(path) {
        Ok(NodeKind::Symlink) => fs::read_link(path)
            .ok()
            .map(|t| platform::name_bytes(t.as_os_str()).to_vec()),
        _ => None,
    }
}

/// The identity of `path` when it is a regular file (not following a final symlink).
pub(crate) fn regular_file_id(path: &Path) -> Option<NodeId> {
    let meta = fs::symlink_metadata(path).ok()?;
    meta.file_type()
        .is_file()
        .then(|| NodeId::of(&meta))
        .flatten()
}

/// Whether this process may give nodes arbitrary owners (see `platform::running_as_root`).
pub(crate) fn running_as_root() -> bool {
    platform::running_as_root()
}

/// Whether `err` must stop the copy rather than skip one entry (nothing else will fit).
pub(crate) fn is_fatal(err: &io::Error) -> bool {
    use io::ErrorKind::*;
    matches!(err.kind(), StorageFull | QuotaExceeded | ReadOnlyFilesystem)
}
