//! Network transports for registries. Only the oci-client one exists; local layouts and
//! archives are read by `registry::store` directly.

mod classify;
pub(crate) mod remote;
