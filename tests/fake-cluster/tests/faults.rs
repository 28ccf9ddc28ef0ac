//! Fault injection seen by real clients: exec streams cut, stalled, throttled, delayed, hung,
//! without status or close frame; whole requests answered 429/500 or never; faults added at
//! run time through the admin endpoint.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::api::{Api, AttachParams, AttachedProcess};
use tokio::io::AsyncReadExt as _;

use crate::common::{Kubectl, WAIT, start_arc};
use crate::kube_client::{client, finish};
use fake_cluster::Fault;

fn exec_fault(command: &str) -> Fault {
    Fault {
        path: Some("/exec".into()),
        command: Some(command.into()),
        ..Fault::default()
    }
}

/// Reads stdout until EOF or until the exec task ends. kube 5.0 does not shut its stdout pipe
/// down when the connection breaks (it returns early on the socket error), so after a cut the
/// reader never sees EOF: race it against the status future, which resolves to None then.
async fn read_until_task_ends(proc: &mut AttachedProcess) -> (Vec<u8>, Option<Status>) {
    let mut out = proc.stdout().expect("stdout");
    let status = proc.take_status().expect("status future");
    tokio::pin!(status);
    let (mut got, mut buf) = (Vec::new(), vec![0u8; 64 * 1024]);
    let status = loop {
        tokio::select! {
            n = out.read(&mut buf) => match n.expect("read stdout") {
                0 => break status.await,
                n => got.extend_from_slice(&buf[..n]),
            },
            st = &mut status => break st,
        }
    };
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(200), out.read(&mut buf)).await
    {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    (got, status)
}

#[tokio::test]
async fn cut_after_bytes_drops_the_stream_without_status() {
    let cluster = start_arc();
    cluster.add_faults(vec![Fault {
        cut_after_bytes: Some(10_000),
        ..exec_fault("head -c")
    }]);
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let params = AttachParams::default().max_stdout_buf_size(64 * 1024);
    let mut proc = pods
        .exec(
            "controldb-0",
            ["sh", "-c", "yes | head -c 100000"],
            &params.stderr(false),
        )
        .await
        .unwrap();
    let (out, status) =
        tokio::time::timeout(Duration::from_secs(10), read_until_task_ends(&mut proc))
            .await
            .expect("the exec task ends");
    assert_eq!(out.len(), 10_000);
    assert!(status.is_none(), "no status after a cut: {status:?}");
    assert_eq!(cluster.wait_for_execs(1, WAIT)[0].outcome, "cut");
}

