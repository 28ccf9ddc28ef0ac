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
            | Self::Stdout(_)
            | Self::WriteFile { .. }
            | Self::Runtime(_) => ExitStatus::Failure,
        }
    }
}
