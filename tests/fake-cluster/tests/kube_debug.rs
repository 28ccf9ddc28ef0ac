//! Ephemeral debug containers through kube-rs, as the plugin's own client adds them: strategic
//! and JSON patches, PUT, the pod status, and a tar of the distroless target through
//! `/proc/1/root`.

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams, Patch, PatchParams, PostParams};
use serde_json::json;

use crate::common::start_arc;
use crate::kube_client::{client, finish};

#[tokio::test]
async fn patched_debug_container_reads_the_target_filesystem() {
    let cluster = start_arc();
    let root = cluster.rootfs("arc", "control", "fluentbit").unwrap();
    std::fs::write(root.join("etc/fluent-bit.conf"), "[INPUT]\n").unwrap();
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let patch = json!({"spec": {"ephemeralContainers": [{"name": "dfimage-debug", "image": "127.0.0.1:5000/library/busybox:1.36", "targetContainerName": "fluentbit", "stdin": false, "tty": false}]}});
    let pod = pods
        .patch_ephemeral_containers("control", &PatchParams::default(), &Patch::Strategic(patch))
        .await
        .unwrap();
    let eph = pod.spec.unwrap().ephemeral_containers.unwrap();
    assert_eq!(eph[0].target_container_name.as_deref(), Some("fluentbit"));
    let statuses = pod.status.unwrap().ephemeral_container_statuses.unwrap();
    assert!(statuses[0].state.as_ref().unwrap().running.is_some());

    let params = AttachParams::default().container("dfimage-debug");
    let proc = pods
        .exec(
            "control",
            [
                "tar",
                "cf",
                "-",
                "-C",
                "/proc/1/root",
                "etc/fluent-bit.conf",
            ],
            &params,
        )
        .await
        .unwrap();
    let (out, _, status) = finish(proc).await;
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));
    let mut archive = tar::Archive::new(out.as_slice());
    let names: Vec<String> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().display().to_string())
        .collect();
    assert_eq!(names, ["etc/fluent-bit.conf"]);
}

#[tokio::test]
async fn json_patch_put_and_invalid_specs() {
    let cluster = start_arc();
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    // kube's Patch::Json needs its jsonpatch feature; send the same request by hand.
    let body = json!([{"op": "add", "path": "/spec/ephemeralContainers/-", "value": {"name": "d1", "image": "busybox"}}]);
    let req = http::Request::patch("/api/v1/namespaces/arc/pods/logsdb-0/ephemeralcontainers")
        .header("content-type", "application/json-patch+json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    let pod: Pod = client(&cluster).await.request(req).await.unwrap();
    assert_eq!(
        pod.spec
            .as_ref()
            .unwrap()
            .ephemeral_containers
            .as_ref()
            .unwrap()
            .len(),
        1
    );

    let mut whole = pods.get_ephemeral_containers("logsdb-0").await.unwrap();
    let spec = whole.spec.as_mut().unwrap();
    let mut second = spec.ephemeral_containers.as_ref().unwrap()[0].clone();
    second.name = "d2".into();
    spec.ephemeral_containers.as_mut().unwrap().push(second);
    let pod = pods
        .replace_ephemeral_containers("logsdb-0", &PostParams::default(), &whole)
        .await
        .unwrap();
    let names: Vec<String> = pod
        .spec
        .unwrap()
        .ephemeral_containers
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["d1", "d2"]);

    let bad = json!({"spec": {"ephemeralContainers": [{"name": "d3", "image": "busybox", "targetContainerName": "nope"}]}});
    let err = pods
        .patch_ephemeral_containers("logsdb-0", &PatchParams::default(), &Patch::Strategic(bad))
        .await
        .unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 422 && s.reason == "Invalid"),
        "{err:?}"
    );
}
