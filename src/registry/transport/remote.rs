//! The registry transport: oci-client behind a small session type.
//!
//! Owns the connection policy (HTTPS, or plain HTTP with `--plain-http`; loopback hosts try
//! plain HTTP first and then HTTPS, see [`connect`]), the auth
//! attempts (one oci-client `Client` per credential, since a client keeps the first
//! credentials it saw; `clients.rs` reuses them within the process), error classification
//! and the count of bytes received. It never
//! interprets manifests: it returns bytes and digests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt;
use oci_client::Client;
use oci_client::client::{Certificate, CertificateEncoding, ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::OciDescriptor;
use oci_client::secrets::RegistryAuth;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::io::StreamReader;

use crate::image::reference::ImageRef;
use crate::registry::credentials::Credential;
use crate::registry::error::RegistryError;
use crate::registry::manifest::{ACCEPTED_MANIFEST_TYPES, MANIFEST_LIMIT};

use super::classify::{Failure, classify};
use super::clients::{Identity, challenged, client_for, mark_challenged};

const USER_AGENT: &str = concat!("kubectl-dfimage/", env!("CARGO_PKG_VERSION"));

/// TLS and protocol settings for the registry connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Connection {
    pub(crate) plain_http: bool,
    pub(crate) ca_pems: Vec<(std::path::PathBuf, Vec<u8>)>,
    pub(crate) insecure_skip_tls_verify: bool,
}

/// An authenticated connection to one repository.
pub(crate) struct RemoteSession {
    client: Client,
    auth: RegistryAuth,
    /// For an anonymous session: a client outside oci-client's auth flow, for blobs. That
    /// flow asks `/v2/` for a challenge before every request to a registry that never
    /// challenges (mcr.microsoft.com, most mirrors, plain test registries), a round trip
    /// each time, since it only caches tokens and there is none to cache.
    unauthenticated: Option<Client>,
    image: ImageRef,
    received: Arc<AtomicU64>,
}

impl std::fmt::Debug for RemoteSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSession")
            .field("image", &self.image.to_string())
            .field("received", &self.received.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The result of the first request: the session and the manifest the reference names.
pub(crate) struct Connected {
    pub(crate) session: RemoteSession,
    pub(crate) manifest: Vec<u8>,
    pub(crate) digest: String,
}

fn build_client(conn: &Connection, http: bool) -> Result<Client, RegistryError> {
    // reqwest needs a process-wide rustls provider; a second install is a harmless Err.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let certs = |pems: &[(std::path::PathBuf, Vec<u8>)]| -> Vec<Certificate> {
        pems.iter()
            .map(|(_, data)| Certificate {
                encoding: if data.windows(10).any(|w| w == b"-----BEGIN") {
                    CertificateEncoding::Pem
                } else {
                    CertificateEncoding::Der
                },
                data: data.clone(),
            })
            .collect()
    };
    let config = |pems: &[(std::path::PathBuf, Vec<u8>)]| ClientConfig {
        protocol: if http {
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        },
        accept_invalid_certificates: conn.insecure_skip_tls_verify,
        tls_certs_only: super::roots::system_roots().to_vec(),
        extra_root_certificates: certs(pems),
        platform_resolver: None,
        connect_timeout: Some(Duration::from_secs(15)),
        read_timeout: Some(Duration::from_secs(60)),
        user_agent: USER_AGENT,
        ..ClientConfig::default()
    };
    match Client::try_from(config(&conn.ca_pems)) {
        Ok(c) => Ok(c),
        Err(e) => {
            // Name the file that is not a certificate.
            let culprit = conn
                .ca_pems
                .iter()
                .find(|pem| Client::try_from(config(std::slice::from_ref(pem))).is_err())
                .map(|(p, _)| p.clone())
                .unwrap_or_default();
            Err(RegistryError::CaFile {
                path: culprit,
                cause: Box::new(e),
            })
        }
    }
}

