//! Watches (`?watch=true`): a chunked stream of `{"type":"ADDED","object":…}` lines, one per
//! current object (none when the client resumes from a resourceVersion, since objects never
//! change behind its back), then the stream stays open until `timeoutSeconds` or the client
//! leaves. Enough for `kubectl get -w`, `kubectl wait` and kube-rs watchers.

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt as _;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use hyper::{Response, StatusCode, header};
use serde_json::{Value, json};

use super::status::Resp;

/// Whether the query asks for a watch.
pub fn requested(query: &[(String, String)]) -> bool {
    query.iter().any(|(k, v)| {
        k == "watch" && matches!(v.as_str(), "1" | "t" | "T" | "true" | "True" | "TRUE")
    })
}

/// Whether the client resumes from a resourceVersion (no initial events then).
pub fn resumes(query: &[(String, String)]) -> bool {
    let rv = query
        .iter()
        .find(|(k, _)| k == "resourceVersion")
        .map(|(_, v)| v.as_str());
    let initial = query
        .iter()
        .any(|(k, v)| k == "sendInitialEvents" && v == "true");
    !initial && rv.is_some_and(|v| !v.is_empty() && v != "0")
}

/// The event lines for `objects`.
pub fn events(objects: Vec<Value>) -> Vec<Bytes> {
    objects
        .into_iter()
        .map(|o| {
            let mut line =
                serde_json::to_vec(&json!({"type": "ADDED", "object": o})).unwrap_or_default();
            line.push(b'\n');
            Bytes::from(line)
        })
        .collect()
}

/// Streams `lines`, then holds the response open for `timeoutSeconds` (default 30 min).
pub fn respond(lines: Vec<Bytes>, query: &[(String, String)]) -> Resp {
    let secs = query
        .iter()
        .find(|(k, _)| k == "timeoutSeconds")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(1800);
    let initial = futures_util::stream::iter(
        lines
            .into_iter()
            .map(|b| Ok::<_, Infallible>(Frame::data(b))),
    );
    let hold = futures_util::stream::once(async move {
        tokio::time::sleep(Duration::from_secs(secs)).await;
    })
    .filter_map(|()| async { None::<Result<Frame<Bytes>, Infallible>> });
    let body = BodyExt::boxed(StreamBody::new(initial.chain(hold)));
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp
}
