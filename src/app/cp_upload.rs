//! The upload side of `cp`: the destination is checked first (cp(1)'s refusals, a missing
//! or unwritable landing directory: nothing is sent), then a tar of the local tree is
//! streamed into the container's `tar x` over exec stdin, which is then shut down
//! explicitly (kube 5 sends no EOF on drop). A broken or stalled stream is sent again
//! whole (`--retries`; there is no resume for uploads). The summary counts what the
//! container kept.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio_util::io::SyncIoBridge;

use super::cp_attempt::remote_exit;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::remote::{Target, capture};
use crate::cli::request::CpRequest;
use crate::cluster::exec::exec;
use crate::cluster::status::ExecStatus;
use crate::error::Error;
use crate::report::Skipped;
use crate::report::{Reporter, TaskId};
use crate::transfer::outcome::Side;
use crate::transfer::pack::dir_member_names;
use crate::transfer::pack::{PackOptions, pack};
use crate::transfer::upload_check::{clash_argv, clash_error, clash_stdin, decide, probe_argv};
use crate::transfer::{
    CopyOutcome, CopySummary, DestCheck, ErrorLogRecord, FailureCause, LocalSpec, OncePerPath,
    ProbeInput, RemoteExit, RemoteMessage, RemoteSpec, TarCapabilities, UploadOptions, UploadPlan,
    UploadTarget, below_root, classify_line, classify_outcome, landed, parse_dest_check,
    plan_upload, upload_skip,
};

async fn drain(mut r: Box<dyn AsyncRead + Send + Unpin>) {
    let mut buf = vec![0u8; 16 * 1024];
    while matches!(r.read(&mut buf).await, Ok(n) if n > 0) {}
}

/// Reads the remote tar's stderr line by line: each per-path problem is reported once, as
/// the container's side (see `transfer/upload_result.rs`); other lines are shown.
async fn drain_upload_stderr(
    stderr: Option<Box<dyn AsyncRead + Send + Unpin>>,
    reporter: Arc<TerminalReporter>,
) -> (Vec<RemoteMessage>, Vec<Skipped>) {
    let Some(stderr) = stderr else {
        return Default::default();
    };
    let mut lines = BufReader::new(stderr).split(b'\n');
    let (mut messages, mut skips) = (Vec::new(), Vec::new());
    let mut once = OncePerPath::default();
    while let Ok(Some(line)) = lines.next_segment().await {
        let msg = classify_line(&line);
        if let Some(s) = upload_skip(&msg) {
            if once.first(&s) {
                reporter.skipped(&s);
                skips.push(s);
            }
        } else if let RemoteMessage::Other(text) = &msg {
            reporter.warn(&format_args!("remote tar: {text}"));
        }
        messages.push(msg);
    }
    (messages, skips)
}

/// One upload attempt's result.
struct Sent {
    packed: Result<crate::transfer::PackSummary, crate::transfer::TransferError>,
    status: ExecStatus,
    messages: Vec<RemoteMessage>,
    remote_skips: Vec<Skipped>,
    stalled: bool,
}

impl Sent {
    /// Whether the connection failed (not the container's tar): worth sending again.
    fn broke(&self) -> bool {
        self.stalled
            || self.packed.is_err()
            || matches!(remote_exit(&self.status), RemoteExit::Unknown)
    }
}

