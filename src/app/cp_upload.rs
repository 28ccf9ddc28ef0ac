//! The upload side of `cp`: a tar of the local tree streamed into the container's `tar x`
//! over exec stdin, which is then shut down explicitly (kube 5 sends no EOF on drop).

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::io::SyncIoBridge;

use super::cp_attempt::{drain_stderr, remote_exit};
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::remote::{Target, capture};
use crate::cli::request::CpRequest;
use crate::cluster::exec::exec;
use crate::error::Error;
use crate::report::{Reporter, TaskId};
use crate::transfer::outcome::Side;
use crate::transfer::pack::{PackOptions, pack};
use crate::transfer::{
    CopyOutcome, CopySummary, ErrorLogRecord, FailureCause, LocalSpec, RemoteSpec, TarCapabilities,
    UploadOptions, classify_outcome, nothing_written, parse_dest_check, plan_upload,
};

async fn drain(mut r: Box<dyn AsyncRead + Send + Unpin>) {
    let mut buf = vec![0u8; 16 * 1024];
    while matches!(r.read(&mut buf).await, Ok(n) if n > 0) {}
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
    let check = match &plan.check_argv {
        Some(argv) => Some(parse_dest_check(
            capture(target, argv, None, 4096).await?.code(),
        )),
        None => None,
    };
    let up = plan.target(check)?.clone();
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
    let stderr = tokio::spawn(drain_stderr(
        session.stderr.take(),
        Arc::clone(reporter),
        "remote tar",
        Vec::new(),
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
    let messages = stderr.await.unwrap_or_default();
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
    if stall.stalled() && matches!(outcome, CopyOutcome::Failed(_)) {
        outcome = CopyOutcome::Failed(FailureCause::Stalled {
            idle: r.idle_timeout,
        });
    }
    let mut skipped: Vec<ErrorLogRecord> = pack_summary
        .skipped
        .iter()
        .map(|s| ErrorLogRecord::new(s, Side::Local))
        .collect();
    skipped.extend(
        messages
            .iter()
            .filter_map(|m| m.skipped())
            .map(|s| ErrorLogRecord::new(&s, Side::Remote)),
    );
    let remote_refused = (skipped.len() - pack_summary.skipped.len()) as u64;
    let links = pack_summary.symlinks + pack_summary.hardlinks;
    let sent = pack_summary.files + pack_summary.dirs + links;
    let none = nothing_written(sent, remote_refused);
    if none && !matches!(outcome, CopyOutcome::Failed(_)) {
        outcome = CopyOutcome::Failed(FailureCause::NothingWritten);
    }
    // what was sent but refused was not copied: count it only when something landed
    let keep = |n: u64| if none { 0 } else { n };
    let summary = CopySummary {
        files: keep(pack_summary.files),
        dirs: keep(pack_summary.dirs),
        links: keep(links),
        bytes: keep(pack_summary.bytes),
        skipped_count: skipped.len() as u64,
        skipped,
    };
    Ok((outcome, summary))
}
