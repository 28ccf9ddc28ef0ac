//! The same scenario through kube-rs (kube 5, rustls + aws-lc-rs, ws): typed lists and gets
//! that must deserialise into k8s-openapi objects, and exec with stdin, `shutdown()` and the
//! status, over v5 and over a v4-only server.

use std::time::Duration;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Namespace, Node, Pod, Secret, ServiceAccount};
use kube::api::{Api, AttachParams, AttachedProcess, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::common::{WAIT, start_arc, start_yaml};
use fake_cluster::FakeCluster;

/// A kube client from the fake's kubeconfig, as the plugin builds one.
pub async fn client(cluster: &FakeCluster) -> Client {
    let kc = Kubeconfig::from_yaml(cluster.kubeconfig()).expect("kubeconfig parses");
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

/// stdout, stderr (drained together) and the status of a finished exec.
pub async fn finish(
    mut proc: AttachedProcess,
) -> (
    Vec<u8>,
    Vec<u8>,
    Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Status>,
) {
    let mut out = proc.stdout().expect("stdout");
    let mut err = proc.stderr().expect("stderr");
    let status = proc.take_status().expect("status future");
    let (mut o, mut e) = (Vec::new(), Vec::new());
    let (r1, r2) = tokio::join!(out.read_to_end(&mut o), err.read_to_end(&mut e));
    r1.expect("read stdout");
    r2.expect("read stderr");
    let status = tokio::time::timeout(Duration::from_secs(10), status)
        .await
        .expect("status in time");
    proc.join().await.expect("join");
    (o, e, status)
}

fn exit_code(status: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Status) -> Option<String> {
    let causes = status.details.as_ref()?.causes.as_ref()?;
    causes
        .iter()
        .find(|c| c.reason.as_deref() == Some("ExitCode"))?
        .message
        .clone()
}

#[tokio::test]
async fn list_and_get_core_objects_as_typed_values() {
    let cluster = start_arc();
    let client = client(&cluster).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "arc");
    let names: Vec<String> = pods
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect();
    assert_eq!(
        names,
        [
            "bootstrapper",
            "control",
            "controldb-0",
            "logsdb-0",
            "metricsdb-0",
            "jumpstart-sql-0"
        ]
    );
    let selected = pods
        .list(&ListParams::default().labels("app=jumpstart-sql"))
        .await
        .unwrap();
    assert_eq!(selected.items.len(), 1);
    let by_field = pods
        .list(&ListParams::default().fields("metadata.name=logsdb-0"))
        .await
        .unwrap();
    assert_eq!(by_field.items[0].metadata.name.as_deref(), Some("logsdb-0"));

    let pod = pods.get("jumpstart-sql-0").await.unwrap();
    let spec = pod.spec.unwrap();
    assert_eq!(spec.node_name.as_deref(), Some("node-1"));
    assert_eq!(spec.image_pull_secrets.unwrap()[0].name, "arc-regcred");
    let status = pod.status.unwrap();
    assert_eq!(status.phase.as_deref(), Some("Running"));
    let cs = status.container_statuses.unwrap();
    assert!(
        cs[0]
            .image_id
            .starts_with("127.0.0.1:5000/arcdata/arc-sqlmi@sha256:")
    );
    assert!(cs[0].state.as_ref().unwrap().running.is_some());
    let missing = pods.get("nopod").await.unwrap_err();
    assert!(
        matches!(missing, kube::Error::Api(ref s) if s.code == 404 && s.reason == "NotFound"),
        "{missing:?}"
    );

    let all: Api<Pod> = Api::all(client.clone());
    assert_eq!(
        all.list(&ListParams::default()).await.unwrap().items.len(),
        6
    );
    let nodes: Api<Node> = Api::all(client.clone());
    let info = nodes
        .get("node-1")
        .await
        .unwrap()
        .status
        .unwrap()
        .node_info
        .unwrap();
    assert_eq!(
        (info.operating_system.as_str(), info.architecture.as_str()),
        ("linux", "amd64")
    );
    let ns: Api<Namespace> = Api::all(client.clone());
    assert!(ns.get("arc").await.is_ok());
    let secret: Api<Secret> = Api::namespaced(client.clone(), "arc");
    let s = secret.get("arc-regcred").await.unwrap();
    assert_eq!(s.type_.as_deref(), Some("kubernetes.io/dockerconfigjson"));
    assert!(
        s.data.unwrap()[".dockerconfigjson"]
            .0
            .starts_with(b"{\"auths\"")
    );
    let sa: Api<ServiceAccount> = Api::namespaced(client, "arc");
    assert_eq!(
        sa.get("sa-arc-sql")
            .await
            .unwrap()
            .image_pull_secrets
            .unwrap()[0]
            .name,
        "arc-regcred"
    );
}

#[tokio::test]
async fn every_workload_kind_deserialises_with_selector_and_template() {
    let cluster = start_yaml(
        "workloads:
  - {kind: Deployment, name: d, selector: {app: d}, template: {containers: [{name: c, image: i}]}}
  - {kind: StatefulSet, name: s, selector: {app: s}, template: {containers: [{name: c, image: i}]}}
  - {kind: DaemonSet, name: ds, selector: {app: ds}, template: {containers: [{name: c, image: i}]}}
  - {kind: ReplicaSet, name: r, selector: {app: r}, template: {containers: [{name: c, image: i}]}}
  - {kind: Job, name: j, selector: {app: j}, template: {containers: [{name: c, image: i}]}}
  - {kind: CronJob, name: cj, schedule: '*/5 * * * *', template: {containers: [{name: c, image: i}]}}
",
    );
    let client = client(&cluster).await;
    let d = Api::<Deployment>::default_namespaced(client.clone())
        .get("d")
        .await
        .unwrap();
    assert_eq!(d.spec.unwrap().selector.match_labels.unwrap()["app"], "d");
    let s = Api::<StatefulSet>::default_namespaced(client.clone())
        .get("s")
        .await
        .unwrap();
    assert_eq!(
        s.spec.unwrap().template.spec.unwrap().containers[0]
            .image
            .as_deref(),
        Some("i")
    );
    assert!(
        Api::<DaemonSet>::default_namespaced(client.clone())
            .get("ds")
            .await
            .is_ok()
    );
    let rs = Api::<ReplicaSet>::default_namespaced(client.clone())
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(
        rs.items.len(),
        2,
        "r and the ReplicaSet derived from Deployment d"
    );
    assert!(
        Api::<Job>::default_namespaced(client.clone())
            .get("j")
            .await
            .is_ok()
    );
    let cj = Api::<CronJob>::default_namespaced(client)
        .get("cj")
        .await
        .unwrap();
    assert_eq!(cj.spec.unwrap().schedule, "*/5 * * * *");
}

#[tokio::test]
async fn exec_with_stdin_shutdown_and_success_status() {
    let cluster = start_arc();
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let params = AttachParams::default()
        .container("arc-sqlmi")
        .stdin(true)
        .stderr(true);
    let mut proc = pods
        .exec(
            "jumpstart-sql-0",
            ["sh", "-c", "cat; echo done >&2"],
            &params,
        )
        .await
        .unwrap();
    let mut stdin = proc.stdin().unwrap();
    let payload = vec![b'x'; 200_000];
    let writer = async {
        stdin.write_all(&payload).await.unwrap();
        stdin.shutdown().await.unwrap();
    };
    let ((out, err, status), ()) = tokio::join!(finish(proc), writer);
    assert_eq!(out.len(), payload.len());
    assert_eq!(err, b"done\n");
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));
    let rec = &cluster.wait_for_execs(1, WAIT)[0];
    assert_eq!(
        (rec.protocol.as_str(), rec.stdin_closed),
        ("v5.channel.k8s.io", true)
    );
}

