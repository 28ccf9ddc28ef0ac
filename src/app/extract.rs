//! `kubectl dfimage extract`: an image's files without running it. Layers stream from the
//! source through the sniffing decoder into the same safe extractor `cp` uses; `--flatten`
//! applies every layer in order with whiteouts, giving the image's root filesystem. A pod
//! or workload SOURCE reads the image its container runs, as a recovery does
//! (`resolve_target.rs`): no exec, so distroless containers work too.

use std::sync::Arc;

use tokio_util::io::SyncIoBridge;

use super::exit::ExitStatus;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::recover::open_job;
use super::resolve_target::{TargetQuery, one_job};
use crate::cli::request::ExtractRequest;
use crate::error::Error;
use crate::image::layer::Decoder;
use crate::report::{Reporter, TaskId};
use crate::transfer::{UnpackOptions, UnpackSummary, WhiteoutMode, unpack_into};

/// Runs an extraction.
pub async fn run(r: ExtractRequest, printer: &Printer) -> Result<ExitStatus, Error> {
    if r.dest.exists() && !r.dest.is_dir() {
        return Err(Error::DestNotDir {
            path: r.dest.clone(),
        });
    }
    let reporter = Arc::new(TerminalReporter::new(*printer));
    let job = one_job(&TargetQuery::from(&r), printer, &reporter).await?;
    let (opened, _) = open_job(&job, &r.registry, printer, &reporter).await?;
    if !opened.has_layers {
        return Err(Error::NoLayers {
            source_ref: opened.display_ref.clone(),
        });
    }
    let indexes: Vec<usize> = match (r.layer, r.flatten) {
        (Some(n), _) if n >= opened.layers.len() => {
            return Err(Error::LayerOutOfRange {
                layer: n,
                count: opened.layers.len(),
            });
        }
        (Some(n), _) => vec![n],
        (None, true) => (0..opened.layers.len()).collect(),
        (None, false) => {
            return Err(Error::ExtractWhat {
                count: opened.layers.len(),
            });
        }
    };
    let prefix = r
        .path
        .as_deref()
        .map(|p| p.trim_matches('/').to_owned())
        .filter(|p| !p.is_empty());
    // The root stays DEST: entries under the prefix keep their names, so nothing that a
    // layer (or an earlier extraction) planted as a symlink on the way is ever followed.
    let dest = r.dest.clone();
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| Error::WriteFile {
            path: parent.to_owned(),
            source,
        })?;
    }
    let opts = UnpackOptions {
        only_under: prefix,
        whole_stream: true,
        whiteouts: WhiteoutMode::Apply,
        ..UnpackOptions::default()
    };
    let mut summary = UnpackSummary::default();
    for index in indexes {
        let layer = opened.layers[index].clone();
        let task = TaskId(index as u64 + 1);
        reporter.task_started(task, &format!("layer {index}"), Some(layer.size));
        let blob = opened.open_blob(&layer).await?;
        let bridge = SyncIoBridge::new(super::counting::CountingReader::new(
            blob,
            task,
            Arc::clone(&reporter),
        ));
        let dest = dest.clone();
        let opts = opts.clone();
        let rep = Arc::clone(&reporter);
        let (res, back) = tokio::task::spawn_blocking(move || {
            let mut summary = summary;
            let res = Decoder::open(bridge)
                .map_err(|source| crate::transfer::TransferError::Archive { offset: 0, source })
                .and_then(|(decoder, _)| {
                    unpack_into(decoder, &dest, &opts, rep.as_ref(), &mut summary)
                });
            (res, summary)
        })
        .await
        .map_err(|_| Error::CopyIncomplete)?;
        summary = back;
        reporter.task_finished(task);
        res?;
    }
    printer.notice(&format_args!(
        "{} file(s), {} dir(s), {} link(s), {} byte(s) written to {}; {} whiteout(s) applied; {} entr(ies) skipped",
        summary.files,
        summary.dirs,
        summary.symlinks + summary.hardlinks,
        summary.bytes,
        r.dest.display(),
        summary.whiteouts_applied,
        summary.skipped_count
    ));
    Ok(if summary.skipped_count > 0 {
        ExitStatus::Partial
    } else {
        ExitStatus::Complete
    })
}
