//! Dockerfile recovery wiring: target → resolve → fetch → parse → list → render → print.
//!
//! Everything is computed before anything is written, so a failed run never leaves half a
//! Dockerfile on stdout. Layer listings (see `listings.rs`) stream from the source, at most
//! [`LAYER_CONCURRENCY`] at a time; a listing that fails makes the run partial, not failed.

use std::sync::Arc;

use super::exit::ExitStatus;
use super::listings;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::resolve_target::TargetQuery;
use crate::cli::request::{Format, Listing, RecoverRequest, RegistrySettings};
use crate::error::Error;
use crate::image::flag::FlagCode;
use crate::image::instruction::Instruction;
use crate::image::platform::Platform;
use crate::image::{self, RecoverInput, Recovery, alignment};
use crate::registry::{self, FetchOptions, SourceSpec};
use crate::report::Reporter;

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
    pub extra_auth: Vec<(String, Vec<u8>)>,
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
    let jobs = super::resolve_target::jobs_for(&TargetQuery::from(&r), printer, &reporter).await?;
    let mut outputs = Vec::new();
    let mut partial = false;
    let many = jobs.len() > 1;
    let total = jobs.len();
    // With several containers (--all-containers), one image that fails does not hide the
    // others: each failure is reported and the run is partial, as with --all.
    let mut failed = Vec::new();
    for (label, job) in jobs {
        let recovered = match recover_image(&job, &r, printer, &reporter).await {
            Ok(recovered) => recovered,
            Err(e) if many => {
                failed.push((label, e));
                continue;
            }
            Err(e) => return Err(e),
        };
        partial |= recovered.partial;
        outputs.push((label, recovered.text));
    }
    let product = combine(&outputs, r.format, many);
    if !failed.is_empty() {
        return super::resolve_target::finish_containers(printer, &product, &failed, total);
    }
    if !printer.product(&product)? {
        return Ok(ExitStatus::Complete);
    }
    Ok(if partial || !reporter.skipped_paths().is_empty() {
        ExitStatus::Partial
    } else {
        ExitStatus::Complete
    })
}

