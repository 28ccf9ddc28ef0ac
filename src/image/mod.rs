//! The pure Dockerfile domain: configs, history dialects, pairing, layer listings, rendering.
//!
//! Synchronous and free of I/O: nothing here opens a file or a socket. Readers handed in by
//! the caller (layer streams) are the only input besides byte slices.

pub mod descriptor;
pub mod diff;
pub mod layer;
pub mod listing;
pub mod noise;
pub mod secrets;
