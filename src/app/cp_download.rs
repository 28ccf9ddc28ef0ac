//! The download side of `cp`: exec the planned `tar c`, unpack the stream as it arrives,
//! and when the connection breaks, continue without resending completed files.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio_util::io::SyncIoBridge;

use super::cp_verify;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::remote::Target;
use crate::cli::request::CpRequest;
use crate::cluster::exec::exec;
use crate::cluster::status::ExecStatus;
use crate::error::Error;
use crate::report::{Reporter, TaskId};
use crate::transfer::{
    CopyOutcome, CopySummary, DownloadOptions, LocalKind, LocalSpec, RemoteExit, RemoteMessage,
    RemoteSpec, ResumeState, ResumeStrategy, TarCapabilities, TransferError, UnpackSummary,
    classify_line, classify_outcome, plan_download,
};

/// What the local destination is now.
fn local_kind(path: &std::path::Path) -> LocalKind {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => LocalKind::Directory,
        Ok(_) => LocalKind::NonDirectory,
        Err(_) => LocalKind::Missing,
    }
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

/// Reads remote stderr line by line, reporting each per-path problem as it happens.
pub(crate) async fn drain_stderr(
    stderr: Option<Box<dyn AsyncRead + Send + Unpin>>,
    reporter: Arc<TerminalReporter>,
) -> Vec<RemoteMessage> {
    let Some(stderr) = stderr else {
        return Vec::new();
    };
    let mut lines = BufReader::new(stderr).split(b'\n');
    let mut out = Vec::new();
    while let Ok(Some(line)) = lines.next_segment().await {
        let msg = classify_line(&line);
        if let Some(s) = msg.skipped() {
            reporter.skipped(&s);
        } else if let RemoteMessage::Other(text) = &msg {
            reporter.warn(&format_args!("remote tar: {text}"));
        }
        out.push(msg);
    }
    out
}

/// One attempt's result.
struct Attempt {
    unpacked: Result<(), TransferError>,
    summary: UnpackSummary,
    messages: Vec<RemoteMessage>,
    status: ExecStatus,
}

/// Whether an attempt broke in a way another attempt can repair.
fn broke(a: &Attempt) -> bool {
    matches!(
        a.unpacked,
        Err(TransferError::Truncated { .. }) | Err(TransferError::Archive { .. })
    ) || matches!(a.status, ExecStatus::Missing)
}

/// Downloads `from` into `to`.
pub(crate) async fn run(
    target: &Target,
    from: &RemoteSpec,
    to: &LocalSpec,
    caps: &TarCapabilities,
    r: &CpRequest,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> Result<(CopyOutcome, CopySummary), Error> {
    let opts = DownloadOptions {
        one_file_system: r.one_file_system,
        include_virtual: false,
    };
    let plan = plan_download(from, to, local_kind(&to.path), caps, &opts)?;
    for note in &plan.notes {
        printer.notice(note);
    }
    let task = TaskId(1);
    reporter.task_started(
        task,
        &format!("{}:{}", target.pod, from.path.as_str()),
        None,
    );
    let mut unpack_opts = plan.unpack_options();
    unpack_opts.preserve_owner = r.preserve_owner;
    unpack_opts.names = crate::transfer::safe_path::NamePolicy::for_host();
    unpack_opts.progress = Some(task);
    unpack_opts.track_resume = r.retries > 0;
    let mut summary = UnpackSummary::default();
    let mut all_messages = Vec::new();
    let mut attempt_no = 0u32;
    let mut argv = plan.argv.clone();
    let mut stdin: Vec<u8> = Vec::new();
    let last = loop {
        let a = attempt(
            target,
            &argv,
            &stdin,
            &plan.local_root,
            &unpack_opts,
            summary,
            reporter,
        )
        .await?;
        summary = a.summary.clone();
        all_messages.extend(a.messages.iter().cloned());
        if broke(&a) && attempt_no < r.retries {
            attempt_no += 1;
            let backoff = Duration::from_millis(500 * u64::from(attempt_no.min(6)));
            let state = ResumeState::from_summary(&summary);
            let cont = state.continuation(&plan);
            reporter.warn(&format_args!(
                "the stream broke after {} file(s); retry {attempt_no} of {} in {:?} ({})",
                summary.files,
                r.retries,
                backoff,
                match cont.strategy {
                    ResumeStrategy::SkipCompleted => "completed files are not sent again",
                    ResumeStrategy::Restart => "this tar cannot exclude: everything is sent again",
                }
            ));
            tokio::time::sleep(backoff).await;
            argv = cont.argv;
            stdin = cont.stdin;
            continue;
        }
        break a;
    };
    reporter.task_finished(task);
    let stream_complete = last.unpacked.is_ok();
    if let Err(e) = &last.unpacked {
        reporter.warn(&format_args!("{}", super::recover::chain(e)));
        if let TransferError::Destination { .. } = e {
            return Err(last
                .unpacked
                .err()
                .map(Error::from)
                .unwrap_or(Error::CopyIncomplete));
        }
    }
    let local_skips = summary.skipped_count;
    let mut outcome = classify_outcome(
        stream_complete,
        local_skips,
        remote_exit(&last.status),
        &last.messages,
        caps.flavor,
    );
    let copy_summary = CopySummary::from_download(&summary, &all_messages);
    if r.verify && !matches!(outcome, CopyOutcome::Failed(_)) {
        let verified = cp_verify::verify_download(target, from, &plan.local_root, printer).await?;
        if !verified {
            outcome = CopyOutcome::Failed(crate::transfer::FailureCause::Incomplete);
        }
    }
    Ok((outcome, copy_summary))
}

/// Runs one exec of `argv` and unpacks its stdout into `root`, continuing `summary`.
async fn attempt(
    target: &Target,
    argv: &[String],
    stdin: &[u8],
    root: &std::path::Path,
    unpack_opts: &crate::transfer::UnpackOptions,
    summary: UnpackSummary,
    reporter: &Arc<TerminalReporter>,
) -> Result<Attempt, Error> {
    let mut session = exec(
        &target.client,
        &target.namespace,
        &target.pod,
        &target.container,
        argv,
        !stdin.is_empty(),
    )
    .await?;
    let stderr = tokio::spawn(drain_stderr(session.stderr.take(), Arc::clone(reporter)));
    if let Some(mut w) = session.stdin.take() {
        let bytes = stdin.to_vec();
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
    let root = root.to_owned();
    let opts = unpack_opts.clone();
    let rep = Arc::clone(reporter);
    let unpack = tokio::task::spawn_blocking(move || {
        let mut summary = summary;
        let res = crate::transfer::unpack_into(bridge, &root, &opts, rep.as_ref(), &mut summary);
        (res, summary)
    });
    let (unpacked, summary) = unpack.await.map_err(|_| Error::CopyIncomplete)?;
    let status = session.finish().await;
    let messages = stderr.await.unwrap_or_default();
    Ok(Attempt {
        unpacked,
        summary,
        messages,
        status,
    })
}
