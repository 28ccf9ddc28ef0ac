//! Registry credentials: docker config.json, containers auth.json, pull-secret documents and
//! `docker-credential-*` helpers, matched to a registry host the way the docker CLI does.
//!
//! Parsing and host matching are pure ([`lookup_in_document`]); file reads and helper runs
//! happen in [`find_credentials`]. Secrets live only in [`Credential`], whose `Debug` redacts
//! them; nothing here logs, prints or puts a secret into an error. Sources are reported by
//! name so an auth failure can say what was tried.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

use super::cred_helper::run_helper;
use super::credential_files::read_credential_file;

/// A username and password (or token) for one registry, plus where it came from.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// Where it came from, e.g. `docker config /root/.docker/config.json`.
    pub source: String,
    /// The user name (`<token>` for identity tokens handed out by helpers).
    pub username: String,
    /// The password or token.
    pub password: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("source", &self.source)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The environment credential lookup reads, captured once (tests build their own).
#[derive(Debug, Clone, Default)]
pub struct CredentialEnv {
    /// `$DOCKER_CONFIG`, else `$HOME/.docker`.
    pub docker_config_dir: Option<PathBuf>,
    /// `$REGISTRY_AUTH_FILE`.
    pub registry_auth_file: Option<PathBuf>,
    /// `$XDG_RUNTIME_DIR`.
    pub xdg_runtime_dir: Option<PathBuf>,
    /// `$PATH`, searched for `docker-credential-NAME`.
    pub path: Option<OsString>,
    /// How long a helper may run; `None` means 10 seconds.
    pub helper_timeout: Option<Duration>,
}

impl CredentialEnv {
    /// Reads the variables from this process's environment.
    pub fn from_process() -> Self {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        CredentialEnv {
            docker_config_dir: var("DOCKER_CONFIG")
                .map(PathBuf::from)
                .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".docker"))),
            registry_auth_file: var("REGISTRY_AUTH_FILE").map(PathBuf::from),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR").map(PathBuf::from),
            path: var("PATH"),
            helper_timeout: None,
        }
    }
}

/// What a lookup found: usable credentials in the order to try them, and every source looked
/// at (by name, with a short note when it gave nothing usable).
#[derive(Debug, Default)]
pub struct CredentialSet {
    /// Credentials to try, best first, duplicates removed.
    pub credentials: Vec<Credential>,
    /// Notes about sources that matched but gave nothing (helper failed, identity token).
    pub notes: Vec<String>,
    /// Files that exist but could not be used (not JSON, unreadable), each said once per
    /// process.
    pub warnings: Vec<String>,
}

/// What one document says for a host.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A user and password in the document itself.
    Basic(String, String),
    /// Ask this credential helper (`docker-credential-NAME`) for `server`.
    Helper {
        /// The helper name.
        name: String,
        /// The server string to hand it.
        server: String,
    },
    /// Only an identity token, which needs an OAuth2 refresh flow we do not have.
    IdentityTokenOnly,
    /// Nothing for this host.
    Nothing,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

#[derive(Deserialize, Default, Clone)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
}

/// Docker Hub's aliases all mean `docker.io`.
fn canonical_host(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".into()
        }
        _ => host,
    }
}

/// Splits a config key (`https://host:port/v1/`, `host/org/repo`) into host and path.
fn split_key(key: &str) -> (String, String) {
    let rest = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    (canonical_host(host), path.trim_end_matches('/').to_string())
}

/// The server string docker hands helpers: Docker Hub's legacy URL, else the host.
fn helper_server(registry: &str) -> String {
    if canonical_host(registry) == "docker.io" {
        "https://index.docker.io/v1/".into()
    } else {
        registry.to_string()
    }
}

