//! The values the lead passes in ([`FetchOptions`]) and gets back ([`OpenedImage`]).
//!
//! Plain data plus the blob handle; no fetching logic lives here.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::credentials::CredentialEnv;
use super::error::RegistryError;
use super::store::{BlobReader, Store};
use crate::image::descriptor::LayerDescriptor;
use crate::image::platform::Platform;

/// How to reach registries and which image of an index to take.
#[derive(Debug, Clone, Default)]
pub struct FetchOptions {
    /// The platform to select from an index; `None` means linux and the host's architecture.
    pub platform: Option<Platform>,
    /// Talk plain HTTP to the registry.
    pub plain_http: bool,
    /// Extra CA certificates (PEM or DER files) to trust.
    pub ca_files: Vec<PathBuf>,
    /// Accept any TLS certificate.
    pub insecure_skip_tls_verify: bool,
    /// docker config.json documents (e.g. pull secrets' `.dockerconfigjson`), tried first.
    pub extra_auth_configs: Vec<(String, Vec<u8>)>,
    /// Where to look for docker/containers credentials; `None` reads this process's env.
    pub credential_env: Option<CredentialEnv>,
}

/// A temporary file removed when the last handle drops (stdin spooled to disk).
#[derive(Debug)]
pub(crate) struct TempFile(pub(crate) PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// An image located and read as far as its config: everything the Dockerfile needs, plus a
/// handle to stream layer blobs on request.
#[derive(Debug)]
pub struct OpenedImage {
    /// What was opened, for messages (`docker.io/library/alpine:3.20`, `oci:DIR:TAG`).
    pub display_ref: String,
    /// Digest of the index or manifest list the reference named, if it named one.
    pub index_digest: Option<String>,
    /// Digest of the image manifest (`None` for legacy docker-archives and raw configs).
    pub manifest_digest: Option<String>,
    /// Media type of the image manifest (written or inferred; empty for legacy
    /// docker-archives and raw configs).
    pub manifest_media_type: String,
    /// The platform of the image: the index entry's, else the config's `os`/`architecture`.
    pub platform: Option<Platform>,
    /// Platforms the index offered (attestations left out); empty without an index.
    pub platforms_available: Vec<Platform>,
    /// Annotations of the image manifest (e.g. `org.opencontainers.image.base.name`).
    pub manifest_annotations: BTreeMap<String, String>,
    /// The config blob exactly as stored.
    pub config_bytes: Vec<u8>,
    /// The config's digest (computed for a raw config).
    pub config_digest: Option<String>,
    /// The layers, oldest first.
    pub layers: Vec<LayerDescriptor>,
    /// The raw index document when there was one.
    pub index_bytes: Option<Vec<u8>>,
    /// False when the source carries no layer blobs (a raw config).
    pub has_layers: bool,
    pub(crate) store: Store,
    pub(crate) _temp: Option<Arc<TempFile>>,
}

impl OpenedImage {
    /// Opens a layer blob as a stream checked against its digest and size at EOF.
    /// Remote blobs are fetched only when this is called.
    pub async fn open_blob(&self, layer: &LayerDescriptor) -> Result<BlobReader, RegistryError> {
        self.store
            .open_blob(&layer.digest, layer.size, &layer.media_type)
            .await
    }

    /// Bytes received from the registry so far (manifests, config, blobs); 0 for local sources.
    pub fn bytes_received(&self) -> u64 {
        self.store.bytes_received()
    }

    /// True when the reference resolved through an index offering more than one platform
    /// (the lead then says which one was chosen).
    pub fn chose_among_platforms(&self) -> bool {
        self.platforms_available.len() > 1
    }
}
