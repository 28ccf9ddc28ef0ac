//! The system's root certificates, read once per process and handed to every registry
//! client (Linux only).
//!
//! reqwest's default verifier (rustls-platform-verifier) reads the whole system store each
//! time a client is built, about 150 files on Debian; a namespace-wide run or an anonymous
//! pull (which uses two clients, see `remote.rs`) builds several. On Linux that verifier is
//! the system store plus webpki, so giving each client the same roots as `tls_certs_only`
//! verifies the same way. Elsewhere the platform verifier asks the OS (policies,
//! revocation), so it stays.

use std::sync::OnceLock;

use oci_client::client::Certificate;

/// The roots to give a client as its only ones; empty means "use reqwest's default
/// verifier" (other systems, or a system store that yielded nothing).
pub(super) fn system_roots() -> &'static [Certificate] {
    static ROOTS: OnceLock<Vec<Certificate>> = OnceLock::new();
    ROOTS.get_or_init(load)
}

#[cfg(target_os = "linux")]
fn load() -> Vec<Certificate> {
    use oci_client::client::CertificateEncoding;
    // Unreadable files are skipped, as the platform verifier does; SSL_CERT_FILE and
    // SSL_CERT_DIR are honoured the same way.
    rustls_native_certs::load_native_certs()
        .certs
        .into_iter()
        .map(|der| Certificate {
            encoding: CertificateEncoding::Der,
            data: der.to_vec(),
        })
        .collect()
}

#[cfg(not(target_os = "linux"))]
fn load() -> Vec<Certificate> {
    Vec::new()
}
