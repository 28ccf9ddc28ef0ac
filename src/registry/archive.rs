//! docker-archive (`docker save`) metadata: `manifest.json`, which image to open, and how the
//! legacy layout names its config and layers.
//!
//! Pure. Reading the tar and following Docker ≥ 25's OCI `index.json` (which `docker save`
//! writes next to `manifest.json`) are `open.rs`'s job; this file decides what to read.

use serde::Deserialize;

use super::error::RegistryError;
use super::layout::normalise_ref;
use super::verify::parse_digest;

/// One image of a `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DockerArchiveEntry {
    /// Member name of the config (`<hex>.json` or `blobs/sha256/<hex>`).
    #[serde(rename = "Config")]
    pub config: String,
    /// Tags as written (`docker.io/library/x:1` by skopeo, `x:1` by docker).
    #[serde(rename = "RepoTags", default, deserialize_with = "null_as_empty")]
    pub repo_tags: Vec<String>,
    /// Layer member names, oldest first.
    #[serde(rename = "Layers", default)]
    pub layers: Vec<String>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// Parses `manifest.json`.
pub fn parse_docker_manifest(
    bytes: &[u8],
    location: &str,
) -> Result<Vec<DockerArchiveEntry>, RegistryError> {
    let what = format!("manifest.json of {location}");
    let entries: Vec<DockerArchiveEntry> =
        serde_json::from_slice(bytes).map_err(|e| RegistryError::bad_json(&what, e))?;
    if entries.is_empty() {
        return Err(RegistryError::malformed(what, "it lists no images"));
    }
    Ok(entries)
}

/// Picks the entry whose `RepoTags` holds `reference` (compared normalised), or the only one.
pub fn choose_entry(
    entries: &[DockerArchiveEntry],
    reference: Option<&str>,
    location: &str,
) -> Result<usize, RegistryError> {
    let tags = || {
        entries
            .iter()
            .flat_map(|e| e.repo_tags.iter().cloned())
            .collect::<Vec<_>>()
    };
    match reference {
        Some(r) => {
            let wanted = normalise_ref(r);
            entries
                .iter()
                .position(|e| {
                    e.repo_tags
                        .iter()
                        .any(|t| t == r || normalise_ref(t) == wanted)
                })
                .ok_or_else(|| RegistryError::TagNotFound {
                    location: location.to_string(),
                    wanted: r.to_string(),
                    available: tags(),
                })
        }
        None if entries.len() == 1 => Ok(0),
        None => Err(RegistryError::AmbiguousImage {
            location: location.to_string(),
            available: tags(),
            hint: format!("docker-archive:{location}:REF"),
        }),
    }
}

/// The digest a member name states: `blobs/<alg>/<hex>`, or a flat `<hex>.json` / `<hex>.tar`
/// (skopeo and docker name configs, and skopeo layers, after their sha256). Legacy
/// `<v1-id>/layer.tar` names state nothing.
pub fn digest_from_member_name(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.trim_start_matches("./").split('/').collect();
    let candidate = match parts.as_slice() {
        ["blobs", alg, hex] => format!("{alg}:{hex}"),
        [file] => {
            let stem = file
                .strip_suffix(".json")
                .or_else(|| file.strip_suffix(".tar"))?;
            format!("sha256:{stem}")
        }
        _ => return None,
    };
    parse_digest(&candidate).is_some().then_some(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "4f5e3c8d9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d";

    #[test]
    fn parses_a_legacy_docker_save_manifest() {
        let json = format!(
            r#"[{{"Config":"{HEX}.json","RepoTags":["app:1"],"Layers":["abc/layer.tar"]}},
               {{"Config":"blobs/sha256/{HEX}","RepoTags":null,"Layers":[]}}]"#
        );
        let entries = parse_docker_manifest(json.as_bytes(), "a.tar").unwrap();
        assert_eq!(entries[0].repo_tags, ["app:1"]);
        assert!(entries[1].repo_tags.is_empty());
        assert!(parse_docker_manifest(b"[]", "a.tar").is_err());
        assert!(parse_docker_manifest(b"{}", "a.tar").is_err());
    }

    #[test]
    fn chooses_entries_by_normalised_tag() {
        let e = |tags: &[&str]| DockerArchiveEntry {
            config: "c".into(),
            repo_tags: tags.iter().map(|s| s.to_string()).collect(),
            layers: vec![],
        };
        let entries = vec![e(&["app:1"]), e(&["docker.io/library/other:2"])];
        assert_eq!(
            choose_entry(&entries, Some("docker.io/library/app:1"), "x").unwrap(),
            0
        );
        assert_eq!(choose_entry(&entries, Some("other:2"), "x").unwrap(), 1);
        assert!(matches!(
            choose_entry(&entries, Some("nope"), "x"),
            Err(RegistryError::TagNotFound { .. })
        ));
        assert!(matches!(
            choose_entry(&entries, None, "x"),
            Err(RegistryError::AmbiguousImage { .. })
        ));
        assert_eq!(choose_entry(&entries[..1], None, "x").unwrap(), 0);
    }

    #[test]
    fn member_names_state_digests_only_when_they_are_digests() {
        assert_eq!(
            digest_from_member_name(&format!("{HEX}.json")),
            Some(format!("sha256:{HEX}"))
        );
        assert_eq!(
            digest_from_member_name(&format!("{HEX}.tar")),
            Some(format!("sha256:{HEX}"))
        );
        assert_eq!(
            digest_from_member_name(&format!("blobs/sha256/{HEX}")),
            Some(format!("sha256:{HEX}"))
        );
        assert_eq!(digest_from_member_name(&format!("{HEX}/layer.tar")), None);
        assert_eq!(digest_from_member_name("config.json"), None);
    }
}
