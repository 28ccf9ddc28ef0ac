//! The final word on a copy: complete, partial or failed (pure), plus the `--error-log`
//! record.
//!
//! Owns DESIGN §3 "remote result": Success with nothing skipped is complete; a remote tar
//! exit 1 or 2 whose every stderr line is explained (per-path permission denied, vanished or
//! changed, or a benign notice) is partial; 126/127 means there is no tar; any other status,
//! no status, unexplained stderr with a failing status, or a stream without its
//! end-of-archive marker is a failure. Local skips make a complete copy partial; a partial
//! download that copied no file and no link of its selection is a failure ([`nothing_copied`]).
//! bsdtar (libarchive 3.6) stops reading a directory at its first unreadable entry, so its
//! per-path errors do not list everything missing: with bsdtar they are a failure.

use super::flavor::TarFlavor;
use super::remote_stderr::RemoteMessage;
use crate::report::{SkipReason, Skipped};

/// How the remote command ended, as the cluster layer reports it (mapped by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteExit {
    /// Exit status 0.
    Success,
    /// A non-zero exit status.
    Code(i32),
    /// No status arrived (connection lost, exec failure without a code).
    Unknown,
}

/// Why a copy failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCause {
    /// The stream broke (no end-of-archive marker, short entry) or a local error stopped it.
    Incomplete,
    /// Exit 126 or 127: tar is missing or not executable in the container.
    TarNotFound,
    /// The remote result is unknown.
    NoStatus,
    /// A failing status not explained by per-path messages.
    RemoteStatus(i32),
    /// The remote tar lost entries it did not name (bsdtar after an unreadable entry).
    UnlistedLosses,
    /// The container refused every entry sent (upload into a read-only directory).
    NothingWritten,
    /// The container's busybox tar exited at a failed entry; the entries after it (not
    /// named by it) were not written.
    UploadCutOff {
        /// How many entries were sent after the failed one.
        entries: u64,
    },
    /// A download copied nothing of its selection: every path was refused or skipped.
    NothingCopied,
    /// No byte moved for the idle timeout (and no retry was left).
    Stalled {
        /// The idle timeout.
        idle: std::time::Duration,
    },
}

impl std::fmt::Display for FailureCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Incomplete => f.write_str("the transfer did not complete"),
            Self::TarNotFound => f.write_str("tar not found in container"),
            Self::NoStatus => f.write_str("the remote result is unknown (no exit status)"),
            Self::RemoteStatus(code) => write!(f, "the remote tar failed with exit status {code}"),
            Self::Stalled { idle } => write!(
                f,
                "the stream stalled: nothing arrived for {} (--idle-timeout), so the connection was given up",
                super::idle::render_duration(*idle)
            ),
            Self::NothingCopied => f.write_str(
                "nothing of the selection was copied: every path was refused or skipped (listed above)",
            ),
            Self::NothingWritten => f.write_str(
                "nothing was written in the container: it refused every path (listed above)",
            ),
            Self::UploadCutOff { entries } => write!(
                f,
                "the container's busybox tar stops at its first failed entry: the {entries} entries sent after it were not written"
            ),
            Self::UnlistedLosses => f.write_str(
                "the container's bsdtar stops reading a directory at an unreadable entry; entries after it are missing",
            ),
        }
    }
}

/// The class of a finished copy (maps to exit codes 0, 1, 2 in `app`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyOutcome {
    /// Every entry was copied.
    Complete,
    /// Something was skipped, and each skipped path was reported.
    Partial,
    /// The copy cannot be trusted.
    Failed(FailureCause),
}

