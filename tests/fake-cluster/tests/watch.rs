//! Watches: `kubectl wait` and a kube-rs watch stream get the current objects as ADDED events;
//! a watch resumed from a resourceVersion gets none and stays open.

use std::time::Duration;

use futures_util::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, WatchEvent, WatchParams};

use crate::common::{Kubectl, start_arc};
use crate::kube_client::client;

#[test]
fn kubectl_wait_sees_the_ready_condition() {
    let cluster = start_arc();
    let run = Kubectl::new(&cluster)
        .run(&[
            "wait",
            "--for=condition=Ready",
            "pod/jumpstart-sql-0",
            "-n",
            "arc",
            "--timeout=20s",
        ])
        .expect_code(0);
    assert_eq!(run.stdout.trim(), "pod/jumpstart-sql-0 condition met");
    assert!(
        cluster
            .requests()
            .iter()
            .any(|r| r.query_value("watch") == Some("true")),
        "kubectl watched"
    );
}

#[tokio::test]
async fn kube_rs_watch_streams_added_events_then_stays_open() {
    let cluster = start_arc();
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let params = WatchParams::default().labels("app=logsdb").timeout(30);
    let mut stream = pods.watch(&params, "0").await.unwrap().boxed();
    match stream.try_next().await.unwrap() {
        Some(WatchEvent::Added(pod)) => assert_eq!(pod.metadata.name.as_deref(), Some("logsdb-0")),
        other => panic!("expected ADDED logsdb-0, got {other:?}"),
    }
    let idle = tokio::time::timeout(Duration::from_millis(500), stream.try_next()).await;
    assert!(idle.is_err(), "no more events, the watch stays open");

    let mut resumed = pods.watch(&params, "1").await.unwrap().boxed();
    let nothing = tokio::time::timeout(Duration::from_millis(500), resumed.try_next()).await;
    assert!(nothing.is_err(), "a resumed watch replays nothing");
}
