//! Errors of the cluster layer.

use std::path::PathBuf;

/// A failure talking to or interpreting the cluster.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No kubeconfig could be loaded.
    #[error("load the kubeconfig {}", path.as_ref().map(|p| format!("'{}'", p.display())).unwrap_or_else(|| "(KUBECONFIG or ~/.kube/config)".to_owned()))]
    Kubeconfig {
        /// The file, when one was named.
        path: Option<PathBuf>,
        /// Why.
        #[source]
        source: kube::config::KubeconfigError,
    },
    /// `KUBECONFIG` names only files that do not exist, and this is not a pod.
    #[error(
        "load the kubeconfig: KUBECONFIG names {}, {}",
        paths.iter().map(|p| format!("'{}'", p.display())).collect::<Vec<_>>().join(", "),
        if paths.len() == 1 { "which does not exist" } else { "none of which exists" }
    )]
    KubeconfigMissing {
        /// The files `KUBECONFIG` names.
        paths: Vec<PathBuf>,
    },
    /// `--context` (or the kubeconfig's `current-context`) names a context the kubeconfig
    /// does not have.
    #[error(
        "use context '{context}'{}: the kubeconfig ({}) has no such context; {}",
        if *current { ", the kubeconfig's current-context" } else { "" },
        files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        if available.is_empty() {
            "it has no contexts at all".to_owned()
        } else {
            format!("pass one of its contexts to --context: {}", available.join(", "))
        }
    )]
    UnknownContext {
        /// The context asked for.
        context: String,
        /// Whether it came from `current-context` rather than `--context`.
        current: bool,
        /// The contexts the merged kubeconfig has, in file order.
        available: Vec<String>,
        /// The kubeconfig files read.
        files: Vec<PathBuf>,
    },
    /// `--cluster` names a cluster the kubeconfig does not have.
    #[error(
        "use cluster '{cluster}': the kubeconfig ({}) has no such cluster; {}",
        files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        if available.is_empty() {
            "it has no clusters at all".to_owned()
        } else {
            format!("pass one of its clusters to --cluster: {}", available.join(", "))
        }
    )]
    UnknownCluster {
        /// The cluster asked for.
        cluster: String,
        /// The clusters the merged kubeconfig has, in file order.
        available: Vec<String>,
        /// The kubeconfig files read.
        files: Vec<PathBuf>,
    },
    /// The context in use names a cluster no kubeconfig file defines.
    #[error(
        "use context '{context}': it names cluster '{cluster}', which the kubeconfig ({}) does not define",
        files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    ContextClusterMissing {
        /// The context.
        context: String,
        /// The cluster it names.
        cluster: String,
        /// The kubeconfig files read.
        files: Vec<PathBuf>,
    },
    /// Neither a kubeconfig nor an in-cluster service account exists.
    #[error(
        "find cluster credentials: no kubeconfig (set KUBECONFIG or pass --kubeconfig) and not running in a pod"
    )]
    NoConfig(#[source] kube::config::InClusterError),
    /// The client could not be built (TLS material, proxy).
    #[error("create the Kubernetes client")]
    Client(#[source] kube::Error),
    /// An API request failed.
    #[error("{action}")]
    Api {
        /// What was being done, e.g. "get pod arc/jumpstart-sql-0".
        action: String,
        /// The API error (its Status message says why).
        #[source]
        source: kube::Error,
    },
    /// The named object does not exist.
    #[error("find {kind} '{name}' in namespace '{namespace}' (check the name and -n/--namespace)")]
    NotFound {
        /// Kind, as kubectl prints it.
        kind: &'static str,
        /// Name.
        name: String,
        /// Namespace.
        namespace: String,
    },
    /// `-c NAME` named no container of the pod.
    #[error("find container '{container}' in pod '{pod}': valid containers are {}", valid.join(", "))]
    ContainerNotFound {
        /// Pod name.
        pod: String,
        /// What the user asked for.
        container: String,
        /// The containers that exist.
        valid: Vec<String>,
    },
    /// The pod has several containers and nothing says which one.
    #[error("choose a container of pod '{pod}': it has {}; pass -c NAME or --all-containers", valid.join(", "))]
    AmbiguousContainer {
        /// Pod name.
        pod: String,
        /// The containers that exist.
        valid: Vec<String>,
    },
    /// The ephemeral debug container did not start within a minute.
    #[error(
        "start debug container '{container}' in pod '{pod}': it is not running after 60s (check the image name and `kubectl describe pod {pod}`)"
    )]
    DebugNotRunning {
        /// Pod name.
        pod: String,
        /// Debug container name.
        container: String,
    },
    /// The workload has neither pods nor a pod template with containers.
    #[error("find a pod or pod template for {kind} '{name}'")]
    NoPods {
        /// Kind.
        kind: &'static str,
        /// Name.
        name: String,
    },
}
