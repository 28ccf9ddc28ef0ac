//! Ephemeral debug containers for distroless targets: `kubectl debug --target` done through
//! the API. The debug container shares the target's process namespace, so the target's
//! filesystem is visible at `/proc/1/root`. Ephemeral containers cannot be removed: they stay
//! until the pod is deleted.

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{Patch, PatchParams};

use super::ClusterError;

/// Where a debug container sees the target's files.
pub const TARGET_ROOT: &str = "/proc/1/root";

/// The strategic-merge patch that adds `name` (running `image`) targeting `target`.
pub fn debug_patch(name: &str, image: &str, target: &str) -> serde_json::Value {
    serde_json::json!({
        "spec": {"ephemeralContainers": [{
            "name": name,
            "image": image,
            "command": ["sleep", "3600"],
            "targetContainerName": target,
            "stdin": false,
            "tty": false,
        }]}
    })
}

/// A debug container name not used in `pod` yet.
pub fn debug_name(pod: &Pod) -> String {
    let used: Vec<String> = pod
        .spec
        .iter()
        .flat_map(|s| {
            s.containers.iter().map(|c| c.name.clone()).chain(
                s.ephemeral_containers
                    .iter()
                    .flatten()
                    .map(|c| c.name.clone()),
            )
        })
        .collect();
    (1..)
        .map(|n| format!("dfimage-debug-{n}"))
        .find(|n| !used.contains(n))
        .unwrap_or_else(|| "dfimage-debug".to_owned())
}

/// Adds the debug container and waits (up to a minute) until it runs. Returns its name.
pub async fn add_debug_container(
    client: &kube::Client,
    namespace: &str,
    pod_name: &str,
    image: &str,
    target: &str,
) -> Result<String, ClusterError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let action = |what: &str| format!("{what} ephemeral debug container in {namespace}/{pod_name}");
    let pod = pods
        .get(pod_name)
        .await
        .map_err(|source| ClusterError::Api {
            action: action("prepare the"),
            source,
        })?;
    let name = debug_name(&pod);
    let patch = debug_patch(&name, image, target);
    pods.patch_ephemeral_containers(pod_name, &PatchParams::default(), &Patch::Strategic(&patch))
        .await
        .map_err(|source| ClusterError::Api {
            action: action("add an"),
            source,
        })?;
    for _ in 0..120 {
        let pod = pods
            .get(pod_name)
            .await
            .map_err(|source| ClusterError::Api {
                action: action("wait for the"),
                source,
            })?;
        let running = pod
            .status
            .and_then(|s| s.ephemeral_container_statuses)
            .into_iter()
            .flatten()
            .any(|c| c.name == name && c.state.is_some_and(|st| st.running.is_some()));
        if running {
            return Ok(name);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(ClusterError::DebugNotRunning {
        pod: pod_name.to_owned(),
        container: name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patch_targets_the_container_and_names_are_fresh() {
        let p = debug_patch("dfimage-debug-1", "busybox:1.36", "app");
        assert_eq!(
            p["spec"]["ephemeralContainers"][0]["targetContainerName"],
            "app"
        );
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "spec": {"containers": [{"name": "app"}],
                     "ephemeralContainers": [{"name": "dfimage-debug-1"}]}
        }))
        .unwrap_or_default();
        assert_eq!(debug_name(&pod), "dfimage-debug-2");
    }
}
