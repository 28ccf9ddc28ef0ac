//! `KIND/NAME` → the pod whose images to recover: the pod itself, a running pod of a
//! workload (found through its selector), or the workload's pod template when none runs.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Node, Pod, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::Api;
use kube::api::ListParams;

use super::ClusterError;
use super::pod::{ContainerImage, containers, template_containers};

/// A workload kind (mirrors the CLI's kinds without depending on `cli`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Pod.
    Pod,
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

impl Kind {
    /// The lowercase kind kubectl prints.
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

/// Where the images come from.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// A live pod, when one was found.
    pub pod: Option<Pod>,
    /// The pod's (or template's) name for messages.
    pub pod_name: String,
    /// Its containers with their images.
    pub containers: Vec<ContainerImage>,
    /// Annotations for container defaulting.
    pub annotations: BTreeMap<String, String>,
    /// The node the pod runs on, when it is scheduled (its platform: [`node_platform`],
    /// fetched by the caller alongside the pull secrets).
    pub node: Option<String>,
    /// What was picked, for a notice ("using pod x of deployment/y").
    pub notice: Option<String>,
}

/// Renders a label selector as the `labelSelector` query string.
pub fn selector_string(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> = selector
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in selector.match_expressions.iter().flatten() {
        let values = e.values.clone().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "In" => format!("{} in ({values})", e.key),
            "NotIn" => format!("{} notin ({values})", e.key),
            "Exists" => e.key.clone(),
            _ => format!("!{}", e.key),
        });
    }
    parts.join(",")
}

fn is_running(pod: &Pod) -> bool {
    pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

fn api_err(action: String) -> impl FnOnce(kube::Error) -> ClusterError {
    move |source| ClusterError::Api { action, source }
}

async fn get_or_not_found<K>(
    api: &Api<K>,
    kind: &'static str,
    name: &str,
    ns: &str,
) -> Result<K, ClusterError>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    match api.get(name).await {
        Ok(o) => Ok(o),
        Err(kube::Error::Api(s)) if s.code == 404 => Err(ClusterError::NotFound {
            kind,
            name: name.to_owned(),
            namespace: ns.to_owned(),
        }),
        Err(e) => Err(api_err(format!("get {kind} {ns}/{name}"))(e)),
    }
}

/// The node's `os/arch` from `status.nodeInfo`; `None` when it cannot be read (RBAC on
/// nodes is often denied: the caller then uses its own default).
pub async fn node_platform(client: &kube::Client, node: &str) -> Option<String> {
    let nodes: Api<Node> = Api::all(client.clone());
    let node = nodes.get(node).await.ok()?;
    let info = node.status?.node_info?;
    Some(format!("{}/{}", info.operating_system, info.architecture))
}

