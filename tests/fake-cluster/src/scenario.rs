//! The scenario file format (YAML, camelCase keys): namespaces, nodes, secrets, service
//! accounts, pods with their containers' filesystems, workloads, RBAC switches and faults.
//! Only parsing, defaults and consistency checks live here; no I/O besides reading the file,
//! no HTTP and no JSON rendering.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::faults::Fault;

/// A whole fake cluster as described by a scenario file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// Namespace names; `default` and every namespace an object uses are added.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Nodes pods can be scheduled on.
    #[serde(default)]
    pub nodes: Vec<Node>,
    /// Secrets (e.g. image pull secrets).
    #[serde(default)]
    pub secrets: Vec<Secret>,
    /// Service accounts.
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccount>,
    /// Pods and their containers.
    #[serde(default)]
    pub pods: Vec<Pod>,
    /// Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs.
    #[serde(default)]
    pub workloads: Vec<Workload>,
    /// Authorisation switches.
    #[serde(default)]
    pub rbac: Rbac,
    /// Server knobs (version, exec subprotocols, identity).
    #[serde(default)]
    pub server: ServerOptions,
    /// Image name → flavor for ephemeral debug containers (`kubectl debug --image`).
    /// Images not listed get `busybox` when their name contains "busybox", else `gnu`.
    #[serde(default)]
    pub debug_images: BTreeMap<String, Flavor>,
    /// Faults active from the start (more can be added at run time).
    #[serde(default)]
    pub faults: Vec<Fault>,
    /// The folder relative rootfs paths resolve against (the scenario file's folder).
    #[serde(skip)]
    pub base_dir: PathBuf,
}

/// A node.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Node {
    /// Node name.
    pub name: String,
    /// `status.nodeInfo.operatingSystem`.
    #[serde(default = "default_os")]
    pub os: String,
    /// `status.nodeInfo.architecture`.
    #[serde(default = "default_arch")]
    pub arch: String,
    /// Extra labels (the `kubernetes.io/*` ones are added).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// A secret; `data` values are base64 already, `stringData` values are plain text.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Secret {
    /// Namespace.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Secret type, e.g. `kubernetes.io/dockerconfigjson`.
    #[serde(rename = "type", default = "default_secret_type")]
    pub kind: String,
    /// Base64-encoded values.
    #[serde(default)]
    pub data: BTreeMap<String, String>,
    /// Plain values, encoded by the server.
    #[serde(default)]
    pub string_data: BTreeMap<String, String>,
}

/// A service account.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceAccount {
    /// Namespace.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Names of secrets used to pull images.
    #[serde(default)]
    pub image_pull_secrets: Vec<String>,
}

/// A pod.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pod {
    /// Namespace.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `spec.nodeName`; without it exec answers 400 like an unscheduled pod.
    #[serde(default)]
    pub node: Option<String>,
    /// Labels (workload selectors match them).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Annotations (e.g. `kubectl.kubernetes.io/default-container`).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// `spec.serviceAccountName`.
    #[serde(default = "default_service_account")]
    pub service_account: String,
    /// `spec.imagePullSecrets` names.
    #[serde(default)]
    pub image_pull_secrets: Vec<String>,
    /// Init containers.
    #[serde(default)]
    pub init_containers: Vec<Container>,
    /// Containers (at least one).
    pub containers: Vec<Container>,
    /// `status.phase`; derived from container states when absent.
    #[serde(default)]
    pub phase: Option<String>,
}

/// A container and the filesystem its exec'd commands see.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Container {
    /// Name.
    pub name: String,
    /// Image reference as in `spec.containers[].image`.
    pub image: String,
    /// `status.containerStatuses[].imageID`; defaults to the image.
    #[serde(rename = "imageID", default)]
    pub image_id: Option<String>,
    /// Root filesystem folder, relative to the scenario file; a fresh temporary one when absent.
    #[serde(default)]
    pub rootfs: Option<PathBuf>,
    /// Userland installed into the rootfs when missing.
    #[serde(default)]
    pub flavor: Flavor,
    /// `uid:gid` exec'd commands run as.
    #[serde(default = "default_user")]
    pub user: String,
    /// Container state.
    #[serde(default)]
    pub state: ContainerState,
    /// How a missing command is reported.
    #[serde(default)]
    pub command_not_found: CommandNotFound,
}

/// The userland a container gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// GNU tar, coreutils, bash as `sh`, find, copied from the host with their libraries.
    #[default]
    Gnu,
    /// busybox-static and its applet links.
    Busybox,
    /// Distroless: no shell, no tar.
    None,
}

/// Container states as in `status.containerStatuses[].state`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContainerState {
    /// Running: exec works.
    #[default]
    Running,
    /// Waiting (e.g. ContainerCreating): exec fails after the upgrade.
    Waiting,
    /// Terminated: exec fails after the upgrade.
    Terminated,
}

/// What a runtime does when the command does not exist in the container.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommandNotFound {
    /// runc/docker: a message on stderr and exit code 126.
    #[default]
    Runc,
    /// containerd CRI: an InternalError status.
    Containerd,
}

/// A workload object with a pod template.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Workload {
    /// Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob.
    pub kind: WorkloadKind,
    /// Namespace.
    #[serde(default = "default_namespace")]
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `matchLabels` of the selector (also the template's labels).
    #[serde(default)]
    pub selector: BTreeMap<String, String>,
    /// Desired replicas (defaults to the number of matching pods).
    #[serde(default)]
    pub replicas: Option<i32>,
    /// CronJob schedule.
    #[serde(default)]
    pub schedule: Option<String>,
    /// The pod template.
    #[serde(default)]
    pub template: Template,
}

