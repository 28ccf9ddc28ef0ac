//! Acceptance tests of the fake API server: the real kubectl (1.32 through the dispatcher)
//! and kube-rs against the seed scenario, plus faults. They fail when the fake drifts from
//! what real clients need.

mod binary;
mod common;
mod faults;
mod kube_client;
mod kube_debug;
mod kubectl_cp;
mod kubectl_debug;
mod kubectl_exec;
mod kubectl_get;
mod raw_ws;
mod watch;
