//! Package URLs of container images as BuildKit writes them in provenance materials
//! (`pkg:docker/NAMESPACE/NAME@VERSION?platform=linux%2Famd64&digest=sha256:…`): BuildKit's
//! `RefToPURL` splits the familiar name into namespace and name, puts the tag (or nothing) in
//! the version and the platform and a pinned digest in qualifiers.
//!
//! Pure text parsing; never trusts the input to be well formed (a material is untrusted).

/// An image named by a material's package URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImagePurl {
    /// The familiar name: `alpine`, `docker/dockerfile`, `127.0.0.1:5000/test/busybox`.
    pub name: String,
    /// The tag, when the version is one.
    pub tag: Option<String>,
    /// A digest from the version or the `digest` qualifier.
    pub digest: Option<String>,
    /// The `platform` qualifier (`linux/amd64`).
    pub platform: Option<String>,
    /// `pkg:oci` (an image from the build's local context) rather than `pkg:docker`.
    pub local: bool,
}

impl ImagePurl {
    /// `name[:tag]`, as a Dockerfile would write it.
    pub fn reference(&self) -> String {
        match &self.tag {
            Some(t) => format!("{}:{t}", self.name),
            None => self.name.clone(),
        }
    }
}

/// Decodes `%XX` escapes; `None` on a broken escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn is_digest(s: &str) -> bool {
    s.split_once(':').is_some_and(|(alg, hex)| {
        !alg.is_empty()
            && alg.bytes().all(|b| b.is_ascii_alphanumeric())
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Reads a `pkg:docker/…` or `pkg:oci/…` URL; `None` for other package types, git or HTTP
/// materials and anything malformed.
pub fn parse_image_purl(uri: &str) -> Option<ImagePurl> {
    let (local, rest) = if let Some(r) = uri.strip_prefix("pkg:docker/") {
        (false, r)
    } else if let Some(r) = uri.strip_prefix("pkg:oci/") {
        (true, r)
    } else {
        return None;
    };
    let rest = rest.split('#').next().unwrap_or_default();
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    // The namespace cannot hold an unescaped `@`: the last one starts the version.
    let (path, version) = match path.rsplit_once('@') {
        Some((p, v)) => (p, Some(percent_decode(v)?)),
        None => (path, None),
    };
    let name = percent_decode(path.trim_matches('/'))?;
    let name_ok = !name.is_empty()
        && name.len() <= 512
        && name.split('/').all(|seg| !seg.is_empty() && seg != "..")
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-/:".contains(&b));
    if !name_ok {
        return None;
    }
    let mut out = ImagePurl {
        name,
        tag: None,
        digest: None,
        platform: None,
        local,
    };
    match version {
        Some(v) if is_digest(&v) => out.digest = Some(v),
        Some(v) if !v.is_empty() => out.tag = Some(v),
        _ => {}
    }
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v)?;
        match k {
            "platform" if !v.is_empty() => out.platform = Some(v),
            "digest" if is_digest(&v) => {
                // A version digest and a qualifier digest that disagree name nothing.
                if out.digest.as_ref().is_some_and(|d| *d != v) {
                    return None;
                }
                out.digest = Some(v);
            }
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_image_with_tag_and_escaped_platform() {
        let p = parse_image_purl("pkg:docker/alpine@3.17?platform=linux%2Famd64").unwrap();
        assert_eq!(p.name, "alpine");
        assert_eq!(p.tag.as_deref(), Some("3.17"));
        assert_eq!(p.platform.as_deref(), Some("linux/amd64"));
        assert_eq!(p.reference(), "alpine:3.17");
        assert!(!p.local);
    }

    #[test]
    fn registry_with_port_in_the_namespace_escaped_or_not() {
        for uri in [
            "pkg:docker/127.0.0.1:5000/test/busybox@latest?platform=linux%2Farm%2Fv7",
            "pkg:docker/127.0.0.1%3A5000/test/busybox@latest?platform=linux%2Farm%2Fv7",
        ] {
            let p = parse_image_purl(uri).unwrap();
            assert_eq!(p.reference(), "127.0.0.1:5000/test/busybox:latest", "{uri}");
            assert_eq!(p.platform.as_deref(), Some("linux/arm/v7"));
        }
    }

    #[test]
    fn digest_from_version_or_qualifier_and_a_conflict_is_refused() {
        let d = format!("sha256:{}", "a".repeat(64));
        let e = format!("sha256:{}", "b".repeat(64));
        let p = parse_image_purl(&format!("pkg:docker/alpine@{d}")).unwrap();
        assert_eq!((p.tag, p.digest.as_deref()), (None, Some(d.as_str())));
        let p = parse_image_purl(&format!("pkg:docker/alpine@3?digest={d}")).unwrap();
        assert_eq!(p.tag.as_deref(), Some("3"));
        assert_eq!(p.digest.as_deref(), Some(d.as_str()));
        assert_eq!(
            parse_image_purl(&format!("pkg:docker/alpine@{d}?digest={e}")),
            None
        );
    }

    #[test]
    fn other_materials_and_malformed_urls_are_not_images() {
        for uri in [
            "https://github.com/moby/buildkit.git#refs/tags/v0.11.0",
            "pkg:npm/left-pad@1.0.0",
            "pkg:docker/",
            "pkg:docker/@1",
            "pkg:docker/a/../b@1",
            "pkg:docker/al%ZZpine@1",
            "pkg:docker/al pine@1",
            "pkg:docker/alpine@1?platform=%E2",
        ] {
            assert_eq!(parse_image_purl(uri), None, "{uri}");
        }
        assert!(parse_image_purl("pkg:oci/local-base@v1").unwrap().local);
    }
}
