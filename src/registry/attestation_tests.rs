//! Attestation fetching over crafted OCI layouts: the statement of the chosen manifest is
//! found and verified; a statement that lies about its digest or size, an SBOM, an unknown
//! media type and an attestation for another manifest are never returned as provenance.

use std::path::Path;

use serde_json::json;

use crate::image::platform::Platform;
use crate::registry::{FetchOptions, SourceSpec, open_image, sha256_digest};
use crate::report::Noop;

fn put(dir: &Path, bytes: &[u8]) -> String {
    let digest = sha256_digest(bytes);
    let path = dir
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    digest
}

fn desc(media_type: &str, digest: &str, size: usize) -> serde_json::Value {
    json!({ "mediaType": media_type, "digest": digest, "size": size })
}

/// A layout with an amd64 and an arm64 image; `layers` are the amd64 attestation's layer
/// descriptors (built by the closure from the layout dir).
fn layout(dir: &Path, layers: impl FnOnce(&Path) -> Vec<serde_json::Value>) -> (String, String) {
    let mut images = Vec::new();
    for arch in ["amd64", "arm64"] {
        let config = serde_json::to_vec(&json!({"architecture": arch, "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": []}, "history": []}))
        .unwrap();
        let c = put(dir, &config);
        let m = serde_json::to_vec(&json!({"schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": desc("application/vnd.oci.image.config.v1+json", &c, config.len()),
            "layers": []}))
        .unwrap();
        images.push((arch, put(dir, &m), m.len()));
    }
    let empty = put(dir, b"{}");
    let att = serde_json::to_vec(&json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": desc("application/vnd.oci.empty.v1+json", &empty, 2),
        "layers": layers(dir)}))
    .unwrap();
    let att_digest = put(dir, &att);
    let mut manifests: Vec<serde_json::Value> = images
        .iter()
        .map(|(arch, d, n)| {
            let mut v = desc("application/vnd.oci.image.manifest.v1+json", d, *n);
            v["platform"] = json!({"architecture": arch, "os": "linux"});
            v
        })
        .collect();
    let mut a = desc(
        "application/vnd.oci.image.manifest.v1+json",
        &att_digest,
        att.len(),
    );
    a["platform"] = json!({"architecture": "unknown", "os": "unknown"});
    a["annotations"] = json!({"vnd.docker.reference.type": "attestation-manifest",
        "vnd.docker.reference.digest": images[0].1});
    manifests.push(a);
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": manifests});
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    (images[0].1.clone(), images[1].1.clone())
}

fn statement_layer(dir: &Path, predicate: &str, body: &[u8]) -> serde_json::Value {
    let d = put(dir, body);
    let mut v = desc("application/vnd.in-toto+json", &d, body.len());
    v["annotations"] = json!({ "in-toto.io/predicate-type": predicate });
    v
}

async fn open(dir: &Path, arch: &str) -> crate::registry::OpenedImage {
    let spec = SourceSpec::parse(&format!("oci:{}", dir.display())).unwrap();
    let opts = FetchOptions {
        platform: Some(Platform::new("linux", arch, None)),
        ..FetchOptions::default()
    };
    open_image(&spec, &opts, &Noop).await.unwrap()
}

#[tokio::test]
async fn the_chosen_manifests_statement_is_read_and_the_others_are_not() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let (amd64, _) = layout(dir, |d| {
        let good = statement_layer(d, "https://slsa.dev/provenance/v0.2", b"{\"ok\":1}");
        let sbom = statement_layer(d, "https://spdx.dev/Document", b"{\"sbom\":1}");
        let mut unknown = statement_layer(d, "https://slsa.dev/provenance/v1", b"{}");
        unknown["mediaType"] = json!("application/vnd.example.unknown");
        vec![good, sbom, unknown]
    });
    let opened = open(dir, "amd64").await;
    assert_eq!(opened.manifest_digest.as_deref(), Some(amd64.as_str()));
    let a = opened.fetch_attestations().await.unwrap().unwrap();
    assert_eq!(a.statements.len(), 1);
    assert_eq!(a.statements[0].bytes, b"{\"ok\":1}");
    assert_eq!(a.ignored.len(), 2, "{:?}", a.ignored);
    assert!(a.failed.is_empty());
    // The arm64 image has no attestation: nothing, and certainly not amd64's.
    let opened = open(dir, "arm64").await;
    assert!(opened.fetch_attestations().await.unwrap().is_none());
}

#[tokio::test]
async fn statements_that_lie_about_digest_or_size_or_are_too_large_fail_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    layout(dir, |d| {
        let good = statement_layer(d, "https://slsa.dev/provenance/v1", b"{\"ok\":2}");
        // Right name, other bytes on disk.
        let mut swapped = statement_layer(d, "https://slsa.dev/provenance/v1", b"{\"a\":1}");
        let path = d.join("blobs/sha256").join(
            swapped["digest"]
                .as_str()
                .unwrap()
                .trim_start_matches("sha256:"),
        );
        std::fs::write(path, b"{\"b\":2}").unwrap();
        swapped["size"] = json!(7);
        let mut huge = statement_layer(d, "https://slsa.dev/provenance/v1", b"{}");
        huge["size"] = json!(super::STATEMENT_LIMIT + 1);
        vec![swapped, huge, good]
    });
    let opened = open(dir, "amd64").await;
    let a = opened.fetch_attestations().await.unwrap().unwrap();
    assert_eq!(a.statements.len(), 1);
    assert_eq!(a.statements[0].bytes, b"{\"ok\":2}");
    assert_eq!(a.failed.len(), 2);
    assert!(matches!(
        a.failed[0].1,
        crate::registry::RegistryError::DigestMismatch { .. }
    ));
    assert!(matches!(
        a.failed[1].1,
        crate::registry::RegistryError::TooLarge { .. }
    ));
}

#[tokio::test]
async fn an_image_without_an_index_has_no_attestations() {
    let tmp = tempfile::tempdir().unwrap();
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let path = tmp.path().join("config.json");
    std::fs::write(&path, config).unwrap();
    let spec = SourceSpec::parse(path.to_str().unwrap()).unwrap();
    let opened = open_image(&spec, &FetchOptions::default(), &Noop)
        .await
        .unwrap();
    assert!(opened.fetch_attestations().await.unwrap().is_none());
}
