//! Workload objects (Deployment, its derived ReplicaSet, StatefulSet, DaemonSet, ReplicaSet,
//! Job, CronJob) with selectors, pod templates and a status counted from the matching pods,
//! plus the `ownerReferences` linking pods to them. Pure rendering.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::objects::{metadata, timestamp};
use crate::cluster::{Cluster, uid_for};
use crate::scenario::{ContainerState, Pod, Template, WorkloadKind};

/// A workload as served: from the scenario, or a ReplicaSet derived from a Deployment.
#[derive(Debug, Clone)]
pub struct WorkloadObj {
    /// Kind.
    pub kind: WorkloadKind,
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// matchLabels.
    pub selector: BTreeMap<String, String>,
    /// Desired replicas, if given.
    pub replicas: Option<i32>,
    /// CronJob schedule.
    pub schedule: Option<String>,
    /// Pod template.
    pub template: Template,
    /// The owning Deployment of a derived ReplicaSet.
    pub owner: Option<String>,
}

/// `(group, kind)` → the apiVersion.
pub fn api_version(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Job | WorkloadKind::CronJob => "batch/v1",
        _ => "apps/v1",
    }
}

/// The kind's name.
pub fn kind_name(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Deployment => "Deployment",
        WorkloadKind::StatefulSet => "StatefulSet",
        WorkloadKind::DaemonSet => "DaemonSet",
        WorkloadKind::ReplicaSet => "ReplicaSet",
        WorkloadKind::Job => "Job",
        WorkloadKind::CronJob => "CronJob",
    }
}

/// Every workload, derived ReplicaSets included.
pub fn all(cluster: &Cluster) -> Vec<WorkloadObj> {
    let mut out = Vec::new();
    for w in &cluster.scenario.workloads {
        let obj = WorkloadObj {
            kind: w.kind,
            namespace: w.namespace.clone(),
            name: w.name.clone(),
            selector: w.selector.clone(),
            replicas: w.replicas,
            schedule: w.schedule.clone(),
            template: w.template.clone(),
            owner: None,
        };
        if w.kind == WorkloadKind::Deployment {
            let hash: String = uid_for(&w.namespace, &w.name)
                .replace('-', "")
                .chars()
                .take(10)
                .collect();
            let mut selector = w.selector.clone();
            selector.insert("pod-template-hash".into(), hash.clone());
            out.push(WorkloadObj {
                kind: WorkloadKind::ReplicaSet,
                name: format!("{}-{hash}", w.name),
                selector,
                owner: Some(w.name.clone()),
                ..obj.clone()
            });
        }
        out.push(obj);
    }
    out
}

fn selects(selector: &BTreeMap<String, String>, pod: &Pod) -> bool {
    !selector.is_empty()
        && selector
            .iter()
            .filter(|(k, _)| k.as_str() != "pod-template-hash")
            .all(|(k, v)| pod.labels.get(k) == Some(v))
}

fn matching<'a>(cluster: &'a Cluster, w: &WorkloadObj) -> Vec<&'a Pod> {
    cluster
        .scenario
        .pods
        .iter()
        .filter(|p| p.namespace == w.namespace && selects(&w.selector, p))
        .collect()
}

/// The controller owner reference of `pod`, if a pod-owning workload selects it.
pub fn owner_of(cluster: &Cluster, pod: &Pod) -> Option<Value> {
    let w = all(cluster).into_iter().find(|w| {
        !matches!(w.kind, WorkloadKind::Deployment | WorkloadKind::CronJob)
            && w.namespace == pod.namespace
            && selects(&w.selector, pod)
    })?;
    Some(owner_ref(w.kind, &w.namespace, &w.name))
}

fn owner_ref(kind: WorkloadKind, namespace: &str, name: &str) -> Value {
    json!({
        "apiVersion": api_version(kind), "kind": kind_name(kind), "name": name,
        "uid": uid_for(namespace, name), "controller": true, "blockOwnerDeletion": true,
    })
}

