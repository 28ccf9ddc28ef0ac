//! The registry module's one error type.
//!
//! Messages are lowercase fragments that read after "failed to" and say what to do next.
//! No message carries a credential: auth failures name the *sources* tried, never their
//! contents. Causes go in `#[source]`; the lead's chain printer shows them.

use std::path::PathBuf;

/// A boxed lower-level cause (HTTP client, JSON, I/O).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while finding and reading image bytes.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The SOURCE argument is malformed.
    #[error("understand source `{input}`: {reason}")]
    BadSource {
        /// The SOURCE as given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The SOURCE looked like a registry reference but is not a valid one.
    #[error("parse source `{input}` as an image reference (a local path must exist)")]
    BadReference {
        /// The SOURCE as given.
        input: String,
        /// The grammar's complaint.
        #[source]
        cause: crate::image::reference::ParseRefError,
    },
    /// A `--platform` style value did not parse.
    #[error("use platform `{input}`")]
    BadPlatform {
        /// The value as given.
        input: String,
        /// The parse error.
        #[source]
        cause: crate::image::platform::ParsePlatformError,
    },
    /// A local file or directory could not be read.
    #[error("read `{}`", path.display())]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        #[source]
        cause: std::io::Error,
    },
    /// Standard input could not be read.
    #[error("read the image from standard input")]
    Stdin {
        /// The OS error.
        #[source]
        cause: std::io::Error,
    },
    /// A local path is none of the formats we read.
    #[error(
        "recognise `{}`: {detail}; expected an OCI layout directory, an oci-archive or \
         docker-archive tar, or an image config JSON", path.display()
    )]
    UnknownFormat {
        /// The path involved (`-` for stdin).
        path: PathBuf,
        /// What it looked like instead.
        detail: String,
    },
    /// A tag or reference was asked for that the layout or archive does not hold.
    #[error(
        "find `{wanted}` in {location} (it holds: {})",
        list_or_none(available)
    )]
    TagNotFound {
        /// The layout, archive or registry searched.
        location: String,
        /// The tag or reference asked for.
        wanted: String,
        /// What it does hold.
        available: Vec<String>,
    },
    /// A layout or archive holds several images and none was named.
    #[error("choose an image in {location}: it holds {}; name one as {hint}", available.join(", "))]
    AmbiguousImage {
        /// The layout or archive.
        location: String,
        /// The image names or tags it holds.
        available: Vec<String>,
        /// How to name one (`oci:DIR:TAG`).
        hint: String,
    },
    /// No index entry matches the wanted platform.
    #[error(
        "find platform {wanted} in the image index of {image}: {}",
        if available.is_empty() {
            "it offers no platform image at all".to_owned()
        } else if *requested {
            format!("it offers only {}", available.join(", "))
        } else {
            format!("it offers {}; pass --platform with one of them", available.join(", "))
        }
    )]
    NoMatchingPlatform {
        /// The image.
        image: String,
        /// The platform asked for (or the default).
        wanted: String,
        /// The platforms the index offers, attestations left out.
        available: Vec<String>,
        /// Whether `wanted` was asked for (`--platform`, a pod's node) rather than the default.
        requested: bool,
    },
    /// A Docker schema 1 manifest, which carries no image config.
    #[error(
        "read the manifest of {image}: it is a Docker schema 1 manifest, which is deprecated and \
         not supported; re-push the image with a current client (docker, skopeo copy)"
    )]
    SchemaV1 {
        /// The image.
        image: String,
    },
    /// A manifest, index or config of a kind we do not read.
    #[error("read {what}: unsupported media type `{media_type}` (not a container image?)")]
    UnsupportedMediaType {
        /// Which document.
        what: String,
        /// The media type found.
        media_type: String,
    },
    /// A manifest, index, config or archive metadata file is not what its format says.
    #[error("parse {what}: {detail}")]
    Malformed {
        /// Which document.
        what: String,
        /// What is wrong.
        detail: String,
        /// The JSON error, when there is one.
        #[source]
        cause: Option<serde_json::Error>,
    },
    /// Content does not hash to the digest that names it.
    #[error("verify {what}: digest mismatch (expected {expected}, got {actual})")]
    DigestMismatch {
        /// Which blob or document.
        what: String,
        /// The digest stated.
        expected: String,
        /// The digest of the bytes received.
        actual: String,
    },
    /// Content is longer or shorter than its descriptor says.
    #[error("verify {what}: size mismatch (expected {expected} bytes, got {actual})")]
    SizeMismatch {
        /// Which blob or document.
        what: String,
        /// The size stated.
        expected: u64,
        /// The bytes received (so far, when too long).
        actual: u64,
    },
    /// A document is larger than we are willing to hold in memory.
    #[error("read {what}: {size} bytes is over the {limit}-byte limit for this kind of document")]
    TooLarge {
        /// Which document.
        what: String,
        /// Its size, as stated or as read so far.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// The registry does not know the tag or digest.
    #[error("find {image} in the registry: manifest unknown (check the tag or digest)")]
    ManifestUnknown {
        /// The image asked for.
        image: String,
    },
    /// The registry does not know the repository.
    #[error("find repository of {image} in the registry: name unknown (check the spelling)")]
    RepositoryUnknown {
        /// The image asked for.
        image: String,
    },
    /// The registry refused every credential we had (and anonymous access).
    #[error(
        "authenticate to {registry} for {image} (tried: {}); log in with `docker login` or \
         `skopeo login`, or give the pod's pull secret",
        tried.join(", ")
    )]
    Unauthorized {
        /// The registry host.
        registry: String,
        /// The image asked for.
        image: String,
        /// The credential sources tried, by name only.
        tried: Vec<String>,
    },
    /// TLS could not be established.
    #[error(
        "establish TLS with {address}; for a private CA pass --ca-file, for a test registry \
         --insecure-skip-tls-verify, for a plain-HTTP registry --plain-http"
    )]
    Tls {
        /// `host:port`.
        address: String,
        /// The TLS error.
        #[source]
        cause: Cause,
    },
    /// Nothing listens at the registry address.
    #[error("connect to {address}: connection refused (is the registry running on that port?)")]
    ConnectionRefused {
        /// `host:port`.
        address: String,
        /// The connect error.
        #[source]
        cause: Cause,
    },
    /// Any other network failure.
    #[error("reach the registry at {address}")]
    Network {
        /// `host:port`.
        address: String,
        /// The HTTP client's error.
        #[source]
        cause: Cause,
    },
    /// The registry answered with an error we do not classify further.
    #[error("fetch {what} from {address}")]
    Registry {
        /// What was fetched.
        what: String,
        /// `host:port`.
        address: String,
        /// The registry client's error.
        #[source]
        cause: Cause,
    },
    /// A CA file could not be read or is not a certificate.
    #[error("load CA certificate `{}`", path.display())]
    CaFile {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        cause: Cause,
    },
    /// A `--ca-file` holds no certificate at all (neither a PEM block nor DER).
    #[error(
        "load CA certificate `{}`: the file holds no PEM certificate (no \
         `-----BEGIN CERTIFICATE-----` block) and is not a DER certificate; pass the \
         certificate of the CA that signed the registry's TLS certificate", path.display()
    )]
    CaNotCertificate {
        /// The file.
        path: PathBuf,
    },
    /// A blob was asked for that this source cannot provide.
    #[error("open layer {digest}: {reason}")]
    BlobUnavailable {
        /// The layer digest.
        digest: String,
        /// Why.
        reason: String,
    },
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items.join(", ")
    }
}

impl RegistryError {
    /// A [`RegistryError::Malformed`] without a JSON cause.
    pub(crate) fn malformed(what: impl Into<String>, detail: impl Into<String>) -> Self {
        RegistryError::Malformed {
            what: what.into(),
            detail: detail.into(),
            cause: None,
        }
    }

    /// A [`RegistryError::Malformed`] caused by invalid JSON.
    pub(crate) fn bad_json(what: impl Into<String>, cause: serde_json::Error) -> Self {
        RegistryError::Malformed {
            what: what.into(),
            detail: "invalid JSON".into(),
            cause: Some(cause),
        }
    }

    /// A [`RegistryError::Io`] for `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        RegistryError::Io {
            path: path.into(),
            cause,
        }
    }
}
