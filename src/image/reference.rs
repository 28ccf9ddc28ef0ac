//! `ImageRef`: a registry reference normalised the way docker does it.
//!
//! Pure. `alpine` → `docker.io/library/alpine:latest`, `index.docker.io/x` → `docker.io/x`,
//! `host:port/repo@sha256:…` kept as written. The grammar (the Go distribution library's, plus
//! bracketed IPv6 hosts) is checked in `grammar.rs`; the value underneath is oci-spec's
//! `Reference`, which oci-client takes. Opens nothing; the registry module turns an
//! `ImageRef` into requests.

use std::fmt;
use std::str::FromStr;

use oci_spec::distribution::Reference;

mod grammar;

/// A normalised image reference: registry host, repository, tag and/or digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    inner: Reference,
}

/// Why a reference did not parse.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("parse image reference `{input}`")]
pub struct ParseRefError {
    /// The text that was given.
    pub input: String,
    /// The grammar's complaint.
    #[source]
    pub reason: oci_spec::distribution::ParseError,
}

impl ImageRef {
    /// The registry as written after normalisation (`docker.io`, `127.0.0.1:5000`).
    pub fn registry(&self) -> &str {
        self.inner.registry()
    }

    /// The host the registry API lives on (`index.docker.io` for Docker Hub).
    pub fn api_host(&self) -> &str {
        self.inner.resolve_registry()
    }

    /// The repository path (`library/alpine`).
    pub fn repository(&self) -> &str {
        self.inner.repository()
    }

    /// The tag, if one was given (or `latest` when neither tag nor digest was).
    pub fn tag(&self) -> Option<&str> {
        self.inner.tag()
    }

    /// The digest, if the reference pins one.
    pub fn digest(&self) -> Option<&str> {
        self.inner.digest()
    }

    /// The same repository pinned to `digest` (tag dropped).
    pub fn with_digest(&self, digest: &str) -> ImageRef {
        ImageRef {
            inner: self.inner.clone_with_digest(digest.to_string()),
        }
    }

    /// The hostname without port or brackets (`127.0.0.1`, `::1`, `docker.io`).
    pub fn hostname(&self) -> &str {
        host_without_port(self.registry())
    }

    /// True for `localhost`, `127.0.0.0/8` and `::1`: registries docker treats as insecure.
    pub fn is_loopback(&self) -> bool {
        let host = self.hostname();
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The oci-spec value underneath (for clients that take it).
    pub fn as_reference(&self) -> &Reference {
        &self.inner
    }
}

/// Strips `:port` and IPv6 brackets from a registry host.
fn host_without_port(registry: &str) -> &str {
    if let Some(rest) = registry.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    registry.split(':').next().unwrap_or(registry)
}

impl FromStr for ImageRef {
    type Err = ParseRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let p = grammar::parse(s).map_err(|reason| ParseRefError {
            input: s.to_string(),
            reason,
        })?;
        // oci-spec's constructors take the parts as they are (no regex, no renormalising).
        let inner = match (p.tag, p.digest) {
            (Some(t), Some(d)) => Reference::with_tag_and_digest(p.registry, p.repository, t, d),
            (None, Some(d)) => Reference::with_digest(p.registry, p.repository, d),
            (t, None) => Reference::with_tag(
                p.registry,
                p.repository,
                t.unwrap_or_else(|| "latest".into()),
            ),
        };
        Ok(ImageRef { inner })
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        s.parse::<ImageRef>().unwrap().to_string()
    }

    #[test]
    fn short_names_normalise_like_docker() {
        assert_eq!(norm("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(norm("alpine:3.20"), "docker.io/library/alpine:3.20");
        assert_eq!(norm("bitnami/redis"), "docker.io/bitnami/redis:latest");
        assert_eq!(
            norm("index.docker.io/library/busybox:1"),
            "docker.io/library/busybox:1"
        );
        assert_eq!(
            norm("mcr.microsoft.com/arcdata/arc-sqlmi:public-preview-jun-2021"),
            "mcr.microsoft.com/arcdata/arc-sqlmi:public-preview-jun-2021"
        );
    }

    #[test]
    fn docker_hub_uses_the_index_host_for_the_api() {
        let r: ImageRef = "alpine".parse().unwrap();
        assert_eq!(r.registry(), "docker.io");
        assert_eq!(r.api_host(), "index.docker.io");
        assert_eq!(r.repository(), "library/alpine");
    }

    #[test]
    fn host_port_and_digest_are_kept() {
        let d = format!("sha256:{}", "a".repeat(64));
        let r: ImageRef = format!("127.0.0.1:5000/team/app@{d}").parse().unwrap();
        assert_eq!(r.registry(), "127.0.0.1:5000");
        assert_eq!(r.repository(), "team/app");
        assert_eq!(r.digest(), Some(d.as_str()));
        assert_eq!(r.tag(), None);
        assert!(r.is_loopback());
        let r: ImageRef = "localhost/app:1".parse().unwrap();
        assert_eq!(r.registry(), "localhost");
        assert!(r.is_loopback());
        assert!(!"quay.io/x/y".parse::<ImageRef>().unwrap().is_loopback());
    }

    #[test]
    fn bracketed_ipv6_hosts_parse() {
        let r: ImageRef = "[::1]:5000/app:v1".parse().unwrap();
        assert_eq!(r.registry(), "[::1]:5000");
        assert_eq!(r.hostname(), "::1");
        assert_eq!(r.repository(), "app");
        assert_eq!(r.tag(), Some("v1"));
        assert!(r.is_loopback());
        assert_eq!(r.to_string(), "[::1]:5000/app:v1");
        assert_eq!(norm("[::1]/app"), "[::1]/app:latest");
        assert!("[::1:5000/app".parse::<ImageRef>().is_err());
        assert!("[zz]:5000/app".parse::<ImageRef>().is_err());
    }

    #[test]
    fn malformed_references_are_rejected() {
        for bad in ["", "UPPER/case", "a b", "app@sha256:short", "host:port:x/y"] {
            assert!(bad.parse::<ImageRef>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn with_digest_drops_the_tag() {
        let d = format!("sha256:{}", "b".repeat(64));
        let r = "alpine:3".parse::<ImageRef>().unwrap().with_digest(&d);
        assert_eq!(r.to_string(), format!("docker.io/library/alpine@{d}"));
    }
}