/// Runs `up`'s `tar x` and streams the packed source into it.
async fn send(
    target: &Target,
    from: &LocalSpec,
    to: &RemoteSpec,
    up: &UploadTarget,
    r: &CpRequest,
    reporter: &Arc<TerminalReporter>,
) -> Result<Sent, Error> {
    let mut session = exec(
        &target.client,
        &target.namespace,
        &target.pod,
        &target.container,
        &up.argv,
        true,
    )
    .await?;
    session.watch_idle(r.idle_timeout);
    let stall = session.stall_flag();
    let stderr = tokio::spawn(drain_upload_stderr(
        session.stderr.take(),
        Arc::clone(reporter),
    ));
    if let Some(out) = session.stdout.take() {
        tokio::spawn(drain(out));
    }
    let task = TaskId(1);
    reporter.task_started(task, &format!("{}:{}", target.pod, to.path.as_str()), None);
    let packed = match session.stdin.take() {
        Some(stdin) => {
            let mut bridge = SyncIoBridge::new(stdin);
            let source = from.path.clone();
            let root = up.archive_root.clone();
            let rep = Arc::clone(reporter);
            let opts = PackOptions {
                progress: Some(task),
            };
            tokio::task::spawn_blocking(move || {
                let res = pack(&source, &root, &mut bridge, &opts, rep.as_ref());
                let _ = bridge.shutdown();
                res
            })
            .await
            .map_err(|_| Error::CopyIncomplete)?
        }
        None => return Err(Error::CopyIncomplete),
    };
    reporter.task_finished(task);
    let status = session.finish().await;
    let (messages, remote_skips) = stderr.await.unwrap_or_default();
    Ok(Sent {
        packed,
        status,
        messages,
        remote_skips,
        stalled: stall.stalled(),
    })
}