/// Fetches the manifest `image` names, trying each credential (anonymous when there is
/// none) on a fresh client. Loopback hosts try plain HTTP first and HTTPS second: docker treats them as
/// insecure registries, nearly all of them (kind, port-forwards, test registries) speak
/// plain HTTP, and each extra scheme costs a client build. `notes` are extra "tried"
/// entries for the unauthorized message.
pub(crate) async fn connect(
    image: &ImageRef,
    conn: &Connection,
    credentials: &[Credential],
    notes: &[String],
) -> Result<Connected, RegistryError> {
    let schemes: &[bool] = if conn.plain_http {
        &[true]
    } else if image.is_loopback() {
        &[true, false]
    } else {
        &[false]
    };
    let mut attempts: Vec<(String, RegistryAuth)> = credentials
        .iter()
        .map(|c| {
            (
                c.source.clone(),
                RegistryAuth::Basic(c.username.clone(), c.password.clone()),
            )
        })
        .collect();
    // Anonymous only when nothing matched: like docker, a refused credential is an error
    // even where anonymous pulls would work, so a wrong password never passes silently.
    if attempts.is_empty() {
        attempts.push(("anonymous".to_string(), RegistryAuth::Anonymous));
    }

    let mut last_error = None;
    'schemes: for (i, &http) in schemes.iter().enumerate() {
        let more_schemes = i + 1 < schemes.len();
        let mut tried: Vec<String> = Vec::new();
        for (label, auth) in &attempts {
            let identity = match auth {
                RegistryAuth::Basic(user, password) => Identity::Basic(user, password),
                _ => Identity::Anonymous,
            };
            let client = client_for(conn, http, image.api_host(), identity, || {
                build_client(conn, http)
            })?;
            let result = client
                .pull_manifest_raw(image.as_reference(), auth, &ACCEPTED_MANIFEST_TYPES)
                .await;
            match result {
                Ok((bytes, digest)) => {
                    check_manifest_size(&bytes)?;
                    let unauthenticated = match auth {
                        RegistryAuth::Anonymous => {
                            let host = image.api_host();
                            client_for(conn, http, host, Identity::Unauthenticated, || {
                                build_client(conn, http)
                            })
                            .ok()
                        }
                        _ => None,
                    };
                    return Ok(Connected {
                        session: RemoteSession {
                            client,
                            auth: auth.clone(),
                            unauthenticated,
                            image: image.clone(),
                            received: Arc::new(AtomicU64::new(bytes.len() as u64)),
                        },
                        manifest: bytes.to_vec(),
                        digest,
                    });
                }
                Err(e) => match classify(e, image, "manifest") {
                    Failure::Auth => tried.push(label.clone()),
                    // Wrong scheme (refused, TLS, or a TLS server's 400 to plain HTTP): the
                    // next scheme decides, and its error is the one shown.
                    Failure::Transport(err) if more_schemes => {
                        last_error = Some(err);
                        continue 'schemes;
                    }
                    Failure::Fatal(
                        err @ (RegistryError::Registry { .. } | RegistryError::Network { .. }),
                    ) if more_schemes => {
                        last_error = Some(err);
                        continue 'schemes;
                    }
                    Failure::Transport(err) | Failure::Fatal(err) => return Err(err),
                },
            }
        }
        tried.extend(notes.iter().cloned());
        return Err(RegistryError::Unauthorized {
            registry: image.registry().to_string(),
            image: image.to_string(),
            tried,
        });
    }
    Err(
        last_error.unwrap_or_else(|| RegistryError::ManifestUnknown {
            image: image.to_string(),
        }),
    )
}

fn check_manifest_size(bytes: &[u8]) -> Result<(), RegistryError> {
    if bytes.len() as u64 > MANIFEST_LIMIT {
        return Err(RegistryError::TooLarge {
            what: "manifest".into(),
            size: bytes.len() as u64,
            limit: MANIFEST_LIMIT,
        });
    }
    Ok(())
}

/// Turns oci-client's end-of-stream digest failure into our [`RegistryError::DigestMismatch`]
/// (inside an `InvalidData` io::Error, like the local readers produce).
fn as_digest_mismatch(e: std::io::Error, what: &str) -> std::io::Error {
    let mismatch = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<oci_client::errors::DigestError>())
        .and_then(|d| match d {
            oci_client::errors::DigestError::VerificationError { expected, actual } => {
                Some(RegistryError::DigestMismatch {
                    what: what.to_string(),
                    expected: expected.clone(),
                    actual: actual.clone(),
                })
            }
            _ => None,
        });
    match mismatch {
        Some(m) => std::io::Error::new(std::io::ErrorKind::InvalidData, m),
        None => e,
    }
}

