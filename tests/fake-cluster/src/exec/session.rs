//! One exec session after the 101: the initial empty frame, container-state and missing-
//! command errors, then the frame pump (stdin and the v5 close frame in, stdout/stderr out,
//! pings answered by tungstenite), the status on channel 3, close 1000 and TCP close.
//! Reading and writing are independent: stdin goes through a bounded channel to a writer task.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt as _, StreamExt as _};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::output::{self, Out, Shaping};
use super::params::ExecParams;
use super::{process, status};
use crate::cluster::ExecTarget;
use crate::faults::Effects;
use crate::log::ExecRecord;
use crate::scenario::CommandNotFound;
use crate::shared::Shared;

type Ws = WebSocketStream<TokioIo<Upgraded>>;

/// Everything decided before the upgrade.
pub struct Session {
    /// Shared state (for the log).
    pub shared: Arc<Shared>,
    /// Negotiated subprotocol.
    pub protocol: String,
    /// The exec options.
    pub params: ExecParams,
    /// The container to run in.
    pub target: ExecTarget,
    /// Fault effects.
    pub effects: Effects,
    /// The record filled in as the session goes.
    pub record: ExecRecord,
}

fn frame(ch: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(ch);
    v.extend_from_slice(data);
    Message::Binary(Bytes::from(v))
}

