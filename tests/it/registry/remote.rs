//! Against a real Debian `docker-registry` on loopback (plain HTTP, TLS + htpasswd), fed by
//! skopeo. The server tests are ignored by default and fail loudly when a tool is missing.

use kubectl_dfimage::registry::{
    CredentialEnv, RegistryError, SourceSpec, open_image, sha256_digest,
};
use kubectl_dfimage::report::Recording;

use super::fixtures::*;
use super::world;

#[tokio::test]
#[ignore = "needs docker-registry and skopeo"]
async fn plain_http_registry_serves_every_manifest_kind() {
    let w = world::World::start_plain().await;
    let (files, amd, arm) = multi_layout();
    let lay = w.state.path().join("lay");
    write_dir(&lay, &files);
    w.push_layout(&lay, "multi", "app:multi", true);
    // The loopback host falls back to plain HTTP without --plain-http.
    let reference = format!("{}/app:multi", w.addr);
    let got = open(&reference, Some("linux/arm64")).await.unwrap();
    assert_eq!(got.config_bytes, arm.config.bytes);
    assert!(got.index_digest.is_some());
    assert!(
        got.bytes_received() > 0 && got.bytes_received() < 64 * 1024,
        "{}",
        got.bytes_received()
    );
    let before = got.bytes_received();
    // skopeo compressed the layer on push: compare with what the manifest states.
    let layer = read_layer(&got, 0).await.unwrap();
    assert_eq!(sha256_digest(&layer), got.layers[0].digest);
    assert_eq!(got.bytes_received(), before + got.layers[0].size);

    // Docker v2s2 conversion by skopeo, pinned by digest.
    let single = lay.join("single");
    write_dir(&single, &single_layout(&amd, "v1"));
    w.push_layout(&single, "v1", "app:docker", false);
    let digest = w.manifest_digest("app:docker");
    let by_digest = open(&format!("docker://{}/app@{digest}", w.addr), None)
        .await
        .unwrap();
    assert_eq!(by_digest.manifest_digest.as_deref(), Some(digest.as_str()));
    assert_eq!(
        by_digest.manifest_media_type,
        "application/vnd.docker.distribution.manifest.v2+json"
    );
    assert_eq!(got.manifest_media_type, OCI_MANIFEST);
    assert_eq!(
        by_digest.config_digest.as_deref(),
        Some(w.config_digest("app:docker").as_str())
    );

    let err = open(&format!("{}/app:nope", w.addr), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::ManifestUnknown { .. }),
        "{err}"
    );
}

#[tokio::test]
#[ignore = "needs docker-registry and skopeo"]
async fn corrupted_registry_blobs_fail_verification() {
    let w = world::World::start_plain().await;
    let img = image("amd64", &[("f", "to be corrupted")]);
    let lay = w.state.path().join("lay");
    write_dir(&lay, &single_layout(&img, "v1"));
    w.push_layout(&lay, "v1", "bad:v1", true);
    let reference = format!("{}/bad:v1", w.addr);
    let good = open(&reference, None).await.unwrap();

    // Flip a byte of the stored layer, keeping its size (test-components.md 4.4).
    w.corrupt_blob(&good.layers[0].digest);
    let err = read_layer(&good, 0).await.unwrap_err();
    assert!(
        matches!(inner(&err), Some(RegistryError::DigestMismatch { .. })),
        "{err:?}"
    );

    w.corrupt_blob(good.config_digest.as_deref().unwrap());
    let err = open(&reference, None).await.unwrap_err();
    assert!(
        matches!(err, RegistryError::DigestMismatch { .. }),
        "{err:?}"
    );
}

#[tokio::test]
#[ignore = "needs docker-registry, skopeo, openssl and htpasswd"]
async fn tls_registry_with_htpasswd_needs_the_ca_and_credentials() {
    let w = world::World::start_tls().await;
    let img = image("amd64", &[("f", "tls")]);
    let lay = w.state.path().join("lay");
    write_dir(&lay, &single_layout(&img, "v1"));
    w.push_layout(&lay, "v1", "secure:v1", false);
    let reference = format!("{}/secure:v1", w.addr);
    let spec = SourceSpec::parse(&reference).unwrap();
    let rec = Recording::default();

    // No CA: a TLS error that mentions --ca-file.
    let err = open_image(&spec, &opts(None), &rec).await.unwrap_err();
    assert!(matches!(err, RegistryError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("--ca-file"));

    // CA but no credentials: unauthorized, naming what was tried.
    let mut o = opts(None);
    o.ca_files = vec![w.ca.clone()];
    let err = open_image(&spec, &o, &rec).await.unwrap_err();
    assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("anonymous"));

    // Wrong password in a pull secret: still unauthorized, the secret's text never shown.
    let bad = world::auth_doc(&w.addr, "testuser", "wrong-password-xyz");
    o.extra_auth_configs = vec![("pull secret regcred".to_string(), bad)];
    let err = open_image(&spec, &o, &rec).await.unwrap_err();
    assert!(err.to_string().contains("pull secret regcred"), "{err}");
    assert!(!format!("{err:?}").contains("wrong-password-xyz"));

    // Right credentials from a docker config dir.
    let cfg = w.state.path().join("dockercfg");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.json"),
        world::auth_doc(&w.addr, "testuser", "testpass"),
    )
    .unwrap();
    o.extra_auth_configs.clear();
    o.credential_env = Some(CredentialEnv {
        docker_config_dir: Some(cfg),
        ..Default::default()
    });
    let got = open_image(&spec, &o, &rec).await.unwrap();
    assert_eq!(got.config_bytes, img.config.bytes);
    let layer = read_layer(&got, 0).await.unwrap();
    assert_eq!(sha256_digest(&layer), got.layers[0].digest);

    // --insecure-skip-tls-verify instead of the CA also works.
    let mut o2 = o.clone();
    o2.ca_files.clear();
    o2.insecure_skip_tls_verify = true;
    open_image(&spec, &o2, &rec).await.unwrap();
}

#[tokio::test]
async fn connection_refused_names_the_address() {
    let port = world::free_port();
    let err = open(&format!("127.0.0.1:{port}/app:1"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::ConnectionRefused { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}
