//! An `AsyncRead` adapter that reports the bytes passing through as task progress.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

use crate::report::{Reporter, TaskId};

/// Counts bytes read from `inner` into the reporter's task `id`.
pub struct CountingReader<R, P> {
    inner: R,
    id: TaskId,
    reporter: Arc<P>,
}

impl<R, P> CountingReader<R, P> {
    /// Wraps `inner`.
    pub fn new(inner: R, id: TaskId, reporter: Arc<P>) -> Self {
        Self {
            inner,
            id,
            reporter,
        }
    }
}

impl<R: AsyncRead + Unpin, P: Reporter> AsyncRead for CountingReader<R, P> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let res = Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = buf.filled().len().saturating_sub(before);
        if read > 0 {
            self.reporter.task_advanced(self.id, read as u64);
        }
        res
    }
}
