//! The FROM line's network sources for one recovery (base-image-detection.md §3): the
//! BuildKit provenance attestation of the chosen platform manifest, and the `--base`
//! candidates opened through the same `open_image` path as the image itself, for the same
//! platform. Both only read manifests, configs and attestation statements, never a layer.
//!
//! Wiring only: fetching is `registry`'s, interpreting `image::base`'s. Problems are notices
//! (an unusable attestation) or warnings that make the run partial (a candidate that cannot
//! be opened); neither fails the recovery.

use std::sync::Arc;

use super::printer::Printer;
use super::progress::TerminalReporter;
use super::recover::chain;
use crate::cli::request::Format;
use crate::image::ImageConfig;
use crate::image::base::candidates::{Candidate, CandidateMatch, compare};
use crate::image::base::provenance::{
    Mode, Provenance, ProvenanceBase, SourceFile, parse_provenance, provenance_base,
};
use crate::image::base::refine::{BaseFindings, refine};
use crate::image::recover::Recovery;
use crate::registry::{self, FetchOptions, OpenedImage, SourceSpec};
use crate::report::Reporter;

/// What the network sources found for one image.
#[derive(Debug, Default)]
pub(crate) struct BaseSources {
    provenance: Option<(Provenance, ProvenanceBase)>,
    candidates: Vec<CandidateMatch>,
    unopened: Vec<(String, String)>,
    /// A requested candidate could not be opened.
    pub partial: bool,
}

impl BaseSources {
    /// Refines the recovery's FROM line with what was found.
    pub(crate) fn refine(&self, recovery: &mut Recovery) {
        refine(
            recovery,
            &BaseFindings {
                provenance: self.provenance.as_ref().map(|(_, b)| b),
                candidates: &self.candidates,
                unopened: &self.unopened,
            },
        );
        if self.original().is_some() {
            recovery.base.notes.push(
                "provenance: the image's mode=max provenance attestation carries the original \
                 Dockerfile; print it with --provenance"
                    .into(),
            );
        }
    }

    /// The original Dockerfile of a mode=max attestation, with the statement's digest.
    pub(crate) fn original(&self) -> Option<(&SourceFile, &str)> {
        let (p, _) = self.provenance.as_ref()?;
        let df = p.dockerfiles.first()?;
        Some((df, p.statement_digest.as_str()))
    }

    /// `--provenance`: the original Dockerfile of a mode=max attestation instead of the recovered
    /// one (JSON carries it already); without one, the recovered text and a partial run.
    pub(crate) fn original_or_recovered(
        &self,
        recovered: String,
        format: Format,
        image: &str,
        printer: &Printer,
        partial: &mut bool,
    ) -> String {
        match self.original() {
            Some((df, statement)) => {
                printer.notice(&format_args!(
                "{image}: the original {} from the mode=max provenance attestation (statement {statement})",
                df.filename
            ));
                match format {
                    Format::Dockerfile => df.text.clone(),
                    Format::Json => recovered,
                }
            }
            None => {
                printer.notice(&format_args!(
                    "{image}: no mode=max provenance attestation carries the original Dockerfile; \
                 printed the recovered one"
                ));
                *partial = true;
                recovered
            }
        }
    }

    /// `-o json`'s `provenance` object (null without an attestation).
    pub(crate) fn json(&self) -> serde_json::Value {
        let Some((p, b)) = &self.provenance else {
            return serde_json::Value::Null;
        };
        serde_json::json!({
            "statement": p.statement_digest,
            "predicate_type": p.predicate_type,
            "mode": p.mode,
            "frontend": p.frontend,
            "frontend_image": p.frontend_image,
            "target": p.target,
            "materials": p.images.iter()
                .map(|m| serde_json::json!({ "uri": m.uri, "image": m.image.reference(), "digest": m.digest, "platform": m.image.platform }))
                .collect::<Vec<_>>(),
            "other_materials": p.other_materials,
            "base": { "name": b.name, "digest": b.digest, "from_dockerfile": b.from_dockerfile, "candidates": b.candidates, "detail": b.detail },
            "dockerfiles": p.dockerfiles,
        })
    }
}

/// Reads the attestation and opens the candidates of `opened`.
pub(crate) async fn gather(
    opened: &OpenedImage,
    config: &ImageConfig,
    bases: &[String],
    options: &FetchOptions,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> BaseSources {
    let mut out = BaseSources {
        provenance: read_provenance(opened, printer).await,
        ..BaseSources::default()
    };
    if let Some((p, _)) = &out.provenance {
        let mode = match p.mode {
            Mode::Min => "mode=min",
            Mode::Max => "mode=max",
        };
        printer.detail(&format_args!(
            "{}: provenance attestation {} ({}, {mode})",
            opened.display_ref, p.statement_digest, p.predicate_type
        ));
    }
    // The candidate must be the image's own platform (§4), whatever --platform said.
    let mut options = options.clone();
    if let Some(p) = &opened.platform {
        options.platform = Some(p.clone());
    }
    for reference in bases {
        match open_candidate(reference, &options, reporter).await {
            Ok((digest, cand)) => out.candidates.push(compare(
                config,
                &Candidate {
                    // A Dockerfile names a registry image without the transport prefix.
                    reference: reference.strip_prefix("docker://").unwrap_or(reference),
                    digest: digest.as_deref(),
                    config: &cand,
                },
            )),
            Err(why) => {
                reporter.warn(&format_args!(
                    "--base {reference}: could not open the candidate: {why}"
                ));
                out.unopened.push((reference.clone(), why));
                out.partial = true;
            }
        }
    }
    out
}

async fn open_candidate(
    reference: &str,
    options: &FetchOptions,
    reporter: &Arc<TerminalReporter>,
) -> Result<(Option<String>, ImageConfig), String> {
    let spec = SourceSpec::parse(reference).map_err(|e| chain(&e))?;
    let cand = registry::open_image(&spec, options, reporter.as_ref())
        .await
        .map_err(|e| chain(&e))?;
    let config = crate::image::parse_config(&cand.config_bytes).map_err(|e| chain(&e))?;
    Ok((cand.index_digest.or(cand.manifest_digest), config))
}

/// The first usable provenance statement of the chosen manifest; notices for the rest.
async fn read_provenance(
    opened: &OpenedImage,
    printer: &Printer,
) -> Option<(Provenance, ProvenanceBase)> {
    let image = &opened.display_ref;
    let attestations = match opened.fetch_attestations().await {
        Ok(Some(a)) => a,
        Ok(None) => return None,
        Err(e) => {
            printer.notice(&format_args!(
                "{image}: the provenance attestation is not used: {}",
                chain(&e)
            ));
            return None;
        }
    };
    for (digest, e) in &attestations.failed {
        printer.notice(&format_args!(
            "{image}: provenance statement {digest} is not used: {}",
            chain(e)
        ));
    }
    for ignored in &attestations.ignored {
        printer.detail(&format_args!(
            "{image}: attestation layer {ignored} left alone"
        ));
    }
    let platform = opened.platform.as_ref().map(|p| p.to_string());
    let mut found = None;
    for s in &attestations.statements {
        match parse_provenance(&s.bytes, &s.digest, opened.manifest_digest.as_deref()) {
            Ok(p) if found.is_none() => {
                for note in &p.notes {
                    printer.notice(&format_args!("{image}: provenance {}: {note}", s.digest));
                }
                let base = provenance_base(&p, platform.as_deref());
                found = Some((p, base));
            }
            Ok(_) => {}
            Err(e) => printer.notice(&format_args!(
                "{image}: attestation not used (failed to {})",
                chain(&e)
            )),
        }
    }
    found
}