/// Classifies a finished copy. `stream_complete`: the local side read (download) or wrote
/// (upload) the whole archive. `local_skips`: entries skipped locally. `messages`: the
/// classified remote stderr lines. `flavor`: the remote tar (`TarFlavor::Unknown` for uploads
/// or when not probed).
pub fn classify_outcome(
    stream_complete: bool,
    local_skips: u64,
    remote: RemoteExit,
    messages: &[RemoteMessage],
    flavor: TarFlavor,
) -> CopyOutcome {
    if !stream_complete {
        return CopyOutcome::Failed(FailureCause::Incomplete);
    }
    let per_path = messages.iter().filter(|m| m.skipped().is_some()).count();
    let denied = messages
        .iter()
        .any(|m| matches!(m, RemoteMessage::PermissionDenied { .. }));
    if flavor == TarFlavor::Bsd && denied {
        return CopyOutcome::Failed(FailureCause::UnlistedLosses);
    }
    match remote {
        RemoteExit::Unknown => CopyOutcome::Failed(FailureCause::NoStatus),
        RemoteExit::Code(126 | 127) => CopyOutcome::Failed(FailureCause::TarNotFound),
        RemoteExit::Success if local_skips == 0 && per_path == 0 => CopyOutcome::Complete,
        RemoteExit::Success => CopyOutcome::Partial,
        RemoteExit::Code(code @ (1 | 2)) => {
            if per_path > 0 && messages.iter().all(RemoteMessage::is_explained) {
                CopyOutcome::Partial
            } else {
                CopyOutcome::Failed(FailureCause::RemoteStatus(code))
            }
        }
        RemoteExit::Code(code) => CopyOutcome::Failed(FailureCause::RemoteStatus(code)),
    }
}

/// Whether an upload wrote nothing: the container's tar refused (named as a per-path
/// problem) at least as many paths as were sent, and something was sent.
pub fn nothing_written(sent_entries: u64, remote_refused: u64) -> bool {
    sent_entries > 0 && remote_refused >= sent_entries
}

/// Whether a partial download copied nothing at all of its selection (no file, no link:
/// directories alone carry none of it) while something was refused: then it is a failure
/// (exit 2), not a partial copy.
pub fn nothing_copied(summary: &CopySummary) -> bool {
    summary.files == 0 && summary.links == 0 && summary.skipped_count > 0
}

/// Which side a skipped path was skipped on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    /// This machine (unsafe entry, local permission denied, unsupported type).
    Local,
    /// The container (its tar could not read the path).
    Remote,
}

/// One line of `--error-log FILE` (JSON lines): `{"path":..,"reason":..,"side":..,"detail":..}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ErrorLogRecord {
    /// The path, escaped for display.
    pub path: String,
    /// The class of the problem.
    pub reason: SkipReason,
    /// Where it happened.
    pub side: Side,
    /// Optional detail (the OS error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ErrorLogRecord {
    /// The record for a skip on `side`.
    pub fn new(skipped: &Skipped, side: Side) -> Self {
        Self {
            path: skipped.path.clone(),
            reason: skipped.reason,
            side,
            detail: skipped.detail.clone(),
        }
    }
}

/// Counts for the final summary line; the app prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopySummary {
    /// Regular files copied.
    pub files: u64,
    /// Directories copied.
    pub dirs: u64,
    /// Symlinks and hardlinks copied.
    pub links: u64,
    /// File bytes copied.
    pub bytes: u64,
    /// Skipped paths, local and remote, each once.
    pub skipped: Vec<ErrorLogRecord>,
    /// All skips, including those not listed (past the cap, inside a skipped directory).
    pub skipped_count: u64,
}

impl CopySummary {
    /// Combines a download's unpack summary with the remote per-path messages.
    pub fn from_download(
        unpack: &super::unpack::UnpackSummary,
        messages: &[RemoteMessage],
    ) -> Self {
        let mut skipped: Vec<ErrorLogRecord> = unpack
            .skipped
            .iter()
            .map(|s| ErrorLogRecord::new(s, Side::Local))
            .collect();
        let remote: Vec<ErrorLogRecord> = messages
            .iter()
            .filter_map(RemoteMessage::skipped)
            .map(|s| ErrorLogRecord::new(&s, Side::Remote))
            .collect();
        let skipped_count = unpack.skipped_count + remote.len() as u64;
        skipped.extend(remote);
        Self {
            files: unpack.files,
            dirs: unpack.dirs,
            links: unpack.symlinks + unpack.hardlinks,
            bytes: unpack.bytes,
            skipped,
            skipped_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::remote_stderr::classify_line;

    fn lines(text: &[&str]) -> Vec<RemoteMessage> {
        text.iter().map(|l| classify_line(l.as_bytes())).collect()
    }

    #[test]
    fn success_without_skips_is_complete_and_with_skips_partial() {
        let notice = lines(&[
            "tar: Removing leading `/' from member names",
            "tar: ./s: socket ignored",
        ]);
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Success, &notice, TarFlavor::Gnu),
            CopyOutcome::Complete
        );
        assert_eq!(
            classify_outcome(true, 3, RemoteExit::Success, &[], TarFlavor::Gnu),
            CopyOutcome::Partial
        );
    }

