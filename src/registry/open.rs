//! `open_image`: from a [`SourceSpec`] to an [`OpenedImage`], for every kind of source.
//!
//! Wires the pure choosers (`layout`, `archive`, `detect`) to the stores and the remote
//! transport. Local archives are indexed once and read by offset; stdin is read whole when it
//! is a config and spooled to a temporary file when it is an archive.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncReadExt};

use super::credentials::{CredentialEnv, find_credentials};
use super::detect::{JsonKind, Sniffed, classify_json, describe_unknown, sniff};
use super::error::RegistryError;
use super::layout::{Start, choose_start};
use super::manifest::{CONFIG_LIMIT, Document, MANIFEST_LIMIT, parse_document};
use super::open_archive::{missing_member, open_docker_archive};
use super::opened::{FetchOptions, OpenedImage, TempFile};
use super::resolve::{Current, fetch_document, raw_config, resolve};
use super::source::SourceSpec;
use super::store::{Store, read_file_capped};
use super::tar_index::TarIndex;
use super::transport::remote::{Connection, connect};
use crate::image::platform::Platform;
use crate::image::reference::ImageRef;
use crate::report::Reporter;

/// Locates the image `spec` names and reads its manifest(s) and config — never a layer.
pub async fn open_image(
    spec: &SourceSpec,
    opts: &FetchOptions,
    reporter: &dyn Reporter,
) -> Result<OpenedImage, RegistryError> {
    let wanted = opts.platform.clone().unwrap_or_else(Platform::host);
    let opened = match spec {
        SourceSpec::Registry(image) => open_remote(image, opts, &wanted, reporter).await,
        SourceSpec::OciLayout { dir, tag } => {
            open_layout(
                Store::Dir { root: dir.clone() },
                spec.describe(),
                tag.as_deref(),
                &wanted,
                None,
            )
            .await
        }
        SourceSpec::OciArchive { file, tag } => {
            let store = tar_store(file).await?;
            open_layout(store, spec.describe(), tag.as_deref(), &wanted, None).await
        }
        SourceSpec::DockerArchive { file, reference } => {
            let store = tar_store(file).await?;
            open_docker_archive(store, spec.describe(), reference.as_deref(), &wanted, None).await
        }
        SourceSpec::Path(path) => open_path(path, &wanted).await,
        SourceSpec::Stdin => open_reader(tokio::io::stdin(), &wanted).await,
    };
    // A platform that was asked for (--platform, the pod's node) is not the default: the
    // message lists what the index offers instead of suggesting --platform.
    opened.map_err(|e| match e {
        RegistryError::NoMatchingPlatform {
            image,
            wanted,
            available,
            ..
        } => RegistryError::NoMatchingPlatform {
            image,
            wanted,
            available,
            requested: opts.platform.is_some(),
        },
        e => e,
    })
}

/// Whether a `--ca-file` can hold a certificate (pure): a PEM `CERTIFICATE` block, or DER
/// (an ASN.1 SEQUENCE with a long-form length, as every X.509 certificate starts). Anything
/// else (a key, a text file) would reach the TLS library as DER and fail as "BadEncoding",
/// or as a PEM file without certificates be accepted and trust nothing.
fn looks_like_certificate(data: &[u8]) -> bool {
    let has = |needle: &[u8]| data.windows(needle.len()).any(|w| w == needle);
    (has(b"-----BEGIN") && has(b"CERTIFICATE-----"))
        || (data.len() > 2 && data[0] == 0x30 && data[1] & 0x80 != 0)
}

async fn open_remote(
    image: &ImageRef,
    opts: &FetchOptions,
    wanted: &Platform,
    reporter: &dyn Reporter,
) -> Result<OpenedImage, RegistryError> {
    let mut ca_pems = Vec::new();
    for path in &opts.ca_files {
        let pem = tokio::fs::read(path)
            .await
            .map_err(|e| RegistryError::CaFile {
                path: path.clone(),
                cause: Box::new(e),
            })?;
        if !looks_like_certificate(&pem) {
            return Err(RegistryError::CaNotCertificate { path: path.clone() });
        }
        ca_pems.push((path.clone(), pem));
    }
    let conn = Connection {
        plain_http: opts.plain_http,
        ca_pems,
        insecure_skip_tls_verify: opts.insecure_skip_tls_verify,
    };
    let env = opts
        .credential_env
        .clone()
        .unwrap_or_else(CredentialEnv::from_process);
    let creds = find_credentials(
        image.registry(),
        image.repository(),
        &opts.extra_auth_configs,
        &env,
    )
    .await;
    for warning in &creds.warnings {
        reporter.warn(warning);
    }
    for note in &creds.notes {
        reporter.warn(&format_args!("credential source skipped: {note}"));
    }
    let connected = connect(image, &conn, &creds.credentials, &creds.notes).await?;
    let display = image.to_string();
    let doc = parse_document(&connected.manifest, &display, "manifest")?;
    let first = Current {
        bytes: connected.manifest,
        digest: Some(connected.digest),
        doc,
    };
    let store = Store::Remote(Arc::new(connected.session));
    resolve(store, display, first, wanted, None).await
}

