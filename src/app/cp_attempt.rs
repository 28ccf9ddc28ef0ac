//! One download attempt: exec the remote command, unpack its stdout as it arrives (a tar
//! stream, or the file-by-file walk's records converted to one), drain stderr concurrently
//! and collect the status. Retries and the final verdict belong to `cp_download.rs`.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio_util::io::SyncIoBridge;

use super::progress::TerminalReporter;
use super::remote::Target;
use crate::cluster::exec::exec;
use crate::cluster::status::ExecStatus;
use crate::error::Error;
use crate::report::Reporter;
use crate::transfer::{
    FilewiseStream, RemoteExit, RemoteMessage, TransferError, UnpackOptions, UnpackSummary,
    classify_line, names_operand,
};

/// What produces the download stream.
#[derive(Debug, Clone)]
pub(crate) enum StreamKind {
    /// The container's tar.
    Tar,
    /// The file-by-file walk, its records tagged with this nonce.
    Walk { nonce: String },
}

/// Maps the exec status for the outcome rules.
pub(crate) fn remote_exit(status: &ExecStatus) -> RemoteExit {
    match status {
        ExecStatus::Success => RemoteExit::Success,
        ExecStatus::Exit(c) => RemoteExit::Code(*c),
        ExecStatus::Failure { message, .. } => {
            let m = message.to_ascii_lowercase();
            if m.contains("not found") || m.contains("no such file") {
                RemoteExit::Code(127)
            } else {
                RemoteExit::Unknown
            }
        }
        ExecStatus::Missing => RemoteExit::Unknown,
    }
}

/// Reads remote stderr line by line, reporting each per-path problem as it happens; lines it
/// cannot explain are shown after `label` (`remote tar`, `remote find`). A line saying one
/// of `operands` (see `operand_names`) is missing is no skip: the caller fails the copy.
pub(crate) async fn drain_stderr(
    stderr: Option<Box<dyn AsyncRead + Send + Unpin>>,
    reporter: Arc<TerminalReporter>,
    label: &'static str,
    operands: Vec<String>,
) -> Vec<RemoteMessage> {
    let Some(stderr) = stderr else {
        return Vec::new();
    };
    let mut lines = BufReader::new(stderr).split(b'\n');
    let mut out = Vec::new();
    while let Ok(Some(line)) = lines.next_segment().await {
        let msg = classify_line(&line);
        if names_operand(&msg, &operands) {
            // reported by the caller as the copy's error
        } else if let Some(s) = msg.skipped() {
            reporter.skipped(&s);
        } else if let RemoteMessage::Other(text) = &msg {
            reporter.warn(&format_args!("{label}: {text}"));
        }
        out.push(msg);
    }
    out
}

/// How long the remote stderr may take to end after the session was aborted.
const STDERR_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the unpack gave up before the stream ended: every failure but a stream that
/// ended early (then the remote side is done, or the connection is gone, and the status
/// comes at once).
fn stopped_reading(unpacked: &Result<(), TransferError>) -> bool {
    matches!(unpacked, Err(e) if !matches!(e, TransferError::Truncated { .. }))
}

/// One attempt's result.
pub(crate) struct Attempt {
    /// How the unpack ended.
    pub unpacked: Result<(), TransferError>,
    /// The summary, continued from the one passed in.
    pub summary: UnpackSummary,
    /// Classified stderr lines, then the walk's in-band notes.
    pub messages: Vec<RemoteMessage>,
    /// How the command ended.
    pub status: ExecStatus,
    /// Nothing moved for the idle timeout, so the session was given up.
    pub stalled: bool,
    /// The walk's names of multiply-linked files (empty for tar streams).
    pub linked: Vec<Vec<u8>>,
}

impl Attempt {
    /// The stream ended with its end-of-archive marker and every entry whole: nothing a
    /// reconnect could add, whatever the status says.
    pub(crate) fn archive_complete(&self) -> bool {
        self.unpacked.is_ok()
    }

    /// Whether the container gave no exit status for a complete archive.
    pub(crate) fn status_missing_after_complete_archive(&self) -> bool {
        matches!(self.status, ExecStatus::Missing) && self.archive_complete()
    }

