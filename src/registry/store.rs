//! Where an opened image's documents and blobs are read from: a registry session, an OCI
//! layout directory, a tar archive read by offset, or nothing (a raw config).
//!
//! Owns "give me the bytes of digest D": whole reads are capped and verified, streamed reads
//! are wrapped in [`VerifyingReader`]. It does not decide which digest to read.

use std::collections::HashMap;
use std::io::SeekFrom;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, ReadBuf};

use super::error::RegistryError;
use super::tar_index::TarIndex;
use super::transport::remote::RemoteSession;
use super::verify::{VerifyingReader, parse_digest, verify_bytes};

/// A blob stream whose size and digest are checked as it is read: a mismatch (or a short
/// body) is an `InvalidData` error at EOF carrying a [`RegistryError`].
pub struct BlobReader {
    inner: VerifyingReader<Box<dyn AsyncRead + Send + Unpin>>,
}

impl std::fmt::Debug for BlobReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobReader").finish_non_exhaustive()
    }
}

impl AsyncRead for BlobReader {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

/// The backing store of an opened image.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    /// A registry session.
    Remote(Arc<RemoteSession>),
    /// An OCI layout directory (`blobs/<alg>/<hex>` under `root`).
    Dir { root: PathBuf },
    /// A tar file; `prefix` is the layout root inside it (`""` at top level); `named` maps
    /// digests to member names for docker-archive files not stored under `blobs/`.
    Tar {
        index: Arc<TarIndex>,
        prefix: String,
        named: Arc<HashMap<String, String>>,
    },
    /// No blobs at all (a raw config).
    Empty,
}

impl Store {
    /// Bytes received from a registry; 0 for local stores.
    pub(crate) fn bytes_received(&self) -> u64 {
        match self {
            Store::Remote(s) => s.bytes_received(),
            _ => 0,
        }
    }

    fn blob_path(digest: &str) -> Result<String, RegistryError> {
        let d = parse_digest(digest).ok_or_else(|| {
            RegistryError::malformed("descriptor", format!("bad digest `{digest}`"))
        })?;
        Ok(format!("blobs/{}/{}", d.algorithm, d.hex))
    }

    fn member_name(
        prefix: &str,
        named: &HashMap<String, String>,
        digest: &str,
    ) -> Result<String, RegistryError> {
        if let Some(name) = named.get(digest) {
            return Ok(name.clone());
        }
        Ok(format!("{prefix}{}", Store::blob_path(digest)?))
    }

    /// Reads a whole document (manifest, index, config) named by digest, capped at `limit`,
    /// and checks digest and size. `is_manifest` selects the registry's manifest endpoint.
    pub(crate) async fn read_verified(
        &self,
        what: &str,
        digest: &str,
        size: u64,
        media_type: &str,
        limit: u64,
        is_manifest: bool,
    ) -> Result<Vec<u8>, RegistryError> {
        if size > limit {
            return Err(RegistryError::TooLarge {
                what: what.to_string(),
                size,
                limit,
            });
        }
        let bytes = match self {
            Store::Remote(s) if is_manifest => s.fetch_manifest(digest).await?,
            Store::Remote(s) => s.read_blob(digest, size, media_type, limit).await?,
            Store::Dir { root } => {
                let path = root.join(Store::blob_path(digest)?);
                read_file_capped(&path, what, limit).await?
            }
            Store::Tar {
                index,
                prefix,
                named,
            } => {
                let name = Store::member_name(prefix, named, digest)?;
                let index = Arc::clone(index);
                let what_owned = what.to_string();
                tokio::task::spawn_blocking(move || index.read_member(&name, &what_owned, limit))
                    .await
                    .map_err(|e| RegistryError::io(PathBuf::new(), std::io::Error::other(e)))??
            }
            Store::Empty => {
                return Err(RegistryError::BlobUnavailable {
                    digest: digest.to_string(),
                    reason: "this source has no blobs".into(),
                });
            }
        };
        verify_bytes(what, &bytes, digest, Some(size))?;
        Ok(bytes)
    }

    /// Reads a named file of a local layout or archive (`index.json`, `manifest.json`).
    /// `Ok(None)` when it does not exist.
    pub(crate) async fn read_named(
        &self,
        name: &str,
        what: &str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, RegistryError> {
        match self {
            Store::Dir { root } => {
                let path = root.join(name);
                match tokio::fs::metadata(&path).await {
                    Ok(m) if m.is_file() => Ok(Some(read_file_capped(&path, what, limit).await?)),
                    Ok(_) => Ok(None),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(RegistryError::io(&path, e)),
                }
            }
            Store::Tar { index, prefix, .. } => {
                let name = format!("{prefix}{name}");
                if !index.contains(&name) {
                    return Ok(None);
                }
                let index = Arc::clone(index);
                let what = what.to_string();
                tokio::task::spawn_blocking(move || index.read_member(&name, &what, limit))
                    .await
                    .map_err(|e| RegistryError::io(PathBuf::new(), std::io::Error::other(e)))?
                    .map(Some)
            }
            Store::Remote(_) | Store::Empty => Ok(None),
        }
    }

    /// Size of a member of a tar store, links followed (`None` elsewhere or when absent).
    pub(crate) fn member_size(&self, name: &str) -> Option<u64> {
        match self {
            Store::Tar { index, prefix, .. } => {
                index.locate(&format!("{prefix}{name}")).map(|(_, s)| s)
            }
            _ => None,
        }
    }

    /// Opens a layer blob as a verified stream.
    pub(crate) async fn open_blob(
        &self,
        digest: &str,
        size: u64,
        media_type: &str,
    ) -> Result<BlobReader, RegistryError> {
        let what = format!("layer {digest}");
        let inner: Box<dyn AsyncRead + Send + Unpin> = match self {
            Store::Remote(s) => s.open_blob(digest, size, media_type).await?,
            Store::Dir { root } => {
                let path = root.join(Store::blob_path(digest)?);
                let file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| RegistryError::io(&path, e))?;
                // One byte more than stated, so an over-long file is caught.
                Box::new(file.take(size.saturating_add(1)))
            }
            Store::Tar {
                index,
                prefix,
                named,
            } => {
                let name = Store::member_name(prefix, named, digest)?;
                let (offset, member_size) =
                    index
                        .locate(&name)
                        .ok_or_else(|| RegistryError::BlobUnavailable {
                            digest: digest.to_string(),
                            reason: format!("`{name}` is not in `{}`", index.path().display()),
                        })?;
                let path = index.path().to_path_buf();
                let mut file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| RegistryError::io(&path, e))?;
                file.seek(SeekFrom::Start(offset))
                    .await
                    .map_err(|e| RegistryError::io(&path, e))?;
                Box::new(file.take(member_size))
            }
            Store::Empty => {
                return Err(RegistryError::BlobUnavailable {
                    digest: digest.to_string(),
                    reason: "a raw image config has no layers".into(),
                });
            }
        };
        Ok(BlobReader {
            inner: VerifyingReader::new(inner, what, digest, size)?,
        })
    }
}

/// Reads a local file, refusing one larger than `limit`.
pub(crate) async fn read_file_capped(
    path: &std::path::Path,
    what: &str,
    limit: u64,
) -> Result<Vec<u8>, RegistryError> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| RegistryError::io(path, e))?;
    let mut buf = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .await
        .map_err(|e| RegistryError::io(path, e))?;
    if buf.len() as u64 > limit {
        return Err(RegistryError::TooLarge {
            what: what.to_string(),
            size: buf.len() as u64,
            limit,
        });
    }
    Ok(buf)
}
