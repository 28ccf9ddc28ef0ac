//! From a container's spec image and status `imageID` to the exact reference that runs
//! (pure). Runtimes spell `imageID` differently:
//! `docker-pullable://repo@sha256:…` (dockershim), `repo@sha256:…` (containerd, CRI-O),
//! and a bare `sha256:…` image id, which names the local config, not a registry manifest.

/// The reference to recover for a container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningImage {
    /// A pullable reference: `repo@sha256:…` when the runtime told the digest, else the spec
    /// image as written.
    pub reference: String,
    /// The spec image (usually a tag).
    pub spec_image: String,
    /// The manifest (or index) digest the node pulled, when known.
    pub digest: Option<String>,
}

/// Combines the spec image and the status image id.
pub fn running_image(spec_image: &str, image_id: Option<&str>) -> RunningImage {
    let spec_image = spec_image.to_owned();
    let id = image_id
        .map(|i| i.trim())
        .map(|i| {
            i.strip_prefix("docker-pullable://")
                .or_else(|| i.strip_prefix("docker://"))
                .unwrap_or(i)
        })
        .filter(|i| !i.is_empty());
    let Some(id) = id else {
        return RunningImage {
            reference: spec_image.clone(),
            spec_image,
            digest: None,
        };
    };
    if let Some((repo, digest)) = id.rsplit_once('@')
        && is_digest(digest)
    {
        return RunningImage {
            reference: format!("{repo}@{digest}"),
            spec_image,
            digest: Some(digest.to_owned()),
        };
    }
    // A bare image id is the config digest on the node: it cannot be pulled. Keep the spec
    // image, pinned to nothing.
    RunningImage {
        reference: spec_image.clone(),
        spec_image,
        digest: None,
    }
}

fn is_digest(s: &str) -> bool {
    s.split_once(':').is_some_and(|(alg, hex)| {
        !alg.is_empty() && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn containerd_image_id_pins_the_repository_digest() {
        let r = running_image(
            "127.0.0.1:5000/arc/sqlmi:v1",
            Some(&format!("127.0.0.1:5000/arc/sqlmi@{D}")),
        );
        assert_eq!(r.reference, format!("127.0.0.1:5000/arc/sqlmi@{D}"));
        assert_eq!(r.digest.as_deref(), Some(D));
    }

    #[test]
    fn dockershim_prefix_is_stripped() {
        let r = running_image("nginx", Some(&format!("docker-pullable://nginx@{D}")));
        assert_eq!(r.reference, format!("nginx@{D}"));
    }

    #[test]
    fn bare_image_ids_and_missing_status_fall_back_to_the_spec_image() {
        for id in [Some(D), None, Some("")] {
            let r = running_image("nginx:1.25", id);
            assert_eq!(r.reference, "nginx:1.25");
            assert_eq!(r.digest, None);
        }
    }
}
