//! The FROM line (base-image-detection.md §1–§3): a name/digest with a confidence word and
//! evidence, and the boundary (last history entry of the base) so its steps can be shown as
//! comments. Local sources only, strongest first: manifest annotations, BuildKit buildinfo,
//! buildah's `FROM <ref>` comment, a base-name label; then history heuristics for the
//! boundary. Never invents a name.

use std::collections::BTreeMap;

use base64::Engine as _;

use super::builder::Builder;
use super::config::{HistoryEntry, ImageConfig};
use super::instruction::Instruction;

mod boundary;
pub mod candidates;
pub mod error;
pub mod provenance;
pub mod purl;
pub mod refine;
pub mod stages;

use boundary::boundary;
#[cfg(test)]
use boundary::parse_rfc3339;

const ANNOTATION_NAME: &str = "org.opencontainers.image.base.name";
const ANNOTATION_DIGEST: &str = "org.opencontainers.image.base.digest";

/// How sure we are of the base (base-image-detection.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// A candidate's layers and history are the image's first ones.
    Confirmed,
    /// A builder or annotation names it.
    Declared,
    /// No base layers (`FROM scratch`), or a candidate's layers match.
    Matched,
    /// Several candidates.
    Ambiguous,
    /// Only the boundary is guessed from history.
    Guessed,
    /// Nothing is known.
    Unknown,
}

impl Confidence {
    /// The word printed in comments.
    pub fn word(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Declared => "declared",
            Self::Matched => "matched",
            Self::Ambiguous => "ambiguous",
            Self::Guessed => "guessed",
            Self::Unknown => "unknown",
        }
    }
}

/// One piece of evidence: where it came from and what it said.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// Short source name (`annotation`, `buildinfo`, `buildah-comment`, `label`, `history`).
    pub source: &'static str,
    /// What it said.
    pub detail: String,
}

/// The detected base image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BaseImage {
    /// The base reference, when a source names one (`scratch` for none).
    pub name: Option<String>,
    /// The base digest, when a source gives one.
    pub digest: Option<String>,
    /// Index of the last history entry that belongs to the base.
    pub boundary: Option<usize>,
    /// How sure we are of the name.
    pub confidence: Confidence,
    /// The `# dfimage: from-<code>` code: `annotation`, `buildinfo`, `buildah-comment`,
    /// `label`, `scratch`, `unknown`.
    pub code: &'static str,
    /// How the boundary was found, when it was.
    pub boundary_reason: Option<&'static str>,
    /// Everything that was considered.
    pub evidence: Vec<Evidence>,
    /// Images that could be the base when the sources cannot tell (`name@digest`).
    pub alternatives: Vec<String>,
    /// Every `--base` candidate and how it compared.
    pub candidates: Vec<CandidateReport>,
    /// Extra `# dfimage:` lines under the FROM note (e.g. that the original Dockerfile exists).
    pub notes: Vec<String>,
}

/// How one `--base` candidate fared, for the FROM comment and `-o json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CandidateReport {
    /// `reference[@digest]`.
    pub candidate: String,
    /// `layers-and-history`, `layers`, `history`, `none`, or `unopened`.
    pub verdict: &'static str,
    /// In words.
    pub detail: String,
}

impl BaseImage {
    /// The FROM argument: `name[@digest]`, `scratch`, or `<unknown>[@digest]`.
    pub fn from_argument(&self) -> String {
        let name = self.name.clone().unwrap_or_else(|| "<unknown>".to_owned());
        match &self.digest {
            Some(d) if !name.contains('@') && name != "scratch" => format!("{name}@{d}"),
            _ => name,
        }
    }
}

/// What base detection reads of each history entry.
pub(crate) struct EntryView<'a> {
    pub entry: &'a HistoryEntry,
    pub builder: Builder,
    pub instruction: Option<&'a Instruction>,
    pub owns_layer_copy: bool,
}

pub(super) fn family(b: Builder) -> Builder {
    match b {
        // Entries a single build can mix: not a sign of a new build.
        Builder::Unknown | Builder::LlbExporter => Builder::Buildkit,
        other => other,
    }
}

pub(super) fn is_mutator(b: Builder) -> bool {
    matches!(
        b,
        Builder::DockerCommit | Builder::DockerSquash | Builder::Regclient | Builder::CraneFlatten
    )
}

