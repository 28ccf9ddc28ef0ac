//! Pods and containers in a scenario: labels, node, service account, the container's rootfs,
//! flavor, user, state and missing-command behaviour. Pure data.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::defaults::*;

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
    /// dash as `sh` and busybox-static with only `find`, `cat`, `stat`, `ls`, `readlink`,
    /// `test`, `[` and `echo` linked: a shell but no tar (nor `du`, `wc`, `head`, `sha256sum`).
    Shell,
    /// busybox-static with only `tar` linked: tar but no shell (nor `test`).
    Tar,
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