/// Resolves `kind/name` in `namespace`.
pub async fn resolve(
    client: &kube::Client,
    namespace: &str,
    kind: Kind,
    name: &str,
) -> Result<Resolved, ClusterError> {
    let ns = namespace;
    let (selector, template): (Option<String>, Option<PodTemplateSpec>) = match kind {
        Kind::Pod => {
            let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
            let pod = get_or_not_found(&pods, "pod", name, ns).await?;
            return Ok(from_pod(pod, None));
        }
        Kind::Deployment => {
            let o = get_or_not_found(
                &Api::<Deployment>::namespaced(client.clone(), ns),
                "deployment",
                name,
                ns,
            )
            .await?;
            let s = o.spec.unwrap_or_default();
            (Some(selector_string(&s.selector)), Some(s.template))
        }
        Kind::StatefulSet => {
            let o = get_or_not_found(
                &Api::<StatefulSet>::namespaced(client.clone(), ns),
                "statefulset",
                name,
                ns,
            )
            .await?;
            let s = o.spec.unwrap_or_default();
            (Some(selector_string(&s.selector)), Some(s.template))
        }
        Kind::DaemonSet => {
            let o = get_or_not_found(
                &Api::<DaemonSet>::namespaced(client.clone(), ns),
                "daemonset",
                name,
                ns,
            )
            .await?;
            let s = o.spec.unwrap_or_default();
            (Some(selector_string(&s.selector)), Some(s.template))
        }
        Kind::ReplicaSet => {
            let o = get_or_not_found(
                &Api::<ReplicaSet>::namespaced(client.clone(), ns),
                "replicaset",
                name,
                ns,
            )
            .await?;
            let s = o.spec.unwrap_or_default();
            (Some(selector_string(&s.selector)), s.template)
        }
        Kind::Job => {
            let o = get_or_not_found(&Api::<Job>::namespaced(client.clone(), ns), "job", name, ns)
                .await?;
            let s = o.spec.unwrap_or_default();
            let sel = s
                .selector
                .as_ref()
                .map(selector_string)
                .unwrap_or_else(|| format!("job-name={name}"));
            (Some(sel), Some(s.template))
        }
        Kind::CronJob => {
            let o = get_or_not_found(
                &Api::<CronJob>::namespaced(client.clone(), ns),
                "cronjob",
                name,
                ns,
            )
            .await?;
            let template = o.spec.and_then(|s| s.job_template.spec).map(|s| s.template);
            let jobs: Api<Job> = Api::namespaced(client.clone(), ns);
            let owned: Vec<String> = jobs
                .list(&ListParams::default())
                .await
                .map_err(api_err(format!("list jobs in {ns}")))?
                .items
                .into_iter()
                .filter(|j| {
                    j.metadata
                        .owner_references
                        .iter()
                        .flatten()
                        .any(|r| r.kind == "CronJob" && r.name == name)
                })
                .filter_map(|j| j.metadata.name)
                .collect();
            let sel = (!owned.is_empty()).then(|| format!("job-name in ({})", owned.join(",")));
            (sel, template)
        }
    };
    let label = format!("{}/{name}", kind.as_str());
    if let Some(sel) = selector.filter(|s| !s.is_empty()) {
        let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
        let mut list = pods
            .list(&ListParams::default().labels(&sel))
            .await
            .map_err(api_err(format!("list pods of {label}")))?
            .items;
        list.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        let total = list.len();
        if let Some(pod) = list.iter().find(|p| is_running(p)).cloned() {
            let pod_name = pod.metadata.name.clone().unwrap_or_default();
            let notice = format!("using pod {pod_name} of {label} ({total} pod(s) match)");
            return Ok(from_pod(pod, Some(notice)));
        }
    }
    let template = template.ok_or_else(|| ClusterError::NoPods {
        kind: kind.as_str(),
        name: name.to_owned(),
    })?;
    let spec: PodSpec = template.spec.unwrap_or_default();
    if spec.containers.is_empty() {
        return Err(ClusterError::NoPods {
            kind: kind.as_str(),
            name: name.to_owned(),
        });
    }
    Ok(Resolved {
        pod: None,
        pod_name: label.clone(),
        containers: template_containers(&spec),
        annotations: template
            .metadata
            .and_then(|m| m.annotations)
            .unwrap_or_default(),
        node: None,
        notice: Some(format!(
            "no running pod of {label}: using its pod template's images"
        )),
    })
}

fn from_pod(pod: Pod, notice: Option<String>) -> Resolved {
    Resolved {
        node: pod.spec.as_ref().and_then(|s| s.node_name.clone()),
        pod_name: pod.metadata.name.clone().unwrap_or_default(),
        containers: containers(&pod),
        annotations: pod.metadata.annotations.clone().unwrap_or_default(),
        notice,
        pod: Some(pod),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_render_labels_and_expressions_like_kubectl() {
        let sel: LabelSelector = serde_json::from_value(serde_json::json!({
            "matchLabels": {"app": "sql", "tier": "db"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["a", "b"]},
                {"key": "skip", "operator": "DoesNotExist"},
                {"key": "has", "operator": "Exists"}
            ]
        }))
        .unwrap_or_default();
        assert_eq!(
            selector_string(&sel),
            "app=sql,tier=db,env in (a,b),!skip,has"
        );
    }
}
