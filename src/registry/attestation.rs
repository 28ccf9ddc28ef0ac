//! BuildKit attestation manifests (moby/buildkit docs/attestations/attestation-storage.md):
//! the index entry that describes the chosen platform manifest (`vnd.docker.reference.type:
//! attestation-manifest`, `vnd.docker.reference.digest: <manifest>`), that manifest, and its
//! in-toto statement layers carrying SLSA provenance.
//!
//! Fetches bytes only, each read capped and digest-verified like every document; what a
//! statement says is `image::base::provenance`'s job. Never returns an attestation as an
//! image: it starts from the platform manifest that was already chosen.

use super::error::RegistryError;
use super::manifest::{Document, MANIFEST_LIMIT, parse_document};
use super::opened::OpenedImage;

/// The index annotation naming an entry's kind.
const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// The index annotation naming the manifest an attestation describes.
const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";
/// The layer annotation naming a statement's predicate.
const PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
/// Media type of an in-toto statement layer.
const IN_TOTO: &str = "application/vnd.in-toto+json";
/// Predicates worth fetching (SLSA provenance; SBOMs and others are left alone).
const PROVENANCE_TYPES: [&str; 2] = [
    "https://slsa.dev/provenance/v0.2",
    "https://slsa.dev/provenance/v1",
];
/// Largest statement read: mode=max statements hold LLB definitions, but not this much.
pub const STATEMENT_LIMIT: u64 = 16 << 20;
/// Statement layers looked at in one attestation manifest.
const MAX_STATEMENTS: usize = 16;

/// One provenance statement, verified against its descriptor.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The layer's digest.
    pub digest: String,
    /// The predicate type its descriptor announces (may be empty).
    pub predicate_type: String,
    /// The statement bytes.
    pub bytes: Vec<u8>,
}

/// The attestation manifest of the chosen platform image.
#[derive(Debug)]
pub struct Attestations {
    /// The attestation manifest's digest.
    pub manifest_digest: String,
    /// Provenance statements read.
    pub statements: Vec<Statement>,
    /// Statement layers that could not be read, with why (the others are still used).
    pub failed: Vec<(String, RegistryError)>,
    /// Layers left alone (other predicates, unknown media types), for `-v`.
    pub ignored: Vec<String>,
}

impl OpenedImage {
    /// Reads the provenance attestation the index attaches to the chosen platform manifest.
    /// `Ok(None)` without an index or without an attestation for this manifest.
    pub async fn fetch_attestations(&self) -> Result<Option<Attestations>, RegistryError> {
        let (Some(index_bytes), Some(manifest)) = (&self.index_bytes, &self.manifest_digest) else {
            return Ok(None);
        };
        let what = format!("the index of {}", self.display_ref);
        let Document::Index(index) = parse_document(index_bytes, &self.display_ref, &what)? else {
            return Ok(None);
        };
        let Some(entry) = index.manifests.iter().find(|d| {
            d.annotations.get(REFERENCE_TYPE).map(String::as_str) == Some("attestation-manifest")
                && d.annotations.get(REFERENCE_DIGEST) == Some(manifest)
        }) else {
            return Ok(None);
        };
        let what = format!("attestation manifest {}", entry.digest);
        let bytes = self
            .store
            .read_verified(
                &what,
                &entry.digest,
                entry.size,
                &entry.media_type,
                MANIFEST_LIMIT,
                true,
            )
            .await?;
        let Document::Image(att) = parse_document(&bytes, &self.display_ref, &what)? else {
            return Err(RegistryError::malformed(what, "an index, not a manifest"));
        };
        let mut out = Attestations {
            manifest_digest: entry.digest.clone(),
            statements: Vec::new(),
            failed: Vec::new(),
            ignored: Vec::new(),
        };
        for layer in &att.layers {
            let predicate = layer
                .annotations
                .get(PREDICATE_TYPE)
                .cloned()
                .unwrap_or_default();
            // Unknown media types must be ignored; so are predicates we do not read, when
            // the descriptor says which (else the statement is read and checked).
            let wanted = layer.media_type == IN_TOTO
                && (predicate.is_empty() || PROVENANCE_TYPES.contains(&predicate.as_str()));
            if !wanted || out.statements.len() + out.failed.len() >= MAX_STATEMENTS {
                out.ignored.push(format!(
                    "{} ({}{})",
                    layer.digest,
                    layer.media_type,
                    if predicate.is_empty() {
                        String::new()
                    } else {
                        format!(", {predicate}")
                    }
                ));
                continue;
            }
            let read = self
                .store
                .read_verified(
                    &format!("provenance statement {}", layer.digest),
                    &layer.digest,
                    layer.size,
                    &layer.media_type,
                    STATEMENT_LIMIT,
                    false,
                )
                .await;
            match read {
                Ok(bytes) => out.statements.push(Statement {
                    digest: layer.digest.clone(),
                    predicate_type: predicate,
                    bytes,
                }),
                Err(e) => out.failed.push((layer.digest.clone(), e)),
            }
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
#[path = "attestation_tests.rs"]
mod tests;
