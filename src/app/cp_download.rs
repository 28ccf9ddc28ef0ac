//! The download side of `cp`: exec the planned `tar c` (or, in a container without tar,
//! the file-by-file walk), unpack the stream as it arrives, and when the connection
//! breaks, continue without resending completed files (the walk too: it passes over the
//! names it is given on stdin).

use std::sync::Arc;
use std::time::Duration;

use super::cp::Reader;
use super::cp_attempt::{AttemptSpec, StreamKind, attempt, remote_exit};
use super::cp_verify;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::remote::{Target, capture};
use crate::cli::request::CpRequest;
use crate::error::Error;
use crate::report::{Reporter, TaskId};
use crate::transfer::{
    CopyOutcome, CopySummary, DownloadOptions, GlobSource, LocalKind, LocalSpec, Matches, PreScan,
    RemoteSpec, ResumeState, ResumeStrategy, TarCapabilities, TarFlavor, TransferError,
    UnpackSummary, classify_outcome, fresh_nonce, glob_source, linked_argv, missing_source,
    nothing_copied, operand_names, parse_linked, parse_matches, parse_prescan, plan_download,
    plan_download_named, prescan_argv, shown_path, walk_argv, walk_continuation, withdraw_changed,
};

/// What the local destination is now.
fn local_kind(path: &std::path::Path) -> LocalKind {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => LocalKind::Directory,
        Ok(_) => LocalKind::NonDirectory,
        Err(_) => LocalKind::Missing,
    }
}

/// A destination that does not exist yet must have a directory to be created in (cp(1):
/// "cannot create"); checked before anything runs in the container, so a local mistake is
/// never waited for or retried.
fn check_local_parent(root: &std::path::Path) -> Result<(), TransferError> {
    if local_kind(root) != LocalKind::Missing {
        return Ok(());
    }
    let parent = match root.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if parent.is_dir() {
        Ok(())
    } else {
        Err(TransferError::DestinationParentMissing {
            path: root.to_path_buf(),
            parent: parent.to_path_buf(),
        })
    }
}