/// Parses a config.json / auth.json / `.dockerconfigjson` document, or a legacy `.dockercfg`
/// map (no `auths` wrapper).
fn parse_config(bytes: &[u8]) -> Option<ConfigFile> {
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    let obj = value.as_object()?;
    let known = ["auths", "credsStore", "credHelpers"];
    if obj.keys().any(|k| known.contains(&k.as_str())) || obj.is_empty() {
        return serde_json::from_value(value).ok();
    }
    // Legacy .dockercfg: {"host": {"auth": …}}; ignore unrelated documents.
    let looks_legacy = obj
        .values()
        .all(|v| v.get("auth").is_some() || v.get("username").is_some());
    if !looks_legacy {
        return None;
    }
    let auths = serde_json::from_value(value).ok()?;
    Some(ConfigFile {
        auths,
        ..ConfigFile::default()
    })
}

/// What the document at hand says for `registry` (as written in the reference, e.g.
/// `docker.io`, `127.0.0.1:5000`) and `repository` (for path-scoped auth.json keys).
/// Order as in the docker CLI: `credHelpers`, then `auths`, then `credsStore`.
pub fn lookup_in_document(bytes: &[u8], registry: &str, repository: &str) -> Lookup {
    let Some(config) = parse_config(bytes) else {
        return Lookup::Nothing;
    };
    let host = canonical_host(registry);
    if let Some((_, name)) = config
        .cred_helpers
        .iter()
        .find(|(k, _)| split_key(k).0 == host)
    {
        return Lookup::Helper {
            name: name.clone(),
            server: helper_server(registry),
        };
    }
    // The most specific key wins: `host/org/repo` over `host/org` over `host`.
    let best = config
        .auths
        .iter()
        .filter_map(|(k, entry)| {
            let (key_host, path) = split_key(k);
            let applies = key_host == host
                && (path.is_empty()
                    || k.starts_with("http")
                    || repository == path
                    || repository.starts_with(&format!("{path}/")));
            applies.then_some((if k.starts_with("http") { 0 } else { path.len() }, entry))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, e)| e.clone());
    if let Some(entry) = best {
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty())
            && let Some((u, p)) = decode_auth(auth)
        {
            return Lookup::Basic(u, p);
        }
        if let (Some(u), Some(p)) = (entry.username, entry.password)
            && !u.is_empty()
        {
            return Lookup::Basic(u, p);
        }
        if entry.identitytoken.is_some() {
            return Lookup::IdentityTokenOnly;
        }
    }
    match config.creds_store.filter(|s| !s.is_empty()) {
        Some(name) => Lookup::Helper {
            name,
            server: helper_server(registry),
        },
        None => Lookup::Nothing,
    }
}

fn decode_auth(auth: &str) -> Option<(String, String)> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let decoded = engine.decode(auth.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_string(), p.to_string()))
}

