//! Dockerfile recovery wiring: target → resolve → fetch → parse → list → render → print.
//!
//! Everything is computed before anything is written, so a failed run never leaves half a
//! Dockerfile on stdout. Layer listings stream from the registry on blocking threads, at most
//! [`LAYER_CONCURRENCY`] at a time; a listing that fails makes the run partial, not failed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use tokio_util::io::SyncIoBridge;

use super::exit::ExitStatus;
use super::printer::Printer;
use super::progress::TerminalReporter;
use crate::cli::request::{Format, Listing, RecoverRequest, RegistrySettings};
use crate::error::Error;
use crate::image::descriptor::LayerDescriptor;
use crate::image::flag::FlagCode;
use crate::image::instruction::Instruction;
use crate::image::layer::{ListOptions, list_layer};
use crate::image::platform::Platform;
use crate::image::{self, RecoverInput, Recovery};
use crate::registry::{self, FetchOptions, OpenedImage, SourceSpec};
use crate::report::{Reporter, TaskId};

/// Layer blobs streamed at once.
pub const LAYER_CONCURRENCY: usize = 4;

/// One image to recover, however it was named.
#[derive(Debug, Clone)]
pub(crate) struct ImageJob {
    /// The SOURCE string for the registry layer.
    pub source: String,
    /// The platform to pick from an index (`--platform`, else the pod's node).
    pub platform: Option<String>,
    /// docker config documents from pull secrets.
    pub extra_auth: Vec<Vec<u8>>,
    /// For a pod: the spec's tag and the digest that runs, to warn when the tag has moved.
    pub tag_check: Option<(String, String)>,
}

/// What one recovery produced.
#[derive(Debug)]
pub(crate) struct Recovered {
    /// The product (Dockerfile or JSON text).
    pub text: String,
    /// Something requested could not be produced (flagged on stderr).
    pub partial: bool,
}

/// Runs `kubectl dfimage SOURCE`.
pub async fn run(r: RecoverRequest, printer: &Printer) -> Result<ExitStatus, Error> {
    let reporter = Arc::new(TerminalReporter::new(*printer));
    if let Some(batch) = &r.batch {
        return super::batch::run(&r, batch, printer, &reporter).await;
    }
    let jobs = super::resolve_target::jobs_for(&r, printer, &reporter).await?;
    let mut texts = Vec::new();
    let mut partial = false;
    let many = jobs.len() > 1;
    for (label, job) in jobs {
        let recovered = recover_image(&job, &r, printer, &reporter).await?;
        partial |= recovered.partial;
        if many {
            texts.push(format!("# ---- {label} ----\n{}", recovered.text));
        } else {
            texts.push(recovered.text);
        }
    }
    if !printer.product(&texts.join("\n"))? {
        return Ok(ExitStatus::Complete);
    }
    Ok(if partial || !reporter.skipped_paths().is_empty() {
        ExitStatus::Partial
    } else {
        ExitStatus::Complete
    })
}

/// Registry options from the flags plus a job's platform and pull secrets.
pub(crate) fn fetch_options(
    settings: &RegistrySettings,
    job: &ImageJob,
) -> Result<FetchOptions, Error> {
    let platform = match settings.platform.as_deref().or(job.platform.as_deref()) {
        Some(p) => Some(p.parse::<Platform>()?),
        None => None,
    };
    Ok(FetchOptions {
        platform,
        plain_http: settings.plain_http,
        ca_files: settings.ca_files.clone(),
        insecure_skip_tls_verify: settings.insecure_skip_tls_verify,
        extra_auth_configs: job.extra_auth.clone(),
        credential_env: None,
    })
}

