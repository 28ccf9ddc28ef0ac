//! Resolved requests: plain values with defaults applied. No clap types past this point.

use std::path::PathBuf;

use super::target::Target;

/// What the user asked for, resolved.
#[derive(Debug)]
pub enum Request {
    /// Recover one or more Dockerfiles.
    Recover(Box<RecoverRequest>),
    /// List pods' images.
    Images(ImagesRequest),
    /// Copy files to or from a container.
    Cp(Box<CpRequest>),
    /// Write an image's files into a folder.
    Extract(Box<ExtractRequest>),
    /// Compare two images.
    Diff(Box<DiffRequest>),
    /// Print a shell completion script.
    CompletionScript {
        /// Shell name as clap_complete knows it.
        shell: clap_complete::Shell,
    },
    /// Write the kubectl completion shim into a folder.
    CompletionShim {
        /// Where to write `kubectl_complete-dfimage`.
        dir: PathBuf,
    },
    /// Answer kubectl's completion protocol.
    Complete {
        /// Words after the plugin name.
        words: Vec<String>,
    },
}

/// Output and terminal settings shared by all commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSettings {
    /// Suppress notices and progress.
    pub quiet: bool,
    /// Extra detail on stderr.
    pub verbose: bool,
    /// Progress bars allowed (still only on a terminal).
    pub progress: bool,
}

/// How to reach the cluster, as kubectl's global flags said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterSettings {
    /// `-n`.
    pub namespace: Option<String>,
    /// `--kubeconfig`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context`.
    pub context: Option<String>,
    /// `--cluster`.
    pub cluster: Option<String>,
    /// `--user`.
    pub user: Option<String>,
}

/// How to reach registries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrySettings {
    /// Plain HTTP for every registry.
    pub plain_http: bool,
    /// Extra CA files.
    pub ca_files: Vec<PathBuf>,
    /// Skip TLS verification.
    pub insecure_skip_tls_verify: bool,
    /// `--platform` as typed (validated by the registry layer).
    pub platform: Option<String>,
}

/// Output format of a recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Dockerfile text.
    Dockerfile,
    /// JSON records.
    Json,
}

/// Which layers to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// COPY/ADD layers.
    Copy,
    /// Every non-empty layer.
    All,
    /// None: no blob is fetched.
    None,
}

/// A Dockerfile recovery.
#[derive(Debug, Clone)]
pub struct RecoverRequest {
    /// What to recover.
    pub target: Target,
    /// `-c`.
    pub container: Option<String>,
    /// `--all-containers`.
    pub all_containers: bool,
    /// `-o`.
    pub format: Format,
    /// `--files`.
    pub listing: Listing,
    /// `--max-files`.
    pub max_files: usize,
    /// Noise filter on.
    pub filter_noise: bool,
    /// `--secrets`.
    pub secrets: bool,
    /// `--all` with its selector and output folder.
    pub batch: Option<BatchSettings>,
    /// `--base` candidates.
    pub bases: Vec<String>,
    /// `--provenance`.
    pub provenance: bool,
    /// Registry access.
    pub registry: RegistrySettings,
    /// Cluster access.
    pub cluster: ClusterSettings,
    /// Terminal settings.
    pub output: OutputSettings,
}

/// `images`: what the pods of a namespace run.
#[derive(Debug)]
pub struct ImagesRequest {
    /// `-A`.
    pub all_namespaces: bool,
    /// `-l`.
    pub selector: Option<String>,
    /// JSON instead of a table.
    pub json: bool,
    /// Cluster access.
    pub cluster: ClusterSettings,
    /// Terminal settings.
    pub output: OutputSettings,
}

/// `--all`: every distinct image of a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchSettings {
    /// `-l`.
    pub selector: Option<String>,
    /// `--output-dir`.
    pub output_dir: PathBuf,
}

/// `cp SRC DEST`.
#[derive(Debug)]
pub struct CpRequest {
    /// Source as typed.
    pub src: std::ffi::OsString,
    /// Destination as typed.
    pub dest: std::ffi::OsString,
    /// `-c`.
    pub container: Option<String>,
    /// `--retries`.
    pub retries: u32,
    /// `--idle-timeout` (`Duration::ZERO`: none).
    pub idle_timeout: std::time::Duration,
    /// `--verify`.
    pub verify: bool,
    /// `--error-log`.
    pub error_log: Option<PathBuf>,
    /// `--preserve-owner`.
    pub preserve_owner: bool,
    /// `--one-file-system`.
    pub one_file_system: bool,
    /// `--no-preserve`.
    pub no_preserve: bool,
    /// `--debug-image`.
    pub debug_image: Option<String>,
    /// Cluster access.
    pub cluster: ClusterSettings,
    /// Terminal settings.
    pub output: OutputSettings,
}

/// `extract SOURCE DEST`.
#[derive(Debug)]
pub struct ExtractRequest {
    /// The image, or the pod or workload whose image is read.
    pub target: Target,
    /// `-c`: the container of a pod or workload.
    pub container: Option<String>,
    /// Destination folder.
    pub dest: PathBuf,
    /// `--layer`.
    pub layer: Option<usize>,
    /// `--path`.
    pub path: Option<String>,
    /// `--flatten`.
    pub flatten: bool,
    /// Registry access.
    pub registry: RegistrySettings,
    /// Cluster access (pod and workload targets).
    pub cluster: ClusterSettings,
    /// Terminal settings.
    pub output: OutputSettings,
}

/// `diff A B`.
#[derive(Debug)]
pub struct DiffRequest {
    /// First image source.
    pub a: Target,
    /// Second image source.
    pub b: Target,
    /// `-c`: the container of a pod or workload side.
    pub container: Option<String>,
    /// Registry access.
    pub registry: RegistrySettings,
    /// Cluster access (pod and workload sides).
    pub cluster: ClusterSettings,
    /// Terminal settings.
    pub output: OutputSettings,
}