/// Collects credentials for `registry`/`repository`: the caller's documents first (pull
/// secrets, each labelled by the caller, e.g. `pull secret regcred`), then the docker config,
/// then the containers auth.json.
pub async fn find_credentials(
    registry: &str,
    repository: &str,
    extra_docs: &[(String, Vec<u8>)],
    env: &CredentialEnv,
) -> CredentialSet {
    let mut docs: Vec<(String, Vec<u8>)> = extra_docs.to_vec();
    let mut set = CredentialSet::default();
    let containers = env.registry_auth_file.clone().or_else(|| {
        env.xdg_runtime_dir
            .as_ref()
            .map(|d| d.join("containers").join("auth.json"))
    });
    let files = [
        env.docker_config_dir
            .as_ref()
            .map(|d| ("docker config", d.join("config.json"))),
        containers.map(|p| ("containers auth", p)),
    ];
    for (label, path) in files.into_iter().flatten() {
        let read = read_credential_file(&path, label).await;
        set.warnings.extend(read.warning);
        if let Some(bytes) = read.bytes {
            docs.push((format!("{label} {}", path.display()), bytes));
        }
    }
    for (source, bytes) in docs {
        let (username, password, source) = match lookup_in_document(&bytes, registry, repository) {
            Lookup::Nothing => continue,
            Lookup::IdentityTokenOnly => {
                set.notes
                    .push(format!("{source} (identity token, unsupported)"));
                continue;
            }
            Lookup::Basic(u, p) => (u, p, source),
            Lookup::Helper { name, server } => match run_helper(&name, &server, env).await {
                Ok((u, p)) => (u, p, format!("{source} via docker-credential-{name}")),
                Err(reason) => {
                    set.notes.push(format!("{source} ({reason})"));
                    continue;
                }
            },
        };
        let duplicate = set
            .credentials
            .iter()
            .any(|c| c.username == username && c.password == password);
        if !duplicate {
            set.credentials.push(Credential {
                source,
                username,
                password,
            });
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn auths_match_by_host_with_scheme_and_path_stripped() {
        let doc = format!(
            r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{}"}},"127.0.0.1:5000":{{"auth":"{}"}}}}}}"#,
            b64("hub:pw"),
            b64("u:p:with:colons")
        );
        assert_eq!(
            lookup_in_document(doc.as_bytes(), "docker.io", "library/alpine"),
            Lookup::Basic("hub".into(), "pw".into())
        );
        assert_eq!(
            lookup_in_document(doc.as_bytes(), "127.0.0.1:5000", "app"),
            Lookup::Basic("u".into(), "p:with:colons".into())
        );
        assert_eq!(
            lookup_in_document(doc.as_bytes(), "127.0.0.1:5001", "app"),
            Lookup::Nothing
        );
    }

    #[test]
    fn helpers_win_over_auths_and_creds_store_is_the_fallback() {
        let doc = format!(
            r#"{{"auths":{{"gcr.io":{{"auth":"{}"}},"quay.io":{{}}}},"credHelpers":{{"gcr.io":"gcloud"}},"credsStore":"desktop"}}"#,
            b64("a:b")
        );
        assert_eq!(
            lookup_in_document(doc.as_bytes(), "gcr.io", "p/x"),
            Lookup::Helper {
                name: "gcloud".into(),
                server: "gcr.io".into()
            }
        );
        assert_eq!(
            lookup_in_document(doc.as_bytes(), "docker.io", "library/x"),
            Lookup::Helper {
                name: "desktop".into(),
                server: "https://index.docker.io/v1/".into()
            }
        );
    }

    #[test]
    fn username_password_fields_identity_tokens_and_path_scoped_keys() {
        let doc = r#"{"auths":{
            "reg.example":{"username":"plain","password":"pw"},
            "reg.example/team":{"username":"team","password":"tpw"},
            "tok.example":{"identitytoken":"xyz"}}}"#;
        assert_eq!(
            lookup_in_document(doc.as_bytes(), "reg.example", "team/app"),
            Lookup::Basic("team".into(), "tpw".into())
        );
        assert_eq!(
            lookup_in_document(doc.as_bytes(), "reg.example", "other/app"),
            Lookup::Basic("plain".into(), "pw".into())
        );
        assert_eq!(
            lookup_in_document(doc.as_bytes(), "tok.example", "a"),
            Lookup::IdentityTokenOnly
        );
    }

    #[test]
    fn legacy_dockercfg_maps_are_read_and_junk_is_ignored() {
        let legacy = format!(r#"{{"reg.example":{{"auth":"{}"}}}}"#, b64("old:pw"));
        assert_eq!(
            lookup_in_document(legacy.as_bytes(), "reg.example", "a"),
            Lookup::Basic("old".into(), "pw".into())
        );
        assert_eq!(
            lookup_in_document(b"not json", "reg.example", "a"),
            Lookup::Nothing
        );
        assert_eq!(
            lookup_in_document(br#"{"x":1}"#, "reg.example", "a"),
            Lookup::Nothing
        );
    }

    #[test]
    fn debug_output_redacts_the_password() {
        let c = Credential {
            source: "s".into(),
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
