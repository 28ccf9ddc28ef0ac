//! The process side of an exec: pumping stdout and stderr into channel messages with the
//! fault shaping of stdout (first-byte delay, throttle, message size, cut, stall), then the
//! exit code. Streams in bounded chunks; never buffers whole outputs.

use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Child;
use tokio::sync::mpsc;

use super::process;
use crate::faults::Effects;

/// Default payload bytes per message (client-go reads with 32 KiB buffers).
pub const DEFAULT_CHUNK: usize = 32 * 1024;

/// What the producer tells the session.
#[derive(Debug)]
pub enum Out {
    /// Bytes for channel 1 (stdout) or 2 (stderr).
    Data(u8, Bytes),
    /// The stdout budget of a `cutAfterBytes` fault is spent: drop the connection.
    Cut,
    /// Both streams ended and the process exited with this code.
    Exit(i32),
}

/// How stdout is shaped.
#[derive(Debug, Clone, Default)]
pub struct Shaping {
    chunk: usize,
    delay_first: Option<Duration>,
    throttle: Option<u64>,
    cut_after: Option<u64>,
    stall_after: Option<u64>,
}

impl Shaping {
    /// The shaping the fault effects ask for (`hang` = stall before the first byte).
    pub fn from_effects(e: &Effects) -> Self {
        Self {
            chunk: e.chunk_bytes.unwrap_or(DEFAULT_CHUNK).max(1),
            delay_first: e.delay_ms.map(Duration::from_millis),
            throttle: e.throttle_bytes_per_sec.filter(|b| *b > 0),
            cut_after: e.cut_after_bytes,
            stall_after: if e.hang { Some(0) } else { e.stall_after_bytes },
        }
    }
}

struct Stopped;

async fn pump(
    mut r: impl AsyncRead + Unpin,
    ch: u8,
    shaping: &Shaping,
    tx: &mpsc::Sender<Out>,
    shaped: bool,
) -> Result<(), Stopped> {
    let mut buf = vec![0u8; shaping.chunk];
    let mut sent: u64 = 0;
    loop {
        if shaped && shaping.stall_after.is_some_and(|s| sent >= s) {
            std::future::pending::<()>().await;
        }
        let n = r.read(&mut buf).await.map_err(|_| Stopped)?;
        if n == 0 {
            return Ok(());
        }
        let mut data = &buf[..n];
        if shaped {
            if sent == 0
                && let Some(d) = shaping.delay_first
            {
                tokio::time::sleep(d).await;
            }
            let limit = [shaping.cut_after, shaping.stall_after]
                .into_iter()
                .flatten()
                .min();
            if let Some(limit) = limit {
                let room = limit.saturating_sub(sent) as usize;
                data = &data[..data.len().min(room)];
            }
            if let Some(rate) = shaping.throttle {
                tokio::time::sleep(Duration::from_secs_f64(data.len() as f64 / rate as f64)).await;
            }
        }
        if !data.is_empty() {
            tx.send(Out::Data(ch, Bytes::copy_from_slice(data)))
                .await
                .map_err(|_| Stopped)?;
            sent += data.len() as u64;
        }
        if shaped && shaping.cut_after.is_some_and(|c| sent >= c) {
            let _ = tx.send(Out::Cut).await;
            return Err(Stopped);
        }
    }
}

/// Pumps the child's streams, then reports its exit code. Run it as a task and abort it when
/// the session ends: dropping the child kills it.
pub async fn produce(mut child: Child, shaping: Shaping, tx: mpsc::Sender<Out>) {
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out = async {
        match stdout {
            Some(s) => pump(s, 1, &shaping, &tx, true).await,
            None => Ok(()),
        }
    };
    let err = async {
        match stderr {
            Some(s) => pump(s, 2, &shaping, &tx, false).await,
            None => Ok(()),
        }
    };
    let (a, b) = tokio::join!(out, err);
    if a.is_err() || b.is_err() {
        return;
    }
    let code = match child.wait().await {
        Ok(status) => process::exit_code(status),
        Err(_) => 255,
    };
    let _ = tx.send(Out::Exit(code)).await;
}
