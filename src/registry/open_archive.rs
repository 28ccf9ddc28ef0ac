//! Opening a docker-archive (`docker save`): the OCI route when Docker ≥ 25 wrote an
//! `index.json` for the chosen image, else the legacy `manifest.json` route, where layer
//! digests come from member names or the config's `diff_ids`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::archive::{choose_entry, digest_from_member_name, parse_docker_manifest};
use super::error::RegistryError;
use super::layout::{CONTAINERD_NAME, Start, choose_start, normalise_ref};
use super::manifest::{CONFIG_LIMIT, Document, MANIFEST_LIMIT, parse_document};
use super::opened::{OpenedImage, TempFile};
use super::resolve::{Current, fetch_document, platform_of_config, resolve};
use super::store::Store;
use super::tar_index::normalise_name;
use super::verify::{sha256_digest, verify_bytes};
use crate::image::descriptor::LayerDescriptor;
use crate::image::platform::Platform;

/// Opens the image `reference` names (or the only one) in a docker-archive store.
pub(crate) async fn open_docker_archive(
    store: Store,
    display: String,
    reference: Option<&str>,
    wanted: &Platform,
    temp: Option<Arc<TempFile>>,
) -> Result<OpenedImage, RegistryError> {
    let manifest_json = store
        .read_named("manifest.json", "manifest.json", MANIFEST_LIMIT)
        .await?
        .ok_or_else(|| RegistryError::UnknownFormat {
            path: PathBuf::from(&display),
            detail: "it has no manifest.json".into(),
        })?;
    let entries = parse_docker_manifest(&manifest_json, &display)?;
    let chosen = choose_entry(&entries, reference, &display)?;
    let entry = &entries[chosen];

    // Docker ≥ 25 also writes an OCI index.json: prefer it (real manifests and media types).
    if let Some(index_json) = store
        .read_named("index.json", "index.json", MANIFEST_LIMIT)
        .await?
    {
        let tag = entry.repo_tags.first().map(|t| normalise_ref(t));
        let by_name = match (&tag, parse_document(&index_json, &display, "index.json")) {
            (Some(t), Ok(Document::Index(index))) => index.manifests.iter().any(|d| {
                d.annotations
                    .get(CONTAINERD_NAME)
                    .is_some_and(|n| normalise_ref(n) == *t)
            }),
            _ => false,
        };
        let single = entries.len() == 1;
        if by_name || single {
            let tag = if by_name { tag.as_deref() } else { None };
            let hint = format!("{display}:REF");
            let start = choose_start(&index_json, tag, &display, &hint);
            if let Ok(start) = start {
                let first = match start {
                    Start::Entry(desc) => fetch_document(&store, &display, &desc).await?,
                    Start::Platforms(index) => Current {
                        bytes: index_json,
                        digest: None,
                        doc: Document::Index(index),
                    },
                };
                return resolve(store, display, first, wanted, temp).await;
            }
        }
    }
    open_legacy_entry(store, display, entry, temp).await
}

async fn open_legacy_entry(
    store: Store,
    display: String,
    entry: &super::archive::DockerArchiveEntry,
    temp: Option<Arc<TempFile>>,
) -> Result<OpenedImage, RegistryError> {
    let Store::Tar { index, prefix, .. } = &store else {
        return Err(RegistryError::malformed(&display, "not an archive"));
    };
    let config_name = normalise_name(&entry.config)
        .ok_or_else(|| RegistryError::malformed(&display, "bad Config member name"))?;
    let config_bytes = store
        .read_named(&config_name, "config", CONFIG_LIMIT)
        .await?
        .ok_or_else(|| {
            RegistryError::malformed(&display, format!("config `{config_name}` is missing"))
        })?;
    let config_digest = match digest_from_member_name(&config_name) {
        Some(d) => {
            verify_bytes(&format!("config {d}"), &config_bytes, &d, None)?;
            d
        }
        None => sha256_digest(&config_bytes),
    };
    let diff_ids = diff_ids(&config_bytes);
    let mut named = HashMap::new();
    let mut layers = Vec::new();
    for (i, member) in entry.layers.iter().enumerate() {
        let name = normalise_name(member)
            .ok_or_else(|| RegistryError::malformed(&display, "bad Layers member name"))?;
        let digest = digest_from_member_name(&name)
            .or_else(|| diff_ids.get(i).cloned())
            .ok_or_else(|| {
                RegistryError::malformed(
                    &display,
                    format!("layer `{name}` has no digest (config lists fewer diff_ids)"),
                )
            })?;
        let size = store.member_size(&name).ok_or_else(|| {
            RegistryError::malformed(&display, format!("layer `{name}` is missing"))
        })?;
        named.insert(digest.clone(), format!("{prefix}{name}"));
        layers.push(LayerDescriptor {
            digest,
            size,
            // docker save writes uncompressed layers; consumers sniff the bytes anyway.
            media_type: "application/vnd.docker.image.rootfs.diff.tar".into(),
        });
    }
    let store = Store::Tar {
        index: Arc::clone(index),
        prefix: prefix.clone(),
        named: Arc::new(named),
    };
    Ok(OpenedImage {
        platform: platform_of_config(&config_bytes),
        display_ref: display,
        index_digest: None,
        manifest_digest: None,
        manifest_media_type: String::new(),
        platforms_available: Vec::new(),
        manifest_annotations: Default::default(),
        config_bytes,
        config_digest: Some(config_digest),
        layers,
        index_bytes: None,
        has_layers: true,
        store,
        _temp: temp,
    })
}

fn diff_ids(config: &[u8]) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct RootFs {
        #[serde(default)]
        diff_ids: Vec<String>,
    }
    #[derive(serde::Deserialize)]
    struct Cfg {
        rootfs: Option<RootFs>,
    }
    serde_json::from_slice::<Cfg>(config)
        .ok()
        .and_then(|c| c.rootfs)
        .map(|r| r.diff_ids)
        .unwrap_or_default()
}
