//! Integration tests: registry. Opening images from OCI layouts, oci-archives,
//! docker-archives (legacy and Docker ≥ 25) and raw configs built in temp dirs with the tar
//! crate, plus (ignored unless asked) a real `docker-registry` on loopback: plain HTTP and
//! TLS + htpasswd, fed by skopeo.

use std::collections::BTreeMap;
use std::path::Path;

use kubectl_dfimage::image::platform::Platform;
use kubectl_dfimage::registry::{
    FetchOptions, OpenedImage, RegistryError, SourceSpec, open_image, open_reader, sha256_digest,
};
use kubectl_dfimage::report::Recording;
use tokio::io::AsyncReadExt;

mod credentials;
mod world;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

/// A content-addressed blob.
#[derive(Clone)]
struct Blob {
    bytes: Vec<u8>,
    digest: String,
}

impl Blob {
    fn new(bytes: Vec<u8>) -> Blob {
        let digest = sha256_digest(&bytes);
        Blob { bytes, digest }
    }
    fn hex(&self) -> &str {
        &self.digest[7..]
    }
    fn descriptor(&self, media_type: &str, extra: &str) -> String {
        format!(
            r#"{{"mediaType":"{media_type}","digest":"{}","size":{}{extra}}}"#,
            self.digest,
            self.bytes.len()
        )
    }
}

/// A tar with one file, as a layer.
fn layer_tar(name: &str, content: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append_data(&mut header, name, content).unwrap();
    builder.into_inner().unwrap()
}

/// One single-platform image: config, layers, manifest.
struct Image {
    config: Blob,
    layers: Vec<Blob>,
    manifest: Blob,
}

fn image(arch: &str, files: &[(&str, &str)]) -> Image {
    let layers: Vec<Blob> = files
        .iter()
        .map(|(n, c)| Blob::new(layer_tar(n, c.as_bytes())))
        .collect();
    let diff_ids: Vec<String> = layers.iter().map(|l| format!("\"{}\"", l.digest)).collect();
    let history: Vec<String> = files
        .iter()
        .map(|(n, _)| format!(r#"{{"created_by":"COPY {n} /{n} # buildkit"}}"#))
        .collect();
    let config = Blob::new(
        format!(
            r#"{{"architecture":"{arch}","os":"linux","config":{{"Cmd":["/bin/sh"]}},"rootfs":{{"type":"layers","diff_ids":[{}]}},"history":[{}]}}"#,
            diff_ids.join(","),
            history.join(",")
        )
        .into_bytes(),
    );
    let layer_descs: Vec<String> = layers.iter().map(|l| l.descriptor(OCI_LAYER, "")).collect();
    let manifest = Blob::new(
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{},"layers":[{}],"annotations":{{"org.opencontainers.image.base.name":"docker.io/library/busybox:1"}}}}"#,
            config.descriptor(OCI_CONFIG, ""),
            layer_descs.join(",")
        )
        .into_bytes(),
    );
    Image {
        config,
        layers,
        manifest,
    }
}

