//! Test helpers: starting the seed scenario, running the installed kubectl against it with a
//! private cache folder, and checking which kubectl client actually ran.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fake_cluster::{FakeCluster, Scenario};

/// How long to wait for an exec session to be logged after its client finished.
pub const WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The seed scenario file.
pub fn arc_scenario_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/arc.yaml")
}

/// Exec runs `chroot`, which needs root; fail loudly rather than skip.
pub fn require_root() {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let uid_line = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .expect("Uid line");
    let euid = uid_line.split_whitespace().nth(2).expect("effective uid");
    assert_eq!(
        euid, "0",
        "these tests chroot into container filesystems and must run as root"
    );
}

/// Starts the seed scenario.
pub fn start_arc() -> FakeCluster {
    require_root();
    FakeCluster::start(Scenario::load(&arc_scenario_path()).expect("load arc scenario"))
        .expect("start fake cluster")
}

/// Starts an inline scenario.
pub fn start_yaml(yaml: &str) -> FakeCluster {
    require_root();
    let scenario =
        Scenario::parse(yaml, Path::new(env!("CARGO_MANIFEST_DIR"))).expect("parse scenario");
    FakeCluster::start(scenario).expect("start fake cluster")
}

/// The installed kubectl with `--kubeconfig` and a fresh `--cache-dir`.
pub struct Kubectl {
    kubeconfig: PathBuf,
    cache: tempfile::TempDir,
    /// A scratch folder for local files.
    pub dir: tempfile::TempDir,
}

/// A finished kubectl run.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Stdout.
    pub stdout: String,
    /// Stderr.
    pub stderr: String,
}

impl Kubectl {
    /// A kubectl for `cluster`.
    pub fn new(cluster: &FakeCluster) -> Self {
        Self::with_kubeconfig(cluster.kubeconfig_path())
    }

    /// A kubectl using another kubeconfig file.
    pub fn with_kubeconfig(path: &Path) -> Self {
        Self {
            kubeconfig: path.to_path_buf(),
            cache: tempfile::tempdir().expect("cache dir"),
            dir: tempfile::tempdir().expect("scratch dir"),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.cache.path())
            .args(args)
            .current_dir(self.dir.path());
        for var in [
            "KUBECONFIG",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "KUBECTL_REMOTE_COMMAND_WEBSOCKETS",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    /// Runs kubectl with `args`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    /// Runs kubectl with extra environment variables.
    pub fn run_with_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        self.spawn(self.command(args).envs(env.iter().copied()), None)
    }

    /// Runs kubectl feeding `stdin`.
    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        self.spawn(&mut self.command(args), stdin)
    }

    fn spawn(&self, cmd: &mut Command, stdin: Option<&[u8]>) -> Run {
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run kubectl");
        if let Some(data) = stdin {
            use std::io::Write as _;
            let mut pipe = child.stdin.take().expect("stdin pipe");
            pipe.write_all(data).expect("write kubectl stdin");
        }
        let out: Output = child.wait_with_output().expect("wait for kubectl");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Panics with the output unless the exit code is `code`.
    pub fn expect_code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "kubectl exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// Asserts that the 1.32 client (the dispatcher's built-in 1.32.4) made the API requests:
/// the dispatcher asked `/version` first, then requests carried a kubectl/v1.32 User-Agent.
pub fn assert_client_132(cluster: &FakeCluster) {
    let requests = cluster.requests();
    assert!(
        requests.iter().any(|r| r.path == "/version"
            && r.user_agent
                .as_deref()
                .is_some_and(|u| u.starts_with("kubectl-dispatcher/"))),
        "the dispatcher asked /version"
    );
    let api: Vec<_> = requests.iter().filter(|r| r.path != "/version").collect();
    assert!(!api.is_empty(), "kubectl made API requests");
    for r in api {
        let ua = r.user_agent.as_deref().unwrap_or("");
        assert!(
            ua.starts_with("kubectl/v1.32."),
            "request {} came from {ua:?}",
            r.path
        );
    }
}
