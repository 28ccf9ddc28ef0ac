//! The clap definitions: flags as the user sees them. Doc comments become `--help` text.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

/// Recover the Dockerfile of a container image (from a registry, an archive, a config or a
/// running pod) and copy files out of pods without losing symlinks or silently truncating.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-dfimage",
    version = crate::app::version::LONG,
    subcommand_negates_reqs = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Kubernetes and output flags shared by every command.
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Dockerfile recovery options (the default command).
    #[command(flatten)]
    pub recover: RecoverArgs,

    /// A subcommand; without one, SOURCE is recovered.
    #[command(subcommand)]
    pub command: Option<Command>,
}

const AFTER_HELP: &str = "\
SOURCE forms:
  REF | docker://REF          registry image (alpine:3.20, host:port/repo@sha256:...)
  oci:DIR[:TAG]               OCI image layout directory
  oci-archive:FILE[:TAG]      tar of an OCI layout
  docker-archive:FILE[:REF]   `docker save` output (legacy and Docker >= 25 layouts)
  PATH                        any of the above, detected; or a raw image config JSON
  -                           the same, read from stdin
  pod/NAME, NAME, deploy/NAME, sts/NAME, ds/NAME, rs/NAME, job/NAME, cronjob/NAME
                              the image a pod or workload runs (-c picks the container)

Exit codes: 0 complete, 1 partial (something was skipped or could not be recovered and was
flagged on stderr), 2 failure or usage error.";

/// Flags kubectl users expect, plus verbosity.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Namespace of the pod or workload (default: the context's namespace).
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Path to the kubeconfig file to use (replaces KUBECONFIG).
    #[arg(long, global = true, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// The kubeconfig cluster to use.
    #[arg(long, global = true)]
    pub cluster: Option<String>,
    /// The kubeconfig user to use.
    #[arg(long, global = true)]
    pub user: Option<String>,
    /// Print only the product and errors: no progress, no notices.
    #[arg(short = 'q', long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail on stderr (an image header like Whaler's, timings).
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,
    /// Never show progress bars.
    #[arg(long, global = true)]
    pub no_progress: bool,
}

/// How the registry is reached.
#[derive(Debug, Args, Clone, Default)]
pub struct RegistryArgs {
    /// Talk plain HTTP to the registry (loopback registries fall back to it by themselves).
    #[arg(long)]
    pub plain_http: bool,
    /// Trust this extra CA certificate (PEM) for registry TLS; repeatable.
    #[arg(long, value_name = "PATH")]
    pub ca_file: Vec<PathBuf>,
    /// Do not verify the registry's TLS certificate (dangerous).
    #[arg(long)]
    pub insecure_skip_tls_verify: bool,
    /// Platform to pick from a multi-platform image: os/arch[/variant]
    /// (default: the pod's node, else linux and this machine's architecture).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
}

/// The default command: recover a Dockerfile.
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// What to recover: an image reference, archive, layout, config file, `-`, or a pod or
    /// workload (see SOURCE forms below).
    #[arg(value_name = "SOURCE", required_unless_present = "all")]
    pub source: Option<String>,
    /// Recover every distinct image the pods of the namespace run (with -n, -l), once per
    /// digest, into --output-dir.
    #[arg(long, requires = "output_dir", conflicts_with = "source")]
    pub all: bool,
    /// With --all: only pods matching this label selector.
    #[arg(short = 'l', long, value_name = "SELECTOR", requires = "all")]
    pub selector: Option<String>,
    /// With --all: write DIR/<registry>/<repo>/<tag>/<digest>/Dockerfile (the digest folder
    /// alone when the pod names no tag; `recovery.json` instead with -o json) and
    /// DIR/index.json.
    #[arg(long, value_name = "DIR", requires = "all")]
    pub output_dir: Option<PathBuf>,
    /// A candidate base image to compare layers and history with (repeatable).
    #[arg(long = "base", value_name = "REF", value_parser = parse_image_source)]
    pub bases: Vec<String>,
    /// Print the original Dockerfile from a BuildKit provenance attestation (mode=max)
    /// when the image carries one.
    #[arg(long)]
    pub provenance: bool,
    /// Container of the pod or workload (default: the default-container annotation, else the
    /// only container).
    #[arg(short = 'c', long, conflicts_with = "all_containers")]
    pub container: Option<String>,
    /// Recover every container of the pod, including init and ephemeral containers.
    #[arg(long)]
    pub all_containers: bool,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = OutputFormat::Dockerfile)]
    pub output: OutputFormat,
    /// Which layers get a file listing: copy (COPY/ADD layers), all, or none (metadata only,
    /// no blob downloads).
    #[arg(long, value_enum, default_value_t = FilesMode::Copy)]
    pub files: FilesMode,
    /// At most this many listed files per layer.
    // Negative numbers reach the parser (not clap's "unexpected argument '-1'" tip), which
    // says what N may be.
    #[arg(long, value_name = "N", default_value_t = 50, allow_negative_numbers = true, value_parser = parse_max_files)]
    pub max_files: usize,
    /// Also list vendored and cache paths (node_modules, __pycache__, apt lists, ...).
    #[arg(long)]
    pub no_filter: bool,
    /// Report likely secrets in files and history (values masked).
    #[arg(long)]
    pub secrets: bool,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// Output formats of the recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A Dockerfile, with listings and notes as comments.
    Dockerfile,
    /// A JSON document whose `steps` array holds one record per history step.
    Json,
}

