//! The admin endpoints under `/fake/` (same bearer token): read the request and exec logs,
//! list, add and clear faults. For the `fake-apiserver` binary; in-process tests use the
//! `FakeCluster` methods instead.

use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::json;

use crate::api::status::{self, Resp};
use crate::faults::Fault;
use crate::shared::Shared;

/// Answers `/fake/{what}`: `requests`, `execs` (GET, DELETE clears both logs), `faults`
/// (GET lists, POST adds one fault or a list, DELETE clears).
pub async fn handle(shared: &Shared, req: Request<Incoming>, what: &str) -> Resp {
    let ok = |v: &serde_json::Value| status::json_response(StatusCode::OK, v);
    match (what, req.method().clone()) {
        ("requests", Method::GET) => ok(&json!(shared.log.requests())),
        ("execs", Method::GET) => ok(&json!(shared.log.execs())),
        ("requests" | "execs", Method::DELETE) => {
            shared.log.clear();
            ok(&json!({}))
        }
        ("faults", Method::GET) => ok(&json!(shared.faults.list())),
        ("faults", Method::DELETE) => {
            shared.faults.clear();
            ok(&json!([]))
        }
        ("faults", Method::POST) => {
            let Ok(body) = req.into_body().collect().await.map(|b| b.to_bytes()) else {
                return status::bad_request("unreadable body");
            };
            let faults: Vec<Fault> = match serde_json::from_slice::<Vec<Fault>>(&body) {
                Ok(list) => list,
                Err(_) => match serde_json::from_slice::<Fault>(&body) {
                    Ok(one) => vec![one],
                    Err(e) => return status::bad_request(&format!("invalid fault: {e}")),
                },
            };
            shared.faults.add(faults);
            ok(&json!(shared.faults.list()))
        }
        _ => status::unknown_path(),
    }
}
