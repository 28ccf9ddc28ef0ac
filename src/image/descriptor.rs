//! A layer as the manifest describes it: the value `registry` hands to `image`.

/// One manifest layer, in manifest order (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerDescriptor {
    /// `sha256:…` digest of the blob as stored (compressed).
    pub digest: String,
    /// Blob size in bytes, as the manifest states it.
    pub size: u64,
    /// The manifest's media type for the blob (a hint: it may lie about compression).
    pub media_type: String,
}