/// Downloads `from` into `to`.
pub(crate) async fn run(
    target: &Target,
    from: &RemoteSpec,
    to: &LocalSpec,
    reader: &Reader,
    r: &CpRequest,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> Result<(CopyOutcome, CopySummary), Error> {
    let opts = DownloadOptions {
        one_file_system: r.one_file_system,
        include_virtual: false,
    };
    let caps = match reader {
        Reader::Tar(caps) => *caps,
        Reader::Walk => TarCapabilities::MINIMAL,
    };
    let mut plan = plan_for_glob(target, from, to, &caps, &opts).await?;
    check_local_parent(&plan.local_root)?;
    let kind = match reader {
        Reader::Tar(_) => {
            for note in &plan.notes {
                printer.notice(note);
            }
            StreamKind::Tar
        }
        Reader::Walk => {
            // the plan's notes are about tar; the walk has its own command
            let nonce = fresh_nonce();
            plan.argv = walk_argv(&plan, &nonce);
            StreamKind::Walk { nonce }
        }
    };
    let task = TaskId(1);
    let scan = if printer.progress_enabled() {
        prescan(target, &plan).await
    } else {
        None // no bar to feed
    };
    reporter.task_started(
        task,
        &format!("{}:{}", target.pod, from.path.as_str()),
        scan.map(|s| s.bytes),
    );
    if let Some(files) = scan.and_then(|s| s.files) {
        reporter.describe(task, format!("{files} file(s)"));
    }
    let mut unpack_opts = plan.unpack_options();
    unpack_opts.preserve_owner = r.preserve_owner;
    unpack_opts.names = crate::transfer::safe_path::NamePolicy::for_host();
    unpack_opts.progress = Some(task);
    unpack_opts.track_resume = r.retries > 0;
    let mut summary = UnpackSummary::default();
    let mut all_messages = Vec::new();
    let mut seen = std::collections::HashSet::new();
    // every name of a multiply-linked file the walk delivered, over all attempts
    let mut walk_linked = std::collections::HashSet::new();
    let mut attempt_no = 0u32;
    let mut argv = plan.argv.clone();
    let mut stdin: Vec<u8> = Vec::new();
    let operands = operand_names(&plan);
    let last = loop {
        let spec = AttemptSpec {
            argv: &argv,
            stdin: &stdin,
            root: &plan.local_root,
            opts: &unpack_opts,
            kind: &kind,
            idle: r.idle_timeout,
            operands: &operands,
        };
        let a = attempt(target, &spec, summary, reporter).await?;
        if let Some(e) = missing_source(&plan, &a.messages, from.path.as_str()) {
            reporter.task_finished(task);
            return Err(e.into());
        }
        if a.stalled {
            reporter.warn(&format_args!(
                "nothing arrived from the container for {} (--idle-timeout): treating the connection as dropped",
                crate::transfer::render_duration(r.idle_timeout)
            ));
        }
        summary = a.summary.clone();
        walk_linked.extend(a.linked.iter().cloned());
        // a file the container's tar says changed while read is not a copy of it
        for path in withdraw_changed(&mut summary, &a.messages) {
            if let Err(e) = std::fs::remove_file(&path) {
                reporter.warn(&format_args!(
                    "cannot remove {} (it changed in the container while read): {e}",
                    path.display()
                ));
            }
        }
        // a continuation meets the same unreadable paths again: count each once
        for m in &a.messages {
            if seen.insert(m.clone()) {
                all_messages.push(m.clone());
            }
        }
        if a.broke() && attempt_no < r.retries {
            attempt_no += 1;
            let backoff = Duration::from_millis(500 * u64::from(attempt_no.min(6)));
            let cont = match kind {
                StreamKind::Tar => {
                    let resend = linked_names(target, &plan, &summary).await;
                    ResumeState::from_summary(&summary).continuation_keeping(&plan, &resend)
                }
                // the walk passes over the completed names it reads from stdin
                StreamKind::Walk { ref nonce } => {
                    walk_continuation(&plan, nonce, &summary, &walk_linked)
                }
            };
            reporter.warn(&format_args!(
                "the stream broke after {} file(s); retry {attempt_no} of {} in {:?} ({})",
                summary.files,
                r.retries,
                backoff,
                match cont.strategy {
                    ResumeStrategy::SkipCompleted => "completed files are not sent again",
                    ResumeStrategy::Restart => "everything is sent again",
                }
            ));
            if cont.strategy == ResumeStrategy::Restart {
                // everything comes again: count it once, from the start
                summary = UnpackSummary {
                    root_created: summary.root_created,
                    ..UnpackSummary::default()
                };
            }
            tokio::time::sleep(backoff).await;
            argv = cont.argv;
            stdin = cont.stdin;
            continue;
        }
        break a;
    };
    reporter.task_finished(task);
    let stream_complete = last.unpacked.is_ok();
    if let Err(TransferError::DirectoryOntoFile { .. }) = &last.unpacked {
        return Err(last
            .unpacked
            .err()
            .map(Error::from)
            .unwrap_or(Error::CopyIncomplete));
    }
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
    // kubectl takes a missing status as success; the archive arrived whole (end-of-archive
    // marker, every file complete), so it is kept, but the remote tar's verdict is unknown:
    // judged by its stderr like a success, and never better than partial (DESIGN §3)
    let unconfirmed = last.status_missing_after_complete_archive();
    let remote = if unconfirmed {
        reporter.warn(&format_args!(
            "the container did not report an exit status: the archive arrived complete (end-of-archive marker, every file whole), but whether the remote tar succeeded is unknown"
        ));
        crate::transfer::RemoteExit::Success
    } else {
        remote_exit(&last.status)
    };
    let mut outcome = classify_outcome(
        stream_complete,
        local_skips,
        remote,
        &last.messages,
        match kind {
            StreamKind::Tar => caps.flavor,
            StreamKind::Walk { .. } => TarFlavor::Unknown,
        },
    );
    if last.stalled && matches!(outcome, CopyOutcome::Failed(_)) {
        outcome = CopyOutcome::Failed(crate::transfer::FailureCause::Stalled {
            idle: r.idle_timeout,
        });
    }
    if unconfirmed && outcome == CopyOutcome::Complete {
        outcome = CopyOutcome::Partial;
    }
    let copy_summary = CopySummary::from_download(&summary, &all_messages);
    if outcome == CopyOutcome::Partial && nothing_copied(&copy_summary) {
        outcome = CopyOutcome::Failed(crate::transfer::FailureCause::NothingCopied);
    }
    if r.verify && !matches!(outcome, CopyOutcome::Failed(_)) {
        let report = cp_verify::verify_download(target, from, &plan.local_root, printer).await?;
        if report.is_none() && outcome == CopyOutcome::Complete {
            // said on stderr: the check that was asked for did not happen
            outcome = CopyOutcome::Partial;
        }
        if let Some(v) = report {
            if v.mismatches > 0 {
                outcome = CopyOutcome::Failed(crate::transfer::FailureCause::Incomplete);
            } else if v.uncomparable > 0 && outcome == CopyOutcome::Complete {
                // named on stderr; a copy that could not be checked is not complete
                outcome = CopyOutcome::Partial;
            }
        }
    }
    Ok((outcome, copy_summary))
}

/// The most a glob listing may print.
const MATCH_OUTPUT: usize = 16 << 20;

/// Plans the download; a glob is expanded in the container first, so that a single match
/// (or an escaped literal) is copied as one source, like cp(1), and a missing directory is
/// an error at once.
async fn plan_for_glob(
    target: &Target,
    from: &RemoteSpec,
    to: &LocalSpec,
    caps: &TarCapabilities,
    opts: &DownloadOptions,
) -> Result<crate::transfer::DownloadPlan, Error> {
    let to_kind = local_kind(&to.path);
    let argv = match glob_source(&from.path) {
        GlobSource::NotGlob => return Ok(plan_download(from, to, to_kind, caps, opts)?),
        GlobSource::Literal(name) => {
            return Ok(plan_download_named(from, &name, to, to_kind, caps, opts)?);
        }
        GlobSource::List(argv) => argv,
    };
    let out = capture(target, &argv, None, MATCH_OUTPUT).await?;
    Ok(match parse_matches(out.code(), &out.stdout) {
        Matches::NoDirectory => {
            return Err(TransferError::RemoteDirMissing {
                path: shown_path(from.path.parent()),
            }
            .into());
        }
        Matches::Names(names) if names.is_empty() => {
            return Err(TransferError::RemoteNoMatch {
                pattern: shown_path(from.path.as_str()),
            }
            .into());
        }
        // `DEST/` asks for a directory: the match goes inside, as several would
        Matches::Names(names)
            if names.len() == 1 && to_kind != LocalKind::Directory && !to.trailing_slash =>
        {
            plan_download_named(from, &names[0], to, to_kind, caps, opts)?
        }
        // several matches (or into a directory): the selection script expands it again
        _ => plan_download(from, to, to_kind, caps, opts)?,
    })
}

/// How long the pre-scan may take, and how much it may print, before the bar goes without.
const PRESCAN_TIME: Duration = Duration::from_secs(10);
const PRESCAN_OUTPUT: usize = 16 << 20;
/// Longest list of multiply-linked names read before a continuation.
const LINKED_OUTPUT: usize = 16 << 20;

/// Completed files of the selection that have other names in the container (sent again by
/// a continuation so the names stay one file); none when nothing completed or on failure.
async fn linked_names(
    target: &Target,
    plan: &crate::transfer::DownloadPlan,
    summary: &UnpackSummary,
) -> Vec<Vec<u8>> {
    if summary.completed.is_empty() {
        return Vec::new();
    }
    let argv = linked_argv(plan);
    let run = capture(target, &argv, None, LINKED_OUTPUT);
    match tokio::time::timeout(PRESCAN_TIME, run).await {
        // a list cut at the cap would end in half a name: none rather than a wrong one
        Ok(Ok(out)) if out.stdout.len() < LINKED_OUTPUT => parse_linked(&out.stdout),
        _ => Vec::new(),
    }
}

/// The remote pre-scan's total for the progress bar; `None` (a spinner) when the container
/// has no tool for it, it fails, it takes too long or prints too much. Never fatal.
async fn prescan(target: &Target, plan: &crate::transfer::DownloadPlan) -> Option<PreScan> {
    let argv = prescan_argv(plan);
    let run = capture(target, &argv, None, PRESCAN_OUTPUT);
    let out = tokio::time::timeout(PRESCAN_TIME, run).await.ok()?.ok()?;
    if out.stdout.len() >= PRESCAN_OUTPUT {
        return None;
    }
    parse_prescan(&out.stdout)
}
