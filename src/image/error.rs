//! Errors of the pure image domain (`crate::image`).
//!
//! One enum for the folder. Messages are lowercase fragments that read after "failed to";
//! causes travel in `#[source]`, never embedded in the message.

/// What went wrong while interpreting image bytes.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    /// The config blob exceeds the size we are willing to parse.
    #[error("parse the image config: it is {size} bytes, more than the {limit}-byte limit")]
    ConfigTooLarge {
        /// Size of the blob handed in.
        size: usize,
        /// The cap, [`crate::image::config::MAX_CONFIG_BYTES`].
        limit: usize,
    },
    /// The config blob is not a JSON image configuration.
    #[error("parse the image config as an OCI/Docker image configuration")]
    ConfigJson {
        /// The JSON or schema error.
        #[source]
        source: serde_json::Error,
    },
}