fn is_hex_id(s: &str) -> bool {
    let s = s.strip_prefix("sha256:").unwrap_or(s);
    s.len() >= 12 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Detects the base of `config` from `entries` (one per history entry) and the manifest
/// `annotations`.
pub(crate) fn detect(
    config: &ImageConfig,
    entries: &[EntryView<'_>],
    annotations: &BTreeMap<String, String>,
) -> BaseImage {
    let mut evidence = Vec::new();
    let mut named: Option<(Option<String>, Option<String>, &'static str, Confidence)> = None;

    // buildah writes both annotations with empty values when it knows no base.
    let present = |v: &&String| !v.trim().is_empty();
    let (a_name, a_digest) = (
        annotations.get(ANNOTATION_NAME).filter(present),
        annotations.get(ANNOTATION_DIGEST).filter(present),
    );
    if a_name.is_some() || a_digest.is_some() {
        for (k, v) in [(ANNOTATION_NAME, a_name), (ANNOTATION_DIGEST, a_digest)] {
            if let Some(v) = v {
                evidence.push(Evidence {
                    source: "annotation",
                    detail: format!("{k}={v}"),
                });
            }
        }
        named = Some((
            a_name.cloned(),
            a_digest.cloned(),
            "annotation",
            Confidence::Declared,
        ));
    }

    let buildinfo = config
        .buildinfo
        .as_deref()
        .map(buildinfo_images)
        .unwrap_or_default();
    for (r, pin) in &buildinfo {
        evidence.push(Evidence {
            source: "buildinfo",
            detail: format!("docker-image {r} {}", pin.as_deref().unwrap_or("")),
        });
    }
    if named.is_none() {
        match buildinfo.as_slice() {
            [(r, pin)] => {
                named = Some((
                    Some(r.clone()),
                    pin.clone(),
                    "buildinfo",
                    Confidence::Declared,
                ))
            }
            [_, _, ..] => named = Some((None, None, "buildinfo", Confidence::Ambiguous)),
            [] => {}
        }
    }

    let buildah_from = entries.iter().enumerate().find_map(|(i, e)| {
        let c = e.entry.comment.as_deref()?.strip_prefix("FROM ")?.trim();
        (!c.is_empty() && !is_hex_id(c)).then(|| (i, c.to_owned()))
    });
    if let Some((i, r)) = &buildah_from {
        evidence.push(Evidence {
            source: "buildah-comment",
            detail: format!("entry {}: FROM {r}", i + 1),
        });
        if named.is_none() {
            let (name, digest) = match r.split_once('@') {
                Some((n, d)) if d.starts_with("sha256:") && !n.is_empty() => {
                    (r.clone(), Some(d.to_owned()))
                }
                _ => (r.clone(), None),
            };
            named = Some((Some(name), digest, "buildah-comment", Confidence::Declared));
        }
    }

    let labels = &config.runtime.labels;
    if let Some(v) = labels.get(ANNOTATION_NAME).filter(present) {
        evidence.push(Evidence {
            source: "label",
            detail: format!("{ANNOTATION_NAME}={v}"),
        });
        if named.is_none() {
            named = Some((
                Some(v.clone()),
                labels.get(ANNOTATION_DIGEST).filter(present).cloned(),
                "label",
                Confidence::Declared,
            ));
        }
    }
    for key in [
        "org.opencontainers.image.ref.name",
        "org.opencontainers.image.version",
    ] {
        if let Some(v) = labels.get(key) {
            evidence.push(Evidence {
                source: "label",
                detail: format!("hint {key}={v}"),
            });
        }
    }
    if let Some(v) = &config.os_version {
        evidence.push(Evidence {
            source: "config",
            detail: format!("os.version {v}"),
        });
    }

    let (boundary, reason) = boundary(entries, buildah_from.as_ref().map(|(i, _)| *i));
    if let Some(b) = boundary {
        evidence.push(Evidence {
            source: "history",
            detail: format!("base ends after entry {} ({})", b + 1, reason.unwrap_or("")),
        });
    }

    if let Some((name, digest, code, confidence)) = named {
        // `scratch` has no entries of its own: nothing of the history is the base's.
        let scratch = name.as_deref() == Some("scratch");
        let code = if scratch { "scratch" } else { code };
        let (boundary, reason) = if scratch {
            (None, None)
        } else {
            (boundary, reason)
        };
        return BaseImage {
            name,
            digest,
            boundary,
            confidence,
            code,
            boundary_reason: reason,
            evidence,
            alternatives: Vec::new(),
            candidates: Vec::new(),
            notes: Vec::new(),
        };
    }
    if boundary.is_none() && starts_from_scratch(entries) {
        return BaseImage {
            name: Some("scratch".to_owned()),
            digest: None,
            boundary: None,
            confidence: Confidence::Matched,
            code: "scratch",
            boundary_reason: None,
            evidence,
            alternatives: Vec::new(),
            candidates: Vec::new(),
            notes: Vec::new(),
        };
    }
    let confidence = if boundary.is_some() {
        Confidence::Guessed
    } else {
        Confidence::Unknown
    };
    BaseImage {
        name: None,
        digest: None,
        boundary,
        confidence,
        code: "unknown",
        boundary_reason: reason,
        evidence,
        alternatives: Vec::new(),
        candidates: Vec::new(),
        notes: Vec::new(),
    }
}

/// The first entry that owns a layer is this build's own COPY/ADD (or an equivalent layer
/// copy of apko/nix/import): nothing came from a base.
fn starts_from_scratch(entries: &[EntryView<'_>]) -> bool {
    entries
        .iter()
        .find(|e| !e.entry.empty_layer)
        .is_some_and(|e| {
            matches!(
                e.instruction,
                Some(Instruction::Copy(_) | Instruction::Add(_))
            ) || (e.owns_layer_copy
                && matches!(
                    e.builder,
                    Builder::Apko | Builder::Nix | Builder::DockerImport
                ))
        })
}

/// `docker-image` sources of a `moby.buildkit.buildinfo.v1` blob, minus the frontend image.
fn buildinfo_images(b64: &str) -> Vec<(String, Option<String>)> {
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(default)]
        sources: Vec<Source>,
    }
    #[derive(serde::Deserialize)]
    struct Source {
        #[serde(default, rename = "type")]
        kind: String,
        #[serde(default, rename = "ref")]
        reference: String,
        #[serde(default)]
        pin: Option<String>,
    }
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
        return Vec::new();
    };
    let Ok(info) = serde_json::from_slice::<Info>(&bytes) else {
        return Vec::new();
    };
    info.sources
        .into_iter()
        .filter(|s| s.kind == "docker-image" && !s.reference.contains("docker/dockerfile"))
        .map(|s| (s.reference, s.pin))
        .collect()
}

#[cfg(test)]
mod tests;
