//! A loopback fake Kubernetes API server for tests: HTTPS with a generated CA, bearer-token
//! auth, discovery, GET/LIST of core and workload objects, server-side Tables, WebSocket
//! `pods/exec` running real commands chrooted into each container's rootfs, ephemeral debug
//! containers, fault injection and a request log. Faithful enough for the real kubectl.
//!
//! Start it with [`FakeCluster::start`] (in-process) or the `fake-apiserver` binary.

mod admin;
pub mod api;
mod cluster;
mod ephemeral;
mod error;
mod exec;
pub mod faults;
mod handle;
mod kubeconfig;
pub mod log;
mod rootfs;
pub mod scenario;
mod server;
mod shared;
mod tls;

pub use error::Error;
pub use faults::Fault;
pub use handle::FakeCluster;
pub use log::{ExecRecord, RequestRecord};
pub use scenario::Scenario;
