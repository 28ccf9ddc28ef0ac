//! From a first manifest or index to one image manifest and its config, for any store.
//!
//! Follows indexes (nested ones too, up to a small depth) with our own platform choice,
//! verifies every document against the descriptor that named it, and reads the config.
//! It fetches only manifests and the config, never a layer.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use super::error::RegistryError;
use super::manifest::{
    CONFIG_LIMIT, CONFIG_TYPES, Descriptor, Document, MANIFEST_LIMIT, parse_document,
};
use super::opened::{OpenedImage, TempFile};
use super::store::Store;
use crate::image::descriptor::LayerDescriptor;
use crate::image::platform::{Platform, available, select};

/// Indexes inside indexes deeper than this are refused.
const MAX_DEPTH: usize = 4;

/// A document in hand: bytes, its digest when known, and its parse.
pub(crate) struct Current {
    pub(crate) bytes: Vec<u8>,
    pub(crate) digest: Option<String>,
    pub(crate) doc: Document,
}

/// The config fields that say which platform an image is for.
#[derive(Deserialize)]
struct ConfigPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    variant: Option<String>,
}

pub(crate) fn platform_of_config(config: &[u8]) -> Option<Platform> {
    let p: ConfigPlatform = serde_json::from_slice(config).ok()?;
    (!p.os.is_empty() && !p.architecture.is_empty())
        .then(|| Platform::new(&p.os, &p.architecture, p.variant.as_deref()))
}

/// Reads the document `desc` names from `store` and parses it.
pub(crate) async fn fetch_document(
    store: &Store,
    image: &str,
    desc: &Descriptor,
) -> Result<Current, RegistryError> {
    let what = format!("manifest {}", desc.digest);
    let bytes = store
        .read_verified(
            &what,
            &desc.digest,
            desc.size,
            &desc.media_type,
            MANIFEST_LIMIT,
            true,
        )
        .await?;
    let doc = parse_document(&bytes, image, &what)?;
    Ok(Current {
        bytes,
        digest: Some(desc.digest.clone()),
        doc,
    })
}

/// Walks from `first` to an image manifest, reads the config and builds the result.
pub(crate) async fn resolve(
    store: Store,
    display_ref: String,
    first: Current,
    wanted: &Platform,
    temp: Option<Arc<TempFile>>,
) -> Result<OpenedImage, RegistryError> {
    let mut current = first;
    let mut index_digest = None;
    let mut index_bytes = None;
    let mut platforms_available = Vec::new();
    let mut chosen: Option<Platform> = None;
    for _ in 0..MAX_DEPTH {
        let manifest = match current.doc {
            Document::Image(m) => m,
            Document::Index(index) => {
                let entries = index.entries();
                // The outermost index is the one the reference named; the platforms are
                // those of the index the choice was made in (a wrapper index has none).
                if index_bytes.is_none() {
                    index_digest = current.digest.clone();
                    index_bytes = Some(current.bytes);
                }
                let offered = available(&entries);
                if !offered.is_empty() {
                    platforms_available = offered;
                }
                let i =
                    select(&entries, wanted).ok_or_else(|| RegistryError::NoMatchingPlatform {
                        image: display_ref.clone(),
                        wanted: wanted.to_string(),
                        available: available(&entries).iter().map(|p| p.to_string()).collect(),
                        // open_image knows whether the platform was asked for.
                        requested: false,
                    })?;
                let entry = &index.manifests[i];
                chosen = entry.platform.clone().or(chosen);
                current = fetch_document(&store, &display_ref, entry).await?;
                continue;
            }
        };
        let config_type = manifest.config.media_type.as_str();
        if !config_type.is_empty() && !CONFIG_TYPES.contains(&config_type) {
            return Err(RegistryError::UnsupportedMediaType {
                what: format!("the config of {display_ref}"),
                media_type: config_type.to_string(),
            });
        }
        let config_bytes = store
            .read_verified(
                &format!("config {}", manifest.config.digest),
                &manifest.config.digest,
                manifest.config.size,
                config_type,
                CONFIG_LIMIT,
                false,
            )
            .await?;
        let platform = chosen.or_else(|| platform_of_config(&config_bytes));
        let layers = manifest
            .layers
            .iter()
            .map(|l| LayerDescriptor {
                digest: l.digest.clone(),
                size: l.size,
                media_type: l.media_type.clone(),
            })
            .collect();
        return Ok(OpenedImage {
            display_ref,
            index_digest,
            manifest_digest: current.digest,
            manifest_media_type: manifest.media_type.clone(),
            platform,
            platforms_available,
            manifest_annotations: manifest.annotations,
            config_bytes,
            config_digest: Some(manifest.config.digest.clone()),
            layers,
            index_bytes,
            has_layers: true,
            store,
            _temp: temp,
        });
    }
    Err(RegistryError::malformed(
        format!("the index of {display_ref}"),
        format!("indexes nested more than {MAX_DEPTH} deep"),
    ))
}

/// An opened raw config: no manifest, no layers.
pub(crate) fn raw_config(display_ref: String, config_bytes: Vec<u8>) -> OpenedImage {
    OpenedImage {
        platform: platform_of_config(&config_bytes),
        config_digest: Some(super::verify::sha256_digest(&config_bytes)),
        display_ref,
        index_digest: None,
        manifest_digest: None,
        manifest_media_type: String::new(),
        platforms_available: Vec::new(),
        manifest_annotations: BTreeMap::new(),
        config_bytes,
        layers: Vec::new(),
        index_bytes: None,
        has_layers: false,
        store: Store::Empty,
        _temp: None,
    }
}
