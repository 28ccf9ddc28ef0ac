//! The Kubernetes REST surface: discovery, object reads, subresources, Status bodies.

pub mod discovery;
pub mod objects;
pub mod read;
pub mod resources;
pub mod route;
pub mod selector;
pub mod status;
pub mod table;
pub mod watch;
pub mod workloads;
