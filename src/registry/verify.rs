//! Digest and size checks: for whole documents and, as a reader wrapper, for streamed blobs.
//!
//! Owns the digest grammar (`sha256:<64 hex>`, `sha512:<128 hex>`), which also guards every
//! path built from a digest (`blobs/<alg>/<hex>`). Never reads files or sockets itself.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use sha2::{Digest as _, Sha256, Sha512};
use tokio::io::{AsyncRead, ReadBuf};

use super::error::RegistryError;

/// A digest split into algorithm and lowercase hex, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParsedDigest<'a> {
    /// `sha256` or `sha512`.
    pub(crate) algorithm: &'a str,
    /// The hex part.
    pub(crate) hex: &'a str,
}

/// Parses `alg:hex`, accepting only sha256 and sha512 with lowercase hex of the right length.
pub(crate) fn parse_digest(digest: &str) -> Option<ParsedDigest<'_>> {
    let (algorithm, hex) = digest.split_once(':')?;
    let len = match algorithm {
        "sha256" => 64,
        "sha512" => 128,
        _ => return None,
    };
    let ok = hex.len() == len && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    ok.then_some(ParsedDigest { algorithm, hex })
}

/// Validates a digest string from a manifest, naming the document on failure.
pub(crate) fn check_digest_syntax(what: &str, digest: &str) -> Result<(), RegistryError> {
    match parse_digest(digest) {
        Some(_) => Ok(()),
        None => Err(RegistryError::malformed(
            what,
            format!("`{digest}` is not a sha256 or sha512 digest"),
        )),
    }
}

/// The sha256 digest of `bytes`, as `sha256:<hex>`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A running hash of the algorithm a digest names.
pub(crate) enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    /// A hasher for the algorithm of `digest` (which must have been parsed already).
    pub(crate) fn for_digest(digest: &ParsedDigest<'_>) -> Hasher {
        match digest.algorithm {
            "sha512" => Hasher::Sha512(Sha512::new()),
            _ => Hasher::Sha256(Sha256::new()),
        }
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// `alg:hex` of everything fed so far.
    pub(crate) fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => format!("sha256:{}", hex::encode(h.finalize())),
            Hasher::Sha512(h) => format!("sha512:{}", hex::encode(h.finalize())),
        }
    }
}

