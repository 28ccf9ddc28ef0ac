//! The oci-client `Client`s this process has built, reused by connection settings, scheme,
//! registry and credential. Building one is the costliest step before the first request (it
//! builds two reqwest clients, each loading the system roots), and a namespace-wide run opens
//! many images on the same registry. A client keeps the first credentials it saw for a
//! registry, so the credential is part of the key (as a digest, never the secret itself).

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

fn digest(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    h.finalize().into()
}

/// A client for `host` with these settings and this credential (`None`: anonymous), built
/// by `build` the first time.
pub(super) fn client_for(
    conn: &Connection,
    http: bool,
    host: &str,
    credential: Option<(&str, &str)>,
    build: impl FnOnce() -> Result<Client, RegistryError>,
) -> Result<Client, RegistryError> {
    let key = Key {
        http,
        insecure: conn.insecure_skip_tls_verify,
        ca: conn.ca_pems.iter().map(|(_, pem)| digest(&[pem])).collect(),
        host: host.to_string(),
        auth: match credential {
            Some((user, password)) => digest(&[b"basic", user.as_bytes(), password.as_bytes()]),
            None => digest(&[b"anonymous"]),
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
