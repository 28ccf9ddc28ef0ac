//! Opening a docker-archive (`docker save`): the OCI route when Docker ≥ 25 wrote an
//! `index.json` for the chosen image, else the legacy `manifest.json` route, where layer
//! digests come from member names or the config's `diff_ids`.
//!
//! Also explains a missing metadata member of any local store ([`missing_member`]): a layout
//! directory that does not exist, an archive cut short or corrupt, or one that simply lacks it.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::archive::{
    LastMember, TAR_BLOCK, TarEnd, choose_entry, classify_tar_end, digest_from_member_name,
    marker_offset, parse_docker_manifest,
};
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
    let Some(manifest_json) = store
        .read_named("manifest.json", "manifest.json", MANIFEST_LIMIT)
        .await?
    else {
        return Err(missing_member(&store, &display, "manifest.json").await);
    };
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

/// The error for a local store that lacks `member` (`index.json`, `manifest.json`): the
/// layout directory does not exist, the archive is truncated or corrupt (so the member may
/// have been lost), or the store is whole and simply has no such member.
pub(crate) async fn missing_member(store: &Store, display: &str, member: &str) -> RegistryError {
    let absent = || RegistryError::UnknownFormat {
        path: PathBuf::from(display),
        detail: format!("it has no {member}"),
    };
    match store {
        Store::Dir { root } => match tokio::fs::metadata(root).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => RegistryError::UnknownFormat {
                path: root.clone(),
                detail: "no such directory".into(),
            },
            Ok(m) if !m.is_dir() => RegistryError::UnknownFormat {
                path: root.clone(),
                detail: "it is not a directory".into(),
            },
            _ => absent(),
        },
        Store::Tar { index, .. } => {
            let path = index.path().to_path_buf();
            let end = tokio::task::spawn_blocking(move || scan_tar_end(&path))
                .await
                .ok()
                .and_then(Result::ok);
            match end.as_ref().and_then(TarEnd::describe) {
                Some(why) => RegistryError::malformed(
                    format!("archive `{}`", index.path().display()),
                    format!("{why}, so its {member} is missing"),
                ),
                None => absent(),
            }
        }
        Store::Remote(_) | Store::Empty => absent(),
    }
}

/// Reads every header of the tar at `path` (skipping data with seeks) and classifies its end.
/// Synchronous: call it from `spawn_blocking`.
fn scan_tar_end(path: &Path) -> std::io::Result<TarEnd> {
    let mut file = std::fs::File::open(path)?;
    let file_len = file.metadata()?.len();
    let mut last: Option<LastMember> = None;
    {
        let mut archive = tar::Archive::new(std::io::BufReader::new(&mut file));
        for entry in archive.entries_with_seek()? {
            match entry {
                Ok(e) => {
                    last = Some(LastMember {
                        name: String::from_utf8_lossy(&e.path_bytes()).into_owned(),
                        data_offset: e.raw_file_position(),
                        size: e.size(),
                    });
                }
                Err(err) => {
                    // A header cut short is truncation when it runs into the end of the file.
                    let start = marker_offset(last.as_ref());
                    if file_len.saturating_sub(start) < TAR_BLOCK {
                        return Ok(TarEnd::NoEndMarker);
                    }
                    return Ok(TarEnd::BadHeader {
                        after: last.map(|m| m.name),
                        detail: err.to_string(),
                    });
                }
            }
        }
    }
    let start = marker_offset(last.as_ref());
    let mut tail = Vec::with_capacity((2 * TAR_BLOCK) as usize);
    if start < file_len {
        file.seek(SeekFrom::Start(start))?;
        (&mut file).take(2 * TAR_BLOCK).read_to_end(&mut tail)?;
    }
    Ok(classify_tar_end(file_len, last.as_ref(), &tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::tar_index::TarIndex;

    /// A tar of one `blobs/sha256/x` member of `size` bytes, then `manifest.json`.
    fn archive_bytes(size: usize) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, len) in [("blobs/sha256/x", size), ("manifest.json", 2)] {
            let mut h = tar::Header::new_gnu();
            h.set_size(len as u64);
            h.set_mode(0o644);
            h.set_cksum();
            let data = vec![b'['; len];
            b.append_data(&mut h, name, data.as_slice())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        b.into_inner().unwrap_or_else(|e| panic!("{e}"))
    }

    fn tar_store(bytes: &[u8]) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("a.tar");
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));
        let index = TarIndex::build(&path).unwrap_or_else(|e| panic!("{e}"));
        let store = Store::Tar {
            index: Arc::new(index),
            prefix: String::new(),
            named: Arc::new(HashMap::new()),
        };
        (dir, store)
    }

    #[tokio::test]
    async fn an_archive_cut_inside_a_member_is_reported_as_truncated() {
        let whole = archive_bytes(4096);
        // Cut in the middle of the first member's data: manifest.json is lost with the rest.
        let (_dir, store) = tar_store(&whole[..512 + 1000]);
        let msg = missing_member(&store, "docker-archive:a.tar", "manifest.json")
            .await
            .to_string();
        assert!(
            msg.contains("truncated")
                && msg.contains("blobs/sha256/x")
                && msg.contains("1000 of 4096")
                && msg.contains("manifest.json"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn an_archive_cut_on_a_block_boundary_is_truncated_too() {
        let whole = archive_bytes(1024);
        let (_dir, store) = tar_store(&whole[..512 + 1024]);
        let msg = missing_member(&store, "a.tar", "index.json")
            .await
            .to_string();
        assert!(
            msg.contains("truncated") && msg.contains("end-of-archive"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn a_whole_archive_without_the_member_just_lacks_it() {
        let (_dir, store) = tar_store(&archive_bytes(100));
        let msg = missing_member(&store, "oci-archive:a.tar", "index.json")
            .await
            .to_string();
        assert!(
            msg.contains("it has no index.json") && !msg.contains("truncated"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn a_layout_directory_that_does_not_exist_is_named_as_such() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("nope");
        let store = Store::Dir { root: root.clone() };
        let msg = missing_member(&store, "oci:nope", "index.json")
            .await
            .to_string();
        assert!(
            msg.contains("no such directory") && msg.contains(&root.display().to_string()),
            "{msg}"
        );
        let present = Store::Dir {
            root: dir.path().to_path_buf(),
        };
        let msg = missing_member(&present, "oci:x", "index.json")
            .await
            .to_string();
        assert!(msg.contains("it has no index.json"), "{msg}");
    }
}