/// Uploads `from` to `to`.
pub(crate) async fn run(
    target: &Target,
    from: &LocalSpec,
    to: &RemoteSpec,
    caps: &TarCapabilities,
    r: &CpRequest,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> Result<(CopyOutcome, CopySummary), Error> {
    if std::fs::symlink_metadata(&from.path).is_err() {
        return Err(Error::LocalMissing {
            path: from.path.clone(),
        });
    }
    let plan = plan_upload(
        from,
        to,
        &UploadOptions {
            no_preserve: r.no_preserve,
        },
    )?;
    // what the destination is decides the target, and refuses cp(1)'s refusals up front
    let source_is_dir = std::fs::symlink_metadata(&from.path).is_ok_and(|m| m.is_dir());
    let into = plan.target(Some(DestCheck::IsDir))?;
    let dest = to.path.as_str();
    let probe = ProbeInput {
        dest,
        parent: to.path.parent(),
        landing_name: &into.archive_root.to_string_lossy(),
        source_is_dir,
        must_be_dir: plan.check_argv.is_none(),
    };
    let answer = capture(target, &probe_argv(&probe), None, 4096).await?;
    // A container with tar but no sh: send unchecked, as kubectl cp does; what the
    // destination lacks shows as the remote tar's errors.
    let checked = !answer.not_found();
    let check = if checked {
        decide(&probe, answer.code())?
    } else {
        let check = unchecked_dest(target, &plan).await?;
        reporter.warn(&format_args!(
            "container '{}' has no sh: the destination is not checked before sending{}",
            target.container,
            if check == DestCheck::NotDir && plan.check_argv.is_some() {
                format!(" (copying AS {dest}, not into it)")
            } else {
                String::new()
            }
        ));
        check
    };
    let up = plan.target(Some(check))?.clone();
    if checked && source_is_dir && check == DestCheck::IsDir {
        // GNU tar would silently replace a remote non-directory by a directory at any depth
        let dir = up.argv.last().cloned().unwrap_or_else(|| ".".into());
        let source = from.path.clone();
        let root = up.archive_root.clone();
        let names = tokio::task::spawn_blocking(move || dir_member_names(&source, &root))
            .await
            .map_err(|_| Error::CopyIncomplete)?;
        let stdin = clash_stdin(names.iter().map(Vec::as_slice));
        let answer = capture(target, &clash_argv(&dir), Some(&stdin), 64 << 10).await?;
        if let Some(e) = clash_error(&dir, &answer.stdout) {
            return Err(e.into());
        }
    }
    // a broken or stalled stream is sent again whole (tar x overwrites what landed), on the
    // target chosen once: the first attempt may have created the destination
    let mut attempt_no = 0u32;
    let sent = loop {
        let a = send(target, from, to, &up, r, reporter).await?;
        if a.broke() && attempt_no < r.retries {
            attempt_no += 1;
            let backoff = Duration::from_millis(500 * u64::from(attempt_no.min(6)));
            reporter.warn(&format_args!(
                "the upload stream {}; retry {attempt_no} of {} in {backoff:?} (everything is sent again)",
                if a.stalled { "stalled" } else { "broke" },
                r.retries,
            ));
            tokio::time::sleep(backoff).await;
            continue;
        }
        break a;
    };
    let Sent {
        packed,
        status,
        messages,
        remote_skips,
        stalled,
    } = sent;
    let (stream_complete, pack_summary) = match packed {
        Ok(s) => (true, s),
        Err(e) => {
            printer.warn(&format_args!("{}", super::recover::chain(&e)));
            (false, Default::default())
        }
    };
    let local_skips = pack_summary.skipped.len() as u64;
    let mut outcome = classify_outcome(
        stream_complete,
        local_skips,
        remote_exit(&status),
        &messages,
        caps.flavor,
    );
    if stalled && matches!(outcome, CopyOutcome::Failed(_)) {
        outcome = CopyOutcome::Failed(FailureCause::Stalled {
            idle: r.idle_timeout,
        });
    }
    let refused: Vec<String> = remote_skips.iter().map(|s| s.path.clone()).collect();
    let got = landed(&pack_summary, &refused, caps.flavor);
    let mut skipped: Vec<ErrorLogRecord> = pack_summary
        .skipped
        .iter()
        .map(|s| ErrorLogRecord::new(s, Side::Local))
        .collect();
    skipped.extend(
        remote_skips
            .iter()
            .map(|s| ErrorLogRecord::new(s, Side::Remote)),
    );
    if !matches!(outcome, CopyOutcome::Failed(_)) {
        if got.cut_off > 0 {
            outcome = CopyOutcome::Failed(FailureCause::UploadCutOff {
                entries: got.cut_off,
            });
        } else if !pack_summary.sent.is_empty()
            && !refused.is_empty()
            && got.files + got.dirs + got.links == 0
        {
            outcome = CopyOutcome::Failed(FailureCause::NothingWritten);
        }
    }
    if r.verify && !matches!(outcome, CopyOutcome::Failed(_)) {
        let root = up.archive_root.to_string_lossy().into_owned();
        let dir = up.argv.last().cloned().unwrap_or_else(|| ".".into());
        let remote_root = if root == "." {
            dir
        } else if dir.ends_with('/') {
            format!("{dir}{root}")
        } else {
            format!("{dir}/{root}")
        };
        let names = got
            .file_names
            .iter()
            .map(|n| below_root(n, &root).to_owned())
            .collect();
        let report =
            super::cp_verify::verify_upload(target, &remote_root, &from.path, names, printer)
                .await?;
        if let Some(v) = report {
            if v.mismatches > 0 {
                outcome = CopyOutcome::Failed(FailureCause::Incomplete);
            } else if v.uncomparable > 0 && outcome == CopyOutcome::Complete {
                outcome = CopyOutcome::Partial;
            }
        }
    }
    let summary = CopySummary {
        files: got.files,
        dirs: got.dirs,
        links: got.links,
        bytes: got.bytes,
        skipped_count: skipped.len() as u64,
        skipped,
    };
    Ok((outcome, summary))
}

/// Without a shell: `test -d` when the container has it and the plan needs the answer,
/// else copy AS the destination (kubectl cp's reading); a trailing slash needs no answer.
async fn unchecked_dest(target: &Target, plan: &UploadPlan) -> Result<DestCheck, Error> {
    let Some(argv) = &plan.check_argv else {
        return Ok(DestCheck::IsDir);
    };
    let answer = capture(target, argv, None, 4096).await?;
    Ok(if answer.not_found() {
        DestCheck::NotDir
    } else {
        parse_dest_check(answer.code())
    })
}
