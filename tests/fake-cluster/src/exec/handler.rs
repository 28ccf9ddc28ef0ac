//! The `pods/{name}/exec` endpoint before the upgrade: the real server's checks with its
//! Status bodies, SPDY and plain requests refused with the same errors, WebSocket subprotocol
//! negotiation (403 with an empty body when nothing matches), and the 101 answer.

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode, header};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::params;
use super::session::Session;
use crate::api::status::{self, Resp};
use crate::faults::Effects;
use crate::log::ExecRecord;
use crate::shared::Shared;

/// The protocols a client offers, from every `Sec-WebSocket-Protocol` header, in order.
pub fn offered_protocols(req: &Request<Incoming>) -> Vec<String> {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The first protocol of the client's list the server supports.
pub fn negotiate(offered: &[String], supported: &[String]) -> Option<String> {
    offered.iter().find(|p| supported.contains(p)).cloned()
}

/// Answers an exec request for pod `namespace/name`.
pub async fn handle(
    shared: Arc<Shared>,
    mut req: Request<Incoming>,
    namespace: &str,
    name: &str,
    query: &[(String, String)],
    effects: Effects,
) -> Resp {
    let Some(pod) = shared.cluster.pod(namespace, name) else {
        return status::not_found("pods", "", name);
    };
    let params = match params::parse(query) {
        Ok(p) => p,
        Err(msg) => return status::bad_request(&msg),
    };
    let container = match params::validate(&pod, &params) {
        Ok(c) => c,
        Err(r) => return status::respond(r.code, r.reason, &r.message, None),
    };
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if req.method() == Method::POST || upgrade.starts_with("spdy") {
        return status::bad_request("SPDY is not supported by this server");
    }
    let key = req
        .headers()
        .get(header::SEC_WEBSOCKET_KEY)
        .map(|k| k.as_bytes().to_vec());
    let (Some(key), "websocket") = (key, upgrade.as_str()) else {
        return status::bad_request("Upgrade request required");
    };
    let Some(protocol) = negotiate(
        &offered_protocols(&req),
        &shared.cluster.scenario.server.exec_protocols,
    ) else {
        return status::empty(StatusCode::FORBIDDEN);
    };
    let Some(target) = pod.exec_target(&container) else {
        return status::bad_request(&format!(
            "container {container} is not valid for pod {name}"
        ));
    };
    let record = ExecRecord {
        namespace: namespace.to_string(),
        pod: name.to_string(),
        container,
        command: params.command.clone(),
        protocol: protocol.clone(),
        stdin_bytes: 0,
        stdout_bytes: 0,
        stderr_bytes: 0,
        stdin_closed: false,
        exit_code: None,
        outcome: String::new(),
    };
    let session = Session {
        shared: shared.clone(),
        protocol: protocol.clone(),
        params,
        target,
        effects,
        record,
    };
    let on_upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            session.run(upgraded).await;
        }
    });
    let mut resp = status::empty(StatusCode::SWITCHING_PROTOCOLS);
    let h = resp.headers_mut();
    h.insert(
        header::UPGRADE,
        header::HeaderValue::from_static("websocket"),
    );
    h.insert(
        header::CONNECTION,
        header::HeaderValue::from_static("Upgrade"),
    );
    if let Ok(v) = header::HeaderValue::from_str(&derive_accept_key(&key)) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Ok(v) = header::HeaderValue::from_str(&protocol) {
        h.insert(header::SEC_WEBSOCKET_PROTOCOL, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_walks_the_client_list_in_order() {
        let supported = vec![
            "v4.channel.k8s.io".to_string(),
            "v5.channel.k8s.io".to_string(),
        ];
        let offered = vec![
            "v5.channel.k8s.io".to_string(),
            "v4.channel.k8s.io".to_string(),
        ];
        assert_eq!(
            negotiate(&offered, &supported).as_deref(),
            Some("v5.channel.k8s.io")
        );
        let v4_only = vec!["v4.channel.k8s.io".to_string()];
        assert_eq!(
            negotiate(&offered, &v4_only).as_deref(),
            Some("v4.channel.k8s.io")
        );
        assert_eq!(negotiate(&["channel.k8s.io".to_string()], &supported), None);
    }
}