fn platform_extra(arch: &str, variant: Option<&str>) -> String {
    match variant {
        Some(v) => {
            format!(r#","platform":{{"os":"linux","architecture":"{arch}","variant":"{v}"}}"#)
        }
        None => format!(r#","platform":{{"os":"linux","architecture":"{arch}"}}"#),
    }
}

/// Files of an OCI layout: relative path → bytes.
type Files = BTreeMap<String, Vec<u8>>;

fn add_blob(files: &mut Files, blob: &Blob) {
    files.insert(format!("blobs/sha256/{}", blob.hex()), blob.bytes.clone());
}

fn add_image(files: &mut Files, img: &Image) {
    add_blob(files, &img.config);
    add_blob(files, &img.manifest);
    for l in &img.layers {
        add_blob(files, l);
    }
}

/// A layout whose index.json tags `img` as `tag`.
fn single_layout(img: &Image, tag: &str) -> Files {
    let mut files = Files::new();
    add_image(&mut files, img);
    let entry = img.manifest.descriptor(
        OCI_MANIFEST,
        &format!(r#","annotations":{{"org.opencontainers.image.ref.name":"{tag}"}}"#),
    );
    files.insert(
        "index.json".into(),
        format!(r#"{{"schemaVersion":2,"manifests":[{entry}]}}"#).into_bytes(),
    );
    files.insert(
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    );
    files
}

/// A layout with a multi-platform index (amd64, arm64/v8, an attestation) tagged `multi`.
fn multi_layout() -> (Files, Image, Image) {
    let amd = image("amd64", &[("a.txt", "amd64")]);
    let arm = image("arm64", &[("a.txt", "arm64")]);
    // A BuildKit-style attestation: a manifest whose layer is an in-toto statement.
    let statement = Blob::new(br#"{"_type":"https://in-toto.io/Statement/v0.1"}"#.to_vec());
    let att_config = Blob::new(br#"{"architecture":"unknown","os":"unknown"}"#.to_vec());
    let attestation = Blob::new(
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_MANIFEST}","config":{},"layers":[{}]}}"#,
            att_config.descriptor(OCI_CONFIG, ""),
            statement.descriptor("application/vnd.in-toto+json", "")
        )
        .into_bytes(),
    );
    let mut files = Files::new();
    add_image(&mut files, &amd);
    add_image(&mut files, &arm);
    for b in [&attestation, &statement, &att_config] {
        add_blob(&mut files, b);
    }
    let index = Blob::new(
        format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{},{},{}]}}"#,
            amd.manifest.descriptor(OCI_MANIFEST, &platform_extra("amd64", None)),
            arm.manifest.descriptor(OCI_MANIFEST, &platform_extra("arm64", Some("v8"))),
            attestation.descriptor(
                OCI_MANIFEST,
                r#","platform":{"os":"unknown","architecture":"unknown"},"annotations":{"vnd.docker.reference.type":"attestation-manifest"}"#
            ),
        )
        .into_bytes(),
    );
    add_blob(&mut files, &index);
    let entry = index.descriptor(
        OCI_INDEX,
        r#","annotations":{"org.opencontainers.image.ref.name":"multi"}"#,
    );
    files.insert(
        "index.json".into(),
        format!(r#"{{"schemaVersion":2,"manifests":[{entry}]}}"#).into_bytes(),
    );
    (files, amd, arm)
}

fn write_dir(root: &Path, files: &Files) {
    for (name, bytes) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn write_tar(path: &Path, files: &Files) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, bytes.as_slice())
            .unwrap();
    }
    builder.finish().unwrap();
}

fn opts(platform: Option<&str>) -> FetchOptions {
    FetchOptions {
        platform: platform.map(|p| p.parse().unwrap()),
        credential_env: Some(Default::default()),
        ..FetchOptions::default()
    }
}

async fn open(source: &str, platform: Option<&str>) -> Result<OpenedImage, RegistryError> {
    let spec = SourceSpec::parse(source)?;
    open_image(&spec, &opts(platform), &Recording::default()).await
}

async fn read_layer(img: &OpenedImage, i: usize) -> std::io::Result<Vec<u8>> {
    let mut reader = img
        .open_blob(&img.layers[i])
        .await
        .map_err(std::io::Error::other)?;
    let mut out = Vec::new();
    reader.read_to_end(&mut out).await?;
    Ok(out)
}

fn inner(e: &std::io::Error) -> Option<&RegistryError> {
    e.get_ref().and_then(|i| i.downcast_ref::<RegistryError>())
}

