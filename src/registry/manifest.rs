//! Manifest and index documents: the four media types we read, parsed leniently.
//!
//! Pure: bytes in, typed values out. Lenient where real tools are (a missing top-level
//! `mediaType`, Docker lists parsed like OCI indexes), strict where safety needs it (every
//! digest is validated before anyone builds a path or URL from it; schema 1 is refused).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::RegistryError;
use super::verify::check_digest_syntax;
use crate::image::platform::{IndexEntry, Platform};

/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// Docker manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// The four manifest media types, sent in `Accept` on every manifest request.
pub const ACCEPTED_MANIFEST_TYPES: [&str; 4] =
    [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST];
const SCHEMA1_TYPES: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];
/// Image config media types we accept.
pub const CONFIG_TYPES: [&str; 2] = [
    "application/vnd.oci.image.config.v1+json",
    "application/vnd.docker.container.image.v1+json",
];
/// Largest manifest or index we hold in memory (the distribution registry's own limit).
pub const MANIFEST_LIMIT: u64 = 4 << 20;
/// Largest image config we hold in memory.
pub const CONFIG_LIMIT: u64 = 32 << 20;

/// A content descriptor from a manifest or index, digest already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    /// Media type as written (may be empty in sloppy indexes).
    pub media_type: String,
    /// `alg:hex`, validated.
    pub digest: String,
    /// Size in bytes as stated.
    pub size: u64,
    /// Platform (index entries only).
    pub platform: Option<Platform>,
    /// Annotations.
    pub annotations: BTreeMap<String, String>,
    /// Alternative download URLs (foreign layers).
    pub urls: Option<Vec<String>>,
}

/// A parsed image manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageManifest {
    /// The media type, written or inferred.
    pub media_type: String,
    /// The config descriptor.
    pub config: Descriptor,
    /// Layers, oldest first.
    pub layers: Vec<Descriptor>,
    /// Manifest annotations.
    pub annotations: BTreeMap<String, String>,
}

/// A parsed index or manifest list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// The media type, written or inferred.
    pub media_type: String,
    /// Entries in index order.
    pub manifests: Vec<Descriptor>,
    /// Index annotations.
    pub annotations: BTreeMap<String, String>,
}

impl Index {
    /// The entries as platform selection sees them.
    pub fn entries(&self) -> Vec<IndexEntry> {
        self.manifests
            .iter()
            .map(|d| IndexEntry {
                platform: d.platform.clone(),
                annotations: d.annotations.clone(),
            })
            .collect()
    }
}

