//! Integration tests: registry. Opening images from OCI layouts, oci-archives,
//! docker-archives (legacy and Docker ≥ 25), raw configs and stdin, built in temp dirs with
//! the tar crate (`fixtures`); credential lookup with real files and helper programs
//! (`credentials`); and, ignored unless asked, a real `docker-registry` on loopback
//! (`remote`, `world`). New local-source tests go here, registry-server tests in `remote`.

use kubectl_dfimage::image::platform::Platform;
use kubectl_dfimage::registry::{RegistryError, open_reader};

mod credentials;
pub(crate) mod fixtures;
mod remote;
mod world;

use fixtures::*;

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

    // `tar cf x.tar layout/`: the layout inside one top-level folder is found too.
    let nested: Files = files
        .iter()
        .map(|(name, bytes)| (format!("layout/{name}"), bytes.clone()))
        .collect();
    let nested_tar = tmp.path().join("nested.tar");
    write_tar(&nested_tar, &nested);
    let from_folder = open(
        &format!("oci-archive:{}:multi", nested_tar.display()),
        Some("linux/arm64"),
    )
    .await
    .unwrap();
    assert_eq!(from_folder.config_bytes, arm.config.bytes);
    assert_eq!(
        read_layer(&from_folder, 0).await.unwrap(),
        arm.layers[0].bytes
    );
    assert!(
        detected.display_ref.starts_with("oci-archive:"),
        "{}",
        detected.display_ref
    );
    assert_eq!(detected.config_digest, opened.config_digest);
}

/// A legacy `docker save` archive: `manifest.json`, `<hex>.json`, `<v1id>/layer.tar`.
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

/// The lead spawns recoveries and streams layers from several tasks: the open future, the
/// opened image and its blob readers must be `Send` (and the image `Sync`).
#[test]
fn opening_futures_images_and_blob_readers_cross_threads() {
    fn is_send<T: Send>(_: &T) {}
    fn is_send_sync<T: Send + Sync>() {}
    fn is_send_type<T: Send>() {}
    let spec = kubectl_dfimage::registry::SourceSpec::Stdin;
    let opts = kubectl_dfimage::registry::FetchOptions::default();
    let fut = kubectl_dfimage::registry::open_image(&spec, &opts, &kubectl_dfimage::report::Noop);
    is_send(&fut);
    drop(fut);
    is_send_sync::<kubectl_dfimage::registry::OpenedImage>();
    is_send_type::<kubectl_dfimage::registry::BlobReader>();
}

#[tokio::test]
async fn nested_indexes_are_followed_and_record_the_outer_index() {
    let tmp = tempfile::tempdir().unwrap();
    let (mut files, _, arm) = multi_layout();
    // Wrap the multi-platform index (what index.json points at) in one more index.
    let inner_entry = String::from_utf8(files["index.json"].clone()).unwrap();
    let inner_entry = inner_entry
        .split_once(r#""manifests":["#)
        .and_then(|(_, rest)| rest.rsplit_once("]}"))
        .map(|(entry, _)| entry.to_string())
        .unwrap();
    let outer = Blob::new(
        format!(r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[{inner_entry}]}}"#)
            .into_bytes(),
    );
    add_blob(&mut files, &outer);
    files.insert(
        "index.json".into(),
        format!(
            r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
            outer.descriptor(OCI_INDEX, "")
        )
        .into_bytes(),
    );
    write_dir(tmp.path(), &files);
    let got = open(
        &format!("oci:{}", tmp.path().display()),
        Some("linux/arm64"),
    )
    .await
    .unwrap();
    assert_eq!(got.config_bytes, arm.config.bytes);
    assert_eq!(got.index_digest.as_deref(), Some(outer.digest.as_str()));
    assert_eq!(
        got.platforms_available.len(),
        2,
        "{:?}",
        got.platforms_available
    );
}