async fn tar_store(file: &Path) -> Result<Store, RegistryError> {
    let path = file.to_path_buf();
    let mut head = vec![0u8; 512];
    let n = read_head(&path, &mut head).await?;
    match sniff(&head[..n]) {
        Sniffed::Tar => {}
        Sniffed::Gzip | Sniffed::Zstd => {
            return Err(RegistryError::UnknownFormat {
                path,
                detail: "it is compressed; decompress it first (e.g. `gunzip -k FILE`)".into(),
            });
        }
        _ => {
            return Err(RegistryError::UnknownFormat {
                path,
                detail: "it is not a tar archive".into(),
            });
        }
    }
    let index = tokio::task::spawn_blocking(move || TarIndex::build(&path))
        .await
        .map_err(|e| RegistryError::io(file, std::io::Error::other(e)))??;
    let prefix = index
        .single_folder_prefix(&["index.json", "manifest.json"])
        .unwrap_or_default();
    Ok(Store::Tar {
        index: Arc::new(index),
        prefix,
        named: Arc::new(HashMap::new()),
    })
}

async fn read_head(path: &Path, buf: &mut [u8]) -> Result<usize, RegistryError> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| RegistryError::io(path, e))?;
    let mut n = 0;
    while n < buf.len() {
        let read = file
            .read(&mut buf[n..])
            .await
            .map_err(|e| RegistryError::io(path, e))?;
        if read == 0 {
            break;
        }
        n += read;
    }
    Ok(n)
}

async fn open_layout(
    store: Store,
    display: String,
    tag: Option<&str>,
    wanted: &Platform,
    temp: Option<Arc<TempFile>>,
) -> Result<OpenedImage, RegistryError> {
    let Some(index_json) = store
        .read_named("index.json", "index.json", MANIFEST_LIMIT)
        .await?
    else {
        // A missing directory, or an archive cut short, says so rather than "no index.json".
        return Err(missing_member(&store, &display, "index.json").await);
    };
    let hint = format!("{display}:TAG");
    let first = match choose_start(&index_json, tag, &display, &hint)? {
        Start::Entry(desc) => fetch_document(&store, &display, &desc).await?,
        Start::Platforms(index) => Current {
            bytes: index_json,
            digest: None,
            doc: Document::Index(index),
        },
    };
    resolve(store, display, first, wanted, temp).await
}

async fn open_path(path: &Path, wanted: &Platform) -> Result<OpenedImage, RegistryError> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| RegistryError::io(path, e))?;
    let display = path.display().to_string();
    if meta.is_dir() {
        return open_layout(
            Store::Dir {
                root: path.to_path_buf(),
            },
            format!("oci:{display}"),
            None,
            wanted,
            None,
        )
        .await;
    }
    let mut head = vec![0u8; 512];
    let n = read_head(path, &mut head).await?;
    match sniff(&head[..n]) {
        Sniffed::Tar => {
            let store = tar_store(path).await?;
            open_tar(store, display, wanted, None).await
        }
        Sniffed::Json => {
            let bytes = read_file_capped(path, "image config", CONFIG_LIMIT).await?;
            match classify_json(&bytes) {
                JsonKind::Config => Ok(raw_config(display, bytes)),
                JsonKind::Index if path.file_name().is_some_and(|n| n == "index.json") => {
                    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                    let dir = if dir.as_os_str().is_empty() {
                        PathBuf::from(".")
                    } else {
                        dir
                    };
                    let display = format!("oci:{}", dir.display());
                    open_layout(Store::Dir { root: dir }, display, None, wanted, None).await
                }
                kind => Err(not_a_config(path.to_path_buf(), kind)),
            }
        }
        Sniffed::Gzip | Sniffed::Zstd => Err(RegistryError::UnknownFormat {
            path: path.to_path_buf(),
            detail: "it is compressed; decompress it first (e.g. `gunzip -k FILE`)".into(),
        }),
        Sniffed::Unknown => Err(RegistryError::UnknownFormat {
            path: path.to_path_buf(),
            detail: describe_unknown(&head[..n], false),
        }),
    }
}

