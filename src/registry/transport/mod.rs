//! Network transports for registries. Only the oci-client one exists; local layouts and
//! archives are read by `registry::store` directly.

mod classify;
mod clients;
pub(crate) mod remote;
mod roots;