#[tokio::test]
async fn oci_layout_dir_opens_by_tag_with_config_and_layers_verified() {
    let tmp = tempfile::tempdir().unwrap();
    let img = image("amd64", &[("hello.txt", "hi"), ("b.txt", "bee")]);
    write_dir(tmp.path(), &single_layout(&img, "v1"));
    let source = format!("oci:{}:v1", tmp.path().display());
    let opened = open(&source, None).await.unwrap();
    assert_eq!(opened.config_bytes, img.config.bytes);
    assert_eq!(
        opened.config_digest.as_deref(),
        Some(img.config.digest.as_str())
    );
    assert_eq!(
        opened.manifest_digest.as_deref(),
        Some(img.manifest.digest.as_str())
    );
    assert_eq!(opened.layers.len(), 2);
    assert_eq!(opened.layers[1].digest, img.layers[1].digest);
    assert_eq!(
        opened
            .manifest_annotations
            .get("org.opencontainers.image.base.name")
            .map(String::as_str),
        Some("docker.io/library/busybox:1")
    );
    assert_eq!(opened.platform, Some("linux/amd64".parse().unwrap()));
    assert!(opened.has_layers);
    assert_eq!(read_layer(&opened, 1).await.unwrap(), img.layers[1].bytes);
    assert_eq!(opened.bytes_received(), 0);

    // A plain path to the directory is detected as a layout.
    let detected = open(&tmp.path().display().to_string(), None).await.unwrap();
    assert_eq!(detected.config_bytes, img.config.bytes);

    let err = open(&format!("oci:{}:nope", tmp.path().display()), None)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RegistryError::TagNotFound { ref available, .. } if available == &["v1"]),
        "{err}"
    );
}

#[tokio::test]
async fn index_platform_selection_follows_wanted_platform_and_skips_attestations() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, amd, arm) = multi_layout();
    write_dir(tmp.path(), &files);
    let source = format!("oci:{}:multi", tmp.path().display());

    let got = open(&source, Some("linux/arm64")).await.unwrap();
    assert_eq!(got.config_bytes, arm.config.bytes);
    assert_eq!(got.platform, Some("linux/arm64/v8".parse().unwrap()));
    assert_eq!(
        got.platforms_available.len(),
        2,
        "attestation listed: {:?}",
        got.platforms_available
    );
    assert!(got.chose_among_platforms());
    assert!(got.index_digest.is_some());
    assert!(got.index_bytes.is_some());

    let got = open(&source, Some("linux/amd64")).await.unwrap();
    assert_eq!(
        got.manifest_digest.as_deref(),
        Some(amd.manifest.digest.as_str())
    );

    let err = open(&source, Some("linux/s390x")).await.unwrap_err();
    match err {
        RegistryError::NoMatchingPlatform { available, .. } => {
            assert_eq!(available, ["linux/amd64", "linux/arm64/v8"]);
        }
        e => panic!("{e}"),
    }
    let _: Platform = Platform::host();
}

#[tokio::test]
async fn corrupt_config_or_layer_blobs_are_digest_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let img = image("amd64", &[("f", "data")]);
    let mut files = single_layout(&img, "v1");
    // Corrupt the layer but keep its size: the error comes at EOF.
    let layer_path = format!("blobs/sha256/{}", img.layers[0].hex());
    let mut corrupt = img.layers[0].bytes.clone();
    corrupt[600] ^= 0xff;
    files.insert(layer_path.clone(), corrupt);
    write_dir(tmp.path(), &files);
    let opened = open(&format!("oci:{}", tmp.path().display()), None)
        .await
        .unwrap();
    let err = read_layer(&opened, 0).await.unwrap_err();
    assert!(
        matches!(inner(&err), Some(RegistryError::DigestMismatch { .. })),
        "{err}"
    );

    // A truncated layer is a size error.
    std::fs::write(tmp.path().join(&layer_path), &img.layers[0].bytes[..100]).unwrap();
    let err = read_layer(&opened, 0).await.unwrap_err();
    assert!(
        matches!(inner(&err), Some(RegistryError::SizeMismatch { .. })),
        "{err}"
    );

    // A corrupt config fails the open itself.
    let mut config = img.config.bytes.clone();
    config[2] ^= 1;
    std::fs::write(
        tmp.path()
            .join(format!("blobs/sha256/{}", img.config.hex())),
        config,
    )
    .unwrap();
    let err = open(&format!("oci:{}", tmp.path().display()), None)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::DigestMismatch { .. }), "{err}");
}