/// Which layers are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FilesMode {
    /// Only layers made by COPY or ADD.
    Copy,
    /// Every non-empty layer.
    All,
    /// No listings and no blob downloads.
    None,
}

/// Subcommands besides the default recovery.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Copy files between a container and the local machine, keeping symlinks, reporting
    /// unreadable paths and going on, and never passing a short copy off as complete.
    Cp(CpArgs),
    /// Write an image's files into a folder without running it: one layer, or the
    /// flattened root filesystem with deletions applied.
    Extract(ExtractArgs),
    /// Compare two images: their recovered Dockerfiles as a unified diff, and which layers
    /// they share.
    Diff(DiffArgs),
    /// List the images the pods of a namespace run: pod, container, image, digest, platform.
    Images(ImagesArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell), or install the
    /// `kubectl_complete-dfimage` helper kubectl runs for plugin completion (kubectl-shim).
    Completion(CompletionArgs),
    /// Completion candidates in kubectl's plugin protocol (called by the shim).
    #[command(name = "__complete", hide = true)]
    Complete {
        /// The words after `kubectl dfimage`, the last one being completed.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}

/// `cp` arguments.
#[derive(Debug, Args)]
#[command(after_help = "\
Paths: [NAMESPACE/]POD:PATH is in a container; anything else is local (C:\\x and ./a:b too).
Remote globs (POD:/var/log/*.log) are expanded by the container's sh, the pattern passed as
an argument (never spliced into a command); \\* matches a literal *. One match is copied
like a single source (AS a missing or file DEST), several go INTO DEST as a directory.

Exit codes: 0 every entry copied; 1 partial (paths skipped: each is printed on stderr and
written to --error-log); 2 failure (nothing trustworthy: truncated stream, missing exit
status, no tar, bad arguments, or nothing of the selection copied because it was refused).")]
pub struct CpArgs {
    /// Source: POD:PATH or a local path.
    #[arg(value_name = "SRC")]
    pub src: std::ffi::OsString,
    /// Destination: a local path or POD:PATH.
    #[arg(value_name = "DEST")]
    pub dest: std::ffi::OsString,
    /// Container (default: the default-container annotation, else the first, with a notice).
    #[arg(short = 'c', long)]
    pub container: Option<String>,
    /// Reconnect this many times when the stream breaks: a download continues where it
    /// stopped, an upload is sent again whole.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Treat a stream that moves no byte for this long as a dropped connection (retried
    /// like one, else exit 2): 30s, 2m, 1m30s, 500ms; 0 waits forever.
    #[arg(long, value_name = "DURATION", default_value = crate::transfer::DEFAULT_IDLE_TIMEOUT,
          value_parser = crate::transfer::parse_idle_timeout)]
    pub idle_timeout: std::time::Duration,
    /// After copying, compare sha256 sums computed in the container with the local files.
    #[arg(long)]
    pub verify: bool,
    /// Also write each skipped path as a JSON line (path, reason) to this file.
    #[arg(long, value_name = "FILE")]
    pub error_log: Option<PathBuf>,
    /// Keep owners (uid/gid) of downloaded files; needs root.
    #[arg(long)]
    pub preserve_owner: bool,
    /// Stay on the root filesystem of the container when copying `/`.
    #[arg(long)]
    pub one_file_system: bool,
    /// Do not keep remote modes and owners on upload (`tar --no-same-owner
    /// --no-same-permissions`).
    #[arg(long)]
    pub no_preserve: bool,
    /// For containers without tar or shell: add an ephemeral debug container with this
    /// image, targeting the container, and copy through it from /proc/1/root. Ephemeral
    /// containers cannot be removed until the pod is deleted.
    #[arg(long, value_name = "IMAGE")]
    pub debug_image: Option<String>,
}

/// `extract` arguments.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The image (any SOURCE form), or a pod or workload: then the image its container runs
    /// (the digest from the pod's status, the node's platform, the pod's pull secrets).
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Container of the pod or workload (default: the default-container annotation, else the
    /// only container).
    #[arg(short = 'c', long)]
    pub container: Option<String>,
    /// The folder to write into (created if missing).
    #[arg(value_name = "DEST")]
    pub dest: PathBuf,
    /// Only this layer (0-based, oldest first).
    #[arg(long, value_name = "N", conflicts_with = "flatten")]
    pub layer: Option<usize>,
    /// Only entries under this path (e.g. usr/bin).
    #[arg(long, value_name = "PREFIX")]
    pub path: Option<String>,
    /// Every layer in order with deletions applied: the image's root filesystem.
    #[arg(long)]
    pub flatten: bool,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `--max-files N`: a whole number >= 0 (0 lists no files, only the count).
fn parse_max_files(value: &str) -> Result<usize, String> {
    value.trim().parse::<usize>().map_err(|_| {
        format!("N must be a whole number >= 0 (0 shows only the counts), not `{value}`")
    })
}

/// An image SOURCE where pods are not resolved (`extract`, `diff`, `--base`): `KIND/NAME`
/// would otherwise be read as a Docker Hub repository (`pod/x` -> `docker.io/pod/x`). An
/// existing local path and `docker://KIND/NAME` stay images.
fn parse_image_source(value: &str) -> Result<String, String> {
    let exists = std::path::Path::new(value).symlink_metadata().is_ok();
    match super::target::classify(value, exists) {
        super::target::Target::Workload { kind, .. } => Err(format!(
            "`{value}` names a {kind}, but only images are read here; find the image it runs \
             with `kubectl dfimage images` (or recover it with `kubectl dfimage {value}`) and \
             pass that reference, or write docker://{value} for the Docker Hub image",
            kind = kind.as_str(),
        )),
        _ => Ok(value.to_owned()),
    }
}

/// `diff` arguments.
#[derive(Debug, Args)]
#[command(after_help = "\
Exit codes (like diff(1)): 0 the images are the same (identical recovered Dockerfiles and
layers); 1 they differ; 2 failure (an image could not be read, bad arguments).")]
pub struct DiffArgs {
    /// The first image (any SOURCE form; a pod or workload: the image its container runs).
    #[arg(value_name = "SOURCE_A")]
    pub a: String,
    /// The second image.
    #[arg(value_name = "SOURCE_B")]
    pub b: String,
    /// Container of a pod or workload SOURCE (default: the default-container annotation,
    /// else the only container).
    #[arg(short = 'c', long)]
    pub container: Option<String>,
    /// Registry access.
    #[command(flatten)]
    pub registry: RegistryArgs,
}

/// `images` arguments.
#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// List pods in every namespace.
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Only pods matching this label selector (`app=sql,tier!=web`).
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = TableFormat::Table)]
    pub output: TableFormat,
}

/// Output formats of listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    /// Aligned columns.
    Table,
    /// A JSON array.
    Json,
}

/// `completion` arguments.
#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// What to generate.
    #[arg(value_enum)]
    pub target: CompletionTarget,
    /// With kubectl-shim: the folder on PATH to write `kubectl_complete-dfimage` into.
    #[arg(long, value_name = "DIR", required_if_eq("target", "kubectl-shim"))]
    pub dir: Option<PathBuf>,
}

/// Completion outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionTarget {
    /// A bash completion script.
    Bash,
    /// A zsh completion script.
    Zsh,
    /// A fish completion script.
    Fish,
    /// A PowerShell completion script.
    Powershell,
    /// The `kubectl_complete-dfimage` shim for `kubectl dfimage <TAB>`.
    KubectlShim,
}

/// The clap command, named for how it was invoked (`kubectl dfimage` as a plugin).
pub fn command(bin_name: &str) -> clap::Command {
    Cli::command().bin_name(bin_name.to_owned())
}