#[tokio::test]
async fn exec_reports_the_exit_code_in_the_status() {
    let cluster = start_arc();
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let proc = pods
        .exec(
            "metricsdb-0",
            ["sh", "-c", "exit 42"],
            &AttachParams::default(),
        )
        .await
        .unwrap();
    let (_, _, status) = finish(proc).await;
    let status = status.unwrap();
    assert_eq!(
        (status.status.as_deref(), status.reason.as_deref()),
        (Some("Failure"), Some("NonZeroExitCode"))
    );
    assert_eq!(exit_code(&status).as_deref(), Some("42"));
}

#[tokio::test]
async fn exec_streams_large_output_in_chunks() {
    let cluster = start_arc();
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let params = AttachParams::default().max_stdout_buf_size(256 * 1024);
    let proc = pods
        .exec(
            "controldb-0",
            ["sh", "-c", "yes abcdefghij | head -c 8000000"],
            &params,
        )
        .await
        .unwrap();
    let (out, _, status) = finish(proc).await;
    assert_eq!(out.len(), 8_000_000);
    assert!(out.starts_with(b"abcdefghij\nabcdefghij\n"));
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));
}

#[tokio::test]
async fn exec_errors_before_the_upgrade_are_api_statuses() {
    let cluster = start_arc();
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let missing = pods
        .exec("nopod", ["ls"], &AttachParams::default())
        .await
        .err()
        .expect("missing pod fails");
    assert!(
        matches!(missing, kube::Error::Api(ref s) if s.code == 404),
        "{missing:?}"
    );
    let bad = pods
        .exec("control", ["ls"], &AttachParams::default().container("zz"))
        .await
        .err()
        .expect("bad container fails");
    assert!(
        matches!(bad, kube::Error::Api(ref s) if s.code == 400 && s.message == "container zz is not valid for pod control"),
        "{bad:?}"
    );
    let ambiguous = pods
        .exec("control", ["ls"], &AttachParams::default())
        .await
        .err()
        .expect("no container fails");
    assert!(
        matches!(ambiguous, kube::Error::Api(ref s) if s.message == "a container name must be specified for pod control, choose one of: [controller fluentbit]"),
        "{ambiguous:?}"
    );
}

#[tokio::test]
async fn a_v4_only_server_still_runs_exec_with_stdin() {
    let cluster = start_yaml(
        "server: {execProtocols: [v4.channel.k8s.io]}\nnodes: [{name: n1}]\npods:\n  - {name: p, node: n1, containers: [{name: c, image: i}]}\n",
    );
    let pods: Api<Pod> = Api::default_namespaced(client(&cluster).await);
    let mut proc = pods
        .exec(
            "p",
            ["head", "-c", "5"],
            &AttachParams::default().stdin(true),
        )
        .await
        .unwrap();
    // v4 has no stdin half-close: the process ends by itself after reading 5 bytes.
    let mut stdin = proc.stdin().unwrap();
    stdin.write_all(b"hello, and more").await.unwrap();
    let (out, _, status) = finish(proc).await;
    assert_eq!(out, b"hello");
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));
    let rec = &cluster.wait_for_execs(1, WAIT)[0];
    assert_eq!(rec.protocol, "v4.channel.k8s.io");
    let offered = cluster
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/exec"))
        .unwrap()
        .websocket_protocols;
    assert_eq!(
        offered.as_deref(),
        Some("v5.channel.k8s.io, v4.channel.k8s.io"),
        "kube-rs offered both"
    );
}
