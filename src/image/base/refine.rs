//! The FROM line once the network sources are in (base-image-detection.md §3): a BuildKit
//! provenance statement and the `--base` candidates refine what `base::detect` found in
//! the config and manifest. Order: a mode=max Dockerfile over annotations over mode=min
//! materials over the config-only sources; a layer match over any declared name.
//!
//! Pure: values in, the recovery's base and its steps' `in_base` updated.

use super::candidates::{CandidateMatch, Choice, Strength, choose};
use super::provenance::ProvenanceBase;
use super::{BaseImage, CandidateReport, Confidence, Evidence};
use crate::image::recover::Recovery;

/// What the network sources said.
#[derive(Debug, Clone, Copy, Default)]
pub struct BaseFindings<'a> {
    /// The base according to the provenance statement, when there is one.
    pub provenance: Option<&'a ProvenanceBase>,
    /// Every candidate that could be opened, compared.
    pub candidates: &'a [CandidateMatch],
    /// Candidates that could not be opened: (reference, why).
    pub unopened: &'a [(String, String)],
}

fn split_pinned(s: &str) -> (String, Option<String>) {
    match s.split_once('@') {
        Some((n, d)) if d.starts_with("sha256:") => (n.to_owned(), Some(d.to_owned())),
        _ => (s.to_owned(), None),
    }
}

fn apply_provenance(base: &mut BaseImage, p: &ProvenanceBase) {
    base.evidence.push(Evidence {
        source: "provenance",
        detail: p.detail.clone(),
    });
    // Annotations are written by the builder for this very image: only the original
    // Dockerfile outranks them.
    let outranked = base.code != "annotation" || p.from_dockerfile;
    if !outranked {
        return;
    }
    if let Some(name) = &p.name {
        let scratch = name.eq_ignore_ascii_case("scratch");
        base.name = Some(if scratch {
            "scratch".into()
        } else {
            name.clone()
        });
        base.digest = p.digest.clone();
        base.confidence = Confidence::Declared;
        base.code = "provenance";
        base.alternatives.clear();
        if scratch {
            base.boundary = None;
            base.boundary_reason = None;
        }
    } else if !p.candidates.is_empty() && base.confidence != Confidence::Declared {
        base.name = None;
        base.digest = None;
        base.confidence = Confidence::Ambiguous;
        base.code = "provenance";
        base.alternatives = p.candidates.clone();
    }
}

fn report(m: &CandidateMatch) -> CandidateReport {
    CandidateReport {
        candidate: m.pinned(),
        verdict: match m.strength {
            Strength::LayersAndHistory => "layers-and-history",
            Strength::Layers => "layers",
            Strength::History => "history",
            Strength::None => "none",
        },
        detail: m.detail.clone(),
    }
}

/// Where the base ends when `m` is the base: its last history entry when the histories
/// agree, else the entry owning its last layer.
fn boundary_of(recovery: &Recovery, m: &CandidateMatch) -> Option<(usize, &'static str)> {
    match m.strength {
        Strength::LayersAndHistory | Strength::History => m
            .history
            .checked_sub(1)
            .map(|b| (b, "the candidate's history ends here")),
        Strength::Layers => {
            let last = m.layers.checked_sub(1)?;
            recovery
                .steps
                .iter()
                .find(|s| s.layer == Some(last))
                .map(|s| (s.index, "the candidate's layers end here"))
        }
        Strength::None => None,
    }
}

fn apply_candidates(recovery: &mut Recovery, f: &BaseFindings<'_>) {
    let declared = recovery.base.digest.clone();
    let mut reports: Vec<CandidateReport> = f.candidates.iter().map(report).collect();
    reports.extend(f.unopened.iter().map(|(r, why)| CandidateReport {
        candidate: r.clone(),
        verdict: "unopened",
        detail: why.clone(),
    }));
    recovery.base.candidates = reports;
    let chosen = match choose(f.candidates) {
        Choice::None => return,
        Choice::Best(m) => m,
        Choice::Tie(tied) => {
            let strong = tied[0].strength >= Strength::Layers;
            if strong || recovery.base.name.is_none() {
                let b = &mut recovery.base;
                b.name = None;
                b.digest = None;
                b.confidence = Confidence::Ambiguous;
                b.code = "layers";
                b.alternatives = tied.iter().map(|m| m.pinned()).collect();
            }
            return;
        }
    };
    let agrees = declared.is_some() && declared == chosen.digest;
    let weak = chosen.strength == Strength::History;
    // A history-only match (the base was rebuilt since) never overrides a named base.
    if weak && recovery.base.name.is_some() && !agrees {
        recovery.base.evidence.push(Evidence {
            source: "candidate",
            detail: format!("{}: {}", chosen.pinned(), chosen.detail),
        });
        return;
    }
    let boundary = boundary_of(recovery, chosen);
    let b = &mut recovery.base;
    let previous = b.code;
    b.evidence.push(Evidence {
        source: "candidate",
        detail: format!(
            "{}: {}{}",
            chosen.pinned(),
            chosen.detail,
            if agrees {
                format!(" (the digest {previous} named)")
            } else {
                String::new()
            }
        ),
    });
    let (name, digest) = split_pinned(&chosen.pinned());
    b.name = Some(name);
    b.digest = digest;
    b.alternatives.clear();
    b.confidence = match chosen.strength {
        Strength::LayersAndHistory => Confidence::Confirmed,
        Strength::Layers => Confidence::Matched,
        _ => Confidence::Guessed,
    };
    b.code = if weak { "history-match" } else { "layers" };
    if let Some((i, reason)) = boundary {
        b.boundary = Some(i);
        b.boundary_reason = Some(reason);
    }
}

/// Refines `recovery.base` with the network findings and marks the base's steps again.
pub fn refine(recovery: &mut Recovery, f: &BaseFindings<'_>) {
    if let Some(p) = f.provenance {
        apply_provenance(&mut recovery.base, p);
    }
    if !f.candidates.is_empty() || !f.unopened.is_empty() {
        apply_candidates(recovery, f);
    }
    let boundary = recovery.base.boundary;
    for s in &mut recovery.steps {
        s.in_base = boundary.is_some_and(|b| s.index <= b);
    }
}

#[cfg(test)]
#[path = "refine_tests.rs"]
mod tests;