/// A manifest document of either kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    /// An index or manifest list.
    Index(Index),
    /// A single-platform image manifest.
    Image(ImageManifest),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDoc {
    schema_version: Option<i64>,
    media_type: Option<String>,
    manifests: Option<Vec<RawDescriptor>>,
    config: Option<RawDescriptor>,
    layers: Option<Vec<RawDescriptor>>,
    fs_layers: Option<serde_json::Value>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawDescriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    size: u64,
    platform: Option<RawPlatform>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
    urls: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawPlatform {
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    variant: Option<String>,
}

fn descriptor(what: &str, raw: RawDescriptor) -> Result<Descriptor, RegistryError> {
    check_digest_syntax(what, &raw.digest)?;
    let platform = raw
        .platform
        .filter(|p| !p.os.is_empty() || !p.architecture.is_empty())
        .map(|p| Platform::new(&p.os, &p.architecture, p.variant.as_deref()));
    Ok(Descriptor {
        media_type: raw.media_type,
        digest: raw.digest,
        size: raw.size,
        platform,
        annotations: raw.annotations.unwrap_or_default(),
        urls: raw.urls,
    })
}

/// Parses a manifest or index. `image` names the image for the schema 1 message, `what` the
/// document for other errors.
pub fn parse_document(bytes: &[u8], image: &str, what: &str) -> Result<Document, RegistryError> {
    let raw: RawDoc =
        serde_json::from_slice(bytes).map_err(|e| RegistryError::bad_json(what, e))?;
    let media_type = raw.media_type.clone().unwrap_or_default();
    if raw.schema_version == Some(1)
        || SCHEMA1_TYPES.contains(&media_type.as_str())
        || raw.fs_layers.is_some()
    {
        return Err(RegistryError::SchemaV1 {
            image: image.to_string(),
        });
    }
    if !media_type.is_empty() && !ACCEPTED_MANIFEST_TYPES.contains(&media_type.as_str()) {
        return Err(RegistryError::UnsupportedMediaType {
            what: what.to_string(),
            media_type,
        });
    }
    match raw.schema_version {
        Some(2) => {}
        Some(v) => {
            return Err(RegistryError::malformed(
                what,
                format!("unsupported schemaVersion {v}"),
            ));
        }
        None => return Err(RegistryError::malformed(what, "no schemaVersion")),
    }
    let is_index_type = media_type == OCI_INDEX || media_type == DOCKER_LIST;
    let annotations = raw.annotations.unwrap_or_default();
    if let Some(manifests) = raw.manifests {
        if !media_type.is_empty() && !is_index_type {
            return Err(RegistryError::malformed(
                what,
                "a manifest with `manifests`",
            ));
        }
        let manifests = manifests
            .into_iter()
            .map(|d| descriptor(what, d))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Document::Index(Index {
            media_type: if media_type.is_empty() {
                OCI_INDEX.into()
            } else {
                media_type
            },
            manifests,
            annotations,
        }));
    }
    if is_index_type {
        return Err(RegistryError::malformed(
            what,
            "an index without `manifests`",
        ));
    }
    let config = raw
        .config
        .ok_or_else(|| RegistryError::malformed(what, "neither `manifests` nor `config`"))?;
    let config = descriptor(what, config)?;
    let layers = raw
        .layers
        .unwrap_or_default()
        .into_iter()
        .map(|d| descriptor(what, d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Document::Image(ImageManifest {
        media_type: if media_type.is_empty() {
            OCI_MANIFEST.into()
        } else {
            media_type
        },
        config,
        layers,
        annotations,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: char) -> String {
        format!("sha256:{}", n.to_string().repeat(64))
    }

    #[test]
    fn parses_a_docker_v2s2_manifest() {
        let json = format!(
            r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST}",
            "config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":7,"digest":"{}"}},
            "layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":9,"digest":"{}"}}]}}"#,
            d('a'),
            d('b')
        );
        let Document::Image(m) = parse_document(json.as_bytes(), "x", "manifest").unwrap() else {
            panic!("not an image manifest")
        };
        assert_eq!(m.config.digest, d('a'));
        assert_eq!(m.layers.len(), 1);
        assert_eq!(m.layers[0].size, 9);
    }

    #[test]
    fn parses_an_index_without_media_type_and_its_platforms() {
        let json = format!(
            r#"{{"schemaVersion":2,"manifests":[
              {{"mediaType":"{OCI_MANIFEST}","size":1,"digest":"{}","platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}},
              {{"mediaType":"{OCI_MANIFEST}","size":1,"digest":"{}","platform":{{"os":"unknown","architecture":"unknown"}},
                "annotations":{{"vnd.docker.reference.type":"attestation-manifest"}}}}]}}"#,
            d('c'),
            d('e')
        );
        let Document::Index(i) = parse_document(json.as_bytes(), "x", "index").unwrap() else {
            panic!("not an index")
        };
        assert_eq!(i.media_type, OCI_INDEX);
        let entries = i.entries();
        assert_eq!(
            entries[0].platform.as_ref().unwrap().to_string(),
            "linux/arm64/v8"
        );
        assert!(entries[1].is_attestation());
    }

    #[test]
    fn refuses_schema1_in_every_spelling() {
        let signed = r#"{"schemaVersion":1,"name":"a","tag":"b","architecture":"amd64",
            "fsLayers":[{"blobSum":"sha256:00"}],"history":[],"signatures":[]}"#;
        let err = parse_document(signed.as_bytes(), "reg/a:b", "manifest").unwrap_err();
        assert!(matches!(err, RegistryError::SchemaV1 { .. }));
        assert!(err.to_string().contains("schema 1"));
        let typed = r#"{"mediaType":"application/vnd.docker.distribution.manifest.v1+prettyjws"}"#;
        assert!(matches!(
            parse_document(typed.as_bytes(), "a", "manifest"),
            Err(RegistryError::SchemaV1 { .. })
        ));
    }

    #[test]
    fn rejects_unknown_media_types_bad_digests_and_non_json() {
        let artifact =
            r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json"}"#;
        assert!(matches!(
            parse_document(artifact.as_bytes(), "a", "manifest"),
            Err(RegistryError::UnsupportedMediaType { .. })
        ));
        let traversal =
            r#"{"schemaVersion":2,"config":{"digest":"sha256:../../../etc/passwd","size":1}}"#;
        assert!(matches!(
            parse_document(traversal.as_bytes(), "a", "manifest"),
            Err(RegistryError::Malformed { .. })
        ));
        assert!(parse_document(b"\x1f\x8b", "a", "manifest").is_err());
        assert!(parse_document(br#"{"schemaVersion":2}"#, "a", "manifest").is_err());
    }
}