fn not_a_config(path: PathBuf, kind: JsonKind) -> RegistryError {
    let detail = match kind {
        JsonKind::Manifest => {
            "it is an image manifest; the history is in the config: use \
             `skopeo inspect --raw --config` or pass the registry reference"
        }
        JsonKind::Index => "it is an image index; pass the registry reference or the layout",
        _ => "it is JSON but not an image config",
    };
    RegistryError::UnknownFormat {
        path,
        detail: detail.into(),
    }
}

/// An archive of unknown kind: `manifest.json` means docker-archive, else an OCI layout.
async fn open_tar(
    store: Store,
    display: String,
    wanted: &Platform,
    temp: Option<Arc<TempFile>>,
) -> Result<OpenedImage, RegistryError> {
    let has = |name: &str| store.member_size(name).is_some();
    if has("manifest.json") {
        open_docker_archive(
            store,
            format!("docker-archive:{display}"),
            None,
            wanted,
            temp,
        )
        .await
    } else if has("index.json") {
        open_layout(store, format!("oci-archive:{display}"), None, wanted, temp).await
    } else {
        Err(missing_member(&store, &display, "index.json or manifest.json").await)
    }
}

/// Opens an image from a byte stream (standard input): a raw config JSON is read whole
/// (capped), an archive is spooled to a temporary file that lives as long as the image.
pub async fn open_reader<R: AsyncRead + Unpin>(
    mut stdin: R,
    wanted: &Platform,
) -> Result<OpenedImage, RegistryError> {
    let mut head = Vec::with_capacity(512);
    (&mut stdin)
        .take(512)
        .read_to_end(&mut head)
        .await
        .map_err(|cause| RegistryError::Stdin { cause })?;
    match sniff(&head) {
        Sniffed::Json => {
            let mut bytes = head;
            (&mut stdin)
                .take(CONFIG_LIMIT + 1 - bytes.len() as u64)
                .read_to_end(&mut bytes)
                .await
                .map_err(|cause| RegistryError::Stdin { cause })?;
            if bytes.len() as u64 > CONFIG_LIMIT {
                return Err(RegistryError::TooLarge {
                    what: "image config on standard input".into(),
                    size: bytes.len() as u64,
                    limit: CONFIG_LIMIT,
                });
            }
            match classify_json(&bytes) {
                JsonKind::Config => Ok(raw_config("-".into(), bytes)),
                kind => Err(not_a_config(PathBuf::from("-"), kind)),
            }
        }
        Sniffed::Tar => {
            let path = std::env::temp_dir().join(format!(
                "kubectl-dfimage-stdin-{}-{}.tar",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or_default()
            ));
            let temp = Arc::new(TempFile(path.clone()));
            // create_new: never write through something planted at that name.
            let mut file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .await
                .map_err(|e| RegistryError::io(&path, e))?;
            tokio::io::AsyncWriteExt::write_all(&mut file, &head)
                .await
                .map_err(|e| RegistryError::io(&path, e))?;
            tokio::io::copy(&mut stdin, &mut file)
                .await
                .map_err(|cause| RegistryError::Stdin { cause })?;
            tokio::io::AsyncWriteExt::flush(&mut file)
                .await
                .map_err(|e| RegistryError::io(&path, e))?;
            drop(file);
            let store = tar_store(&path).await?;
            open_tar(store, "-".into(), wanted, Some(temp)).await
        }
        Sniffed::Gzip | Sniffed::Zstd => Err(RegistryError::UnknownFormat {
            path: PathBuf::from("-"),
            detail: "it is compressed; decompress it first (e.g. `gunzip -c FILE | …`)".into(),
        }),
        Sniffed::Unknown => Err(RegistryError::UnknownFormat {
            path: PathBuf::from("-"),
            detail: describe_unknown(&head, true),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::looks_like_certificate;

    #[test]
    fn only_pem_certificates_and_der_pass_as_ca_files() {
        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert!(looks_like_certificate(pem));
        assert!(looks_like_certificate(&[0x30, 0x82, 0x01, 0x0a]));
        assert!(!looks_like_certificate(
            b"root:x:0:0:root:/root:/bin/bash\n"
        ));
        assert!(!looks_like_certificate(
            b"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
        ));
        assert!(!looks_like_certificate(b""));
    }
}
