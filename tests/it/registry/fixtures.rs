//! Test images built in memory: blobs, single and multi-platform OCI layouts, legacy
//! docker-archives, written as directories or tars; plus small helpers to open and read them.

use std::collections::BTreeMap;
use std::path::Path;

use kubectl_dfimage::registry::{
    FetchOptions, OpenedImage, RegistryError, SourceSpec, open_image, sha256_digest,
};
use kubectl_dfimage::report::Recording;
use tokio::io::AsyncReadExt;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const OCI_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

/// A content-addressed blob.
#[derive(Clone)]
pub struct Blob {
    pub bytes: Vec<u8>,
    pub digest: String,
}

impl Blob {
    pub fn new(bytes: Vec<u8>) -> Blob {
        let digest = sha256_digest(&bytes);
        Blob { bytes, digest }
    }
    pub fn hex(&self) -> &str {
        &self.digest[7..]
    }
    pub fn descriptor(&self, media_type: &str, extra: &str) -> String {
        format!(
            r#"{{"mediaType":"{media_type}","digest":"{}","size":{}{extra}}}"#,
            self.digest,
            self.bytes.len()
        )
    }
}

/// A tar with one file, as a layer.
pub fn layer_tar(name: &str, content: &[u8]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    builder.append_data(&mut header, name, content).unwrap();
    builder.into_inner().unwrap()
}

/// One single-platform image: config, layers, manifest.
pub struct Image {
    pub config: Blob,
    pub layers: Vec<Blob>,
    pub manifest: Blob,
}

pub fn image(arch: &str, files: &[(&str, &str)]) -> Image {
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

pub fn platform_extra(arch: &str, variant: Option<&str>) -> String {
    match variant {
        Some(v) => {
            format!(r#","platform":{{"os":"linux","architecture":"{arch}","variant":"{v}"}}"#)
        }
        None => format!(r#","platform":{{"os":"linux","architecture":"{arch}"}}"#),
    }
}

/// Files of an OCI layout: relative path → bytes.
pub type Files = BTreeMap<String, Vec<u8>>;

pub fn add_blob(files: &mut Files, blob: &Blob) {
    files.insert(format!("blobs/sha256/{}", blob.hex()), blob.bytes.clone());
}

pub fn add_image(files: &mut Files, img: &Image) {
    add_blob(files, &img.config);
    add_blob(files, &img.manifest);
    for l in &img.layers {
        add_blob(files, l);
    }
}

/// A layout whose index.json tags `img` as `tag`.
pub fn single_layout(img: &Image, tag: &str) -> Files {
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
pub fn multi_layout() -> (Files, Image, Image) {
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

pub fn write_dir(root: &Path, files: &Files) {
    for (name, bytes) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

pub fn write_tar(path: &Path, files: &Files) {
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

pub fn opts(platform: Option<&str>) -> FetchOptions {
    FetchOptions {
        platform: platform.map(|p| p.parse().unwrap()),
        credential_env: Some(Default::default()),
        ..FetchOptions::default()
    }
}

pub async fn open(source: &str, platform: Option<&str>) -> Result<OpenedImage, RegistryError> {
    let spec = SourceSpec::parse(source)?;
    open_image(&spec, &opts(platform), &Recording::default()).await
}

pub async fn read_layer(img: &OpenedImage, i: usize) -> std::io::Result<Vec<u8>> {
    let mut reader = img
        .open_blob(&img.layers[i])
        .await
        .map_err(std::io::Error::other)?;
    let mut out = Vec::new();
    reader.read_to_end(&mut out).await?;
    Ok(out)
}

pub fn inner(e: &std::io::Error) -> Option<&RegistryError> {
    e.get_ref().and_then(|i| i.downcast_ref::<RegistryError>())
}

pub fn legacy_docker_archive(img: &Image, tags: &[&str]) -> Files {
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
