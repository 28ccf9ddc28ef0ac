//! Exec into a container: three streams and a status, with kube-rs's traps handled
//! (raised pipe sizes, the process kept alive until the status arrives, explicit stdin
//! shutdown by the caller). See shared reference libraries.md §6.

use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{AttachParams, AttachedProcess};
use tokio::io::{AsyncRead, AsyncWrite};

use super::ClusterError;
use super::status::ExecStatus;

/// Pipe size for bulk stdout: kube's 1 KiB default costs a wake-up per KiB.
const STDOUT_BUF: usize = 1 << 20;

/// A running remote command.
pub struct ExecSession {
    process: AttachedProcess,
    /// Write side of the command's stdin (shut it down to send EOF).
    pub stdin: Option<Box<dyn AsyncWrite + Send + Unpin>>,
    /// The command's stdout.
    pub stdout: Box<dyn AsyncRead + Send + Unpin>,
    /// The command's stderr (drain it concurrently with stdout).
    pub stderr: Box<dyn AsyncRead + Send + Unpin>,
}

impl std::fmt::Debug for ExecSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecSession").finish_non_exhaustive()
    }
}

impl ExecSession {
    /// Waits for the status frame, then drops the connection.
    pub async fn finish(mut self) -> ExecStatus {
        let status = match self.process.take_status() {
            Some(fut) => fut.await,
            None => None,
        };
        let out = ExecStatus::from_status(status.as_ref());
        drop(self.process);
        out
    }
}

/// Starts `argv` in `container` of `namespace/pod`.
pub async fn exec(
    client: &kube::Client,
    namespace: &str,
    pod: &str,
    container: &str,
    argv: &[String],
    with_stdin: bool,
) -> Result<ExecSession, ClusterError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = AttachParams {
        container: Some(container.to_owned()),
        stdin: with_stdin,
        stdout: true,
        stderr: true,
        tty: false,
        max_stdin_buf_size: Some(STDOUT_BUF),
        max_stdout_buf_size: Some(STDOUT_BUF),
        max_stderr_buf_size: Some(64 * 1024),
    };
    let mut process = pods
        .exec(pod, argv.to_vec(), &params)
        .await
        .map_err(|source| ClusterError::Api {
            action: format!("exec in {namespace}/{pod} container {container}"),
            source,
        })?;
    let stdin = process
        .stdin()
        .map(|w| Box::new(w) as Box<dyn AsyncWrite + Send + Unpin>);
    let stdout: Box<dyn AsyncRead + Send + Unpin> = match process.stdout() {
        Some(r) => Box::new(r),
        None => Box::new(tokio::io::empty()),
    };
    let stderr: Box<dyn AsyncRead + Send + Unpin> = match process.stderr() {
        Some(r) => Box::new(r),
        None => Box::new(tokio::io::empty()),
    };
    Ok(ExecSession {
        process,
        stdin,
        stdout,
        stderr,
    })
}
