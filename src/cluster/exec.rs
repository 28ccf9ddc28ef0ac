//! Exec into a container: three streams and a status, with kube-rs's traps handled.
//!
//! - Pipes are raised from kube's 1 KiB default (a wake-up per KiB otherwise).
//! - The `AttachedProcess` is kept alive until the status arrives (dropping it aborts the
//!   stream task).
//! - kube 5 ends its message loop on a WebSocket error *without* shutting the stdout/stderr
//!   pipes, so a dropped connection would leave readers waiting forever. A watcher task
//!   awaits the status (which resolves when the loop ends, either way) and then ends both
//!   readers once their buffers are drained: a cut connection surfaces as a short stream
//!   plus a missing status, never as a hang.
//! - Stdin gets EOF only from an explicit `shutdown()` by the caller.

use std::pin::Pin;
use std::task::{Context, Poll};

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::Api;
use kube::api::{AttachParams, AttachedProcess};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use super::ClusterError;
use super::status::ExecStatus;

/// Pipe size for bulk stdout.
const STDOUT_BUF: usize = 1 << 20;

/// A reader that reports EOF once `ended` is cancelled and nothing is buffered.
struct EndOnClose<R> {
    inner: R,
    ended: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl<R: AsyncRead + Unpin> AsyncRead for EndOnClose<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(r) => Poll::Ready(r),
            // Nothing buffered: if the message loop is gone, nothing will ever come.
            Poll::Pending => match self.ended.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Ok(())),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

/// A running remote command.
pub struct ExecSession {
    _process: AttachedProcess,
    status: tokio::task::JoinHandle<Option<Status>>,
    /// Write side of the command's stdin (shut it down to send EOF); `None` without stdin.
    pub stdin: Option<Box<dyn AsyncWrite + Send + Unpin>>,
    /// The command's stdout (take it; `None` once taken).
    pub stdout: Option<Box<dyn AsyncRead + Send + Unpin>>,
    /// The command's stderr (drain it concurrently with stdout; `None` once taken).
    pub stderr: Option<Box<dyn AsyncRead + Send + Unpin>>,
}

impl std::fmt::Debug for ExecSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExecSession").finish_non_exhaustive()
    }
}

impl ExecSession {
    /// Waits for the status frame (or the end of the connection), then drops it.
    pub async fn finish(self) -> ExecStatus {
        let status = self.status.await.ok().flatten();
        ExecStatus::from_status(status.as_ref())
    }
}

fn boxed_reader<R>(r: R, ended: &CancellationToken) -> Box<dyn AsyncRead + Send + Unpin>
where
    R: AsyncRead + Send + Unpin + 'static,
{
    Box::new(EndOnClose {
        inner: r,
        ended: Box::pin(ended.clone().cancelled_owned()),
    })
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
    let ended = CancellationToken::new();
    let status_fut = process.take_status();
    let token = ended.clone();
    let status = tokio::spawn(async move {
        let status = match status_fut {
            Some(f) => f.await,
            None => None,
        };
        token.cancel();
        status
    });
    let stdin = process
        .stdin()
        .map(|w| Box::new(w) as Box<dyn AsyncWrite + Send + Unpin>);
    let stdout = process.stdout().map(|r| boxed_reader(r, &ended));
    let stderr = process.stderr().map(|r| boxed_reader(r, &ended));
    Ok(ExecSession {
        _process: process,
        status,
        stdin,
        stdout,
        stderr,
    })
}