fn template_json(w: &WorkloadObj, restart: &str) -> Value {
    let mut labels: BTreeMap<String, String> = w.template.labels.clone();
    labels.extend(w.selector.clone());
    let container = |c: &crate::scenario::TemplateContainer| {
        json!({"name": c.name, "image": c.image, "resources": {}, "imagePullPolicy": "IfNotPresent",
               "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"})
    };
    let mut spec = json!({
        "containers": w.template.containers.iter().map(container).collect::<Vec<_>>(),
        "restartPolicy": restart, "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
        "securityContext": {}, "schedulerName": "default-scheduler",
    });
    if !w.template.init_containers.is_empty() {
        spec["initContainers"] = json!(
            w.template
                .init_containers
                .iter()
                .map(container)
                .collect::<Vec<_>>()
        );
    }
    json!({"metadata": {"labels": labels}, "spec": spec})
}

/// Counts (desired, ready) for a workload's pods.
pub fn counts(cluster: &Cluster, w: &WorkloadObj) -> (i32, i32) {
    let pods = matching(cluster, w);
    let ready = pods
        .iter()
        .filter(|p| {
            p.containers
                .iter()
                .all(|c| c.state == ContainerState::Running)
        })
        .count() as i32;
    (w.replicas.unwrap_or(pods.len() as i32), ready)
}

/// One workload object.
pub fn render(cluster: &Cluster, w: &WorkloadObj) -> Value {
    let (desired, ready) = counts(cluster, w);
    let mut meta = metadata(cluster, Some(&w.namespace), &w.name);
    meta.insert("generation".into(), json!(1));
    if !w.selector.is_empty() {
        meta.insert("labels".into(), json!(w.selector));
    }
    if let Some(owner) = &w.owner {
        meta.insert(
            "ownerReferences".into(),
            json!([owner_ref(WorkloadKind::Deployment, &w.namespace, owner)]),
        );
    }
    let selector = json!({"matchLabels": w.selector});
    let since = timestamp(cluster.created);
    let (spec, status) = match w.kind {
        WorkloadKind::Deployment => (
            json!({"replicas": desired, "selector": selector, "template": template_json(w, "Always"),
                   "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                   "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600}),
            json!({"observedGeneration": 1, "replicas": desired, "updatedReplicas": desired, "readyReplicas": ready,
                   "availableReplicas": ready, "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                   "lastUpdateTime": since, "lastTransitionTime": since}]}),
        ),
        WorkloadKind::StatefulSet => (
            json!({"replicas": desired, "selector": selector, "template": template_json(w, "Always"), "serviceName": w.name,
                   "podManagementPolicy": "OrderedReady", "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                   "revisionHistoryLimit": 10}),
            json!({"observedGeneration": 1, "replicas": desired, "readyReplicas": ready, "currentReplicas": desired,
                   "updatedReplicas": desired, "availableReplicas": ready, "currentRevision": format!("{}-1", w.name),
                   "updateRevision": format!("{}-1", w.name), "collisionCount": 0}),
        ),
        WorkloadKind::DaemonSet => (
            json!({"selector": selector, "template": template_json(w, "Always"),
                   "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, "revisionHistoryLimit": 10}),
            json!({"currentNumberScheduled": desired, "desiredNumberScheduled": desired, "numberMisscheduled": 0,
                   "numberReady": ready, "numberAvailable": ready, "updatedNumberScheduled": desired, "observedGeneration": 1}),
        ),
        WorkloadKind::ReplicaSet => (
            json!({"replicas": desired, "selector": selector, "template": template_json(w, "Always")}),
            json!({"replicas": desired, "fullyLabeledReplicas": desired, "readyReplicas": ready, "availableReplicas": ready, "observedGeneration": 1}),
        ),
        WorkloadKind::Job => (
            json!({"parallelism": 1, "completions": 1, "backoffLimit": 6, "selector": selector, "template": template_json(w, "Never"),
                   "completionMode": "NonIndexed", "suspend": false}),
            json!({"startTime": since, "active": ready, "ready": ready}),
        ),
        WorkloadKind::CronJob => (
            json!({"schedule": w.schedule.clone().unwrap_or_else(|| "0 * * * *".into()), "concurrencyPolicy": "Allow", "suspend": false,
                   "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                   "jobTemplate": {"metadata": {}, "spec": {"template": template_json(w, "OnFailure")}}}),
            json!({}),
        ),
    };
    json!({"kind": kind_name(w.kind), "apiVersion": api_version(w.kind), "metadata": meta, "spec": spec, "status": status})
}
