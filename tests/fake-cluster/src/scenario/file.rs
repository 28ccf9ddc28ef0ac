//! The scenario file: its top-level sections (namespaces, nodes, secrets, service accounts,
//! RBAC, server knobs, faults), reading and parsing it, and the consistency checks. No HTTP,
//! no JSON rendering.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::defaults::*;
use super::pod::{Flavor, Pod, parse_user};
use super::workload::Workload;
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
        // Absolute, so rootfs folders do not depend on the working directory of whoever
        // runs a container's command later (`s.yaml` has the empty path as its parent).
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let base = absolute.parent().unwrap_or(Path::new("/")).to_path_buf();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_named_by_a_bare_relative_path_anchors_rootfs_absolutely() {
        // `scenarios/arc.yaml` relative to the crate, as a user would type it from there.
        std::env::set_current_dir(env!("CARGO_MANIFEST_DIR")).unwrap();
        let s = Scenario::load(Path::new("scenarios/arc.yaml")).unwrap();
        assert!(s.base_dir.is_absolute(), "{}", s.base_dir.display());
        assert!(
            s.base_dir.ends_with("scenarios"),
            "{}",
            s.base_dir.display()
        );
    }

    #[test]
    fn the_seed_scenario_parses_with_its_namespaces_and_defaults() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/arc.yaml");
        let s = Scenario::load(&path).unwrap();
        assert_eq!(s.namespaces, ["default", "arc"]);
        assert_eq!(s.pods.len(), 6);
        let sql = s.pods.iter().find(|p| p.name == "jumpstart-sql-0").unwrap();
        let names: Vec<&str> = sql.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["arc-sqlmi", "collectd", "fluentbit"]);
        assert_eq!(s.server.minor, "32");
    }

    #[test]
    fn inconsistent_or_misspelt_scenarios_are_rejected() {
        let base = Path::new(".");
        let unknown_node = "pods: [{name: p, node: nowhere, containers: [{name: c, image: i}]}]";
        assert!(matches!(
            Scenario::parse(unknown_node, base),
            Err(Error::InvalidScenario { .. })
        ));
        let typo = "pods: [{name: p, containers: [{name: c, image: i, flavour: gnu}]}]";
        assert!(matches!(
            Scenario::parse(typo, base),
            Err(Error::ParseScenario { .. })
        ));
        let bad_user = "pods: [{name: p, containers: [{name: c, image: i, user: root}]}]";
        assert!(matches!(
            Scenario::parse(bad_user, base),
            Err(Error::InvalidScenario { .. })
        ));
        let implied = Scenario::parse(
            "pods: [{namespace: x, name: p, containers: [{name: c, image: i}]}]",
            base,
        )
        .unwrap();
        assert_eq!(implied.namespaces, ["default", "x"]);
    }
}