/// Recovers one image: open, parse, list the requested layers, render.
pub(crate) async fn recover_image(
    job: &ImageJob,
    r: &RecoverRequest,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> Result<Recovered, Error> {
    let spec = SourceSpec::parse(&job.source)?;
    let options = fetch_options(&r.registry, job)?;
    let opened = registry::open_image(&spec, &options, reporter.as_ref()).await?;
    if opened.chose_among_platforms()
        && let Some(p) = &opened.platform
    {
        let offered: Vec<String> = opened
            .platforms_available
            .iter()
            .map(|p| p.to_string())
            .collect();
        printer.notice(&format_args!(
            "{}: chose platform {p} (offered: {})",
            opened.display_ref,
            offered.join(", ")
        ));
    }
    if let Some((tag_ref, running)) = &job.tag_check {
        check_tag(tag_ref, running, &options, reporter).await;
    }
    let config = image::parse_config(&opened.config_bytes)?;
    if let Some(wanted) = r.registry.platform.as_deref()
        && !opened.chose_among_platforms()
        && let Ok(wanted) = wanted.parse::<Platform>()
        && let Ok(actual) = config.platform().parse::<Platform>()
        && (wanted.os != actual.os || wanted.architecture != actual.architecture)
    {
        reporter.warn(&format_args!(
            "{}: --platform {wanted} asked, but it is a single-platform image for {actual}",
            opened.display_ref
        ));
    }
    let mut recovery = image::recover(&RecoverInput {
        config: &config,
        layers: &opened.layers,
        annotations: &opened.manifest_annotations,
        has_layers: opened.has_layers,
    });
    let bases =
        super::base_sources::gather(&opened, &config, &r.bases, &options, printer, reporter).await;
    bases.refine(&mut recovery);
    for w in &recovery.warnings {
        reporter.warn(&format_args!("{}: {w}", opened.display_ref));
    }
    if printer.verbose() {
        let platform = opened.platform.as_ref().map(|p| p.to_string());
        printer.detail(&image::render_header(
            &recovery,
            &image::HeaderMeta {
                image: &opened.display_ref,
                digest: opened.manifest_digest.as_deref(),
                platform: platform.as_deref(),
            },
        ));
    }
    let mut partial = bases.partial;
    let wanted = layers_to_list(&recovery, r.listing, r.secrets);
    let listings = if !opened.has_layers {
        if r.listing != Listing::None {
            printer.notice(&format_args!(
                "{}: a raw config has no layer blobs, so no file lists are shown",
                opened.display_ref
            ));
        }
        Listings::default()
    } else {
        let (listings, failed) = list_layers(&opened, &wanted, r, reporter).await;
        partial |= failed;
        listings
    };
    let secrets = r.secrets.then(|| {
        let mut findings = crate::image::secrets::scan_image(&recovery.steps, &recovery.runtime);
        findings.extend(listings.secrets.iter().cloned());
        report_secrets(printer, &opened.display_ref, &findings);
        findings
    });
    let text = match r.format {
        Format::Dockerfile => image::render_dockerfile(
            &recovery,
            &image::RenderOptions {
                listings: &listings.lines,
            },
        ),
        Format::Json => {
            let mut v = image::render_json(&recovery);
            if let Some(obj) = v.as_object_mut() {
                obj.insert("layers".into(), serde_json::Value::Object(listings.json));
                obj.insert("provenance".into(), bases.json());
                if let Some(findings) = &secrets {
                    obj.insert(
                        "secrets".into(),
                        serde_json::to_value(findings).unwrap_or_default(),
                    );
                }
            }
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    let text = if r.provenance {
        bases.original_or_recovered(text, r.format, &opened.display_ref, printer, &mut partial)
    } else {
        text
    };
    printer.detail(&format_args!(
        "{}: {} bytes received from the registry",
        opened.display_ref,
        opened.bytes_received()
    ));
    Ok(Recovered { text, partial })
}

/// Warns when the pod spec's tag now names another image than the digest that runs.
/// Best effort: a failure to resolve the tag is only mentioned, never fatal.
async fn check_tag(
    tag_ref: &str,
    running: &str,
    options: &FetchOptions,
    reporter: &Arc<TerminalReporter>,
) {
    let Ok(spec) = SourceSpec::parse(&format!("docker://{tag_ref}")) else {
        return;
    };
    match registry::open_image(&spec, options, reporter.as_ref()).await {
        Ok(now) => {
            let same = [now.index_digest.as_deref(), now.manifest_digest.as_deref()]
                .iter()
                .flatten()
                .any(|d| *d == running);
            if !same {
                let now_digest = now.index_digest.or(now.manifest_digest).unwrap_or_default();
                reporter.warn(&format_args!(
                    "{tag_ref} now resolves to {now_digest}, but the pod runs {running}: recovering what runs"
                ));
            }
        }
        Err(e) => reporter.warn(&format_args!(
            "could not check whether {tag_ref} still names {running}: {}",
            chain(&e)
        )),
    }
}

/// Layer indexes to read, with whether the owning instruction was a COPY/ADD without a
/// recorded `--chown`, and whether its listing is shown (`--secrets` reads every layer but
/// shows only the listings `--files` asked for).
fn layers_to_list(
    recovery: &Recovery,
    listing: Listing,
    secrets: bool,
) -> Vec<(usize, bool, bool)> {
    if listing == Listing::None && !secrets {
        return Vec::new();
    }
    let mut out = Vec::new();
    for step in &recovery.steps {
        let Some(layer) = step.layer else { continue };
        // (is a COPY/ADD, recorded a --chown)
        let copy = match &step.instruction {
            Some(Instruction::Copy(a) | Instruction::Add(a)) => {
                Some(a.flags.iter().any(|f| f.starts_with("--chown")))
            }
            Some(Instruction::Verbatim { keyword, text })
                if keyword == "COPY" || keyword == "ADD" =>
            {
                Some(text.contains("--chown"))
            }
            // buildah without --layers: the COPY/ADD files sit in the layer of a later step.
            _ if step
                .flags
                .iter()
                .any(|f| f.code == FlagCode::OneLayerForSteps) =>
            {
                Some(false)
            }
            _ => None,
        };
        let shown = listing == Listing::All || (listing == Listing::Copy && copy.is_some());
        if shown || secrets {
            out.push((layer, copy == Some(false), shown));
        }
    }
    // Layers no history entry owns (no or short history): nothing says what made them, so
    // they are listed whenever listings are on.
    for u in &recovery.unpaired_layers {
        if listing != Listing::None || secrets {
            out.push((u.index, false, listing != Listing::None));
        }
    }
    out.sort_unstable();
    out.dedup_by_key(|(l, _, _)| *l);
    out
}

/// Listings by layer index: comment lines for the Dockerfile and JSON for `-o json`, plus
/// the secret findings in the files read.
#[derive(Debug, Default)]
struct Listings {
    lines: BTreeMap<usize, Vec<String>>,
    json: serde_json::Map<String, serde_json::Value>,
    secrets: Vec<crate::image::secrets::SecretFinding>,
}

static NEXT_TASK: AtomicU64 = AtomicU64::new(1);

/// Streams and lists `wanted` layers concurrently; returns the listings and whether any
/// failed (reported as warnings, which makes the run partial).
async fn list_layers(
    opened: &OpenedImage,
    wanted: &[(usize, bool, bool)],
    r: &RecoverRequest,
    reporter: &Arc<TerminalReporter>,
) -> (Listings, bool) {
    let options = match r.format {
        Format::Json => ListOptions::all(),
        Format::Dockerfile => ListOptions::for_text(r.max_files, r.filter_noise),
    };
    let options = if r.secrets {
        options.with_secrets()
    } else {
        options
    };
    let results = futures_util::stream::iter(wanted.iter().copied())
        .map(|(index, without_chown, shown)| {
            let layer = opened.layers.get(index).cloned();
            async move {
                let Some(layer) = layer else {
                    let err = Err("layer index out of range".to_owned());
                    return (index, without_chown, shown, err);
                };
                let res = list_one(opened, &layer, index, options, reporter).await;
                (index, without_chown, shown, res)
            }
        })
        .buffer_unordered(LAYER_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut out = Listings::default();
    let mut failed = false;
    for (index, without_chown, shown, res) in results {
        match res {
            Ok(listing) => {
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
                    .insert(index, image::listing::render_listing(&listing, &render));
                out.json.insert(
                    index.to_string(),
                    serde_json::to_value(&listing).unwrap_or_default(),
                );
            }
            Err(message) => {
                failed = true;
                reporter.warn(&format_args!("could not list layer {index}: {message}"));
                out.lines
                    .insert(index, vec![format!("  (file list unavailable: {message})")]);
            }
        }
    }
    (out, failed)
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

/// `--secrets`: the findings on stderr, values masked.
fn report_secrets(
    printer: &Printer,
    image: &str,
    findings: &[crate::image::secrets::SecretFinding],
) {
    if findings.is_empty() {
        printer.notice(&format_args!("{image}: no likely secrets found"));
        return;
    }
    printer.stderr_line(format_args!(
        "{image}: {} likely secret(s) (values masked):",
        findings.len()
    ));
    for f in findings {
        printer.stderr_line(format_args!("  {f}"));
    }
}

/// An error and its causes on one line.
pub(crate) fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut s = err.to_string();
    let mut cur = err.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
