//! The state every request handler shares: the cluster model, active faults, the request
//! log, the bearer token and the advertised server address.

use crate::cluster::Cluster;
use crate::faults::FaultSet;
use crate::log::Log;

/// Shared server state.
#[derive(Debug)]
pub struct Shared {
    /// The cluster model.
    pub cluster: Cluster,
    /// Active faults.
    pub faults: FaultSet,
    /// Request and exec log.
    pub log: Log,
    /// The accepted bearer token.
    pub token: String,
    /// `127.0.0.1:PORT`, for `/api`'s serverAddressByClientCIDRs.
    pub address: String,
}
