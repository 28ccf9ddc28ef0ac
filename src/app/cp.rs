//! `kubectl dfimage cp`: find the pod and container, probe its tar (or, without one, the
//! tools of the file-by-file walk), then download (with resume) or upload, and turn the
//! result into a summary and an exit code.
//!
//! Three things run at once for every transfer: the tar stream (unpacked or packed on a
//! blocking thread through a `SyncIoBridge`), the stderr drain (each remote per-path problem
//! reported as it happens), and the status wait. The exec is kept alive until its status
//! arrives; stdin is shut down on purpose.

use std::path::Path;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;

use super::exit::ExitStatus;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::remote::{Target, capture};
use crate::cli::request::CpRequest;
use crate::cluster::debug::{TARGET_ROOT, add_debug_container};
use crate::cluster::pod::{Defaulting, choose_container, containers, not_running};
use crate::cluster::{ClusterError, connect};
use crate::error::Error;
use crate::transfer::{
    CopyOutcome, CopySpecs, CopySummary, ErrorLogRecord, TarCapabilities, TransferError, WalkProbe,
    parse_copy_specs, parse_probe, parse_tar_version,
};

/// Runs a copy.
pub async fn run(r: CpRequest, printer: &Printer) -> Result<ExitStatus, Error> {
    let specs = parse_copy_specs(&r.src, &r.dest)?;
    if let Some(path) = &r.error_log {
        // a log that cannot be written is found before the copy, not after it
        std::fs::File::create(path).map_err(|source| Error::WriteFile {
            path: path.to_owned(),
            source,
        })?;
    }
    let remote = match &specs {
        CopySpecs::Download { from, .. } => from.clone(),
        CopySpecs::Upload { to, .. } => to.clone(),
    };
    let mut options = super::connect_options(&r.cluster);
    if let Some(ns) = &remote.namespace {
        options.namespace = Some(ns.clone());
    }
    let conn = connect(&options).await?;
    let mut target = find_container(
        &conn.client,
        &conn.namespace,
        &remote.pod,
        r.container.as_deref(),
        r.idle_timeout,
        printer,
    )
    .await?;
    let mut specs = specs;
    if let Some(image) = &r.debug_image {
        // Distroless: copy through an ephemeral container that sees the target's files at
        // /proc/1/root (it stays in the pod until the pod is deleted).
        let name = add_debug_container(
            &conn.client,
            &conn.namespace,
            &target.pod,
            image,
            &target.container,
        )
        .await?;
        printer.notice(&format_args!(
            "added ephemeral debug container {name} ({image}) to pod {}; it stays until the pod is deleted",
            target.pod
        ));
        target.container = name;
        specs = through_target_root(specs)?;
    }
    let reader = probe_reader(&target, &specs, printer).await?;
    let reporter = Arc::new(TerminalReporter::new(*printer));
    let (outcome, summary) = match (&specs, reader) {
        (CopySpecs::Download { from, to }, reader) => {
            super::cp_download::run(&target, from, to, &reader, &r, printer, &reporter).await?
        }
        (CopySpecs::Upload { from, to }, Reader::Tar(caps)) => {
            super::cp_upload::run(&target, from, to, &caps, &r, printer, &reporter).await?
        }
        (CopySpecs::Upload { .. }, Reader::Walk) => {
            return Err(TransferError::UploadNeedsTar {
                pod: target.pod.clone(),
                container: target.container.clone(),
            }
            .into());
        }
    };
    finish(&r, printer, outcome, &summary)
}

/// The same copy with the remote path seen from a debug container (`/proc/1/root/PATH`).
fn through_target_root(specs: CopySpecs) -> Result<CopySpecs, Error> {
    let rebase = |mut spec: crate::transfer::RemoteSpec| -> Result<_, Error> {
        let path = format!("{TARGET_ROOT}{}", spec.path.as_str());
        spec.path = crate::transfer::RemotePath::parse(&path).map_err(|problem| {
            crate::transfer::TransferError::InvalidSpec {
                spec: path.clone(),
                problem,
            }
        })?;
        Ok(spec)
    };
    Ok(match specs {
        CopySpecs::Download { from, to } => CopySpecs::Download {
            from: rebase(from)?,
            to,
        },
        CopySpecs::Upload { from, to } => CopySpecs::Upload {
            from,
            to: rebase(to)?,
        },
    })
}

