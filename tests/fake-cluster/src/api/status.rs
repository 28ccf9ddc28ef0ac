//! `metav1.Status` bodies worded like the real API server's, and the HTTP responses carrying
//! them. Pure construction; callers decide when to send which.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full};
use hyper::{Response, StatusCode, header};
use serde_json::{Value, json};

/// The body type of every response: whole documents, or a stream for watches.
pub type Body = BoxBody<Bytes, Infallible>;

/// The response type of every handler.
pub type Resp = Response<Body>;

/// A complete body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// A response with an empty body and `code`.
pub fn empty(code: StatusCode) -> Resp {
    let mut resp = Response::new(full(Bytes::new()));
    *resp.status_mut() = code;
    resp
}

/// A JSON response with `code`.
pub fn json_response(code: StatusCode, body: &Value) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = Response::new(full(bytes));
    *resp.status_mut() = code;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp
}

/// A Failure Status with `kind`/`apiVersion`, as the server sends outside exec streams.
pub fn failure(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut status = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(details) = details {
        status["details"] = details;
    }
    status
}

/// Sends a Failure Status with its HTTP code.
pub fn respond(code: u16, reason: &str, message: &str, details: Option<Value>) -> Resp {
    let http = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(http, &failure(code, reason, message, details))
}

/// `404 NotFound` for a named object: `pods "x" not found`.
pub fn not_found(plural: &str, group: &str, name: &str) -> Resp {
    let qualified = qualified(plural, group);
    let mut details = json!({"name": name, "kind": plural});
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    respond(
        404,
        "NotFound",
        &format!("{qualified} \"{name}\" not found"),
        Some(details),
    )
}

/// `404 NotFound` for a path no resource serves.
pub fn unknown_path() -> Resp {
    respond(
        404,
        "NotFound",
        "the server could not find the requested resource",
        Some(json!({})),
    )
}

/// `400 BadRequest` with `message`.
pub fn bad_request(message: &str) -> Resp {
    respond(400, "BadRequest", message, None)
}

/// `401 Unauthorized`.
pub fn unauthorized() -> Resp {
    respond(401, "Unauthorized", "Unauthorized", None)
}

/// `405 MethodNotAllowed`.
pub fn method_not_allowed() -> Resp {
    respond(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        Some(json!({})),
    )
}

/// `403 Forbidden` as RBAC words it; `name` absent for lists, `namespace` absent for
/// cluster-scope requests.
pub fn forbidden(
    user: &str,
    verb: &str,
    plural: &str,
    group: &str,
    name: Option<&str>,
    namespace: Option<&str>,
) -> Resp {
    let qualified = qualified(plural, group);
    let subject = match name {
        Some(n) => format!("{qualified} \"{n}\""),
        None => qualified,
    };
    let scope = match namespace {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let message = format!(
        "{subject} is forbidden: User \"{user}\" cannot {verb} resource \"{plural}\" in API group \"{group}\" {scope}"
    );
    let mut details = json!({"kind": plural});
    if let Some(n) = name {
        details["name"] = json!(n);
    }
    if !group.is_empty() {
        details["group"] = json!(group);
    }
    respond(403, "Forbidden", &message, Some(details))
}

/// An injected error status (429 carries `Retry-After: 1`).
pub fn injected(code: u16) -> Resp {
    let mut resp = match code {
        429 => respond(
            429,
            "TooManyRequests",
            "Too many requests, please try again later.",
            Some(json!({"retryAfterSeconds": 1})),
        ),
        500 => respond(
            500,
            "InternalError",
            "Internal error occurred: injected fault",
            Some(json!({"causes": [{"message": "injected fault"}]})),
        ),
        503 => respond(
            503,
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
            None,
        ),
        other => respond(other, "", &format!("injected status {other}"), None),
    };
    if code == 429 {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    }
    resp
}

fn qualified(plural: &str, group: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}
