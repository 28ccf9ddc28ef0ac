//! Reading layers for listings: streamed from the source on blocking threads, at most
//! [`LAYER_CONCURRENCY`] at a time, each with a progress task; then rendered for the chosen
//! recovery (comment lines, JSON, secret findings). A layer that cannot be read is a warning
//! and a note in its listing, never a failure of the run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use tokio_util::io::SyncIoBridge;

use super::progress::TerminalReporter;
use super::recover::{LAYER_CONCURRENCY, chain};
use crate::cli::request::{Format, RecoverRequest};
use crate::image::descriptor::LayerDescriptor;
use crate::image::layer::{ListOptions, list_layer};
use crate::image::{self};
use crate::registry::OpenedImage;
use crate::report::{Reporter, TaskId};

/// Listings by layer index: comment lines for the Dockerfile and JSON for `-o json`, plus
/// the secret findings in the files read.
#[derive(Debug, Default)]
pub(super) struct Listings {
    pub(super) lines: BTreeMap<usize, Vec<String>>,
    pub(super) json: serde_json::Map<String, serde_json::Value>,
    pub(super) secrets: Vec<crate::image::secrets::SecretFinding>,
}

/// What reading the layers gave: a listing or an error message per layer index.
pub(super) type Read = BTreeMap<usize, Result<image::layer::LayerListing, String>>;

static NEXT_TASK: AtomicU64 = AtomicU64::new(1);

/// Streams and lists `layers` concurrently; failures are reported as warnings (which makes
/// the run partial) and kept as messages.
pub(super) async fn read_layers(
    opened: &OpenedImage,
    layers: &[usize],
    r: &RecoverRequest,
    reporter: &Arc<TerminalReporter>,
) -> (Read, bool) {
    let options = match r.format {
        Format::Json => ListOptions::all(),
        Format::Dockerfile => ListOptions::for_text(r.max_files, r.filter_noise),
    };
    let options = if r.secrets {
        options.with_secrets()
    } else {
        options
    };
    let results = futures_util::stream::iter(layers.iter().copied())
        .map(|index| {
            let layer = opened.layers.get(index).cloned();
            async move {
                let Some(layer) = layer else {
                    return (index, Err("layer index out of range".to_owned()));
                };
                (
                    index,
                    list_one(opened, &layer, index, options, reporter).await,
                )
            }
        })
        .buffer_unordered(LAYER_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut failed = false;
    for (index, res) in &results {
        if let Err(message) = res {
            failed = true;
            reporter.warn(&format_args!("could not list layer {index}: {message}"));
        }
    }
    (results.into_iter().collect(), failed)
}

/// Renders the listings of `wanted` (from `layers_to_list` of the chosen recovery).
pub(super) fn render_listings(
    wanted: &[(usize, bool, bool)],
    read: &Read,
    r: &RecoverRequest,
) -> Listings {
    let mut out = Listings::default();
    for &(index, without_chown, shown) in wanted {
        match read.get(&index) {
            Some(Ok(listing)) => {
                out.secrets
                    .extend(listing.secrets.iter().cloned().map(|f| f.in_layer(index)));
                if !shown {
                    continue;
                }
                let render = image::listing::ListingStyle {
                    max_files: r.max_files,
                    filter_noise: r.filter_noise,
                    copy_without_chown: without_chown,
                };
                out.lines
                    .insert(index, image::listing::render_listing(listing, &render));
                out.json.insert(
                    index.to_string(),
                    serde_json::to_value(listing).unwrap_or_default(),
                );
            }
            Some(Err(message)) => {
                out.lines
                    .insert(index, vec![format!("  (file list unavailable: {message})")]);
            }
            None => {}
        }
    }
    out
}

async fn list_one(
    opened: &OpenedImage,
    layer: &LayerDescriptor,
    index: usize,
    options: ListOptions,
    reporter: &Arc<TerminalReporter>,
) -> Result<image::layer::LayerListing, String> {
    let blob = opened.open_blob(layer).await.map_err(|e| chain(&e))?;
    let task = TaskId(NEXT_TASK.fetch_add(1, Ordering::Relaxed));
    let short = layer
        .digest
        .trim_start_matches("sha256:")
        .chars()
        .take(12)
        .collect::<String>();
    reporter.task_started(task, &format!("layer {index} {short}"), Some(layer.size));
    let counted = super::counting::CountingReader::new(blob, task, Arc::clone(reporter));
    // The bridge is made here, on the async side, and only used on the blocking thread.
    let bridge = SyncIoBridge::new(counted);
    let media_type = layer.media_type.clone();
    let result =
        tokio::task::spawn_blocking(move || list_layer(bridge, &media_type, &options)).await;
    reporter.task_finished(task);
    match result {
        Ok(listing) => listing.map_err(|e| chain(&e)),
        Err(join) => Err(format!("listing task ended: {join}")),
    }
}