/// The product of the recovered containers: one container's as it is; several Dockerfiles
/// one after another, each under a comment naming its container; several JSON documents as
/// one array whose objects name their container in `target`, so `-o json` stays one
/// document.
fn combine(outputs: &[(String, String)], format: Format, many: bool) -> String {
    if !many {
        return outputs.iter().map(|(_, t)| t.as_str()).collect();
    }
    match format {
        Format::Dockerfile => outputs
            .iter()
            .map(|(label, text)| format!("# ---- {label} ----\n{text}"))
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Json => {
            let docs: Vec<serde_json::Value> = outputs
                .iter()
                .map(|(label, text)| {
                    // --provenance may have put the original Dockerfile here: keep it as text
                    let mut doc = serde_json::from_str(text)
                        .unwrap_or_else(|_| serde_json::Value::String(text.clone()));
                    if let Some(obj) = doc.as_object_mut() {
                        obj.insert("target".into(), label.clone().into());
                    }
                    doc
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&docs).unwrap_or_default();
            s.push('\n');
            s
        }
    }
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

/// Opens a job's image with the flags' registry settings. Says which platform an index
/// gave, and warns when the tag a pod's spec names has moved away from the digest it runs.
pub(crate) async fn open_job(
    job: &ImageJob,
    settings: &RegistrySettings,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> Result<(registry::OpenedImage, FetchOptions), Error> {
    let spec = SourceSpec::parse(&job.source)?;
    let options = fetch_options(settings, job)?;
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
    Ok((opened, options))
}

/// Recovers one image: open, parse, list the requested layers, render.
pub(crate) async fn recover_image(
    job: &ImageJob,
    r: &RecoverRequest,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> Result<Recovered, Error> {
    let (opened, options) = open_job(job, &r.registry, printer, reporter).await?;
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
    let input = RecoverInput {
        config: &config,
        layers: &opened.layers,
        annotations: &opened.manifest_annotations,
        has_layers: opened.has_layers,
    };
    let first = image::recover(&input);
    // History and layers differ in number: the other alignment is scored too, from the
    // listings of both pairings' COPY/ADD layers (created-by-formats.md §6 P4/P5).
    let default = alignment::default_alignment(config.is_windows());
    let second =
        (opened.has_layers && r.listing != Listing::None && alignment::is_ambiguous(&first))
            .then(|| image::recover_aligned(&input, Some(alignment::other(default))));
    let mut to_read: Vec<usize> = layers_to_list(&first, r.listing, r.secrets)
        .into_iter()
        .chain(
            second
                .iter()
                .flat_map(|s| layers_to_list(s, r.listing, r.secrets)),
        )
        .map(|(l, _, _)| l)
        .collect();
    to_read.sort_unstable();
    to_read.dedup();
    if !opened.has_layers && r.listing != Listing::None {
        printer.notice(&format_args!(
            "{}: a raw config has no layer blobs, so no file lists are shown",
            opened.display_ref
        ));
    }
    let reading = async {
        if opened.has_layers {
            listings::read_layers(&opened, &to_read, r, reporter).await
        } else {
            (listings::Read::new(), false)
        }
    };
    // Base evidence (attestations, --base candidates) and the layer listings are independent
    // requests: made at the same time, not one after the other.
    let (bases, (read, failed)) = tokio::join!(
        super::base_sources::gather(&opened, &config, &r.bases, &options, printer, reporter),
        reading
    );
    let mut partial = bases.partial | failed;
    let mut recovery = match second {
        Some(second) => {
            let entries = |i: usize| match read.get(&i) {
                Some(Ok(l)) => Some(l.entries.as_slice()),
                _ => None,
            };
            let (fit_first, fit_second) = (
                alignment::fit(&first, entries),
                alignment::fit(&second, entries),
            );
            if alignment::prefer_alternative(fit_first, fit_second) {
                printer.notice(&format_args!(
                    "{}: paired history with layers from the {} instead: COPY/ADD steps whose layer holds their destination: {} that way, {} the other way",
                    opened.display_ref,
                    alignment::name(alignment::other(default)),
                    fit_second.matched,
                    fit_first.matched,
                ));
                second
            } else {
                first
            }
        }
        None => first,
    };
    let listings =
        listings::render_listings(&layers_to_list(&recovery, r.listing, r.secrets), &read, r);
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
                // which image this is: the reference as read and the manifest it resolved to
                obj.insert("image".into(), opened.display_ref.clone().into());
                obj.insert(
                    "digest".into(),
                    opened
                        .manifest_digest
                        .clone()
                        .map_or(serde_json::Value::Null, Into::into),
                );
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
    // What --secrets reports masked on stderr is masked in the product too.
    let text = match &secrets {
        Some(findings) => crate::image::secrets::redact(&text, findings),
        None => text,
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
    crate::error::cause_lines(err).join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two() -> Vec<(String, String)> {
        vec![
            (
                "ns/p container a: x:1".to_string(),
                "{\"image\": \"x:1\"}\n".to_string(),
            ),
            (
                "ns/p container b: y:2".to_string(),
                "{\"image\": \"y:2\"}\n".to_string(),
            ),
        ]
    }

    #[test]
    fn several_json_documents_become_one_array_naming_each_container() {
        let out = combine(&two(), Format::Json, true);
        let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON document");
        let docs = v.as_array().expect("an array");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0]["image"], "x:1");
        assert_eq!(docs[0]["target"], "ns/p container a: x:1");
        assert_eq!(docs[1]["target"], "ns/p container b: y:2");
    }

    #[test]
    fn several_dockerfiles_are_separated_by_a_comment_and_one_is_left_alone() {
        let files = vec![
            ("a".to_string(), "FROM x\n".to_string()),
            ("b".to_string(), "FROM y\n".to_string()),
        ];
        assert_eq!(
            combine(&files, Format::Dockerfile, true),
            "# ---- a ----\nFROM x\n\n# ---- b ----\nFROM y\n"
        );
        assert_eq!(combine(&files[..1], Format::Json, false), "FROM x\n");
    }
}