#[tokio::test]
async fn oci_archive_is_read_by_offset_and_detected_from_a_plain_path() {
    let tmp = tempfile::tempdir().unwrap();
    let (files, _, arm) = multi_layout();
    let tar = tmp.path().join("multi.tar");
    write_tar(&tar, &files);
    let opened = open(
        &format!("oci-archive:{}:multi", tar.display()),
        Some("linux/arm64"),
    )
    .await
    .unwrap();
    assert_eq!(opened.config_bytes, arm.config.bytes);
    assert_eq!(read_layer(&opened, 0).await.unwrap(), arm.layers[0].bytes);
    let detected = open(&tar.display().to_string(), Some("linux/arm64"))
        .await
        .unwrap();
    assert!(
        detected.display_ref.starts_with("oci-archive:"),
        "{}",
        detected.display_ref
    );
    assert_eq!(detected.config_digest, opened.config_digest);
}

/// A legacy `docker save` archive: `manifest.json`, `<hex>.json`, `<v1id>/layer.tar`.
fn legacy_docker_archive(img: &Image, tags: &[&str]) -> Files {
    let mut files = Files::new();
    files.insert(
        format!("{}.json", img.config.hex()),
        img.config.bytes.clone(),
    );
    let mut layer_names = Vec::new();
    for (i, l) in img.layers.iter().enumerate() {
        let name = format!("{:064x}/layer.tar", i + 1);
        files.insert(name.clone(), l.bytes.clone());
        layer_names.push(format!("\"{name}\""));
    }
    let tags: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
    files.insert(
        "manifest.json".into(),
        format!(
            r#"[{{"Config":"{}.json","RepoTags":[{}],"Layers":[{}]}}]"#,
            img.config.hex(),
            tags.join(","),
            layer_names.join(",")
        )
        .into_bytes(),
    );
    files.insert("repositories".into(), b"{}".to_vec());
    files
}

#[tokio::test]
async fn legacy_docker_archive_pairs_layers_with_diff_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let img = image("amd64", &[("x", "1"), ("y", "2")]);
    let tar = tmp.path().join("save.tar");
    write_tar(&tar, &legacy_docker_archive(&img, &["app:1"]));
    let opened = open(
        &format!("docker-archive:{}:docker.io/library/app:1", tar.display()),
        None,
    )
    .await
    .unwrap();
    assert_eq!(opened.config_bytes, img.config.bytes);
    assert_eq!(opened.manifest_digest, None);
    assert_eq!(opened.layers[1].digest, img.layers[1].digest);
    assert_eq!(read_layer(&opened, 1).await.unwrap(), img.layers[1].bytes);
    let detected = open(&tar.display().to_string(), None).await.unwrap();
    assert!(detected.display_ref.starts_with("docker-archive:"));
    let err = open(&format!("docker-archive:{}:other:2", tar.display()), None)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::TagNotFound { .. }), "{err}");
}

