//! `pods/exec` over WebSocket (v5 and v4 channel protocols) with commands really run in the
//! container's rootfs.

mod handler;
mod output;
mod params;
mod process;
mod session;
mod status;

pub use handler::handle;
