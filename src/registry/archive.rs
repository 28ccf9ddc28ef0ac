//! docker-archive (`docker save`) metadata: `manifest.json`, which image to open, and how the
//! legacy layout names its config and layers.
//!
//! Also how a tar ends ([`TarEnd`]), so that an archive missing its metadata because it was
//! cut short is reported as truncated rather than as the wrong kind of file.
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

/// Size of a tar block: headers and data padding come in these.
pub(crate) const TAR_BLOCK: u64 = 512;

/// How a tar file ends, judged from its last member and the bytes after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TarEnd {
    /// The last member's data and the end-of-archive marker (two zero blocks) are there.
    Complete,
    /// The file stops inside the data of member `name`: `have` of `size` bytes.
    InsideMember {
        /// The member's name.
        name: String,
        /// Its data bytes present in the file.
        have: u64,
        /// Its size as the header states it.
        size: u64,
    },
    /// Every member is whole but the end-of-archive marker is missing or not zeros.
    NoEndMarker,
    /// A header could not be read (after member `after`, when there was one).
    BadHeader {
        /// The last member read whole.
        after: Option<String>,
        /// What the tar reader said.
        detail: String,
    },
}

/// The last member of a tar scan: its name, where its data starts and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LastMember {
    /// The member's name.
    pub name: String,
    /// Offset of its data in the file.
    pub data_offset: u64,
    /// Its size as the header states it.
    pub size: u64,
}

/// Classifies the end of a tar file of `file_len` bytes whose last member is `last` (`None`:
/// no member at all) and whose bytes after that member's padded data are `tail` (at most two
/// blocks are looked at).
pub(crate) fn classify_tar_end(file_len: u64, last: Option<&LastMember>, tail: &[u8]) -> TarEnd {
    if let Some(m) = last {
        let data_end = m.data_offset.saturating_add(m.size);
        if data_end > file_len {
            return TarEnd::InsideMember {
                name: m.name.clone(),
                have: file_len.saturating_sub(m.data_offset),
                size: m.size,
            };
        }
    }
    let marker = (2 * TAR_BLOCK) as usize;
    if tail.len() >= marker && tail[..marker].iter().all(|b| *b == 0) {
        TarEnd::Complete
    } else {
        TarEnd::NoEndMarker
    }
}

/// Where the end-of-archive marker must start: after `last`'s data, padded to a block.
pub(crate) fn marker_offset(last: Option<&LastMember>) -> u64 {
    last.map_or(0, |m| {
        m.data_offset
            .saturating_add(m.size)
            .div_ceil(TAR_BLOCK)
            .saturating_mul(TAR_BLOCK)
    })
}

impl TarEnd {
    /// Why the archive is incomplete, as a message fragment; `None` when it is complete.
    pub(crate) fn describe(&self) -> Option<String> {
        match self {
            TarEnd::Complete => None,
            TarEnd::InsideMember { name, have, size } => Some(format!(
                "the archive is truncated: it ends inside `{}` ({have} of {size} bytes)",
                name.escape_debug()
            )),
            TarEnd::NoEndMarker => Some(
                "the archive is truncated: it has no end-of-archive marker after its last member"
                    .to_owned(),
            ),
            TarEnd::BadHeader { after, detail } => Some(match after {
                Some(a) => format!(
                    "the archive is corrupt: the header after `{}` is unreadable ({detail})",
                    a.escape_debug()
                ),
                None => {
                    format!("the archive is corrupt: its first header is unreadable ({detail})")
                }
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "4f5e3c8d9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d";

    fn member(data_offset: u64, size: u64) -> LastMember {
        LastMember {
            name: "blobs/sha256/x".into(),
            data_offset,
            size,
        }
    }

    #[test]
    fn a_tar_cut_inside_a_member_says_where_and_how_much_is_left() {
        let last = member(512, 4096);
        let end = classify_tar_end(1536, Some(&last), &[]);
        assert_eq!(
            end,
            TarEnd::InsideMember {
                name: "blobs/sha256/x".into(),
                have: 1024,
                size: 4096
            }
        );
        assert!(
            end.describe()
                .is_some_and(|d| d.contains("truncated") && d.contains("1024 of 4096"))
        );
    }

    #[test]
    fn a_tar_is_complete_only_with_two_zero_blocks_after_its_padded_last_member() {
        let last = member(512, 100);
        assert_eq!(marker_offset(Some(&last)), 1024);
        assert_eq!(marker_offset(None), 0);
        let zeros = vec![0u8; 1024];
        assert_eq!(
            classify_tar_end(2048, Some(&last), &zeros),
            TarEnd::Complete
        );
        assert_eq!(
            classify_tar_end(1024, Some(&last), &[]),
            TarEnd::NoEndMarker
        );
        assert_eq!(
            classify_tar_end(1536, Some(&last), &zeros[..512]),
            TarEnd::NoEndMarker
        );
        let mut garbage = zeros.clone();
        garbage[700] = 1;
        assert_eq!(
            classify_tar_end(2048, Some(&last), &garbage),
            TarEnd::NoEndMarker
        );
        assert_eq!(TarEnd::Complete.describe(), None);
        assert!(
            TarEnd::NoEndMarker
                .describe()
                .is_some_and(|d| d.contains("truncated"))
        );
    }

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