#[tokio::test]
async fn docker_25_archive_prefers_its_oci_index() {
    let tmp = tempfile::tempdir().unwrap();
    let img = image("amd64", &[("x", "1")]);
    let mut files = Files::new();
    add_image(&mut files, &img);
    let entry = img.manifest.descriptor(
        OCI_MANIFEST,
        r#","annotations":{"io.containerd.image.name":"docker.io/library/app:1","org.opencontainers.image.ref.name":"1"}"#,
    );
    files.insert(
        "index.json".into(),
        format!(r#"{{"schemaVersion":2,"manifests":[{entry}]}}"#).into_bytes(),
    );
    files.insert(
        "manifest.json".into(),
        format!(
            r#"[{{"Config":"blobs/sha256/{}","RepoTags":["app:1"],"Layers":["blobs/sha256/{}"]}}]"#,
            img.config.hex(),
            img.layers[0].hex()
        )
        .into_bytes(),
    );
    files.insert(
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    );
    let tar = tmp.path().join("save25.tar");
    write_tar(&tar, &files);
    let opened = open(&tar.display().to_string(), None).await.unwrap();
    assert_eq!(
        opened.manifest_digest.as_deref(),
        Some(img.manifest.digest.as_str())
    );
    assert_eq!(opened.layers[0].media_type, OCI_LAYER);
    assert_eq!(read_layer(&opened, 0).await.unwrap(), img.layers[0].bytes);
    let by_ref = open(&format!("docker-archive:{}:app:1", tar.display()), None)
        .await
        .unwrap();
    assert_eq!(by_ref.config_bytes, img.config.bytes);
}

#[tokio::test]
async fn raw_config_json_opens_without_layers() {
    let tmp = tempfile::tempdir().unwrap();
    let img = image("arm64", &[("x", "1")]);
    let path = tmp.path().join("config.json");
    std::fs::write(&path, &img.config.bytes).unwrap();
    let opened = open(&path.display().to_string(), None).await.unwrap();
    assert!(!opened.has_layers);
    assert!(opened.layers.is_empty());
    assert_eq!(
        opened.config_digest.as_deref(),
        Some(img.config.digest.as_str())
    );
    assert_eq!(opened.platform, Some("linux/arm64".parse().unwrap()));

    // A manifest is not a config, and the message says what to do instead.
    let path = tmp.path().join("manifest.json");
    std::fs::write(&path, &img.manifest.bytes).unwrap();
    let err = open(&path.display().to_string(), None).await.unwrap_err();
    assert!(err.to_string().contains("--config"), "{err}");
}

#[tokio::test]
async fn compressed_archives_and_schema1_layouts_fail_with_advice() {
    let tmp = tempfile::tempdir().unwrap();
    let gz = tmp.path().join("save.tar.gz");
    std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0]).unwrap();
    let err = open(&gz.display().to_string(), None).await.unwrap_err();
    assert!(err.to_string().contains("decompress"), "{err}");

    let schema1 = Blob::new(
        br#"{"schemaVersion":1,"name":"a","tag":"b","architecture":"amd64","fsLayers":[],"history":[]}"#
            .to_vec(),
    );
    let mut files = Files::new();
    add_blob(&mut files, &schema1);
    files.insert(
        "index.json".into(),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
            schema1.descriptor(
                "application/vnd.docker.distribution.manifest.v1+prettyjws",
                ""
            )
        )
        .into_bytes(),
    );
    let dir = tmp.path().join("lay");
    write_dir(&dir, &files);
    let err = open(&format!("oci:{}", dir.display()), None)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::SchemaV1 { .. }), "{err}");
}

#[tokio::test]
async fn stdin_takes_a_raw_config_or_a_whole_archive() {
    let img = image("amd64", &[("x", "from stdin")]);
    let host = Platform::host();
    let opened = open_reader(std::io::Cursor::new(img.config.bytes.clone()), &host)
        .await
        .unwrap();
    assert_eq!(opened.display_ref, "-");
    assert!(!opened.has_layers);
    assert_eq!(opened.config_bytes, img.config.bytes);

    let tmp = tempfile::tempdir().unwrap();
    let tar = tmp.path().join("in.tar");
    write_tar(&tar, &legacy_docker_archive(&img, &["app:1"]));
    let bytes = std::fs::read(&tar).unwrap();
    let opened = open_reader(std::io::Cursor::new(bytes), &host)
        .await
        .unwrap();
    assert_eq!(opened.config_bytes, img.config.bytes);
    assert_eq!(read_layer(&opened, 0).await.unwrap(), img.layers[0].bytes);

    let err = open_reader(std::io::Cursor::new(img.manifest.bytes.clone()), &host)
        .await
        .unwrap_err();
    assert!(matches!(err, RegistryError::UnknownFormat { .. }), "{err}");
}

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
    o.extra_auth_configs = vec![bad];
    let err = open_image(&spec, &o, &rec).await.unwrap_err();
    assert!(err.to_string().contains("pull secret #1"), "{err}");
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
    o.credential_env = Some(kubectl_dfimage::registry::CredentialEnv {
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
