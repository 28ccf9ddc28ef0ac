//! Connecting like kubectl: which kubeconfig files, which context, which namespace, and the
//! proxy rules, where kube-rs differs from client-go in ways kubectl users would notice.
//!
//! Differences fixed here (see shared reference libraries.md §5): files listed in `KUBECONFIG`
//! that do not exist are skipped instead of failing (when none exists and this is not a pod,
//! the error names the missing file); in-cluster config is used only when no kubeconfig
//! exists (so a broken kubeconfig reports its own error); `NO_PROXY` and loopback are applied
//! to the cluster host itself.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::ClusterError;

/// kubectl's connection flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectOptions {
    /// `--kubeconfig`: one file that replaces `KUBECONFIG`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
    /// `-n`.
    pub namespace: Option<String>,
}

/// A ready client and the namespace commands default to.
#[derive(Clone)]
pub struct Connection {
    /// The client.
    pub client: kube::Client,
    /// `-n`, else the context's namespace, else `default`.
    pub namespace: String,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// Which kubeconfig files to read, in merge order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KubeconfigFiles {
    /// These files, merged first-wins like client-go.
    Files(Vec<PathBuf>),
    /// `KUBECONFIG` is set but names only files that do not exist: try the in-cluster
    /// service account (as client-go does), else say which files are missing.
    Missing(Vec<PathBuf>),
    /// No file exists: try the in-cluster service account.
    None,
}

/// Decides the kubeconfig files like kubectl: `--kubeconfig` alone, else every existing
/// entry of `KUBECONFIG`, else `~/.kube/config` when it exists.
pub fn kubeconfig_files(
    explicit: Option<&Path>,
    env: Option<OsString>,
    home: Option<PathBuf>,
    exists: impl Fn(&Path) -> bool,
) -> KubeconfigFiles {
    if let Some(path) = explicit {
        // kubectl fails on a missing explicit file; reading it reports that.
        return KubeconfigFiles::Files(vec![path.to_owned()]);
    }
    if let Some(value) = env.filter(|v| !v.is_empty()) {
        let named: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        let files: Vec<PathBuf> = named.iter().filter(|p| exists(p)).cloned().collect();
        return match (files.is_empty(), named.is_empty()) {
            (false, _) => KubeconfigFiles::Files(files),
            (true, false) => KubeconfigFiles::Missing(named),
            (true, true) => KubeconfigFiles::None,
        };
    }
    match home.map(|h| h.join(".kube").join("config")) {
        Some(path) if exists(&path) => KubeconfigFiles::Files(vec![path]),
        _ => KubeconfigFiles::None,
    }
}

/// Whether a request to `host` must bypass the proxy: loopback always (as Go's proxy rules
/// say), and every host matched by a `NO_PROXY` entry (exact, domain suffix with or without a
/// leading dot, `*`).
pub fn bypasses_proxy(host: &str, no_proxy: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
    {
        return true;
    }
    no_proxy
        .split(',')
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .any(|entry| {
            let entry = entry.split(':').next().unwrap_or(entry);
            entry == "*"
                || host.eq_ignore_ascii_case(entry)
                || host.to_ascii_lowercase().ends_with(&format!(
                    ".{}",
                    entry.trim_start_matches('.').to_ascii_lowercase()
                ))
        })
}

/// The context to use must exist in the merged kubeconfig (pure): `--context NAME`, else
/// the kubeconfig's `current-context`. kube-rs would say only "failed to load context
/// NAME"; kubectl users need the contexts there are.
pub fn check_context(
    kubeconfig: &Kubeconfig,
    flag: Option<&str>,
    files: &[PathBuf],
) -> Result<(), ClusterError> {
    let Some(name) = flag.or(kubeconfig.current_context.as_deref()) else {
        return Ok(());
    };
    if kubeconfig.contexts.iter().any(|c| c.name == name) {
        return Ok(());
    }
    Err(ClusterError::UnknownContext {
        context: name.to_owned(),
        current: flag.is_none(),
        available: kubeconfig.contexts.iter().map(|c| c.name.clone()).collect(),
        files: files.to_vec(),
    })
}

