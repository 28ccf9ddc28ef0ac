//! The oci-client `Client`s this process has built, reused by connection settings, scheme,
//! registry and credential. Building one is the costliest step before the first request (it
//! builds two reqwest clients, each loading the system roots), and a namespace-wide run opens
//! many images on the same registry. A client keeps the first credentials it saw for a
//! registry, so the credential is part of the key (as a digest, never the secret itself).
//!
//! Also remembers which registries answered a request without credentials with a challenge
//! (see `RemoteSession::open_blob`), so later sessions go straight to oci-client's auth flow.

use std::sync::Mutex;

use oci_client::Client;
use sha2::{Digest, Sha256};

use super::remote::Connection;
use crate::registry::error::RegistryError;

/// What makes two clients interchangeable.
#[derive(Debug, PartialEq, Eq)]
struct Key {
    http: bool,
    insecure: bool,
    ca: Vec<[u8; 32]>,
    host: String,
    auth: [u8; 32],
}

static BUILT: Mutex<Vec<(Key, Client)>> = Mutex::new(Vec::new());
static CHALLENGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Whose requests a client makes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Identity<'a> {
    /// With these Basic credentials.
    Basic(&'a str, &'a str),
    /// Anonymously, through oci-client's auth flow: it asks `/v2/` for a challenge first.
    Anonymous,
    /// With no auth flow at all: never given to an oci-client call that takes a
    /// `RegistryAuth`, so it sends each request as is (blob requests, see `open_blob`).
    Unauthenticated,
}

/// Remembers that `host` answered a request without credentials with a challenge.
pub(super) fn mark_challenged(host: &str) {
    let mut hosts = CHALLENGED.lock().unwrap_or_else(|e| e.into_inner());
    if !hosts.iter().any(|h| h == host) {
        hosts.push(host.to_string());
    }
}

/// Whether `host` is known to want credentials (or an anonymous token) for every request.
pub(super) fn challenged(host: &str) -> bool {
    let hosts = CHALLENGED.lock().unwrap_or_else(|e| e.into_inner());
    hosts.iter().any(|h| h == host)
}

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// A client for `host` with these settings and this identity, built by `build` the first time.
pub(super) fn client_for(
    conn: &Connection,
    http: bool,
    host: &str,
    identity: Identity<'_>,
    build: impl FnOnce() -> Result<Client, RegistryError>,
) -> Result<Client, RegistryError> {
    let key = Key {
        http,
        insecure: conn.insecure_skip_tls_verify,
        ca: conn.ca_pems.iter().map(|(_, pem)| digest(&[pem])).collect(),
        host: host.to_string(),
        auth: match identity {
            Identity::Basic(user, password) => {
                digest(&[b"basic", user.as_bytes(), password.as_bytes()])
            }
            Identity::Anonymous => digest(&[b"anonymous"]),
            Identity::Unauthenticated => digest(&[b"unauthenticated"]),
        },
    };
    // Held while building, so concurrent images on one registry wait for one build instead
    // of each making their own. A poisoned lock only means another thread panicked while
    // holding it; the list is still consistent (entries are pushed whole).
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, c)) = built.iter().find(|(k, _)| *k == key) {
        return Ok(c.clone());
    }
    let client = build()?;
    built.push((key, client.clone()));
    Ok(client)
}
