//! JSON for core objects (namespaces, nodes, pods, secrets, service accounts) shaped like the
//! real server's: `kind`/`apiVersion` on single objects, full metadata, pod status with
//! container statuses. Pure rendering from the cluster model.

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::workloads;
use crate::cluster::{Cluster, PodRuntime, uid_for};
use crate::scenario::{Container, ContainerState, Node, Secret, ServiceAccount, parse_user};

/// RFC 3339 with whole seconds, as Kubernetes writes timestamps.
pub fn timestamp(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Standard object metadata.
pub fn metadata(cluster: &Cluster, namespace: Option<&str>, name: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if let Some(ns) = namespace {
        m.insert("namespace".into(), json!(ns));
    }
    m.insert("uid".into(), json!(uid_for(namespace.unwrap_or(""), name)));
    m.insert("resourceVersion".into(), json!("1"));
    m.insert(
        "creationTimestamp".into(),
        json!(timestamp(cluster.created)),
    );
    m
}

/// A Namespace.
pub fn namespace(cluster: &Cluster, name: &str) -> Value {
    let mut meta = metadata(cluster, None, name);
    meta.insert(
        "labels".into(),
        json!({"kubernetes.io/metadata.name": name}),
    );
    json!({
        "kind": "Namespace", "apiVersion": "v1", "metadata": meta,
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
    })
}

/// A Node.
pub fn node(cluster: &Cluster, node: &Node) -> Value {
    let mut labels = json!({
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": node.os,
        "kubernetes.io/arch": node.arch,
        "beta.kubernetes.io/os": node.os,
        "beta.kubernetes.io/arch": node.arch,
    });
    for (k, v) in &node.labels {
        labels[k] = json!(v);
    }
    let mut meta = metadata(cluster, None, &node.name);
    meta.insert("labels".into(), labels);
    let since = timestamp(cluster.created);
    json!({
        "kind": "Node", "apiVersion": "v1", "metadata": meta,
        "spec": {"podCIDR": "10.244.0.0/24"},
        "status": {
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": since, "lastTransitionTime": since}],
            "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}, {"type": "Hostname", "address": node.name}],
            "nodeInfo": {
                "machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": "6.1.0",
                "osImage": "Debian GNU/Linux 12 (bookworm)", "containerRuntimeVersion": "containerd://1.7.24",
                "kubeletVersion": "v1.32.4", "kubeProxyVersion": "v1.32.4",
                "operatingSystem": node.os, "architecture": node.arch,
            },
        },
    })
}

/// A Secret (`stringData` is encoded into `data`, as the server does on write).
pub fn secret(cluster: &Cluster, s: &Secret) -> Value {
    let mut data = Map::new();
    for (k, v) in &s.data {
        data.insert(k.clone(), json!(v));
    }
    for (k, v) in &s.string_data {
        data.insert(
            k.clone(),
            json!(base64::engine::general_purpose::STANDARD.encode(v)),
        );
    }
    json!({"kind": "Secret", "apiVersion": "v1", "metadata": metadata(cluster, Some(&s.namespace), &s.name), "type": s.kind, "data": data})
}

/// A ServiceAccount.
pub fn service_account(cluster: &Cluster, sa: &ServiceAccount) -> Value {
    let pulls: Vec<Value> = sa
        .image_pull_secrets
        .iter()
        .map(|n| json!({"name": n}))
        .collect();
    let mut v = json!({"kind": "ServiceAccount", "apiVersion": "v1", "metadata": metadata(cluster, Some(&sa.namespace), &sa.name)});
    if !pulls.is_empty() {
        v["imagePullSecrets"] = json!(pulls);
    }
    v
}

fn container_spec(c: &Container) -> Value {
    let mut spec = json!({
        "name": c.name, "image": c.image, "imagePullPolicy": "IfNotPresent", "resources": {},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
    });
    if let Some((uid, gid)) = parse_user(&c.user) {
        spec["securityContext"] = json!({"runAsUser": uid, "runAsGroup": gid});
    }
    spec
}

fn container_id(pod: &PodRuntime, name: &str) -> String {
    let a = uid_for(&pod.uid, name).replace('-', "");
    let b = uid_for(name, &pod.uid).replace('-', "");
    format!("containerd://{a}{b}")
}

fn state_json(state: ContainerState, since: &str) -> Value {
    match state {
        ContainerState::Running => json!({"running": {"startedAt": since}}),
        ContainerState::Waiting => json!({"waiting": {"reason": "ContainerCreating"}}),
        ContainerState::Terminated => {
            json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": since, "finishedAt": since, "containerID": ""}})
        }
    }
}

fn container_status(pod: &PodRuntime, c: &Container, since: &str) -> Value {
    let running = c.state == ContainerState::Running;
    let mut st = json!({
        "name": c.name, "image": c.image, "imageID": c.image_id.clone().unwrap_or_else(|| c.image.clone()),
        "ready": running, "started": running, "restartCount": 0, "lastState": {},
        "state": state_json(c.state, since),
    });
    if c.state != ContainerState::Waiting {
        st["containerID"] = json!(container_id(pod, &c.name));
        if c.state == ContainerState::Terminated {
            st["state"]["terminated"]["containerID"] = st["containerID"].clone();
        }
    }
    st
}

/// The pod phase: the scenario's, else derived from the container states.
pub fn phase(pod: &PodRuntime) -> String {
    if let Some(p) = &pod.pod.phase {
        return p.clone();
    }
    let states: Vec<ContainerState> = pod.pod.containers.iter().map(|c| c.state).collect();
    if states.contains(&ContainerState::Waiting) {
        "Pending".into()
    } else if states.iter().all(|s| *s == ContainerState::Terminated) {
        "Succeeded".into()
    } else {
        "Running".into()
    }
}

/// A Pod.
pub fn pod(cluster: &Cluster, p: &PodRuntime) -> Value {
    let since = timestamp(cluster.created);
    let pod = &p.pod;
    let mut meta = metadata(cluster, Some(&pod.namespace), &pod.name);
    meta.insert("uid".into(), json!(p.uid));
    if !pod.labels.is_empty() {
        meta.insert("labels".into(), json!(pod.labels));
    }
    if !pod.annotations.is_empty() {
        meta.insert("annotations".into(), json!(pod.annotations));
    }
    if let Some(owner) = workloads::owner_of(cluster, pod) {
        meta.insert("ownerReferences".into(), json!([owner]));
    }
    let mut spec = json!({
        "containers": pod.containers.iter().map(container_spec).collect::<Vec<_>>(),
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
        "serviceAccountName": pod.service_account, "serviceAccount": pod.service_account,
        "securityContext": {}, "schedulerName": "default-scheduler", "priority": 0,
        "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority",
    });
    if let Some(node) = &pod.node {
        spec["nodeName"] = json!(node);
    }
    if !pod.init_containers.is_empty() {
        spec["initContainers"] = json!(
            pod.init_containers
                .iter()
                .map(container_spec)
                .collect::<Vec<_>>()
        );
    }
    if !pod.image_pull_secrets.is_empty() {
        spec["imagePullSecrets"] = json!(
            pod.image_pull_secrets
                .iter()
                .map(|n| json!({"name": n}))
                .collect::<Vec<_>>()
        );
    }
    if !p.ephemeral.is_empty() {
        spec["ephemeralContainers"] = json!(
            p.ephemeral
                .iter()
                .map(|e| e.spec.clone())
                .collect::<Vec<_>>()
        );
    }
    let statuses: Vec<Value> = pod
        .containers
        .iter()
        .map(|c| container_status(p, c, &since))
        .collect();
    let all_ready = pod
        .containers
        .iter()
        .all(|c| c.state == ContainerState::Running);
    let ready = if all_ready { "True" } else { "False" };
    let mut status = json!({
        "phase": phase(p),
        "conditions": [
            {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": since},
            {"type": "Ready", "status": ready, "lastProbeTime": null, "lastTransitionTime": since},
            {"type": "ContainersReady", "status": ready, "lastProbeTime": null, "lastTransitionTime": since},
            {"type": "PodScheduled", "status": if pod.node.is_some() { "True" } else { "False" }, "lastProbeTime": null, "lastTransitionTime": since},
        ],
        "qosClass": "BestEffort", "startTime": since, "containerStatuses": statuses,
    });
    if pod.node.is_some() {
        let ip = pod_ip(cluster, p);
        status["hostIP"] = json!("10.0.0.1");
        status["hostIPs"] = json!([{"ip": "10.0.0.1"}]);
        status["podIP"] = json!(ip);
        status["podIPs"] = json!([{"ip": ip}]);
    }
    if !pod.init_containers.is_empty() {
        status["initContainerStatuses"] = json!(
            pod.init_containers
                .iter()
                .map(|c| container_status(p, c, &since))
                .collect::<Vec<_>>()
        );
    }
    if !p.ephemeral.is_empty() {
        let eph: Vec<Value> = p.ephemeral.iter().map(|e| json!({
            "name": e.name, "image": e.image, "imageID": e.image, "ready": false, "restartCount": 0,
            "lastState": {}, "state": {"running": {"startedAt": since}}, "containerID": container_id(p, &e.name),
        })).collect();
        status["ephemeralContainerStatuses"] = json!(eph);
    }
    json!({"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec, "status": status})
}

fn pod_ip(cluster: &Cluster, p: &PodRuntime) -> String {
    let index = cluster
        .scenario
        .pods
        .iter()
        .position(|q| q.namespace == p.pod.namespace && q.name == p.pod.name)
        .unwrap_or(0);
    format!("10.244.{}.{}", index / 200, 10 + index % 200)
}
