//! The live cluster model: the scenario plus what changes at run time (ephemeral containers)
//! and where each container's filesystem is. Lookups return snapshots; JSON rendering lives in
//! `api::objects`, process execution in `exec`.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::Error;
use crate::rootfs;
use crate::scenario::{CommandNotFound, ContainerState, Flavor, Pod, Scenario, parse_user};

/// An ephemeral (debug) container added by a PATCH of `pods/ephemeralcontainers`.
#[derive(Debug, Clone)]
pub struct Ephemeral {
    /// Container name.
    pub name: String,
    /// Image as sent.
    pub image: String,
    /// `targetContainerName`: whose filesystem appears at `/proc/1/root`.
    pub target: Option<String>,
    /// The userland installed for the image.
    pub flavor: Flavor,
    /// uid and gid the debug commands run as.
    pub user: (u32, u32),
    /// The debug container's own rootfs.
    pub root: PathBuf,
    /// The container spec as sent by the client (echoed in `spec.ephemeralContainers`).
    pub spec: serde_json::Value,
}

/// A pod as it is now.
#[derive(Debug, Clone)]
pub struct PodRuntime {
    /// The scenario's pod.
    pub pod: Pod,
    /// `metadata.uid`.
    pub uid: String,
    /// Container name → rootfs folder, for containers and init containers.
    pub roots: BTreeMap<String, PathBuf>,
    /// Ephemeral containers in the order they were added.
    pub ephemeral: Vec<Ephemeral>,
}

/// Everything exec needs to run a command in one container.
#[derive(Debug, Clone)]
pub struct ExecTarget {
    /// The container's rootfs.
    pub root: PathBuf,
    /// uid and gid.
    pub user: (u32, u32),
    /// Whether the container is running.
    pub running: bool,
    /// How a missing command is reported.
    pub not_found: CommandNotFound,
    /// For a debug container with a target: the target's rootfs (seen at `/proc/1/root`).
    pub target_root: Option<PathBuf>,
}

/// The cluster shared by all requests.
#[derive(Debug)]
pub struct Cluster {
    /// The scenario it was built from.
    pub scenario: Scenario,
    /// `creationTimestamp` of every object.
    pub created: jiff::Timestamp,
    pods: Mutex<Vec<PodRuntime>>,
    work_dir: PathBuf,
}

