//! OCI image layouts (directory or inside a tar): which `index.json` entry to open.
//!
//! Pure: takes the bytes of `index.json` and the tag asked for. Tag selection uses
//! `org.opencontainers.image.ref.name` (what skopeo, buildah and umoci write) and
//! `io.containerd.image.name` (what Docker ≥ 25 `docker save` writes, a full reference).
//! Reading files and following the chosen descriptor belong to `open.rs`.

use super::error::RegistryError;
use super::manifest::{Descriptor, Document, Index, parse_document};
use crate::image::reference::ImageRef;

/// Standard annotation carrying an entry's tag inside a layout.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// containerd's (and Docker ≥ 25's) annotation carrying the full image name.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// Where to start after reading `index.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Open this entry (an image manifest or a nested index).
    Entry(Descriptor),
    /// `index.json` itself lists platform manifests: select among them.
    Platforms(Index),
}

/// Normalises a reference for comparison; falls back to the text when it is not one.
pub(crate) fn normalise_ref(s: &str) -> String {
    s.parse::<ImageRef>()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| s.to_string())
}

fn names_of(d: &Descriptor) -> Vec<&str> {
    [REF_NAME, CONTAINERD_NAME]
        .iter()
        .filter_map(|k| d.annotations.get(*k).map(String::as_str))
        .collect()
}

fn matches_tag(d: &Descriptor, tag: &str) -> bool {
    let wanted_ref = normalise_ref(tag);
    d.annotations.get(REF_NAME).is_some_and(|n| n == tag)
        || d.annotations
            .get(CONTAINERD_NAME)
            .is_some_and(|n| n == tag || normalise_ref(n) == wanted_ref)
}

/// Chooses the start from `index.json`. `location` names the layout in messages and `hint`
/// says how to name a tag (`oci:DIR:TAG`).
pub fn choose_start(
    index_json: &[u8],
    tag: Option<&str>,
    location: &str,
    hint: &str,
) -> Result<Start, RegistryError> {
    let what = format!("index.json of {location}");
    let index = match parse_document(index_json, location, &what)? {
        Document::Index(i) => i,
        Document::Image(_) => {
            return Err(RegistryError::malformed(
                what,
                "it is an image manifest, not an index",
            ));
        }
    };
    let all_names = || -> Vec<String> {
        index
            .manifests
            .iter()
            .filter_map(|d| names_of(d).first().map(|s| s.to_string()))
            .collect()
    };
    if let Some(tag) = tag {
        return index
            .manifests
            .iter()
            .find(|d| matches_tag(d, tag))
            .cloned()
            .map(Start::Entry)
            .ok_or_else(|| RegistryError::TagNotFound {
                location: location.to_string(),
                wanted: tag.to_string(),
                available: all_names(),
            });
    }
    match index.manifests.as_slice() {
        [] => Err(RegistryError::malformed(what, "it lists no images")),
        [only] => Ok(Start::Entry(only.clone())),
        many if many.iter().any(|d| d.platform.is_some()) => Ok(Start::Platforms(index)),
        _ => Err(RegistryError::AmbiguousImage {
            location: location.to_string(),
            available: all_names(),
            hint: hint.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(digest_char: char, annotations: &str, platform: &str) -> String {
        format!(
            r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":2,"digest":"sha256:{}"{}{}}}"#,
            digest_char.to_string().repeat(64),
            if annotations.is_empty() {
                String::new()
            } else {
                format!(r#","annotations":{annotations}"#)
            },
            if platform.is_empty() {
                String::new()
            } else {
                format!(r#","platform":{platform}"#)
            },
        )
    }

    fn index(entries: &[String]) -> Vec<u8> {
        format!(
            r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
            entries.join(",")
        )
        .into_bytes()
    }

    fn digest_of(start: Start) -> char {
        match start {
            Start::Entry(d) => d.digest.chars().last().unwrap(),
            Start::Platforms(_) => panic!("platform index"),
        }
    }

    #[test]
    fn selects_by_ref_name_and_lists_tags_when_missing() {
        let idx = index(&[
            entry('a', r#"{"org.opencontainers.image.ref.name":"v1"}"#, ""),
            entry('b', r#"{"org.opencontainers.image.ref.name":"v2"}"#, ""),
        ]);
        assert_eq!(
            digest_of(choose_start(&idx, Some("v2"), "L", "h").unwrap()),
            'b'
        );
        match choose_start(&idx, Some("v3"), "L", "h").unwrap_err() {
            RegistryError::TagNotFound { available, .. } => assert_eq!(available, ["v1", "v2"]),
            e => panic!("{e:?}"),
        }
        assert!(matches!(
            choose_start(&idx, None, "L", "oci:L:TAG"),
            Err(RegistryError::AmbiguousImage { .. })
        ));
    }

    #[test]
    fn selects_docker_25_entries_by_normalised_image_name() {
        let idx = index(&[entry(
            'c',
            r#"{"io.containerd.image.name":"docker.io/library/alpine:3.20","org.opencontainers.image.ref.name":"3.20"}"#,
            "",
        )]);
        assert_eq!(
            digest_of(choose_start(&idx, Some("alpine:3.20"), "L", "h").unwrap()),
            'c'
        );
        assert_eq!(
            digest_of(choose_start(&idx, Some("3.20"), "L", "h").unwrap()),
            'c'
        );
        assert_eq!(digest_of(choose_start(&idx, None, "L", "h").unwrap()), 'c');
    }

    #[test]
    fn an_index_json_of_platform_manifests_is_a_platform_choice() {
        let idx = index(&[
            entry('d', "", r#"{"os":"linux","architecture":"amd64"}"#),
            entry('e', "", r#"{"os":"linux","architecture":"arm64"}"#),
        ]);
        assert!(matches!(
            choose_start(&idx, None, "L", "h").unwrap(),
            Start::Platforms(_)
        ));
    }

    #[test]
    fn empty_or_non_index_documents_are_errors() {
        assert!(choose_start(&index(&[]), None, "L", "h").is_err());
        let manifest = format!(
            r#"{{"schemaVersion":2,"config":{{"size":1,"digest":"sha256:{}"}},"layers":[]}}"#,
            "f".repeat(64)
        );
        assert!(choose_start(manifest.as_bytes(), None, "L", "h").is_err());
    }
}
