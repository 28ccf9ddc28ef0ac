//! Why a provenance attestation could not be used (base-image-detection.md §2.3).
//!
//! These are notices, never failures: the recovery goes on without the attestation. Messages
//! read after "failed to".

/// A provenance statement that says nothing usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenanceError {
    /// Not JSON, or not an in-toto statement.
    #[error("read the provenance statement {digest}: it is not an in-toto statement ({detail})")]
    NotAStatement {
        /// The statement blob's digest.
        digest: String,
        /// What was wrong.
        detail: String,
    },
    /// A predicate type we do not read (an SBOM, a future SLSA version).
    #[error(
        "read the provenance statement {digest}: predicate type `{predicate_type}` is not SLSA provenance v0.2 or v1"
    )]
    WrongPredicate {
        /// The statement blob's digest.
        digest: String,
        /// What the statement says it carries.
        predicate_type: String,
    },
    /// The statement's subjects do not name the image it is attached to.
    #[error(
        "use the provenance statement {digest}: its subjects do not name the image manifest {manifest}"
    )]
    SubjectMismatch {
        /// The statement blob's digest.
        digest: String,
        /// The image manifest the index attached it to.
        manifest: String,
    },
}