/// The workload kinds served under apps/v1 and batch/v1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum WorkloadKind {
    /// apps/v1 Deployment.
    Deployment,
    /// apps/v1 StatefulSet.
    StatefulSet,
    /// apps/v1 DaemonSet.
    DaemonSet,
    /// apps/v1 ReplicaSet.
    ReplicaSet,
    /// batch/v1 Job.
    Job,
    /// batch/v1 CronJob.
    CronJob,
}

/// A pod template: containers by name and image.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Template {
    /// Extra template labels (the selector's are always included).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Containers.
    #[serde(default)]
    pub containers: Vec<TemplateContainer>,
    /// Init containers.
    #[serde(default)]
    pub init_containers: Vec<TemplateContainer>,
}

/// A container in a pod template.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateContainer {
    /// Name.
    pub name: String,
    /// Image.
    pub image: String,
}

/// Authorisation switches.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Rbac {
    /// Answer 403 Forbidden to every GET/LIST of secrets.
    #[serde(default)]
    pub forbid_secrets: bool,
}

/// Server knobs.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServerOptions {
    /// `/version` minor (the kubectl dispatcher picks its client from it).
    #[serde(default = "default_minor")]
    pub minor: String,
    /// Exec subprotocols the server accepts, in no particular order.
    #[serde(default = "default_protocols")]
    pub exec_protocols: Vec<String>,
    /// The bearer token; a random one when absent.
    #[serde(default)]
    pub token: Option<String>,
    /// The user name in Forbidden messages.
    #[serde(default = "default_user_name")]
    pub user_name: String,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            minor: default_minor(),
            exec_protocols: default_protocols(),
            token: None,
            user_name: default_user_name(),
        }
    }
}

impl Scenario {
    /// Reads and validates a scenario file; relative rootfs paths resolve against its folder.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::ReadScenario {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Self::parse(&text, &base).map_err(|e| match e {
            Error::ParseScenario { source, .. } => Error::ParseScenario {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        })
    }

    /// Parses and validates scenario YAML; `base_dir` anchors relative rootfs paths.
    pub fn parse(yaml: &str, base_dir: &Path) -> Result<Self, Error> {
        let mut scenario: Scenario =
            serde_saphyr::from_str(yaml).map_err(|source| Error::ParseScenario {
                path: PathBuf::from("<inline>"),
                source: Box::new(source),
            })?;
        scenario.base_dir = base_dir.to_path_buf();
        scenario.complete_namespaces();
        scenario.validate()?;
        Ok(scenario)
    }

    fn complete_namespaces(&mut self) {
        let used = std::iter::once("default".to_string())
            .chain(self.pods.iter().map(|p| p.namespace.clone()))
            .chain(self.secrets.iter().map(|s| s.namespace.clone()))
            .chain(self.service_accounts.iter().map(|s| s.namespace.clone()))
            .chain(self.workloads.iter().map(|w| w.namespace.clone()))
            .collect::<Vec<_>>();
        for ns in used {
            if !self.namespaces.contains(&ns) {
                self.namespaces.push(ns);
            }
        }
    }

    fn validate(&self) -> Result<(), Error> {
        let invalid = |message: String| Err(Error::InvalidScenario { message });
        for pod in &self.pods {
            if pod.containers.is_empty() {
                return invalid(format!(
                    "pod {}/{} has no containers",
                    pod.namespace, pod.name
                ));
            }
            if let Some(node) = &pod.node
                && !self.nodes.iter().any(|n| &n.name == node)
            {
                return invalid(format!(
                    "pod {}/{} uses unknown node {node}",
                    pod.namespace, pod.name
                ));
            }
            let mut names: Vec<&str> = pod
                .containers
                .iter()
                .chain(&pod.init_containers)
                .map(|c| c.name.as_str())
                .collect();
            names.sort_unstable();
            if names.windows(2).any(|w| w[0] == w[1]) {
                return invalid(format!(
                    "pod {}/{} repeats a container name",
                    pod.namespace, pod.name
                ));
            }
            for c in pod.containers.iter().chain(&pod.init_containers) {
                if parse_user(&c.user).is_none() {
                    return invalid(format!(
                        "container {} user {:?} is not uid:gid",
                        c.name, c.user
                    ));
                }
            }
            if self
                .pods
                .iter()
                .filter(|p| p.namespace == pod.namespace && p.name == pod.name)
                .count()
                > 1
            {
                return invalid(format!(
                    "pod {}/{} is listed twice",
                    pod.namespace, pod.name
                ));
            }
        }
        Ok(())
    }
}

/// Parses `uid:gid` (a lone `uid` means gid = uid).
pub fn parse_user(user: &str) -> Option<(u32, u32)> {
    match user.split_once(':') {
        Some((u, g)) => Some((u.parse().ok()?, g.parse().ok()?)),
        None => {
            let u = user.parse().ok()?;
            Some((u, u))
        }
    }
}

fn default_namespace() -> String {
    "default".into()
}
fn default_os() -> String {
    "linux".into()
}
fn default_arch() -> String {
    "amd64".into()
}
fn default_secret_type() -> String {
    "Opaque".into()
}
fn default_service_account() -> String {
    "default".into()
}
fn default_user() -> String {
    "0:0".into()
}
fn default_minor() -> String {
    "32".into()
}
fn default_user_name() -> String {
    "fake-user".into()
}
fn default_protocols() -> Vec<String> {
    vec!["v5.channel.k8s.io".into(), "v4.channel.k8s.io".into()]
}
