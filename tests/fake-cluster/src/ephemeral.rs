//! The `pods/{name}/ephemeralcontainers` subresource: GET, PATCH (strategic-merge and merge
//! patches as `kubectl debug` sends them, JSON patches `add`ing to `/spec/ephemeralContainers`)
//! and PUT of the whole pod. New debug containers get their own rootfs (flavor from the image);
//! their commands see the target container's filesystem at `/proc/1/root`.

use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use crate::api::objects;
use crate::api::status::{self, Resp};
use crate::cluster::PodRuntime;
use crate::shared::Shared;

/// The ephemeral container specs a request body adds, by content type.
pub fn specs_from_body(
    content_type: &str,
    method: &Method,
    body: &Value,
) -> Result<Vec<Value>, String> {
    let list = |v: &Value| {
        v["spec"]["ephemeralContainers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    if method == Method::PUT {
        return Ok(list(body));
    }
    let ct = content_type.split(';').next().unwrap_or("").trim();
    match ct {
        "application/strategic-merge-patch+json" | "application/merge-patch+json" => Ok(list(body)),
        "application/json-patch+json" => {
            let ops = body.as_array().ok_or("json patch must be an array")?;
            let mut out = Vec::new();
            for op in ops {
                let (kind, path) = (
                    op["op"].as_str().unwrap_or(""),
                    op["path"].as_str().unwrap_or(""),
                );
                match (kind, path) {
                    ("add", "/spec/ephemeralContainers/-") => out.push(op["value"].clone()),
                    ("add" | "replace", "/spec/ephemeralContainers") => {
                        out.extend(op["value"].as_array().cloned().unwrap_or_default())
                    }
                    ("test", _) => {}
                    _ => return Err(format!("unsupported json patch operation {kind} {path}")),
                }
            }
            Ok(out)
        }
        other => Err(format!(
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got {other:?})"
        )),
    }
}

/// 422 Invalid when a spec lacks a name or image, reuses a container name, or targets a
/// container the pod does not have.
fn validate(pod: &PodRuntime, specs: &[Value]) -> Result<(), String> {
    let regular: Vec<&str> = pod
        .pod
        .containers
        .iter()
        .chain(&pod.pod.init_containers)
        .map(|c| c.name.as_str())
        .collect();
    for (i, s) in specs.iter().enumerate() {
        let field = format!("spec.ephemeralContainers[{i}]");
        let name = s["name"].as_str().unwrap_or("");
        if name.is_empty() {
            return Err(format!("{field}.name: Required value"));
        }
        if s["image"].as_str().unwrap_or("").is_empty() {
            return Err(format!("{field}.image: Required value"));
        }
        if regular.contains(&name) {
            return Err(format!("{field}.name: Duplicate value: \"{name}\""));
        }
        if let Some(t) = s["targetContainerName"].as_str()
            && !pod.pod.containers.iter().any(|c| c.name == t)
        {
            return Err(format!("{field}.targetContainerName: Not found: \"{t}\""));
        }
    }
    Ok(())
}

/// Answers GET/PATCH/PUT of `pods/{name}/ephemeralcontainers`.
pub async fn handle(
    shared: &std::sync::Arc<Shared>,
    req: Request<Incoming>,
    namespace: &str,
    name: &str,
) -> Resp {
    let Some(pod) = shared.cluster.pod(namespace, name) else {
        return status::not_found("pods", "", name);
    };
    let ok =
        |p: &PodRuntime| status::json_response(StatusCode::OK, &objects::pod(&shared.cluster, p));
    let method = req.method().clone();
    if method == Method::GET {
        return ok(&pod);
    }
    if method != Method::PATCH && method != Method::PUT {
        return status::method_not_allowed();
    }
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let Ok(bytes) = req.into_body().collect().await.map(|b| b.to_bytes()) else {
        return status::bad_request("unreadable body");
    };
    let body: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return status::bad_request(&format!("error decoding patch: {e}")),
    };
    let specs = match specs_from_body(&ct, &method, &body) {
        Ok(s) => s,
        Err(msg) => return status::respond(415, "UnsupportedMediaType", &msg, None),
    };
    if let Err(msg) = validate(&pod, &specs) {
        let message = format!("Pod \"{name}\" is invalid: {msg}");
        return status::respond(
            422,
            "Invalid",
            &message,
            Some(json!({"name": name, "kind": "Pod"})),
        );
    }
    let (state, ns, pod_name) = (shared.clone(), namespace.to_string(), name.to_string());
    let added =
        tokio::task::spawn_blocking(move || state.cluster.add_ephemeral(&ns, &pod_name, specs))
            .await;
    match added {
        Ok(Ok(Some(p))) => ok(&p),
        Ok(Ok(None)) => status::not_found("pods", "", name),
        Ok(Err(e)) => status::respond(
            500,
            "InternalError",
            &format!("Internal error occurred: {e}"),
            None,
        ),
        Err(e) => status::respond(
            500,
            "InternalError",
            &format!("Internal error occurred: {e}"),
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategic_merge_and_json_patch_bodies_yield_the_new_containers() {
        let smp = json!({"spec": {"ephemeralContainers": [{"name": "debugger-abc", "image": "busybox", "targetContainerName": "app"}]}});
        let got = specs_from_body(
            "application/strategic-merge-patch+json",
            &Method::PATCH,
            &smp,
        )
        .unwrap();
        assert_eq!(got[0]["name"], "debugger-abc");
        let jp = json!([{"op": "add", "path": "/spec/ephemeralContainers/-", "value": {"name": "d2", "image": "x"}}]);
        assert_eq!(
            specs_from_body("application/json-patch+json", &Method::PATCH, &jp).unwrap()[0]["name"],
            "d2"
        );
        assert!(specs_from_body("application/apply-patch+yaml", &Method::PATCH, &smp).is_err());
    }
}