/// `--cluster NAME`, else the cluster of the context in use, must be a cluster of the
/// merged kubeconfig (pure); kube-rs would say "failed to load the cluster of context:
/// NAME" and name no file.
pub fn check_cluster(
    kubeconfig: &Kubeconfig,
    flag: Option<&str>,
    context: Option<&str>,
    files: &[PathBuf],
) -> Result<(), ClusterError> {
    let known = |name: &str| kubeconfig.clusters.iter().any(|c| c.name == name);
    if let Some(name) = flag {
        if known(name) {
            return Ok(());
        }
        return Err(ClusterError::UnknownCluster {
            cluster: name.to_owned(),
            available: kubeconfig.clusters.iter().map(|c| c.name.clone()).collect(),
            files: files.to_vec(),
        });
    }
    let named = context
        .or(kubeconfig.current_context.as_deref())
        .and_then(|ctx| {
            let c = kubeconfig.contexts.iter().find(|c| c.name == ctx)?;
            Some((ctx, c.context.as_ref()?.cluster.as_str()))
        });
    match named {
        Some((ctx, cluster)) if !known(cluster) => Err(ClusterError::ContextClusterMissing {
            context: ctx.to_owned(),
            cluster: cluster.to_owned(),
            files: files.to_vec(),
        }),
        _ => Ok(()),
    }
}