/// Looks up the pod, refuses one that has ended, and picks the container like kubectl.
async fn find_container(
    client: &kube::Client,
    namespace: &str,
    pod_name: &str,
    requested: Option<&str>,
    idle: std::time::Duration,
    printer: &Printer,
) -> Result<Target, Error> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let pod = match pods.get(pod_name).await {
        Ok(p) => p,
        Err(kube::Error::Api(s)) if s.code == 404 => {
            return Err(ClusterError::NotFound {
                kind: "pod",
                name: pod_name.to_owned(),
                namespace: namespace.to_owned(),
            }
            .into());
        }
        Err(source) => {
            return Err(ClusterError::Api {
                action: format!("get pod {namespace}/{pod_name}"),
                source,
            }
            .into());
        }
    };
    let phase = pod
        .status
        .as_ref()
        .and_then(|s| s.phase.clone())
        .unwrap_or_default();
    if phase == "Succeeded" || phase == "Failed" {
        return Err(Error::PodNotRunning {
            pod: pod_name.to_owned(),
            phase,
        });
    }
    let all = containers(&pod);
    let chosen = choose_container(
        pod_name,
        pod.metadata.annotations.as_ref(),
        &all,
        requested,
        Defaulting::FirstWithNotice,
    )?;
    if let Some(n) = &chosen.notice {
        printer.notice(n);
    }
    if let Some(state) = not_running(&pod, &chosen.container.name) {
        return Err(Error::ContainerNotRunning {
            pod: pod_name.to_owned(),
            container: chosen.container.name,
            state,
        });
    }
    Ok(Target {
        client: client.clone(),
        namespace: namespace.to_owned(),
        pod: pod_name.to_owned(),
        container: chosen.container.name,
        idle,
    })
}

/// How the container is read: its tar, or (no tar, but a shell) the file-by-file walk.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reader {
    /// The container's tar, with what it supports.
    Tar(TarCapabilities),
    /// `sh` + `find` + `stat` + `cat` + `readlink` (see `transfer/filewise.rs`).
    Walk,
}

/// Asks the container's tar what it is. Without tar, a download falls back to the
/// file-by-file walk when the container has a shell and the walk's tools (said once on
/// stderr); no shell is an error that says what to do.
async fn probe_reader(
    target: &Target,
    specs: &CopySpecs,
    printer: &Printer,
) -> Result<Reader, Error> {
    let probe = capture(
        target,
        &crate::transfer::flavor::probe_argv(),
        None,
        256 * 1024,
    )
    .await?;
    if !probe.not_found() {
        let mut text = String::from_utf8_lossy(&probe.stdout).into_owned();
        text.push_str(&String::from_utf8_lossy(&probe.stderr));
        return Ok(Reader::Tar(parse_tar_version(&text)));
    }
    let no_tar = || Error::NoTar {
        pod: target.pod.clone(),
        container: target.container.clone(),
    };
    let walk = capture(target, &crate::transfer::filewise::probe_argv(), None, 4096).await?;
    if walk.not_found() {
        return Err(no_tar());
    }
    match parse_probe(&String::from_utf8_lossy(&walk.stdout)) {
        Some(WalkProbe::Ready) => {
            if matches!(specs, CopySpecs::Download { .. }) {
                printer.notice(&format_args!(
                    "container '{}' has no tar: copying file by file with its sh, find, stat, cat and readlink (slower)",
                    target.container
                ));
            }
            Ok(Reader::Walk)
        }
        Some(WalkProbe::Missing(tools)) => Err(TransferError::WalkToolsMissing {
            pod: target.pod.clone(),
            container: target.container.clone(),
            missing: tools.join(", "),
        }
        .into()),
        None => Err(no_tar()),
    }
}

/// Prints the summary, writes the error log, and maps the outcome to the exit code.
fn finish(
    r: &CpRequest,
    printer: &Printer,
    outcome: CopyOutcome,
    summary: &CopySummary,
) -> Result<ExitStatus, Error> {
    if let Some(path) = &r.error_log {
        write_error_log(path, &summary.skipped)?;
    }
    printer.notice(&format_args!(
        "{} file(s), {} dir(s), {} link(s), {} byte(s) copied; {} path(s) skipped",
        summary.files, summary.dirs, summary.links, summary.bytes, summary.skipped_count
    ));
    match outcome {
        CopyOutcome::Complete => Ok(ExitStatus::Complete),
        CopyOutcome::Partial if summary.skipped_count == 0 => {
            printer.warn(&format_args!(
                "the copy is partial: it could not be confirmed (see the warning above)"
            ));
            Ok(ExitStatus::Partial)
        }
        CopyOutcome::Partial => {
            printer.warn(&format_args!(
                "the copy is partial: {} path(s) were skipped (listed above{})",
                summary.skipped_count,
                r.error_log
                    .as_ref()
                    .map(|p| format!(" and in {}", p.display()))
                    .unwrap_or_default()
            ));
            Ok(ExitStatus::Partial)
        }
        CopyOutcome::Failed(cause) => Err(Error::CopyFailed { cause }),
    }
}

fn write_error_log(path: &Path, records: &[ErrorLogRecord]) -> Result<(), Error> {
    let mut text = String::new();
    for rec in records {
        text.push_str(&serde_json::to_string(rec).unwrap_or_default());
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|source| Error::WriteFile {
        path: path.to_owned(),
        source,
    })
}
