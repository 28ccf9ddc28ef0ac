//! The exec wire protocol checked frame by frame with a raw WebSocket client: initial empty
//! frame, binary frames only, status then close 1000, ping/pong while a command runs, the v5
//! close-channel frame (also without stdin), malformed 255 frames, and 403 when no
//! subprotocol matches.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::common::start_arc;
use fake_cluster::FakeCluster;

type Ws = WebSocketStream<TlsStream<TcpStream>>;

/// Opens an exec WebSocket offering `protocols` to `path?query`.
pub async fn connect(
    cluster: &FakeCluster,
    path_query: &str,
    protocols: &str,
) -> Result<Ws, WsError> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(cluster.ca_pem().as_bytes()).unwrap())
        .unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let addr = cluster.url().trim_start_matches("https://").to_string();
    let tcp = TcpStream::connect(&addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    let mut req = format!("wss://{addr}{path_query}")
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "Authorization",
        format!("Bearer {}", cluster.token()).parse().unwrap(),
    );
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", protocols.parse().unwrap());
    tokio_tungstenite::client_async(req, tls)
        .await
        .map(|(ws, _)| ws)
}

fn exec_path(pod: &str, container: &str, argv: &[&str], stdin: bool) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for a in argv {
        q.append_pair("command", a);
    }
    q.append_pair("container", container)
        .append_pair("stdout", "true")
        .append_pair("stderr", "true");
    if stdin {
        q.append_pair("stdin", "true");
    }
    format!("/api/v1/namespaces/arc/pods/{pod}/exec?{}", q.finish())
}

/// Reads every message until the connection ends; panics on text frames.
async fn drain(ws: &mut Ws) -> (Vec<Vec<u8>>, Option<CloseCode>) {
    let mut frames = Vec::new();
    let mut close = None;
    while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
        match msg {
            Ok(Message::Binary(b)) => frames.push(b.to_vec()),
            Ok(Message::Close(f)) => close = f.map(|f| f.code),
            Ok(Message::Text(t)) => panic!("the server sent a text frame: {t}"),
            Ok(_) => {}
            Err(_) => break,
        }
    }
    (frames, close)
}

#[tokio::test]
async fn initial_frame_output_status_and_close_1000() {
    let cluster = start_arc();
    let mut ws = connect(
        &cluster,
        &exec_path(
            "controldb-0",
            "mssql-server",
            &["sh", "-c", "echo out; echo err >&2"],
            false,
        ),
        "v5.channel.k8s.io",
    )
    .await
    .unwrap();
    let (frames, close) = drain(&mut ws).await;
    assert_eq!(
        frames[0],
        [1u8],
        "one empty frame on the lowest requested output channel first"
    );
    let stdout: Vec<u8> = frames
        .iter()
        .filter(|f| f[0] == 1)
        .flat_map(|f| f[1..].to_vec())
        .collect();
    let stderr: Vec<u8> = frames
        .iter()
        .filter(|f| f[0] == 2)
        .flat_map(|f| f[1..].to_vec())
        .collect();
    assert_eq!(
        (stdout.as_slice(), stderr.as_slice()),
        (&b"out\n"[..], &b"err\n"[..])
    );
    let last = frames.last().unwrap();
    assert_eq!(last[0], 3, "the status comes last");
    let status: Value = serde_json::from_slice(&last[1..]).unwrap();
    assert_eq!(
        status,
        serde_json::json!({"metadata": {}, "status": "Success"})
    );
    assert_eq!(close, Some(CloseCode::Normal));
}

#[tokio::test]
async fn pings_are_answered_while_the_command_runs() {
    let cluster = start_arc();
    let mut ws = connect(
        &cluster,
        &exec_path(
            "controldb-0",
            "mssql-server",
            &["sh", "-c", "sleep 2; echo late"],
            false,
        ),
        "v5.channel.k8s.io",
    )
    .await
    .unwrap();
    assert_eq!(
        ws.next().await.unwrap().unwrap(),
        Message::Binary(Bytes::from_static(&[1]))
    );
    ws.send(Message::Ping(Bytes::from_static(b"are-you-there")))
        .await
        .unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(1), ws.next())
        .await
        .expect("pong before the output")
        .unwrap()
        .unwrap();
    assert_eq!(pong, Message::Pong(Bytes::from_static(b"are-you-there")));
}

#[tokio::test]
async fn v5_close_frame_ends_stdin_and_later_stdin_is_ignored() {
    let cluster = start_arc();
    let mut ws = connect(
        &cluster,
        &exec_path("controldb-0", "mssql-server", &["cat"], true),
        "v5.channel.k8s.io",
    )
    .await
    .unwrap();
    ws.send(Message::Binary(Bytes::from_static(b"\x00first")))
        .await
        .unwrap();
    ws.send(Message::Binary(Bytes::from_static(&[255, 0])))
        .await
        .unwrap();
    ws.send(Message::Binary(Bytes::from_static(b"\x00ignored")))
        .await
        .unwrap();
    let (frames, close) = drain(&mut ws).await;
    let stdout: Vec<u8> = frames
        .iter()
        .filter(|f| f[0] == 1)
        .flat_map(|f| f[1..].to_vec())
        .collect();
    assert_eq!(stdout, b"first");
    assert_eq!(close, Some(CloseCode::Normal));
}

#[tokio::test]
async fn close_frame_for_a_stream_never_opened_is_accepted() {
    let cluster = start_arc();
    let mut ws = connect(
        &cluster,
        &exec_path("controldb-0", "mssql-server", &["echo", "ok"], false),
        "v5.channel.k8s.io",
    )
    .await
    .unwrap();
    ws.send(Message::Binary(Bytes::from_static(&[255, 0])))
        .await
        .unwrap();
    let (frames, _) = drain(&mut ws).await;
    assert_eq!(
        frames.last().unwrap()[0],
        3,
        "the exec completes with a status"
    );
}

#[tokio::test]
async fn a_malformed_close_frame_breaks_the_connection() {
    let cluster = start_arc();
    let mut ws = connect(
        &cluster,
        &exec_path("controldb-0", "mssql-server", &["sleep", "5"], true),
        "v5.channel.k8s.io",
    )
    .await
    .unwrap();
    ws.send(Message::Binary(Bytes::from_static(&[255, 0, 0])))
        .await
        .unwrap();
    let (frames, close) = drain(&mut ws).await;
    assert!(
        frames.iter().all(|f| f[0] != 3),
        "no status after a protocol error"
    );
    assert_eq!(close, None);
    let rec = cluster.wait_for_execs(1, crate::common::WAIT);
    assert_eq!(rec[0].outcome, "protocol-error");
}

#[tokio::test]
async fn no_common_subprotocol_is_403_and_v4_is_negotiated_when_offered_alone() {
    let cluster = start_arc();
    let path = exec_path("controldb-0", "mssql-server", &["true"], false);
    match connect(&cluster, &path, "channel.k8s.io").await {
        Err(WsError::Http(resp)) => {
            assert_eq!(resp.status(), 403);
            assert!(
                resp.body().as_ref().is_none_or(|b| b.is_empty()),
                "empty body"
            );
        }
        other => panic!("expected 403, got {other:?}"),
    }
    let mut ws = connect(&cluster, &path, "v4.channel.k8s.io")
        .await
        .expect("v4 accepted");
    let (frames, _) = drain(&mut ws).await;
    assert_eq!(frames.last().unwrap()[0], 3);
}
