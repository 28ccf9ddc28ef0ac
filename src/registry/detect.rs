//! Recognising local inputs from their first bytes and, for JSON, their top-level keys.
//!
//! Pure: the caller reads the bytes. A raw image config is what `skopeo inspect --raw
//! --config` or `crane config` print: an object with `rootfs`, `history`, `config`,
//! `architecture` or `os`, and no `schemaVersion`.

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// gzip magic.
    Gzip,
    /// zstd magic.
    Zstd,
    /// A POSIX/GNU tar header (`ustar` at offset 257).
    Tar,
    /// Starts (after whitespace) with `{`.
    Json,
    /// Anything else.
    Unknown,
}

/// Classifies the start of a file (give it at least 512 bytes when available).
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.starts_with(&[0x1f, 0x8b]) {
        Sniffed::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Sniffed::Zstd
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        Sniffed::Tar
    } else if head
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{')
    {
        Sniffed::Json
    } else {
        Sniffed::Unknown
    }
}

/// Why bytes that [`sniff`] calls [`Sniffed::Unknown`] cannot be read, as a message fragment.
/// Empty input says so, and for standard input shows how to pipe an image in.
pub(crate) fn describe_unknown(head: &[u8], from_stdin: bool) -> String {
    match (head.is_empty(), from_stdin) {
        (true, true) => "standard input is empty; pipe an image into it, e.g. \
                         `skopeo inspect --raw --config docker://alpine:3.20 | kubectl dfimage -` \
                         or `docker save alpine:3.20 | kubectl dfimage -`"
            .to_owned(),
        (true, false) => "the file is empty".to_owned(),
        (false, _) => "it is neither a tar archive nor JSON".to_owned(),
    }
}

/// What a JSON document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// An image config.
    Config,
    /// An image manifest.
    Manifest,
    /// An index or manifest list (possibly a layout's `index.json`).
    Index,
    /// Something else, or not JSON.
    Other,
}

/// Classifies a JSON document by its top-level keys.
pub fn classify_json(bytes: &[u8]) -> JsonKind {
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_slice::<serde_json::Value>(bytes)
    else {
        return JsonKind::Other;
    };
    if obj.contains_key("schemaVersion") || obj.contains_key("mediaType") {
        if obj.contains_key("manifests") {
            return JsonKind::Index;
        }
        if obj.contains_key("config") && obj.contains_key("layers") || obj.contains_key("fsLayers")
        {
            return JsonKind::Manifest;
        }
        return JsonKind::Other;
    }
    let config_keys = [
        "rootfs",
        "history",
        "config",
        "architecture",
        "os",
        "container_config",
    ];
    if config_keys.iter().any(|k| obj.contains_key(*k)) {
        JsonKind::Config
    } else {
        JsonKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_compression_tar_and_json() {
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Sniffed::Gzip);
        assert_eq!(sniff(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Sniffed::Zstd);
        let mut tar = vec![0u8; 512];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&tar), Sniffed::Tar);
        assert_eq!(sniff(b"  \n{\"a\":1}"), Sniffed::Json);
        assert_eq!(sniff(b"hello"), Sniffed::Unknown);
    }

    #[test]
    fn empty_input_is_named_and_stdin_gets_a_pipe_example() {
        let stdin = describe_unknown(b"", true);
        assert!(stdin.contains("standard input is empty") && stdin.contains("| kubectl dfimage -"));
        assert_eq!(describe_unknown(b"", false), "the file is empty");
        assert!(describe_unknown(b"hello", true).contains("neither a tar archive nor JSON"));
    }

    #[test]
    fn tells_configs_from_manifests_and_indexes() {
        let config = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"history":[]}"#;
        assert_eq!(classify_json(config), JsonKind::Config);
        let manifest = br#"{"schemaVersion":2,"config":{},"layers":[]}"#;
        assert_eq!(classify_json(manifest), JsonKind::Manifest);
        let index = br#"{"schemaVersion":2,"manifests":[]}"#;
        assert_eq!(classify_json(index), JsonKind::Index);
        assert_eq!(classify_json(br#"{"auths":{}}"#), JsonKind::Other);
        assert_eq!(classify_json(b"[1]"), JsonKind::Other);
    }
}
