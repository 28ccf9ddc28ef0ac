//! The top-level error: every module's error wrapped, the one exhaustive mapping from
//! errors to exit codes, and how a cause chain reads.

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
    /// The chosen container is not running (waiting or terminated).
    #[error(
        "copy from pod '{pod}' container '{container}': it is not running ({state}); exec needs a running container (see `kubectl describe pod {pod}`)"
    )]
    ContainerNotRunning {
        /// Pod name.
        pod: String,
        /// Container name.
        container: String,
        /// Its state as the pod's status gives it, e.g. `waiting: ContainerCreating`.
        state: String,
    },
    /// A helper command (tar probe, destination check) sent nothing for the idle timeout.
    #[error(
        "pod '{pod}' container '{container}': `{command}` sent nothing for {idle} (--idle-timeout); the container or the connection is stuck"
    )]
    HelperStalled {
        /// Pod name.
        pod: String,
        /// Container name.
        container: String,
        /// The command, shortened.
        command: String,
        /// The idle timeout, rendered.
        idle: String,
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
    #[error("copy: {cause}{}", written_note(cause))]
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
            | Self::ContainerNotRunning { .. }
            | Self::HelperStalled { .. }
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

/// What a failed copy left behind, for the causes where something may have been written.
fn written_note(cause: &crate::transfer::FailureCause) -> &'static str {
    use crate::transfer::FailureCause as C;
    match cause {
        C::NothingCopied | C::NothingWritten | C::TarNotFound => "",
        _ => "; what was written is incomplete",
    }
}

/// `err` and its causes, outermost first, one line each. A Kubernetes API error reads as
/// kubectl prints it, `Error from server (Reason): message`, and ends the chain: kube's own
/// text would repeat the Status as Rust debug output.
pub fn cause_lines(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(kube::Error::Api(status)) = e.downcast_ref::<kube::Error>() {
            lines.push(server_says(status.code, &status.reason, &status.message));
            break;
        }
        let line = e.to_string();
        // Some libraries (kube's kubeconfig errors) put their source into their own
        // message too: the cause line would only repeat the end of the previous one.
        let repeated = lines
            .last()
            .is_some_and(|prev: &String| prev.ends_with(&line));
        if !repeated {
            lines.push(line);
        }
        cur = e.source();
    }
    lines
}

/// kubectl's rendering of a server's Status (pure).
fn server_says(code: u16, reason: &str, message: &str) -> String {
    let reason = if reason.is_empty() {
        format!("HTTP {code}")
    } else {
        reason.to_owned()
    };
    if message.is_empty() {
        format!("Error from server ({reason})")
    } else {
        format!("Error from server ({reason}): {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wraps(std::io::Error);
    impl std::fmt::Display for Wraps {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "failed to read kubeconfig: {}", self.0)
        }
    }
    impl std::error::Error for Wraps {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_copy_that_wrote_nothing_does_not_say_what_was_written_is_incomplete() {
        use crate::transfer::FailureCause;
        let nothing = Error::CopyFailed {
            cause: FailureCause::NothingWritten,
        };
        assert!(!nothing.to_string().contains("incomplete"), "{nothing}");
        let cut = Error::CopyFailed {
            cause: FailureCause::Incomplete,
        };
        assert!(
            cut.to_string().ends_with("what was written is incomplete"),
            "{cut}"
        );
    }

    #[test]
    fn a_cause_already_ending_the_previous_message_is_not_repeated() {
        let e = Wraps(std::io::Error::other("Is a directory"));
        assert_eq!(
            cause_lines(&e),
            vec!["failed to read kubeconfig: Is a directory".to_string()]
        );
    }

    #[test]
    fn a_kubernetes_status_reads_like_kubectl_and_ends_the_chain() {
        let status = kube::core::Status {
            code: 400,
            reason: "BadRequest".into(),
            message: "unable to parse requirement: found '', expected: '('".into(),
            ..kube::core::Status::default()
        };
        let err = crate::cluster::ClusterError::Api {
            action: "list pods in namespace arc".into(),
            source: kube::Error::Api(Box::new(status)),
        };
        assert_eq!(
            cause_lines(&err),
            [
                "list pods in namespace arc",
                "Error from server (BadRequest): unable to parse requirement: found '', expected: '('"
            ]
        );
        assert_eq!(server_says(503, "", ""), "Error from server (HTTP 503)");
    }
}