#[test]
fn kubectl_cp_reports_a_cut_download() {
    let cluster = start_arc();
    let root = cluster.rootfs("arc", "logsdb-0", "opensearch").unwrap();
    std::fs::write(root.join("tmp/big"), vec![b'z'; 300_000]).unwrap();
    cluster.add_faults(vec![Fault {
        cut_after_bytes: Some(100_000),
        ..exec_fault("tar cf")
    }]);
    let kubectl = Kubectl::new(&cluster);
    let run = kubectl.run(&["cp", "arc/logsdb-0:/tmp/big", "./big"]);
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    let got = std::fs::metadata(kubectl.dir.path().join("big"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(got < 300_000, "the file is short: {got}");
}

#[test]
fn kubectl_get_retries_a_429_and_reports_a_500() {
    let cluster = start_arc();
    let pods_path = "/api/v1/namespaces/arc/pods";
    cluster.add_faults(vec![Fault {
        path: Some(pods_path.into()),
        nth: Some(1),
        status: Some(429),
        ..Fault::default()
    }]);
    let kubectl = Kubectl::new(&cluster);
    kubectl
        .run(&["get", "pods", "-n", "arc", "-o", "name"])
        .expect_code(0);
    let statuses: Vec<u16> = cluster
        .requests()
        .into_iter()
        .filter(|r| r.path == pods_path)
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [429, 200],
        "client-go honoured Retry-After and retried"
    );

    cluster.clear_faults();
    cluster.add_faults(vec![Fault {
        path: Some(pods_path.into()),
        status: Some(500),
        ..Fault::default()
    }]);
    let run = kubectl.run(&["get", "pods", "-n", "arc"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("Internal error occurred: injected fault"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn throttle_and_first_byte_delay_slow_the_stream_down() {
    let cluster = start_arc();
    cluster.add_faults(vec![Fault {
        throttle_bytes_per_sec: Some(100_000),
        delay_ms: Some(300),
        chunk_bytes: Some(10_000),
        ..exec_fault("head -c")
    }]);
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let started = Instant::now();
    let proc = pods
        .exec(
            "controldb-0",
            ["sh", "-c", "yes | head -c 50000"],
            &AttachParams::default(),
        )
        .await
        .unwrap();
    let (out, _, status) = finish(proc).await;
    let elapsed = started.elapsed();
    assert_eq!(out.len(), 50_000);
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));
    assert!(
        elapsed >= Duration::from_millis(700),
        "0.3 s delay + 0.5 s at 100 kB/s, took {elapsed:?}"
    );
}

#[tokio::test]
async fn hang_and_stall_keep_the_connection_open_without_output() {
    let cluster = start_arc();
    cluster.add_faults(vec![Fault {
        stall_after_bytes: Some(1000),
        ..exec_fault("yes")
    }]);
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let mut proc = pods
        .exec(
            "controldb-0",
            ["yes"],
            &AttachParams::default().stderr(false),
        )
        .await
        .unwrap();
    let mut out = proc.stdout().unwrap();
    let mut buf = vec![0u8; 1000];
    out.read_exact(&mut buf).await.unwrap();
    let more = tokio::time::timeout(Duration::from_millis(500), out.read(&mut buf)).await;
    assert!(more.is_err(), "nothing after the stall point");
    proc.abort();

    cluster.add_faults(vec![Fault {
        path: Some("/pods/control".into()),
        hang: true,
        ..Fault::default()
    }]);
    let hung = tokio::time::timeout(Duration::from_millis(500), pods.get("control")).await;
    assert!(hung.is_err(), "a hung request never answers");
}

#[test]
fn missing_status_is_success_for_kubectl_but_a_missing_close_frame_is_an_error() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    cluster.add_faults(vec![Fault {
        no_status: true,
        ..exec_fault("exit 4")
    }]);
    let run = kubectl.run(&[
        "exec",
        "controldb-0",
        "-n",
        "arc",
        "--",
        "sh",
        "-c",
        "exit 4",
    ]);
    assert_eq!(
        run.code, 0,
        "an empty status stream counts as success: {}",
        run.stderr
    );

    cluster.add_faults(vec![Fault {
        no_close_frame: true,
        ..exec_fault("echo bye")
    }]);
    let run = kubectl.run(&[
        "exec",
        "controldb-0",
        "-n",
        "arc",
        "--",
        "sh",
        "-c",
        "echo bye",
    ]);
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("error reading from error stream"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn faults_can_be_added_through_the_admin_endpoint() {
    let cluster = start_arc();
    let client = client(&cluster).await;
    let body = serde_json::to_vec(
        &serde_json::json!({"path": "/api/v1/namespaces/arc/pods/control", "status": 500}),
    )
    .unwrap();
    let req = http::Request::post("/fake/faults")
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    let listed = client.request_text(req).await.unwrap();
    assert!(listed.contains("\"status\":500"), "{listed}");
    let pods: Api<Pod> = Api::namespaced(client.clone(), "arc");
    let err = pods.get("control").await.unwrap_err();
    assert!(
        matches!(err, kube::Error::Api(ref s) if s.code == 500),
        "{err:?}"
    );
    let log = client
        .request_text(
            http::Request::get("/fake/requests")
                .body(Vec::new())
                .unwrap(),
        )
        .await
        .unwrap();
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"] == "/api/v1/namespaces/arc/pods/control" && r["status"] == 500)
    );
}

#[test]
fn text_frames_break_kubectl_and_fragmented_messages_are_reassembled() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    cluster.add_faults(vec![Fault {
        text_frames: true,
        ..exec_fault("echo text")
    }]);
    let run = kubectl.run(&["exec", "controldb-0", "-n", "arc", "--", "echo", "text"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("unexpected message type: 1"),
        "{}",
        run.stderr
    );

    cluster.add_faults(vec![Fault {
        fragment_bytes: Some(777),
        ..exec_fault("head -c")
    }]);
    let run = kubectl
        .run(&[
            "exec",
            "controldb-0",
            "-n",
            "arc",
            "--",
            "sh",
            "-c",
            "yes 0123456789 | head -c 200000",
        ])
        .expect_code(0);
    assert_eq!(run.stdout.len(), 200_000);
    assert!(run.stdout.starts_with("0123456789\n0123456789\n"));
}

#[tokio::test]
async fn fragmented_messages_and_a_delayed_status_reach_kube_rs() {
    let cluster = start_arc();
    cluster.add_faults(vec![Fault {
        fragment_bytes: Some(100),
        status_delay_ms: Some(500),
        ..exec_fault("head -c")
    }]);
    let pods: Api<Pod> = Api::namespaced(client(&cluster).await, "arc");
    let started = Instant::now();
    let proc = pods
        .exec(
            "controldb-0",
            ["sh", "-c", "yes | head -c 30000"],
            &AttachParams::default(),
        )
        .await
        .unwrap();
    let (out, _, status) = finish(proc).await;
    assert_eq!(out.len(), 30_000);
    assert_eq!(status.unwrap().status.as_deref(), Some("Success"));
    assert!(started.elapsed() >= Duration::from_millis(500));
}
