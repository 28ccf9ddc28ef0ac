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
