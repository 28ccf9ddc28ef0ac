//! The only place where the runtime, I/O and the terminal meet: it wires `cli` requests to
//! the `registry`, `cluster`, `image` and `transfer` cores and prints through `printer`.

mod base_sources;
mod batch;
mod batch_refs;
mod completion;
mod counting;
mod cp;
mod cp_attempt;
mod cp_download;
mod cp_upload;
mod cp_verify;
mod diff;
pub mod dispatch;
pub mod exit;
mod extract;
mod images;
mod listings;
pub mod printer;
pub mod progress;
mod recover;
mod remote;
mod resolve_target;
mod table;
pub mod version;

use crate::cli::request::ClusterSettings;
use crate::cluster::ConnectOptions;

/// kubectl's flags as the cluster layer takes them.
fn connect_options(c: &ClusterSettings) -> ConnectOptions {
    ConnectOptions {
        kubeconfig: c.kubeconfig.clone(),
        context: c.context.clone(),
        cluster: c.cluster.clone(),
        user: c.user.clone(),
        namespace: c.namespace.clone(),
    }
}