    #[test]
    fn explained_exit_1_and_2_are_partial() {
        let gnu = lines(&[
            "tar: ./a: Cannot open: Permission denied",
            "tar: Exiting with failure status due to previous errors",
        ]);
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Code(2), &gnu, TarFlavor::Gnu),
            CopyOutcome::Partial
        );
        let busybox = lines(&[
            "tar: can't open './a': Permission denied",
            "tar: error exit delayed from previous errors",
        ]);
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Code(1), &busybox, TarFlavor::Busybox),
            CopyOutcome::Partial
        );
        let changed = lines(&["tar: ./log: file changed as we read it"]);
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Code(1), &changed, TarFlavor::Gnu),
            CopyOutcome::Partial
        );
    }

    #[test]
    fn unexplained_failures_missing_tar_and_missing_status_fail() {
        let odd = lines(&[
            "tar: ./a: Cannot open: Permission denied",
            "tar: write error: No space left on device",
        ]);
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Code(2), &odd, TarFlavor::Gnu),
            CopyOutcome::Failed(FailureCause::RemoteStatus(2))
        );
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Code(2), &[], TarFlavor::Gnu),
            CopyOutcome::Failed(FailureCause::RemoteStatus(2))
        );
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Code(127), &[], TarFlavor::Gnu),
            CopyOutcome::Failed(FailureCause::TarNotFound)
        );
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Code(126), &[], TarFlavor::Gnu),
            CopyOutcome::Failed(FailureCause::TarNotFound)
        );
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Unknown, &[], TarFlavor::Gnu),
            CopyOutcome::Failed(FailureCause::NoStatus)
        );
        assert_eq!(
            classify_outcome(true, 0, RemoteExit::Code(3), &[], TarFlavor::Gnu),
            CopyOutcome::Failed(FailureCause::RemoteStatus(3))
        );
    }

    #[test]
    fn bsdtar_permission_errors_are_a_failure_because_it_drops_siblings_silently() {
        let bsd = lines(&[
            "bsdtar: Can't open `b': Permission denied",
            "bsdtar: Error exit delayed from previous errors.",
        ]);
        let outcome = classify_outcome(true, 0, RemoteExit::Code(1), &bsd, TarFlavor::Bsd);
        assert_eq!(outcome, CopyOutcome::Failed(FailureCause::UnlistedLosses));
    }

    #[test]
    fn an_incomplete_stream_fails_even_with_success() {
        assert_eq!(
            classify_outcome(false, 0, RemoteExit::Success, &[], TarFlavor::Gnu),
            CopyOutcome::Failed(FailureCause::Incomplete)
        );
    }

    #[test]
    fn summary_lists_local_and_remote_skips_once_each() {
        let unpack = crate::transfer::unpack::UnpackSummary {
            files: 2,
            symlinks: 1,
            skipped: vec![Skipped {
                path: "src/l/x".into(),
                reason: SkipReason::Unsafe,
                detail: None,
            }],
            skipped_count: 1,
            ..Default::default()
        };
        let summary = CopySummary::from_download(
            &unpack,
            &lines(&["tar: ./a: Cannot open: Permission denied", "tar: x"]),
        );
        assert_eq!(
            (summary.files, summary.links, summary.skipped_count),
            (2, 1, 2)
        );
        let sides: Vec<Side> = summary.skipped.iter().map(|r| r.side).collect();
        assert_eq!(sides, [Side::Local, Side::Remote]);
    }

    #[test]
    fn error_log_records_serialise_as_flat_json() {
        let record = ErrorLogRecord {
            path: "a\\nb".into(),
            reason: SkipReason::PermissionDenied,
            side: Side::Remote,
            detail: None,
        };
        let json = serde_json::to_string(&record).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"path":"a\\nb","reason":"permission-denied","side":"remote"}"#
        );
    }

    #[test]
    fn an_upload_wrote_nothing_only_when_every_sent_entry_was_refused() {
        assert!(nothing_written(1, 1));
        assert!(
            nothing_written(3, 4),
            "a refused directory names its files too"
        );
        assert!(!nothing_written(3, 2));
        assert!(!nothing_written(0, 0), "an empty upload is not a failure");
        assert!(!nothing_written(5, 0));
    }
}
