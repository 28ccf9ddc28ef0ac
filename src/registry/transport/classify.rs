//! Turning oci-client's errors into [`RegistryError`]s a user can act on, and into the
//! retry decisions of `remote.rs` (next credential, next scheme, or stop).
//!
//! Pure over error values: it inspects error chains (downcasting to rustls and io errors,
//! never matching message text) and performs no I/O.

use oci_client::errors::{OciDistributionError, OciErrorCode};

use crate::image::reference::ImageRef;
use crate::registry::error::RegistryError;

/// What went wrong with one request, for the retry policy.
pub(crate) enum Failure {
    /// The registry refused these credentials.
    Auth,
    /// The connection itself failed (TLS, refused, unreachable): another scheme may work.
    Transport(RegistryError),
    /// Anything else: stop.
    Fatal(RegistryError),
}

/// Looks through an error chain (and inside `io::Error` wrappers, whose `source()` skips the
/// wrapped error) for a rustls error or a refused connection: `(tls, refused)`.
fn walk_io(e: &(dyn std::error::Error + 'static)) -> (bool, bool) {
    let (mut tls, mut refused) = (false, false);
    let mut stack: Vec<&(dyn std::error::Error + 'static)> = vec![e];
    let mut steps = 0;
    while let Some(err) = stack.pop() {
        steps += 1;
        if steps > 64 {
            break;
        }
        if err.downcast_ref::<rustls::Error>().is_some() {
            tls = true;
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                refused = true;
            }
            if let Some(inner) = io.get_ref() {
                stack.push(inner);
            }
        }
        if let Some(next) = err.source() {
            stack.push(next);
        }
    }
    (tls, refused)
}

pub(crate) fn classify(err: OciDistributionError, image: &ImageRef, what: &str) -> Failure {
    let address = image.api_host().to_string();
    match err {
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => Failure::Auth,
        OciDistributionError::RegistryError { ref envelope, .. } => {
            let codes: Vec<&OciErrorCode> = envelope.errors.iter().map(|e| &e.code).collect();
            if codes
                .iter()
                .any(|c| matches!(c, OciErrorCode::Unauthorized | OciErrorCode::Denied))
            {
                Failure::Auth
            } else if codes
                .iter()
                .any(|c| matches!(c, OciErrorCode::ManifestUnknown))
            {
                Failure::Fatal(RegistryError::ManifestUnknown {
                    image: image.to_string(),
                })
            } else if codes.iter().any(|c| matches!(c, OciErrorCode::NameUnknown)) {
                Failure::Fatal(RegistryError::RepositoryUnknown {
                    image: image.to_string(),
                })
            } else {
                Failure::Fatal(RegistryError::Registry {
                    what: what.to_string(),
                    address,
                    cause: Box::new(err),
                })
            }
        }
        OciDistributionError::ServerError { code: 404, .. } => {
            Failure::Fatal(RegistryError::ManifestUnknown {
                image: image.to_string(),
            })
        }
        OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError {
            expected,
            actual,
        }) => Failure::Fatal(RegistryError::DigestMismatch {
            what: what.to_string(),
            expected,
            actual,
        }),
        OciDistributionError::RequestError(e) => {
            let (tls, refused) = walk_io(&e);
            if tls {
                Failure::Transport(RegistryError::Tls {
                    address,
                    cause: Box::new(e),
                })
            } else if refused {
                Failure::Transport(RegistryError::ConnectionRefused {
                    address,
                    cause: Box::new(e),
                })
            } else if e.is_connect() || e.is_timeout() || e.is_request() {
                Failure::Transport(RegistryError::Network {
                    address,
                    cause: Box::new(e),
                })
            } else {
                Failure::Fatal(RegistryError::Network {
                    address,
                    cause: Box::new(e),
                })
            }
        }
        other => Failure::Fatal(RegistryError::Registry {
            what: what.to_string(),
            address,
            cause: Box::new(other),
        }),
    }
}

#[cfg(test)]
mod tests {
    use oci_client::errors::{OciEnvelope, OciError};

    use super::*;

    fn image() -> ImageRef {
        "127.0.0.1:5000/app:1".parse().unwrap()
    }

    fn envelope(code: OciErrorCode) -> OciDistributionError {
        OciDistributionError::RegistryError {
            envelope: OciEnvelope {
                errors: vec![OciError {
                    code,
                    message: "m".into(),
                    detail: serde_json::Value::Null,
                }],
            },
            url: "http://127.0.0.1:5000/v2/app/manifests/1".into(),
        }
    }

    #[test]
    fn registry_error_codes_map_to_actionable_errors() {
        assert!(matches!(
            classify(
                envelope(OciErrorCode::ManifestUnknown),
                &image(),
                "manifest"
            ),
            Failure::Fatal(RegistryError::ManifestUnknown { .. })
        ));
        assert!(matches!(
            classify(envelope(OciErrorCode::NameUnknown), &image(), "manifest"),
            Failure::Fatal(RegistryError::RepositoryUnknown { .. })
        ));
        assert!(matches!(
            classify(envelope(OciErrorCode::Denied), &image(), "manifest"),
            Failure::Auth
        ));
        let unauthorized = OciDistributionError::UnauthorizedError { url: "u".into() };
        assert!(matches!(
            classify(unauthorized, &image(), "manifest"),
            Failure::Auth
        ));
    }

    #[test]
    fn digest_failures_and_plain_404s_are_classified() {
        let digest =
            OciDistributionError::DigestError(oci_client::errors::DigestError::VerificationError {
                expected: "sha256:aa".into(),
                actual: "sha256:bb".into(),
            });
        assert!(matches!(
            classify(digest, &image(), "manifest"),
            Failure::Fatal(RegistryError::DigestMismatch { .. })
        ));
        let not_found = OciDistributionError::ServerError {
            code: 404,
            url: "u".into(),
            message: "404 page not found".into(),
        };
        assert!(matches!(
            classify(not_found, &image(), "manifest"),
            Failure::Fatal(RegistryError::ManifestUnknown { .. })
        ));
    }

    #[test]
    fn tls_and_refused_errors_are_found_inside_io_wrappers() {
        let tls = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        ));
        assert_eq!(walk_io(&tls), (true, false));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(walk_io(&refused), (false, true));
        let plain = std::io::Error::other("x");
        assert_eq!(walk_io(&plain), (false, false));
    }
}
