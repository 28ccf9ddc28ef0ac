//! The one error type of the `transfer` folder.
//!
//! Owns every fatal condition of the cp core: bad file specs, bad plans, damaged or truncated
//! tar streams and local failures that stop a copy. Per-path problems are not errors: they
//! become `report::Skipped` records and the copy goes on. Messages read after "failed to".

use std::io;
use std::path::PathBuf;

/// A fatal problem of the cp core.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// A `SRC`/`DEST` argument could not be read as a local path or `[ns/]pod:path`.
    #[error("parse file spec `{spec}`: {problem}")]
    InvalidSpec {
        /// The argument as given (lossily decoded for display).
        spec: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// The two specs do not form a copy (both local, both remote).
    #[error("plan the copy: {problem}")]
    InvalidPlan {
        /// What is wrong with the combination.
        problem: &'static str,
    },
    /// The tar stream ended before its end-of-archive marker or inside an entry.
    #[error(
        "read the archive: the stream ended early at byte {offset} without an end-of-archive marker"
    )]
    Truncated {
        /// Bytes of the stream received before it ended.
        offset: u64,
    },
    /// The tar stream is malformed (bad header, checksum, ambiguous extensions, read error).
    #[error("read the archive near byte {offset}")]
    Archive {
        /// Bytes of the stream received when the problem was found.
        offset: u64,
        /// The parser's or the reader's error.
        #[source]
        source: io::Error,
    },
    /// Extension headers (long names, PAX records) before one entry exceeded the cap.
    #[error("read the archive near byte {offset}: extension headers exceed {cap} bytes")]
    MetadataTooLarge {
        /// Bytes of the stream received when the cap was hit.
        offset: u64,
        /// The cap in bytes.
        cap: u64,
    },
    /// A local failure that stops the whole copy (destination missing, disk full, read-only).
    #[error("write `{}`", path.display())]
    Destination {
        /// The local path being written.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The local destination does not exist and its parent is no directory (cp(1): "cannot
    /// create"): found before anything runs in the container.
    #[error("create `{}`: its parent `{}` is not an existing directory", path.display(), parent.display())]
    DestinationParentMissing {
        /// The local path the copy would create.
        path: PathBuf,
        /// Its parent, which is missing or not a directory.
        parent: PathBuf,
    },
    /// The remote source path does not exist (the container's tar could not stat it).
    #[error("find the source: no such file or directory in the container: {path}")]
    RemoteSourceMissing {
        /// The remote path as given, escaped.
        path: String,
    },
    /// A remote glob matched nothing.
    #[error("find the source: no match for {pattern}")]
    RemoteNoMatch {
        /// The remote path with its pattern, as given, escaped.
        pattern: String,
    },
    /// The directory part of a remote glob does not exist in the container.
    #[error("find the source: no such directory in the container: {path}")]
    RemoteDirMissing {
        /// The directory, as given, escaped.
        path: String,
    },
    /// The container has a shell but no tar, and an upload needs tar.
    #[error(
        "upload into pod '{pod}' container '{container}': it has a shell but no tar, which uploads need; retry with --debug-image IMAGE to copy through an ephemeral container that has tar, or send single files with `kubectl exec -i POD -- sh -c 'cat > \"$1\"' sh PATH < FILE`"
    )]
    UploadNeedsTar {
        /// Pod name.
        pod: String,
        /// Container name.
        container: String,
    },
    /// An upload of a directory onto an existing non-directory (cp: "cannot overwrite
    /// non-directory with directory"); nothing was sent.
    #[error("upload: cannot overwrite non-directory {path} in the container with a directory")]
    UploadOverNonDir {
        /// The remote path, escaped.
        path: String,
    },
    /// An upload of a file onto an existing directory's name inside the destination.
    #[error("upload: cannot overwrite directory {path} in the container with a non-directory")]
    UploadOverDir {
        /// The remote path, escaped.
        path: String,
    },
    /// The remote directory an upload lands in does not exist; nothing was sent.
    #[error("upload: no such directory in the container: {path}")]
    UploadDirMissing {
        /// The remote path, escaped.
        path: String,
    },
    /// The remote destination must be a directory (trailing slash) but is not.
    #[error("upload: not a directory in the container: {path}")]
    UploadNotADir {
        /// The remote path, escaped.
        path: String,
    },
    /// The container user cannot write in the directory an upload lands in.
    #[error("upload: permission denied: the container user cannot write in {path}")]
    UploadDirNotWritable {
        /// The remote path, escaped.
        path: String,
    },
    /// The destination probe gave no answer it knows (no `sh`, a failed exec).
    #[error(
        "upload: could not check the remote destination {path} (the check exited with {status})"
    )]
    UploadProbeFailed {
        /// The remote path, escaped.
        path: String,
        /// Its exit status, or `no status`.
        status: String,
    },
    /// The container has no tar, and the file-by-file fallback lacks some of its tools.
    #[error(
        "copy from pod '{pod}' container '{container}': it has no tar, and the file-by-file fallback also needs {missing}; retry with --debug-image IMAGE to copy through an ephemeral debug container"
    )]
    WalkToolsMissing {
        /// Pod name.
        pod: String,
        /// Container name.
        container: String,
        /// The missing tools, space-separated.
        missing: String,
    },
    /// Reading the local tree or writing the outgoing tar stream failed (upload).
    #[error("write the archive for `{}`", path.display())]
    Pack {
        /// The local path being archived.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}