    /// Whether it broke in a way another attempt can repair.
    pub(crate) fn broke(&self) -> bool {
        // a local failure (missing directory, disk full) is not repaired by reconnecting
        if matches!(
            self.unpacked,
            Err(TransferError::Destination { .. } | TransferError::DirectoryOntoFile { .. })
        ) {
            return false;
        }
        matches!(
            self.unpacked,
            Err(TransferError::Truncated { .. }) | Err(TransferError::Archive { .. })
        ) || (matches!(self.status, ExecStatus::Missing) && !self.archive_complete())
            || self.stalled
    }
}

/// What one attempt runs and where it lands.
pub(crate) struct AttemptSpec<'a> {
    /// The remote command.
    pub argv: &'a [String],
    /// Bytes for its stdin (then EOF); empty for no stdin.
    pub stdin: &'a [u8],
    /// The unpack root.
    pub root: &'a Path,
    /// Unpack options.
    pub opts: &'a UnpackOptions,
    /// What the stream is.
    pub kind: &'a StreamKind,
    /// Give up after this long without a byte (`Duration::ZERO`: never).
    pub idle: std::time::Duration,
    /// How the remote side names the source itself (`operand_names`).
    pub operands: &'a [String],
}

/// Runs one exec and unpacks its stdout, continuing `summary`.
pub(crate) async fn attempt(
    target: &Target,
    spec: &AttemptSpec<'_>,
    summary: UnpackSummary,
    reporter: &Arc<TerminalReporter>,
) -> Result<Attempt, Error> {
    let mut session = exec(
        &target.client,
        &target.namespace,
        &target.pod,
        &target.container,
        spec.argv,
        !spec.stdin.is_empty(),
    )
    .await?;
    session.watch_idle(spec.idle);
    let stall = session.stall_flag();
    let label = match spec.kind {
        StreamKind::Tar => "remote tar",
        StreamKind::Walk { .. } => "remote find",
    };
    let mut stderr = tokio::spawn(drain_stderr(
        session.stderr.take(),
        Arc::clone(reporter),
        label,
        spec.operands.to_vec(),
    ));
    if let Some(mut w) = session.stdin.take() {
        let bytes = spec.stdin.to_vec();
        tokio::spawn(async move {
            let _ = w.write_all(&bytes).await;
            // kube 5 sends no EOF when the writer is dropped: shut it down explicitly.
            let _ = w.shutdown().await;
        });
    }
    let stdout: Box<dyn AsyncRead + Send + Unpin> = session
        .stdout
        .take()
        .unwrap_or_else(|| Box::new(tokio::io::empty()));
    // Created here on the async side; used only inside the blocking closure.
    let bridge = SyncIoBridge::new(stdout);
    let root = spec.root.to_owned();
    let opts = spec.opts.clone();
    let kind = spec.kind.clone();
    let rep = Arc::clone(reporter);
    let unpack = tokio::task::spawn_blocking(move || {
        let mut summary = summary;
        let rep: &dyn Reporter = rep.as_ref();
        let (res, notes, linked) = match kind {
            StreamKind::Tar => (
                crate::transfer::unpack_into(bridge, &root, &opts, rep, &mut summary),
                Vec::new(),
                Vec::new(),
            ),
            StreamKind::Walk { nonce } => {
                let notes = Rc::new(RefCell::new(Vec::new()));
                let mut stream = FilewiseStream::new(bridge, &nonce, rep, Rc::clone(&notes));
                let res =
                    crate::transfer::unpack_into(&mut stream, &root, &opts, rep, &mut summary);
                (res, notes.take(), stream.linked_names())
            }
        };
        (res, summary, notes, linked)
    });
    let (unpacked, summary, notes, linked) = unpack.await.map_err(|_| Error::CopyIncomplete)?;
    if stopped_reading(&unpacked) {
        // The unpack stopped reading while the stream may still flow (a local failure such
        // as a full disk, or bytes that cannot be unpacked): the remote side would stream on
        // into a pipe nobody reads, and waiting for its status would end in the idle
        // timeout. End the session now; the server sees the client go.
        session.abort();
        let mut messages = match tokio::time::timeout(STDERR_GRACE, &mut stderr).await {
            Ok(Ok(m)) => m,
            _ => {
                stderr.abort();
                Vec::new()
            }
        };
        messages.extend(notes);
        return Ok(Attempt {
            unpacked,
            summary,
            messages,
            status: ExecStatus::Missing,
            stalled: false,
            linked,
        });
    }
    let status = session.finish().await;
    let mut messages = stderr.await.unwrap_or_default();
    messages.extend(notes);
    Ok(Attempt {
        unpacked,
        summary,
        messages,
        status,
        stalled: stall.stalled(),
        linked,
    })
}