/// Connects with kubectl's semantics.
pub async fn connect(options: &ConnectOptions) -> Result<Connection, ClusterError> {
    let files = kubeconfig_files(
        options.kubeconfig.as_deref(),
        std::env::var_os("KUBECONFIG"),
        std::env::home_dir(),
        |p| p.exists(),
    );
    let mut config = match files {
        KubeconfigFiles::Files(files) => {
            let mut merged: Option<Kubeconfig> = None;
            for file in &files {
                let kc =
                    Kubeconfig::read_from(file).map_err(|source| ClusterError::Kubeconfig {
                        path: Some(file.clone()),
                        source,
                    })?;
                merged = Some(match merged {
                    Some(m) => m.merge(kc).map_err(|source| ClusterError::Kubeconfig {
                        path: Some(file.clone()),
                        source,
                    })?,
                    None => kc,
                });
            }
            let kubeconfig = merged.unwrap_or_default();
            check_context(&kubeconfig, options.context.as_deref(), &files)?;
            check_cluster(
                &kubeconfig,
                options.cluster.as_deref(),
                options.context.as_deref(),
                &files,
            )?;
            let opts = KubeConfigOptions {
                context: options.context.clone(),
                cluster: options.cluster.clone(),
                user: options.user.clone(),
            };
            kube::Config::from_custom_kubeconfig(kubeconfig, &opts)
                .await
                .map_err(|source| ClusterError::Kubeconfig {
                    path: files.first().cloned(),
                    source,
                })?
        }
        KubeconfigFiles::Missing(named) => match kube::Config::incluster() {
            Ok(config) => config,
            // Name the file once, with no in-cluster causes: the user meant the file.
            Err(_) => return Err(ClusterError::KubeconfigMissing { paths: named }),
        },
        KubeconfigFiles::None => kube::Config::incluster().map_err(ClusterError::NoConfig)?,
    };
    if let Some(host) = config.cluster_url.host() {
        let no_proxy = std::env::var("NO_PROXY")
            .or_else(|_| std::env::var("no_proxy"))
            .unwrap_or_default();
        if bypasses_proxy(host, &no_proxy) {
            config.proxy_url = None;
        }
    }
    let namespace = options
        .namespace
        .clone()
        .unwrap_or_else(|| config.default_namespace.clone());
    let client = kube::Client::try_from(config).map_err(ClusterError::Client)?;
    Ok(Connection { client, namespace })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> impl Fn(&Path) -> bool {
        let owned: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
        move |p: &Path| owned.iter().any(|o| o == p)
    }

    #[test]
    fn missing_kubeconfig_entries_are_skipped_like_client_go() {
        let env = std::env::join_paths(["/a/missing", "/b/present", "", "/c/present"]).ok();
        assert_eq!(
            kubeconfig_files(None, env, None, set(&["/b/present", "/c/present"])),
            KubeconfigFiles::Files(vec!["/b/present".into(), "/c/present".into()])
        );
    }

    #[test]
    fn a_kubeconfig_env_naming_only_missing_files_is_not_the_same_as_none() {
        let env = std::env::join_paths(["/a/missing", "/b/missing"]).ok();
        assert_eq!(
            kubeconfig_files(None, env, None, set(&[])),
            KubeconfigFiles::Missing(vec!["/a/missing".into(), "/b/missing".into()])
        );
        let only_separators = std::env::join_paths(["", ""]).ok();
        assert_eq!(
            kubeconfig_files(None, only_separators, None, set(&[])),
            KubeconfigFiles::None
        );
    }

    #[test]
    fn explicit_kubeconfig_replaces_the_environment() {
        let env = Some(OsString::from("/b/present"));
        assert_eq!(
            kubeconfig_files(Some(Path::new("/x")), env, None, set(&["/b/present"])),
            KubeconfigFiles::Files(vec!["/x".into()])
        );
    }

    #[test]
    fn home_config_is_used_only_when_it_exists() {
        let home = Some(PathBuf::from("/home/u"));
        assert_eq!(
            kubeconfig_files(None, None, home.clone(), set(&["/home/u/.kube/config"])),
            KubeconfigFiles::Files(vec!["/home/u/.kube/config".into()])
        );
        assert_eq!(
            kubeconfig_files(None, None, home, set(&[])),
            KubeconfigFiles::None
        );
    }

    #[test]
    fn an_unknown_context_or_cluster_lists_the_kubeconfigs_own() {
        let kc = Kubeconfig::from_yaml(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://c'}\ncontexts:\n- name: prod\n  context: {cluster: c, user: u}\n- name: dev\n  context: {cluster: c, user: u}\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let files = [PathBuf::from("/k/config")];
        assert!(check_context(&kc, Some("dev"), &files).is_ok());
        assert!(check_context(&kc, None, &files).is_ok());
        let err = check_context(&kc, Some("nope"), &files)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("'nope'"), "{err}");
        assert!(err.contains("/k/config"), "{err}");
        assert!(err.contains("--context: prod, dev"), "{err}");
        let mut dangling = kc.clone();
        dangling.current_context = Some("gone".into());
        let err = check_context(&dangling, None, &files)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("'gone', the kubeconfig's current-context") && err.contains("prod, dev"),
            "{err}"
        );
        assert!(check_context(&dangling, Some("prod"), &files).is_ok());
        assert!(check_cluster(&kc, Some("c"), None, &files).is_ok());
        let err = check_cluster(&kc, Some("nope"), None, &files)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("cluster 'nope'") && err.contains("--cluster: c"),
            "{err}"
        );
        let mut broken = kc.clone();
        if let Some(c) = broken.contexts[1].context.as_mut() {
            c.cluster = "gone".into();
        }
        assert!(check_cluster(&broken, None, Some("prod"), &files).is_ok());
        let err = check_cluster(&broken, None, Some("dev"), &files)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("context 'dev'")
                && err.contains("cluster 'gone'")
                && err.contains("/k/config"),
            "{err}"
        );
    }

    #[test]
    fn loopback_and_no_proxy_hosts_bypass_the_proxy() {
        assert!(bypasses_proxy("127.0.0.1", ""));
        assert!(bypasses_proxy("[::1]", ""));
        assert!(bypasses_proxy("localhost", ""));
        assert!(bypasses_proxy("api.cluster.internal", "cluster.internal"));
        assert!(bypasses_proxy(
            "api.cluster.internal",
            ".cluster.internal:6443"
        ));
        assert!(bypasses_proxy("anything", "*"));
        assert!(!bypasses_proxy("api.example.com", "cluster.internal"));
        assert!(!bypasses_proxy(
            "notcluster.internal.evil",
            "cluster.internal"
        ));
    }
}
