//! The request log tests assert on: every HTTP request (method, path, decoded query, a few
//! headers, answered status) and every exec session (argv, protocol, byte counts, exit code,
//! how it ended). Recording only; nothing here decides how a request is answered.

use std::sync::Mutex;

use serde::Serialize;

/// One HTTP request as the server saw it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Path without the query.
    pub path: String,
    /// Decoded query pairs in wire order (empty pairs dropped).
    pub query: Vec<(String, String)>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
    /// `Kubectl-Command` (kubectl only).
    pub kubectl_command: Option<String>,
    /// `Accept`.
    pub accept: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Upgrade` (websocket, SPDY/3.1).
    pub upgrade: Option<String>,
    /// `Sec-WebSocket-Protocol` values, comma-joined.
    pub websocket_protocols: Option<String>,
    /// The status code answered (101 for upgrades).
    pub status: u16,
}

impl RequestRecord {
    /// The value of the first query pair named `key`.
    pub fn query_value(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// One exec session after the upgrade.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExecRecord {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// The argv run.
    pub command: Vec<String>,
    /// The negotiated subprotocol.
    pub protocol: String,
    /// Stdin bytes received from the client.
    pub stdin_bytes: u64,
    /// Stdout bytes sent.
    pub stdout_bytes: u64,
    /// Stderr bytes sent.
    pub stderr_bytes: u64,
    /// The client sent the v5 close-channel frame for stdin.
    pub stdin_closed: bool,
    /// The process exit code (None: not run, killed, or still running).
    pub exit_code: Option<i32>,
    /// How the session ended: `completed`, `client-gone`, `cut`, `protocol-error`, `internal-error`.
    pub outcome: String,
}

/// The log of one server.
#[derive(Debug, Default)]
pub struct Log {
    requests: Mutex<Vec<RequestRecord>>,
    execs: Mutex<Vec<ExecRecord>>,
}

impl Log {
    /// Appends a request.
    pub fn request(&self, record: RequestRecord) {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
    }

    /// Appends an exec session.
    pub fn exec(&self, record: ExecRecord) {
        self.execs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(record);
    }

    /// All requests so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// All finished exec sessions so far.
    pub fn execs(&self) -> Vec<ExecRecord> {
        self.execs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Forgets everything recorded.
    pub fn clear(&self) {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.execs.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
