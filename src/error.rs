//! The top-level error: every module's error wrapped, and the one exhaustive mapping from
//! errors to exit codes.

use crate::app::exit::ExitStatus;

/// Any failure that ends a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The cluster could not be reached or said no.
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    /// The image source could not be opened or read.
    #[error(transparent)]
    Registry(#[from] crate::registry::RegistryError),
    /// The image config could not be parsed.
    #[error(transparent)]
    Image(#[from] crate::image::ImageError),
    /// `--platform` did not parse.
    #[error(transparent)]
    Platform(#[from] crate::image::platform::ParsePlatformError),
    /// A cp argument or plan was wrong, or the tar stream could not be read.
    #[error(transparent)]
    Transfer(#[from] crate::transfer::TransferError),
    /// The pod has finished; exec is impossible.
    #[error("copy from pod '{pod}': it is {phase}, and finished pods cannot be exec'd into")]
    PodNotRunning {
        /// Pod name.
        pod: String,
        /// Its phase.
        phase: String,
    },
    /// The container has no tar.
    #[error(
        "copy with tar: pod '{pod}' container '{container}' has no tar (a distroless image?); retry with --debug-image IMAGE to copy through an ephemeral debug container"
    )]
    NoTar {
        /// Pod name.
        pod: String,
        /// Container name.
        container: String,
    },
    /// The local source of an upload does not exist.
    #[error("read '{}': no such file or directory", path.display())]
    LocalMissing {
        /// The path.
        path: std::path::PathBuf,
    },
    /// The copy cannot be trusted.
    #[error("copy: {cause}; what was written is incomplete")]
    CopyFailed {
        /// Why.
        cause: crate::transfer::FailureCause,
    },
    /// The transfer task ended without a result.
    #[error("copy: the transfer ended without a result")]
    CopyIncomplete,
    /// The source has no layer blobs (a raw config).
    #[error(
        "extract from {source_ref}: it is a config without layer blobs; name the image itself (reference, layout or archive)"
    )]
    NoLayers {
        /// The source as opened.
        source_ref: String,
    },
    /// `--layer N` past the last layer.
    #[error("extract layer {layer}: the image has {count} layer(s), numbered from 0")]
    LayerOutOfRange {
        /// Requested.
        layer: usize,
        /// Available.
        count: usize,
    },
    /// The extraction destination exists and is not a directory.
    #[error("extract into '{}': it exists and is not a directory; name a new or existing folder", path.display())]
    DestNotDir {
        /// The path.
        path: std::path::PathBuf,
    },
    /// Neither `--layer` nor `--flatten`.
    #[error(
        "choose what to extract: --layer N (the image has {count} layer(s), numbered from 0) or --flatten for the whole filesystem"
    )]
    ExtractWhat {
        /// Available layers.
        count: usize,
    },
    /// Writing the product failed.
    #[error(transparent)]
    Stdout(#[from] crate::app::printer::StdoutError),
    /// A local file could not be written.
    #[error("write '{}'", path.display())]
    WriteFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The async runtime could not be built.
    #[error("start the async runtime")]
    Runtime(#[source] std::io::Error),
}

impl Error {
    /// The exit code this error ends the run with. Exhaustive on purpose: a new variant must
    /// decide.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Cluster(_)
            | Self::Registry(_)
            | Self::Image(_)
            | Self::Platform(_)
            | Self::Transfer(_)
            | Self::PodNotRunning { .. }
            | Self::NoTar { .. }
            | Self::LocalMissing { .. }
            | Self::CopyFailed { .. }
            | Self::CopyIncomplete
            | Self::NoLayers { .. }
            | Self::LayerOutOfRange { .. }
            | Self::ExtractWhat { .. }
            | Self::DestNotDir { .. }
            | Self::Stdout(_)
            | Self::WriteFile { .. }
            | Self::Runtime(_) => ExitStatus::Failure,
        }
    }
}