fn descriptor(digest: &str, size: u64, media_type: &str) -> OciDescriptor {
    OciDescriptor {
        media_type: media_type.to_string(),
        digest: digest.to_string(),
        size: i64::try_from(size).unwrap_or(i64::MAX),
        urls: None,
        annotations: None,
        artifact_type: None,
    }
}

impl RemoteSession {
    /// Bytes of manifests, configs and blobs received so far.
    pub(crate) fn bytes_received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Fetches a manifest by digest (oci-client checks the body against it).
    pub(crate) async fn fetch_manifest(&self, digest: &str) -> Result<Vec<u8>, RegistryError> {
        let reference = self.image.with_digest(digest);
        let (bytes, _) = self
            .client
            .pull_manifest_raw(
                reference.as_reference(),
                &self.auth,
                &ACCEPTED_MANIFEST_TYPES,
            )
            .await
            .map_err(|e| self.fatal(e, &format!("manifest {digest}")))?;
        self.received
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        check_manifest_size(&bytes)?;
        Ok(bytes.to_vec())
    }

    fn fatal(&self, e: OciDistributionError, what: &str) -> RegistryError {
        match classify(e, &self.image, what) {
            Failure::Auth => RegistryError::Unauthorized {
                registry: self.image.registry().to_string(),
                image: self.image.to_string(),
                tried: vec!["the credentials that fetched the manifest".into()],
            },
            Failure::Transport(e) | Failure::Fatal(e) => e,
        }
    }

    /// Opens a blob as a byte stream (every byte counted). Callers verify size and digest.
    pub(crate) async fn open_blob(
        &self,
        digest: &str,
        size: u64,
        media_type: &str,
    ) -> Result<Box<dyn AsyncRead + Send + Unpin>, RegistryError> {
        let desc = descriptor(digest, size, media_type);
        let what = format!("blob {digest}");
        let host = self.image.api_host();
        let direct = match &self.unauthenticated {
            Some(client) if !challenged(host) => {
                match client
                    .pull_blob_stream(self.image.as_reference(), &desc)
                    .await
                {
                    Ok(stream) => Some(stream),
                    // The registry does want a token after all: its auth flow gets one,
                    // and later sessions on it start there.
                    Err(e) => match classify(e, &self.image, &what) {
                        Failure::Auth => {
                            mark_challenged(host);
                            None
                        }
                        Failure::Transport(e) | Failure::Fatal(e) => return Err(e),
                    },
                }
            }
            _ => None,
        };
        let stream = match direct {
            Some(stream) => stream,
            None => {
                // Make sure the client has the auth for blob requests even after a token expired.
                self.client.store_auth_if_needed(host, &self.auth).await;
                self.client
                    .pull_blob_stream(self.image.as_reference(), &desc)
                    .await
                    .map_err(|e| self.fatal(e, &what))?
            }
        };
        let counter = Arc::clone(&self.received);
        let counted = stream
            .stream
            .inspect_ok(move |chunk| {
                counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            })
            .map_err(move |e| as_digest_mismatch(e, &what));
        Ok(Box::new(StreamReader::new(counted)))
    }

    /// Reads a whole small blob (a config), refusing more than `limit` bytes.
    pub(crate) async fn read_blob(
        &self,
        digest: &str,
        size: u64,
        media_type: &str,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let reader = self.open_blob(digest, size, media_type).await?;
        let mut buf = Vec::new();
        reader
            .take(limit + 1)
            .read_to_end(&mut buf)
            .await
            .map_err(
                |e| match e.get_ref().and_then(|i| i.downcast_ref::<RegistryError>()) {
                    Some(RegistryError::DigestMismatch {
                        what,
                        expected,
                        actual,
                    }) => RegistryError::DigestMismatch {
                        what: what.clone(),
                        expected: expected.clone(),
                        actual: actual.clone(),
                    },
                    _ => RegistryError::Network {
                        address: self.image.api_host().to_string(),
                        cause: Box::new(e),
                    },
                },
            )?;
        if buf.len() as u64 > limit {
            return Err(RegistryError::TooLarge {
                what: format!("blob {digest}"),
                size: buf.len() as u64,
                limit,
            });
        }
        Ok(buf)
    }
}
