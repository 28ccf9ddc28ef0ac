//! Everything that touches kube and k8s-openapi: connecting like kubectl, resolving pods and
//! workloads to the images they run, reading pull secrets, and exec.
//!
//! Returns plain data; never imports `image` or `registry`.

pub mod config;
pub mod debug;
pub mod error;
pub mod exec;
pub mod image_id;
pub mod inventory;
pub mod pod;
pub mod secrets;
pub mod status;
pub mod workload;

pub use config::{ConnectOptions, Connection, connect};
pub use error::ClusterError;
