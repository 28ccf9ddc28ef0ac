//! The images a namespace runs: every container of every matching pod, with the digest the
//! node pulled and the node's platform. The data behind `kubectl dfimage images` and `--all`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Node, Pod};
use kube::Api;
use kube::api::ListParams;

use super::ClusterError;
use super::pod::{ContainerKind, containers};

/// One container of one pod.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InventoryRow {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// Init, regular or ephemeral.
    pub kind: ContainerKind,
    /// The image as the spec names it.
    pub image: String,
    /// The pinned reference that runs (`repo@sha256:…`), when the status tells it.
    pub reference: String,
    /// The digest the node pulled, when known.
    pub digest: Option<String>,
    /// `os/arch` of the pod's node, when known.
    pub platform: Option<String>,
}

/// Rows for `pods` given each node's platform (pure).
pub fn rows(pods: &[Pod], node_platforms: &BTreeMap<String, String>) -> Vec<InventoryRow> {
    let mut out = Vec::new();
    for pod in pods {
        let namespace = pod.metadata.namespace.clone().unwrap_or_default();
        let name = pod.metadata.name.clone().unwrap_or_default();
        let platform = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_ref())
            .and_then(|n| node_platforms.get(n))
            .cloned();
        for c in containers(pod) {
            out.push(InventoryRow {
                namespace: namespace.clone(),
                pod: name.clone(),
                container: c.name,
                kind: c.kind,
                image: c.image.spec_image,
                reference: c.image.reference,
                digest: c.image.digest,
                platform: platform.clone(),
            });
        }
    }
    out
}

/// Lists pods (`namespace` `None` = all namespaces), sorted by namespace and name.
pub async fn fetch_pods(
    client: &kube::Client,
    namespace: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<Pod>, ClusterError> {
    let pods: Api<Pod> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    let mut params = ListParams::default();
    if let Some(sel) = selector {
        params = params.labels(sel);
    }
    let mut where_ = namespace
        .map(|n| format!("namespace {n}"))
        .unwrap_or_else(|| "all namespaces".into());
    if let Some(sel) = selector {
        // The server's complaint about a bad selector reads better next to the selector.
        where_.push_str(&format!(" matching -l `{sel}`"));
    }
    let mut list = pods
        .list(&params)
        .await
        .map_err(|source| ClusterError::Api {
            action: format!("list pods in {where_}"),
            source,
        })?
        .items;
    list.sort_by(|a, b| {
        (&a.metadata.namespace, &a.metadata.name).cmp(&(&b.metadata.namespace, &b.metadata.name))
    });
    Ok(list)
}

/// Every node's `os/arch`; empty when nodes cannot be listed (RBAC often denies it).
pub async fn fetch_node_platforms(client: &kube::Client) -> BTreeMap<String, String> {
    let nodes: Api<Node> = Api::all(client.clone());
    match nodes.list(&ListParams::default()).await {
        Ok(l) => l
            .items
            .into_iter()
            .filter_map(|n| {
                let name = n.metadata.name?;
                let info = n.status?.node_info?;
                Some((
                    name,
                    format!("{}/{}", info.operating_system, info.architecture),
                ))
            })
            .collect(),
        Err(_) => BTreeMap::new(),
    }
}

/// Lists pods and their nodes' platforms as rows.
pub async fn fetch_inventory(
    client: &kube::Client,
    namespace: Option<&str>,
    selector: Option<&str>,
) -> Result<Vec<InventoryRow>, ClusterError> {
    let pods = fetch_pods(client, namespace, selector).await?;
    Ok(rows(&pods, &fetch_node_platforms(client).await))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cover_every_container_with_its_node_platform() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p", "namespace": "arc"},
            "spec": {"nodeName": "n1",
                     "initContainers": [{"name": "i", "image": "busybox"}],
                     "containers": [{"name": "c", "image": "reg/app:v1"}]},
            "status": {"containerStatuses": [{"name": "c", "image": "reg/app:v1",
                "imageID": "reg/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "ready": true, "restartCount": 0}]}
        }))
        .unwrap_or_default();
        let nodes = BTreeMap::from([("n1".to_owned(), "linux/arm64".to_owned())]);
        let rows = rows(&[pod], &nodes);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].kind, ContainerKind::Init);
        assert_eq!(rows[1].platform.as_deref(), Some("linux/arm64"));
        assert!(rows[1].digest.is_some());
        assert_eq!(rows[0].digest, None);
    }
}
