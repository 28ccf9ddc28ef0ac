//! Errors of the fake API server's setup: loading a scenario, building rootfs trees,
//! generating certificates, binding the socket. Request-time failures are answered as
//! Kubernetes `Status` bodies instead and never surface here.

use std::path::PathBuf;

/// What can go wrong while starting a fake cluster.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario file could not be read.
    #[error("read scenario {path}")]
    ReadScenario {
        /// The scenario file.
        path: PathBuf,
        /// The I/O cause.
        #[source]
        source: std::io::Error,
    },
    /// The scenario YAML does not match the format.
    #[error("parse scenario {path}")]
    ParseScenario {
        /// The scenario file (or `<inline>`).
        path: PathBuf,
        /// The YAML cause.
        #[source]
        source: Box<serde_saphyr::Error>,
    },
    /// The scenario is well-formed but inconsistent (unknown node, duplicate container...).
    #[error("validate scenario: {message}")]
    InvalidScenario {
        /// What is wrong, naming the object.
        message: String,
    },
    /// A container's rootfs could not be prepared.
    #[error("prepare rootfs {path}")]
    Rootfs {
        /// The rootfs directory or the file being installed.
        path: PathBuf,
        /// The I/O cause.
        #[source]
        source: std::io::Error,
    },
    /// A host tool needed for a flavor is missing or `ldd` failed.
    #[error("find host binary {name} for flavor {flavor}")]
    HostBinary {
        /// The binary looked for.
        name: String,
        /// The flavor that needs it.
        flavor: String,
    },
    /// Certificate generation failed.
    #[error("generate certificates")]
    Certificates {
        /// The rcgen cause.
        #[source]
        source: rcgen::Error,
    },
    /// The TLS configuration was rejected.
    #[error("configure tls")]
    Tls {
        /// The rustls cause.
        #[source]
        source: rustls::Error,
    },
    /// Binding or writing the kubeconfig failed.
    #[error("{action} {path}")]
    Io {
        /// What was being done ("bind", "write kubeconfig").
        action: &'static str,
        /// The address or file concerned.
        path: String,
        /// The I/O cause.
        #[source]
        source: std::io::Error,
    },
}
