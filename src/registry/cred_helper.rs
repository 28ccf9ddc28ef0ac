//! Running `docker-credential-NAME get` the way the docker CLI does, under a timeout.
//!
//! Finds the helper on the given PATH, writes the server to its stdin and parses its JSON
//! answer. Failures come back as short reasons that never include the helper's output,
//! which may hold secrets.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::AsyncWriteExt;

use super::credentials::CredentialEnv;

/// How long a credential helper may take before we give up on it.
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest helper answer we read.
const ANSWER_LIMIT: u64 = 1 << 20;

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Finds `docker-credential-NAME` on `path` (a PATH-style list).
fn find_helper(name: &str, path: Option<&OsString>) -> Option<PathBuf> {
    let file = format!("docker-credential-{name}");
    std::env::split_paths(path?)
        .map(|dir| dir.join(&file))
        .find(|p| p.is_file())
}

/// Runs `docker-credential-NAME get` with `server` on stdin, under a timeout.
/// Returns a short reason on failure (never the helper's output, which may hold secrets).
pub(crate) async fn run_helper(
    name: &str,
    server: &str,
    env: &CredentialEnv,
) -> Result<(String, String), String> {
    let program = find_helper(name, env.path.as_ref())
        .ok_or_else(|| format!("docker-credential-{name} not found on PATH"))?;
    let mut child = tokio::process::Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("docker-credential-{name} could not start ({})", e.kind()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let server = server.to_string();
    let run = async move {
        // A helper that exits without reading stdin is fine; ignore write errors.
        let _ = stdin.write_all(server.as_bytes()).await;
        drop(stdin);
        child.wait_with_output().await
    };
    let limit = env.helper_timeout.unwrap_or(HELPER_TIMEOUT);
    let output = tokio::time::timeout(limit, run)
        .await
        .map_err(|_| format!("docker-credential-{name} timed out"))?
        .map_err(|e| format!("docker-credential-{name} failed ({})", e.kind()))?;
    if !output.status.success() {
        return Err(format!("docker-credential-{name} had no credentials"));
    }
    if output.stdout.len() as u64 > ANSWER_LIMIT {
        return Err(format!("docker-credential-{name} answered too much"));
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout)
        .map_err(|_| format!("docker-credential-{name} answered malformed JSON"))?;
    if answer.secret.is_empty() {
        return Err(format!("docker-credential-{name} had no credentials"));
    }
    Ok((answer.username, answer.secret))
}
