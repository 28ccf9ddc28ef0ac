//! SOURCE classification (pure): a workload in the cluster, or an image source for the
//! registry layer. Existence of local paths is decided by the caller and passed in.

/// A Kubernetes object kind that names pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkloadKind {
    /// `pod/`, `pods/`, `po/`.
    Pod,
    /// `deployment/`, `deploy/`.
    Deployment,
    /// `statefulset/`, `sts/`.
    StatefulSet,
    /// `daemonset/`, `ds/`.
    DaemonSet,
    /// `replicaset/`, `rs/`.
    ReplicaSet,
    /// `job/`.
    Job,
    /// `cronjob/`, `cj/`.
    CronJob,
}

impl WorkloadKind {
    /// Parses a kind as kubectl accepts it: singular, plural, short name, optionally with
    /// its API group (`deployments.apps`), case-insensitively.
    pub fn parse(kind: &str) -> Option<Self> {
        let lower = kind.to_ascii_lowercase();
        let base = lower
            .strip_suffix(".apps")
            .or_else(|| lower.strip_suffix(".batch"))
            .unwrap_or(&lower);
        Some(match base {
            "pod" | "pods" | "po" => Self::Pod,
            "deployment" | "deployments" | "deploy" => Self::Deployment,
            "statefulset" | "statefulsets" | "sts" => Self::StatefulSet,
            "daemonset" | "daemonsets" | "ds" => Self::DaemonSet,
            "replicaset" | "replicasets" | "rs" => Self::ReplicaSet,
            "job" | "jobs" => Self::Job,
            "cronjob" | "cronjobs" | "cj" => Self::CronJob,
            _ => return None,
        })
    }

    /// The kind as kubectl prints it in `kind/name`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pod => "pod",
            Self::Deployment => "deployment",
            Self::StatefulSet => "statefulset",
            Self::DaemonSet => "daemonset",
            Self::ReplicaSet => "replicaset",
            Self::Job => "job",
            Self::CronJob => "cronjob",
        }
    }
}

/// What SOURCE names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `KIND/NAME`: an object in the cluster.
    Workload {
        /// The kind.
        kind: WorkloadKind,
        /// The object name.
        name: String,
    },
    /// A bare DNS-1123 name such as `jumpstart-sql-0`: a pod when the cluster has one, else
    /// an image on Docker Hub (`docker.io/library/NAME:latest`).
    PodOrImage(String),
    /// Anything the registry layer understands (references, transports, paths, `-`).
    Image(String),
}

/// Classifies SOURCE. `path_exists` tells whether SOURCE names an existing local path,
/// which always wins (as `skopeo` and `docker load` users expect).
pub fn classify(source: &str, path_exists: bool) -> Target {
    if path_exists || source == "-" {
        return Target::Image(source.to_owned());
    }
    if let Some(rest) = source.strip_prefix("docker://") {
        return Target::Image(format!("docker://{rest}"));
    }
    if let Some((kind, name)) = source.split_once('/')
        && let Some(kind) = WorkloadKind::parse(kind)
        && is_dns_name(name)
    {
        return Target::Workload {
            kind,
            name: name.to_owned(),
        };
    }
    if is_dns_name(source) && !source.contains('.') {
        return Target::PodOrImage(source.to_owned());
    }
    Target::Image(source.to_owned())
}

/// A Kubernetes object name: lowercase alphanumerics, `-` and `.`, alphanumeric at both ends.
fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workload(kind: WorkloadKind, name: &str) -> Target {
        Target::Workload {
            kind,
            name: name.to_owned(),
        }
    }

    #[test]
    fn kind_prefixes_name_workloads_in_every_spelling_kubectl_accepts() {
        for (src, kind) in [
            ("pod/jumpstart-sql-0", WorkloadKind::Pod),
            ("pods/x", WorkloadKind::Pod),
            ("po/x", WorkloadKind::Pod),
            ("deploy/x", WorkloadKind::Deployment),
            ("deployments.apps/x", WorkloadKind::Deployment),
            ("sts/x", WorkloadKind::StatefulSet),
            ("StatefulSet/x", WorkloadKind::StatefulSet),
            ("ds/x", WorkloadKind::DaemonSet),
            ("rs/x", WorkloadKind::ReplicaSet),
            ("job/x", WorkloadKind::Job),
            ("jobs.batch/x", WorkloadKind::Job),
            ("cj/x", WorkloadKind::CronJob),
            ("cronjob/x", WorkloadKind::CronJob),
        ] {
            let name = src.split_once('/').map(|(_, n)| n).unwrap_or_default();
            assert_eq!(classify(src, false), workload(kind, name), "{src}");
        }
    }

    #[test]
    fn image_references_are_not_mistaken_for_workloads() {
        for src in [
            "alpine:3.20",
            "mcr.microsoft.com/arcdata/arc-sqlmi:public-preview-jun-2021",
            "127.0.0.1:5000/pod/x",
            "library/alpine",
            "pod/UPPER",
            "oci:dir:tag",
            "docker-archive:/tmp/a.tar",
            "host:5000/repo@sha256:0000000000000000000000000000000000000000000000000000000000000000",
        ] {
            assert!(matches!(classify(src, false), Target::Image(_)), "{src}");
        }
    }

    #[test]
    fn docker_transport_forces_an_image_even_for_kind_like_names() {
        assert_eq!(
            classify("docker://pod/x", false),
            Target::Image("docker://pod/x".into())
        );
    }

    #[test]
    fn bare_names_may_be_pods_or_hub_images() {
        assert_eq!(
            classify("jumpstart-sql-0", false),
            Target::PodOrImage("jumpstart-sql-0".into())
        );
        assert_eq!(
            classify("alpine", false),
            Target::PodOrImage("alpine".into())
        );
    }

    #[test]
    fn an_existing_path_always_wins() {
        assert_eq!(classify("pod/x", true), Target::Image("pod/x".into()));
        assert_eq!(classify("-", false), Target::Image("-".into()));
    }
}
