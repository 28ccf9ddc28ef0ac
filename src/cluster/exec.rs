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
//! - kube's pipes are halves of one `simplex` stream: dropping a reader does not make the
//!   task's writes fail, so a caller that stops reading early must [`ExecSession::abort`],
//!   or the task blocks on the full pipe and the remote command with it.
//! - kube-rs has no idle timeout: a stream that stalls with the connection open would wait
//!   forever. [`ExecSession::watch_idle`] counts bytes in either direction; after the given
//!   time without any, the session is *stalled*: readers end (a short stream, as after a
//!   cut), writes fail with `TimedOut`, and `finish` answers `Missing` at once.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

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

/// Milliseconds since `origin` at the last byte moved, shared by a session's streams.
#[derive(Debug)]
struct Activity {
    origin: tokio::time::Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }
    fn last(&self) -> tokio::time::Instant {
        self.origin + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// Counts progress on a reader.
struct TouchRead<R> {
    inner: R,
    activity: Arc<Activity>,
}

impl<R: AsyncRead + Unpin> AsyncRead for TouchRead<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        r
    }
}

/// Counts progress on a writer, and fails a write that waits past a stall.
struct TouchWrite<W> {
    inner: W,
    activity: Arc<Activity>,
    stalled: Pin<Box<WaitForCancellationFutureOwned>>,
}

impl<W> TouchWrite<W> {
    fn check(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Error> {
        self.stalled.as_mut().poll(cx).map(|()| {
            std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the container accepted no data for the idle timeout",
            )
        })
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for TouchWrite<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.activity.touch();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => self.check(cx).map(Err),
        }
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.check(cx).map(Err),
            other => other,
        }
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_shutdown(cx) {
            Poll::Pending => self.check(cx).map(Err),
            other => other,
        }
    }
}

/// A running remote command.
pub struct ExecSession {
    _process: AttachedProcess,
    status: tokio::task::JoinHandle<Option<Status>>,
    ended: CancellationToken,
    stalled: CancellationToken,
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
    /// Waits for the status frame (or the end of the connection), then drops it. A stalled
    /// session answers [`ExecStatus::Missing`] without waiting.
    pub async fn finish(self) -> ExecStatus {
        let status = tokio::select! {
            s = self.status => s.ok().flatten(),
            () = self.stalled.cancelled() => None,
        };
        ExecStatus::from_status(status.as_ref())
    }

    /// Ends the session now, without waiting for the command: the stream task is aborted and
    /// the connection dropped, so the server sees the client go and stops the command (it
    /// would otherwise stream on, or block on a full pipe, until the connection dropped).
    /// For a local failure: nothing more will be read. The stdout/stderr readers then end
    /// once their buffers are drained.
    pub fn abort(self) {
        self._process.abort();
    }

    /// Whether [`ExecSession::watch_idle`] gave up on this session.
    pub fn stalled(&self) -> bool {
        self.stalled.is_cancelled()
    }

    /// A handle that tells, after [`ExecSession::finish`], whether the session stalled.
    pub fn stall_flag(&self) -> StallFlag {
        StallFlag(self.stalled.clone())
    }

    /// Gives up on the session when no byte moves on stdin, stdout or stderr for `idle`
    /// (until the status arrives). Call before taking the streams; `Duration::ZERO` never
    /// gives up.
    pub fn watch_idle(&mut self, idle: Duration) {
        if idle.is_zero() {
            return;
        }
        let activity = Arc::new(Activity {
            origin: tokio::time::Instant::now(),
            last_ms: AtomicU64::new(0),
        });
        let touch_read = |r: Box<dyn AsyncRead + Send + Unpin>| {
            Box::new(TouchRead {
                inner: r,
                activity: Arc::clone(&activity),
            }) as Box<dyn AsyncRead + Send + Unpin>
        };
        self.stdout = self.stdout.take().map(touch_read);
        self.stderr = self.stderr.take().map(touch_read);
        self.stdin = self.stdin.take().map(|w| {
            Box::new(TouchWrite {
                inner: w,
                activity: Arc::clone(&activity),
                stalled: Box::pin(self.stalled.clone().cancelled_owned()),
            }) as Box<dyn AsyncWrite + Send + Unpin>
        });
        let (ended, stalled) = (self.ended.clone(), self.stalled.clone());
        tokio::spawn(async move {
            loop {
                let deadline = activity.last() + idle;
                tokio::select! {
                    () = ended.cancelled() => return,
                    () = tokio::time::sleep_until(deadline) => {}
                }
                if activity.last() + idle <= tokio::time::Instant::now() {
                    stalled.cancel();
                    // the readers end like after a cut connection
                    ended.cancel();
                    return;
                }
            }
        });
    }
}

/// Whether a session stalled (see [`ExecSession::watch_idle`]); outlives the session.
#[derive(Debug, Clone)]
pub struct StallFlag(CancellationToken);

impl StallFlag {
    /// The session was given up for lack of progress.
    pub fn stalled(&self) -> bool {
        self.0.is_cancelled()
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
        ended,
        stalled: CancellationToken::new(),
        stdin,
        stdout,
        stderr,
    })
}
