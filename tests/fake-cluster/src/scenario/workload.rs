//! Workloads in a scenario: kind, selector, replicas, schedule and pod template. Pure data.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::defaults::*;

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