impl Session {
    /// Runs the session to its end and logs it.
    pub async fn run(mut self, upgraded: Upgraded) {
        let mut ws =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let first = if self.params.stdout {
            1
        } else if self.params.stderr {
            2
        } else {
            3
        };
        if ws.send(frame(first, &[])).await.is_err() {
            return self.log("client-gone");
        }
        let argv0 = self.params.command.first().cloned().unwrap_or_default();
        if !self.target.running {
            let msg = format!(
                "unable to upgrade connection: container not found (\"{}\")",
                self.record.container
            );
            return self
                .finish(ws, Some(status::internal(&msg)), "internal-error")
                .await;
        }
        if !process::command_exists(&self.target.root, &argv0) {
            let why = format!("exec: \"{argv0}\": executable file not found in $PATH");
            return match self.target.not_found {
                CommandNotFound::Runc => {
                    let line = format!(
                        "OCI runtime exec failed: exec failed: unable to start container process: {why}: unknown\r\n"
                    );
                    if self.params.stderr || self.params.stdout {
                        let ch = if self.params.stderr { 2 } else { 1 };
                        let _ = ws.send(frame(ch, line.as_bytes())).await;
                    }
                    self.record.exit_code = Some(126);
                    self.finish(ws, Some(status::exit_code(126)), "completed")
                        .await
                }
                CommandNotFound::Containerd => {
                    let msg = format!(
                        "error executing command in container: failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: {why}: unknown"
                    );
                    self.finish(ws, Some(status::internal(&msg)), "internal-error")
                        .await
                }
            };
        }
        let hostname = self.record.pod.clone();
        let p = &self.params;
        let mut child = match process::spawn(
            &self.target,
            &hostname,
            &p.command,
            p.stdin,
            p.stdout,
            p.stderr,
        ) {
            Ok(c) => c,
            Err(e) => {
                let msg = format!("error executing command in container: {e}");
                return self
                    .finish(ws, Some(status::internal(&msg)), "internal-error")
                    .await;
            }
        };
        let (stdin_tx, mut stdin_rx) = mpsc::channel::<Bytes>(16);
        let mut stdin_tx = Some(stdin_tx);
        if let Some(mut stdin) = child.stdin.take() {
            tokio::spawn(async move {
                while let Some(chunk) = stdin_rx.recv().await {
                    if stdin.write_all(&chunk).await.is_err() {
                        break;
                    }
                }
                // Dropping `stdin` closes the pipe: the process sees EOF.
            });
        } else {
            stdin_tx = None;
        }
        let (out_tx, mut out_rx) = mpsc::channel::<Out>(8);
        let producer = tokio::spawn(output::produce(
            child,
            Shaping::from_effects(&self.effects),
            out_tx,
        ));
        let _abort = AbortOnDrop(producer);
        let mut pending: Option<Bytes> = None;
        let v5 = self.protocol == "v5.channel.k8s.io";
        loop {
            tokio::select! {
                out = out_rx.recv() => match out {
                    Some(Out::Data(ch, data)) => {
                        if self.send_data(&mut ws, ch, &data).await.is_err() {
                            return self.log("client-gone");
                        }
                        if ch == 1 { self.record.stdout_bytes += data.len() as u64 } else { self.record.stderr_bytes += data.len() as u64 }
                    }
                    Some(Out::Cut) => return self.log("cut"),
                    Some(Out::Exit(code)) => {
                        self.record.exit_code = Some(code);
                        return self.finish(ws, Some(status::for_exit(code)), "completed").await;
                    }
                    None => return self.log("internal-error"),
                },
                permit = reserve(stdin_tx.clone()), if pending.is_some() => {
                    match permit {
                        Some(permit) => { permit.send(pending.take().unwrap_or_default()); }
                        None => { pending = None; stdin_tx = None; }
                    }
                }
                msg = ws.next(), if pending.is_none() => match msg {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return self.log("client-gone"),
                    Some(Ok(Message::Binary(b))) => match (b.first(), b.len()) {
                        (Some(0), _) => {
                            self.record.stdin_bytes += (b.len() - 1) as u64;
                            if stdin_tx.is_some() && b.len() > 1 {
                                pending = Some(b.slice(1..));
                            }
                        }
                        (Some(255), _) if v5 => {
                            if b.len() != 2 || b[1] >= 5 {
                                return self.log("protocol-error");
                            }
                            if b[1] == 0 {
                                self.record.stdin_closed = true;
                                stdin_tx = None;
                            }
                        }
                        _ => {}
                    },
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    /// Sends one output message, shaped by the `textFrames` and `fragmentBytes` faults.
    async fn send_data(&self, ws: &mut Ws, ch: u8, data: &[u8]) -> Result<(), WsError> {
        if self.effects.text_frames {
            let mut text = String::from(char::from(b'0' + ch));
            text.push_str(&String::from_utf8_lossy(data));
            return ws.send(Message::text(text)).await;
        }
        let Some(size) = self.effects.fragment_bytes.filter(|s| *s > 0) else {
            return ws.send(frame(ch, data)).await;
        };
        let Message::Binary(whole) = frame(ch, data) else {
            unreachable!("frame builds binary messages")
        };
        let pieces: Vec<Bytes> = whole.chunks(size).map(Bytes::copy_from_slice).collect();
        let last = pieces.len().saturating_sub(1);
        for (i, piece) in pieces.into_iter().enumerate() {
            let opcode = if i == 0 {
                OpCode::Data(Data::Binary)
            } else {
                OpCode::Data(Data::Continue)
            };
            ws.feed(Message::Frame(Frame::message(piece, opcode, i == last)))
                .await?;
        }
        ws.flush().await
    }

    /// Sends the status (unless suppressed) and the close, waits briefly for the client's
    /// close, then shuts the connection down (or drops it for `noCloseFrame`).
    async fn finish(self, mut ws: Ws, status: Option<serde_json::Value>, outcome: &str) {
        if let Some(ms) = self.effects.status_delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if let Some(st) = status.filter(|_| !self.effects.no_status) {
            let body = serde_json::to_vec(&st).unwrap_or_default();
            if ws.send(frame(3, &body)).await.is_err() {
                return self.log("client-gone");
            }
        }
        if self.effects.no_close_frame {
            return self.log(outcome);
        }
        let close = CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        };
        if ws.send(Message::Close(Some(close))).await.is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(2), async {
                while let Some(Ok(msg)) = ws.next().await {
                    if matches!(msg, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
            let mut io = ws.into_inner();
            let _ = tokio::time::timeout(Duration::from_secs(1), io.shutdown()).await;
        }
        self.log(outcome);
    }

    fn log(mut self, outcome: &str) {
        self.record.outcome = outcome.to_string();
        self.shared.log.exec(self.record);
    }
}

/// A send slot on the stdin channel; None when there is no stdin or its writer is gone.
async fn reserve(tx: Option<mpsc::Sender<Bytes>>) -> Option<mpsc::OwnedPermit<Bytes>> {
    tx?.reserve_owned().await.ok()
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
