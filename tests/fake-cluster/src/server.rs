//! The HTTPS front: accept loop, TLS, HTTP/1.1 with upgrades, bearer-token check, fault
//! effects on whole requests, dispatch by route, and the request log entry of each request.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::api::route::{self, Route};
use crate::api::status::{self, Resp};
use crate::api::{discovery, read, resources};
use crate::faults::{Effects, Target};
use crate::log::RequestRecord;
use crate::shared::Shared;
use crate::{admin, ephemeral, exec};

/// Serves until `shutdown` changes.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                // Go's net package (the real API server, the kubelet) turns Nagle's algorithm
                // off on every TCP connection; without this, small writes wait ~40 ms for the
                // peer's delayed ACK, which no real cluster shows.
                let _ = tcp.set_nodelay(true);
                let (acceptor, shared) = (acceptor.clone(), shared.clone());
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else { return };
                    let svc = service_fn(move |req| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(handle(shared, req).await) }
                    });
                    // Client resets and half-finished requests are normal for tests; ignore them.
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).with_upgrades().await;
                });
            }
        }
    }
}

/// Decodes a query string like the API server (`+` is a space, empty pairs ignored).
pub fn decode_query(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn header_value(req: &Request<Incoming>, name: header::HeaderName) -> Option<String> {
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Resp {
    let path = req.uri().path().to_string();
    let query = decode_query(req.uri().query());
    let mut record = RequestRecord {
        method: req.method().to_string(),
        path: path.clone(),
        query: query.clone(),
        user_agent: header_value(&req, header::USER_AGENT),
        kubectl_command: header_value(&req, header::HeaderName::from_static("kubectl-command")),
        accept: header_value(&req, header::ACCEPT),
        content_type: header_value(&req, header::CONTENT_TYPE),
        upgrade: header_value(&req, header::UPGRADE),
        websocket_protocols: header_value(&req, header::SEC_WEBSOCKET_PROTOCOL),
        status: 0,
    };
    let resp = if !authorized(&shared, &req) {
        status::unauthorized()
    } else {
        let command: Vec<String> = if path.ends_with("/exec") {
            query
                .iter()
                .filter(|(k, _)| k == "command")
                .map(|(_, v)| v.clone())
                .collect()
        } else {
            Vec::new()
        };
        let effects = shared.faults.select(&Target {
            method: req.method().as_str(),
            path: &path,
            command: &command,
        });
        if let Some(code) = effects.status {
            status::injected(code)
        } else if effects.hang && command.is_empty() {
            shared.log.request(record);
            std::future::pending::<()>().await;
            unreachable!("pending never resolves")
        } else {
            if let (Some(ms), true) = (effects.delay_ms, command.is_empty()) {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            dispatch(&shared, req, &path, &query, effects).await
        }
    };
    record.status = resp.status().as_u16();
    shared.log.request(record);
    resp
}

fn authorized(shared: &Shared, req: &Request<Incoming>) -> bool {
    let want = format!("Bearer {}", shared.token);
    req.headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(want.as_str())
}

async fn dispatch(
    shared: &Arc<Shared>,
    req: Request<Incoming>,
    path: &str,
    query: &[(String, String)],
    effects: Effects,
) -> Resp {
    let ok = |v: &serde_json::Value| status::json_response(hyper::StatusCode::OK, v);
    let get = req.method() == Method::GET;
    match route::parse(path) {
        Route::Version if get => {
            let mut resp = ok(&discovery::version(&shared.cluster.scenario.server.minor));
            resp.headers_mut().insert(
                header::CACHE_CONTROL,
                header::HeaderValue::from_static("no-store"),
            );
            resp
        }
        Route::CoreVersions if get => ok(&discovery::core_versions(&shared.address)),
        Route::Groups if get => ok(&discovery::group_list()),
        Route::Group(g) if get => {
            discovery::group_doc(g).map_or_else(status::unknown_path, |d| ok(&d))
        }
        Route::ResourceList { group, version } if get => {
            discovery::resource_list(group, version).map_or_else(status::unknown_path, |d| ok(&d))
        }
        Route::Admin(what) => admin::handle(shared, req, what).await,
        Route::Resource(rp) => {
            let Some(def) = resources::find(rp.group, rp.version, rp.plural) else {
                return status::unknown_path();
            };
            match (rp.sub, rp.namespace, rp.name) {
                (None, _, _) if get => {
                    let accept = header_value(&req, header::ACCEPT).unwrap_or_default();
                    read::read(
                        shared,
                        &read::ReadRequest {
                            def,
                            namespace: rp.namespace,
                            name: rp.name,
                            query,
                            accept: &accept,
                        },
                    )
                }
                (None, _, _) => status::method_not_allowed(),
                (Some("exec"), Some(ns), Some(name)) if def.plural == "pods" => {
                    exec::handle(shared.clone(), req, ns, name, query, effects).await
                }
                (Some("ephemeralcontainers"), Some(ns), Some(name)) if def.plural == "pods" => {
                    ephemeral::handle(shared, req, ns, name).await
                }
                _ => status::unknown_path(),
            }
        }
        Route::Unknown => status::unknown_path(),
        _ => status::method_not_allowed(),
    }
}
