//! The few filesystem facts that differ between Unix and other hosts (Windows): entry names
//! as OS strings, node identity and link counts, permission bits, owners, symlink creation,
//! special file types and the effective uid. Everything else in `transfer/` is portable std.
//!
//! Off Unix: names that are not UTF-8 are decoded lossily (the unpacker's Windows name
//! policy refuses the unsafe ones first); there is no node identity, so hardlink targets are
//! never trusted (hardlinks are skipped) and uploads send every name whole; modes reduce to
//! the read-only flag; owners are never applied; symlinks need the right to create them.
//! No policy here: callers decide what a failure means.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fs::{self, File, FileType, Metadata, OpenOptions};
use std::io;
use std::path::Path;

/// An entry-name component (raw bytes from the stream) as an OS string.
#[cfg(unix)]
pub(crate) fn os_name(bytes: &[u8]) -> Cow<'_, OsStr> {
    use std::os::unix::ffi::OsStrExt;
    Cow::Borrowed(OsStr::from_bytes(bytes))
}

/// An entry-name component (raw bytes from the stream) as an OS string.
#[cfg(not(unix))]
pub(crate) fn os_name(bytes: &[u8]) -> Cow<'_, OsStr> {
    match String::from_utf8_lossy(bytes) {
        Cow::Borrowed(s) => Cow::Borrowed(OsStr::new(s)),
        Cow::Owned(s) => Cow::Owned(s.into()),
    }
}

/// An OS string's bytes (Unix: exactly; elsewhere std's encoded form, UTF-8 for valid text).
pub(crate) fn name_bytes(s: &OsStr) -> &[u8] {
    s.as_encoded_bytes()
}

/// (device, inode) of a node, where the OS has them.
#[cfg(unix)]
pub(crate) fn node_identity(meta: &Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

/// (device, inode) of a node, where the OS has them.
#[cfg(not(unix))]
pub(crate) fn node_identity(_meta: &Metadata) -> Option<(u64, u64)> {
    None
}

/// How many names the node has (1 where the OS does not say).
#[cfg(unix)]
pub(crate) fn link_count(meta: &Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

/// How many names the node has (1 where the OS does not say).
#[cfg(not(unix))]
pub(crate) fn link_count(_meta: &Metadata) -> u64 {
    1
}

/// The permission bits (`0o7777`).
#[cfg(unix)]
pub(crate) fn mode_bits(meta: &Metadata) -> u32 {
    use std::os::unix::fs::MetadataExt;
    meta.mode() & 0o7777
}

/// The permission bits (`0o7777`): only the read-only flag exists here.
#[cfg(not(unix))]
pub(crate) fn mode_bits(meta: &Metadata) -> u32 {
    let base = if meta.is_dir() { 0o755 } else { 0o644 };
    if meta.permissions().readonly() {
        base & !0o222
    } else {
        base
    }
}

/// Gives the open node `file` the permission bits `mode`.
#[cfg(unix)]
pub(crate) fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(mode))
}

/// Gives the open node `file` the permission bits `mode`: read-only without an owner write bit.
#[cfg(not(unix))]
pub(crate) fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    let mut perms = file.metadata()?.permissions();
    perms.set_readonly(mode & 0o200 == 0);
    file.set_permissions(perms)
}

/// Makes a new file created through `opts` private to its owner until its mode is applied.
#[cfg(unix)]
pub(crate) fn private_file(opts: &mut OpenOptions) -> &mut OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    opts.mode(0o600)
}

/// Makes a new file created through `opts` private to its owner until its mode is applied.
#[cfg(not(unix))]
pub(crate) fn private_file(opts: &mut OpenOptions) -> &mut OpenOptions {
    opts
}

/// Creates one directory (never its parents), `mode` before the umask.
#[cfg(unix)]
pub(crate) fn make_dir(path: &Path, mode: u32) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new().mode(mode).create(path)
}

/// Creates one directory (never its parents); modes do not exist here.
#[cfg(not(unix))]
pub(crate) fn make_dir(path: &Path, _mode: u32) -> io::Result<()> {
    fs::DirBuilder::new().create(path)
}

/// Gives the open node `file` this numeric owner.
#[cfg(unix)]
pub(crate) fn chown_open(file: &File, uid: u32, gid: u32) -> io::Result<()> {
    std::os::unix::fs::fchown(file, Some(uid), Some(gid))
}

/// Numeric owners do not exist here: nothing to do.
#[cfg(not(unix))]
pub(crate) fn chown_open(_file: &File, _uid: u32, _gid: u32) -> io::Result<()> {
    Ok(())
}

/// Creates the symlink `path -> target` and gives it `owner` (never following it).
#[cfg(unix)]
pub(crate) fn symlink(target: &OsStr, path: &Path, owner: Option<(u32, u32)>) -> io::Result<()> {
    std::os::unix::fs::symlink(target, path)?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::lchown(path, Some(uid), Some(gid))?;
    }
    Ok(())
}

/// Creates the symlink `path -> target` (a file link: the target's kind is unknown and may
/// not exist); needs the right to create symlinks.
#[cfg(windows)]
pub(crate) fn symlink(target: &OsStr, path: &Path, _owner: Option<(u32, u32)>) -> io::Result<()> {
    std::os::windows::fs::symlink_file(target, path)
}

/// No symlinks on this OS.
#[cfg(not(any(unix, windows)))]
pub(crate) fn symlink(_target: &OsStr, _path: &Path, _owner: Option<(u32, u32)>) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "symlinks are not supported here",
    ))
}

/// What a special (not file, directory or symlink) node is, for the skip record.
#[cfg(unix)]
pub(crate) fn special_kind(kind: FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "FIFO"
    } else if kind.is_socket() {
        "socket"
    } else {
        "device file"
    }
}

/// What a special (not file, directory or symlink) node is, for the skip record.
#[cfg(not(unix))]
pub(crate) fn special_kind(_kind: FileType) -> &'static str {
    "special file"
}

/// Whether this process may give nodes arbitrary owners: the effective uid is 0. Linux
/// exposes it as the owner of `/proc/self`; elsewhere owners are never applied.
#[cfg(unix)]
pub(crate) fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// Owners are never applied here.
#[cfg(not(unix))]
pub(crate) fn running_as_root() -> bool {
    false
}
