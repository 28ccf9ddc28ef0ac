//! Running short helper commands in a container and collecting their whole output (tar
//! probes, `test -d`, checksums): bounded, with stdout and stderr drained together, and
//! given up (an error) when nothing moves for the idle timeout.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use crate::cluster::exec::exec;
use crate::cluster::status::ExecStatus;
use crate::error::Error;

/// Where a command runs.
#[derive(Clone)]
pub(crate) struct Target {
    /// The client.
    pub client: kube::Client,
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// Container name.
    pub container: String,
    /// `--idle-timeout`: a helper command silent this long is given up (zero: never).
    pub idle: Duration,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{} container {}",
            self.namespace, self.pod, self.container
        )
    }
}

impl Target {
    /// The same target for a command that may rightly stay silent for long (checksums of
    /// large files print nothing until each file is read): never given up on.
    pub fn patient(&self) -> Self {
        Self {
            idle: Duration::ZERO,
            ..self.clone()
        }
    }
}

/// A finished helper command.
#[derive(Debug)]
pub(crate) struct Captured {
    /// stdout (up to the cap).
    pub stdout: Vec<u8>,
    /// stderr (up to the cap).
    pub stderr: Vec<u8>,
    /// How it ended.
    pub status: ExecStatus,
}

impl Captured {
    /// The exit code when there was one (0 for success).
    pub fn code(&self) -> Option<i32> {
        match &self.status {
            ExecStatus::Success => Some(0),
            ExecStatus::Exit(c) => Some(*c),
            ExecStatus::Failure { .. } | ExecStatus::Missing => None,
        }
    }

    /// Whether the command could not be started because it does not exist.
    pub fn not_found(&self) -> bool {
        match &self.status {
            ExecStatus::Exit(126 | 127) => true,
            ExecStatus::Failure { message, .. } => {
                let m = message.to_ascii_lowercase();
                m.contains("not found") || m.contains("no such file")
            }
            _ => false,
        }
    }
}

async fn read_capped(mut r: Box<dyn AsyncRead + Send + Unpin>, cap: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(out.len());
                out.extend_from_slice(&buf[..n.min(room)]);
            }
        }
    }
    out
}

/// Runs `argv`, feeding `stdin` (then EOF) when given, keeping at most `cap` bytes of each
/// output stream (the rest is read and dropped so the command never blocks).
pub(crate) async fn capture(
    t: &Target,
    argv: &[String],
    stdin: Option<&[u8]>,
    cap: usize,
) -> Result<Captured, Error> {
    let mut session = exec(
        &t.client,
        &t.namespace,
        &t.pod,
        &t.container,
        argv,
        stdin.is_some(),
    )
    .await?;
    session.watch_idle(t.idle);
    let stall = session.stall_flag();
    let out = session
        .stdout
        .take()
        .map(|r| tokio::spawn(read_capped(r, cap)));
    let err = session
        .stderr
        .take()
        .map(|r| tokio::spawn(read_capped(r, cap)));
    if let (Some(mut w), Some(bytes)) = (session.stdin.take(), stdin) {
        let _ = w.write_all(bytes).await;
        let _ = w.shutdown().await;
    }
    let stdout = match out {
        Some(h) => h.await.unwrap_or_default(),
        None => Vec::new(),
    };
    let stderr = match err {
        Some(h) => h.await.unwrap_or_default(),
        None => Vec::new(),
    };
    let status = session.finish().await;
    if stall.stalled() {
        return Err(Error::HelperStalled {
            pod: t.pod.clone(),
            container: t.container.clone(),
            command: shown(argv),
            idle: crate::transfer::render_duration(t.idle),
        });
    }
    Ok(Captured {
        stdout,
        stderr,
        status,
    })
}

/// A command as a message names it: `tar --help`, or `sh -c …` for a script.
fn shown(argv: &[String]) -> String {
    match argv {
        [sh, c, ..] if c == "-c" => format!("{sh} -c …"),
        _ => argv.iter().take(3).cloned().collect::<Vec<_>>().join(" "),
    }
}