/// Checks that `bytes` hash to `expected` and, when given, have `size` bytes.
pub(crate) fn verify_bytes(
    what: &str,
    bytes: &[u8],
    expected: &str,
    size: Option<u64>,
) -> Result<(), RegistryError> {
    let parsed = parse_digest(expected).ok_or_else(|| {
        RegistryError::malformed(
            what,
            format!("`{expected}` is not a sha256 or sha512 digest"),
        )
    })?;
    if let Some(size) = size
        && size != bytes.len() as u64
    {
        return Err(RegistryError::SizeMismatch {
            what: what.to_string(),
            expected: size,
            actual: bytes.len() as u64,
        });
    }
    let mut hasher = Hasher::for_digest(&parsed);
    hasher.update(bytes);
    let actual = hasher.finish();
    if actual != expected {
        return Err(RegistryError::DigestMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}

/// Wraps a blob reader: hashes every byte and fails at EOF (or as soon as the blob runs long)
/// when the size or digest differ from the descriptor. The error is an `io::Error` of kind
/// `InvalidData` whose inner error is the [`RegistryError`] (downcast to classify it).
pub struct VerifyingReader<R> {
    inner: R,
    what: String,
    expected_digest: String,
    expected_size: u64,
    seen: u64,
    hasher: Option<Hasher>,
}

impl<R> VerifyingReader<R> {
    /// Verifies `inner` against `digest` and `size`; `digest` must be well-formed.
    pub(crate) fn new(
        inner: R,
        what: String,
        digest: &str,
        size: u64,
    ) -> Result<Self, RegistryError> {
        let parsed = parse_digest(digest).ok_or_else(|| {
            RegistryError::malformed(
                &what,
                format!("`{digest}` is not a sha256 or sha512 digest"),
            )
        })?;
        Ok(VerifyingReader {
            hasher: Some(Hasher::for_digest(&parsed)),
            inner,
            what,
            expected_digest: digest.to_string(),
            expected_size: size,
            seen: 0,
        })
    }

    fn fail(&self, err: RegistryError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, err)
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for VerifyingReader<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Ready(Ok(())) => {
                let fresh = &buf.filled()[before..];
                if fresh.is_empty() {
                    // EOF: the whole blob has passed (or the body was short).
                    let Some(hasher) = this.hasher.take() else {
                        return Poll::Ready(Ok(()));
                    };
                    if this.seen != this.expected_size {
                        let err = RegistryError::SizeMismatch {
                            what: this.what.clone(),
                            expected: this.expected_size,
                            actual: this.seen,
                        };
                        return Poll::Ready(Err(this.fail(err)));
                    }
                    let actual = hasher.finish();
                    if actual != this.expected_digest {
                        let err = RegistryError::DigestMismatch {
                            what: this.what.clone(),
                            expected: this.expected_digest.clone(),
                            actual,
                        };
                        return Poll::Ready(Err(this.fail(err)));
                    }
                    return Poll::Ready(Ok(()));
                }
                this.seen += fresh.len() as u64;
                if this.seen > this.expected_size {
                    // Hand out nothing of a blob that runs long.
                    buf.set_filled(before);
                    let err = RegistryError::SizeMismatch {
                        what: this.what.clone(),
                        expected: this.expected_size,
                        actual: this.seen,
                    };
                    return Poll::Ready(Err(this.fail(err)));
                }
                if let Some(h) = this.hasher.as_mut() {
                    h.update(fresh);
                }
                Poll::Ready(Ok(()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn digest_syntax_is_strict() {
        let good = format!("sha256:{}", "0".repeat(64));
        assert!(parse_digest(&good).is_some());
        assert!(parse_digest(&format!("sha512:{}", "f".repeat(128))).is_some());
        for bad in [
            "sha256:abc".to_string(),
            format!("sha256:{}", "A".repeat(64)),
            format!("md5:{}", "0".repeat(32)),
            format!("sha256:../../{}", "0".repeat(58)),
            "nocolon".to_string(),
        ] {
            assert!(parse_digest(&bad).is_none(), "{bad} accepted");
        }
    }

    #[test]
    fn verify_bytes_accepts_matching_and_rejects_corrupt_content() {
        let body = b"{\"architecture\":\"amd64\"}";
        let digest = sha256_digest(body);
        verify_bytes("config", body, &digest, Some(body.len() as u64)).unwrap();
        let mut corrupt = body.to_vec();
        corrupt[3] ^= 1;
        let err = verify_bytes("config", &corrupt, &digest, None).unwrap_err();
        assert!(
            matches!(err, RegistryError::DigestMismatch { .. }),
            "{err:?}"
        );
        let err = verify_bytes("config", body, &digest, Some(3)).unwrap_err();
        assert!(matches!(err, RegistryError::SizeMismatch { .. }), "{err:?}");
    }

    async fn read_all(data: &[u8], digest: &str, size: u64) -> io::Result<Vec<u8>> {
        let mut r = VerifyingReader::new(data, "layer".into(), digest, size).unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).await?;
        Ok(out)
    }

    fn inner_error(e: &io::Error) -> &RegistryError {
        e.get_ref()
            .and_then(|e| e.downcast_ref::<RegistryError>())
            .unwrap()
    }

    #[tokio::test]
    async fn verifying_reader_passes_intact_blobs_through() {
        let data = vec![7u8; 100_000];
        let digest = sha256_digest(&data);
        assert_eq!(
            read_all(&data, &digest, data.len() as u64).await.unwrap(),
            data
        );
    }

    #[tokio::test]
    async fn verifying_reader_fails_on_short_long_and_corrupt_bodies() {
        let data = vec![7u8; 1000];
        let digest = sha256_digest(&data);
        let short = read_all(&data[..999], &digest, 1000).await.unwrap_err();
        assert!(matches!(
            inner_error(&short),
            RegistryError::SizeMismatch { actual: 999, .. }
        ));
        let mut long = data.clone();
        long.push(1);
        let long = read_all(&long, &digest, 1000).await.unwrap_err();
        assert!(matches!(
            inner_error(&long),
            RegistryError::SizeMismatch { .. }
        ));
        let mut corrupt = data.clone();
        corrupt[500] = 8;
        let corrupt = read_all(&corrupt, &digest, 1000).await.unwrap_err();
        assert!(matches!(
            inner_error(&corrupt),
            RegistryError::DigestMismatch { .. }
        ));
    }
}