impl Cluster {
    /// Builds the cluster, preparing every container's rootfs (generated ones under `work_dir`).
    pub fn new(scenario: Scenario, work_dir: &Path) -> Result<Self, Error> {
        let mut pods = Vec::new();
        for pod in &scenario.pods {
            let mut roots = BTreeMap::new();
            for c in pod.containers.iter().chain(&pod.init_containers) {
                let root = match &c.rootfs {
                    Some(rel) => scenario.base_dir.join(rel),
                    None => work_dir
                        .join("rootfs")
                        .join(&pod.namespace)
                        .join(&pod.name)
                        .join(&c.name),
                };
                let user = parse_user(&c.user).unwrap_or((0, 0));
                rootfs::prepare(&root, c.flavor, &pod.name, user)?;
                roots.insert(c.name.clone(), root);
            }
            pods.push(PodRuntime {
                uid: uid_for(&pod.namespace, &pod.name),
                pod: pod.clone(),
                roots,
                ephemeral: Vec::new(),
            });
        }
        let created = jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_secs(3600))
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        Ok(Self {
            scenario,
            created,
            pods: Mutex::new(pods),
            work_dir: work_dir.to_path_buf(),
        })
    }

    /// A snapshot of every pod.
    pub fn pods(&self) -> Vec<PodRuntime> {
        self.pods.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A snapshot of one pod.
    pub fn pod(&self, namespace: &str, name: &str) -> Option<PodRuntime> {
        let pods = self.pods.lock().unwrap_or_else(|e| e.into_inner());
        pods.iter()
            .find(|p| p.pod.namespace == namespace && p.pod.name == name)
            .cloned()
    }

    /// The flavor an ephemeral container image gets.
    pub fn debug_flavor(&self, image: &str) -> Flavor {
        if let Some(f) = self.scenario.debug_images.get(image) {
            return *f;
        }
        if image.contains("busybox") {
            Flavor::Busybox
        } else {
            Flavor::Gnu
        }
    }

    /// Adds ephemeral containers that are not there yet (by name) and prepares their rootfs.
    /// Blocking I/O: call from a blocking context.
    pub fn add_ephemeral(
        &self,
        namespace: &str,
        name: &str,
        specs: Vec<serde_json::Value>,
    ) -> Result<Option<PodRuntime>, Error> {
        let Some(current) = self.pod(namespace, name) else {
            return Ok(None);
        };
        let mut added = Vec::new();
        for spec in specs {
            let Some(cname) = spec
                .get("name")
                .and_then(|v| v.as_str())
                .map(str::to_string)
            else {
                continue;
            };
            if current.ephemeral.iter().any(|e| e.name == cname)
                || added.iter().any(|e: &Ephemeral| e.name == cname)
            {
                continue;
            }
            let image = spec
                .get("image")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            let target = spec
                .get("targetContainerName")
                .and_then(|v| v.as_str())
                .map(str::to_string);
            let flavor = self.debug_flavor(&image);
            let security = spec.get("securityContext");
            let uid = security
                .and_then(|s| s.get("runAsUser"))
                .and_then(|v| v.as_u64())
                .unwrap_or(0) as u32;
            let gid = security
                .and_then(|s| s.get("runAsGroup"))
                .and_then(|v| v.as_u64())
                .unwrap_or(uid as u64) as u32;
            let root = self
                .work_dir
                .join("ephemeral")
                .join(namespace)
                .join(name)
                .join(&cname);
            rootfs::prepare(&root, flavor, name, (uid, gid))?;
            rootfs::prepare_proc_root(&root)?;
            added.push(Ephemeral {
                name: cname,
                image,
                target,
                flavor,
                user: (uid, gid),
                root,
                spec,
            });
        }
        let mut pods = self.pods.lock().unwrap_or_else(|e| e.into_inner());
        let Some(pod) = pods
            .iter_mut()
            .find(|p| p.pod.namespace == namespace && p.pod.name == name)
        else {
            return Ok(None);
        };
        pod.ephemeral.extend(added);
        Ok(Some(pod.clone()))
    }
}

impl PodRuntime {
    /// Every container name in kubectl's order: containers, then ephemeral, then init.
    pub fn container_names(&self) -> Vec<String> {
        self.pod
            .containers
            .iter()
            .map(|c| c.name.clone())
            .chain(self.ephemeral.iter().map(|e| e.name.clone()))
            .chain(self.pod.init_containers.iter().map(|c| c.name.clone()))
            .collect()
    }

    /// What exec needs for container `name`, if the pod has it.
    pub fn exec_target(&self, name: &str) -> Option<ExecTarget> {
        if let Some(c) = self
            .pod
            .containers
            .iter()
            .chain(&self.pod.init_containers)
            .find(|c| c.name == name)
        {
            return Some(ExecTarget {
                root: self.roots.get(name)?.clone(),
                user: parse_user(&c.user).unwrap_or((0, 0)),
                running: c.state == ContainerState::Running,
                not_found: c.command_not_found,
                target_root: None,
            });
        }
        let e = self.ephemeral.iter().find(|e| e.name == name)?;
        Some(ExecTarget {
            root: e.root.clone(),
            user: e.user,
            running: true,
            not_found: CommandNotFound::Runc,
            target_root: e.target.as_ref().and_then(|t| self.roots.get(t)).cloned(),
        })
    }
}

/// A stable UUID-shaped id for an object.
pub fn uid_for(namespace: &str, name: &str) -> String {
    let part = |salt: u8| {
        let mut h = DefaultHasher::new();
        (salt, namespace, name).hash(&mut h);
        h.finish()
    };
    let hex = format!("{:016x}{:016x}", part(1), part(2));
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
