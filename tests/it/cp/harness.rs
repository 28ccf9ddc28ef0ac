//! Starting a one-pod scenario and running the built binary against it.

use std::path::{Path, PathBuf};
use std::process::Output;

use fake_cluster::{FakeCluster, Scenario};

/// A fake cluster with pod `default/app`, container `main` of `flavor`, running as `user`.
pub struct World {
    pub cluster: FakeCluster,
    pub local: tempfile::TempDir,
}

impl World {
    /// Pod `app` with containers `main` and `side`, `flavor` and `user` as given, both in
    /// `state`.
    pub fn with_state(flavor: &str, user: &str, state: &str) -> Self {
        let yaml = format!(
            "nodes: [{{name: node-1, os: linux, arch: amd64}}]
pods:
  - name: app
    node: node-1
    containers:
      - {{name: main, image: 127.0.0.1:5000/app:v1, flavor: {flavor}, user: \"{user}\", state: {state}}}
      - {{name: side, image: 127.0.0.1:5000/side:v1, flavor: {flavor}, user: \"{user}\", state: {state}}}
"
        );
        Self::from_yaml(&yaml)
    }

    fn from_yaml(yaml: &str) -> Self {
        let base = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let scenario = Scenario::parse(yaml, base.path()).unwrap_or_else(|e| panic!("{e}"));
        let cluster = FakeCluster::start(scenario).unwrap_or_else(|e| panic!("{e}"));
        Self {
            cluster,
            local: tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
        }
    }

    pub fn new(flavor: &str, user: &str) -> Self {
        Self::with_state(flavor, user, "running")
    }

    /// The container's filesystem, to plant files in.
    pub fn rootfs(&self) -> PathBuf {
        self.cluster
            .rootfs("default", "app", "main")
            .unwrap_or_else(|| panic!("no rootfs"))
    }

    /// A path in the local scratch folder.
    pub fn local(&self, rel: &str) -> PathBuf {
        self.local.path().join(rel)
    }

    /// Runs `kubectl-dfimage ARGS` with this cluster's kubeconfig.
    pub fn run(&self, args: &[&std::ffi::OsStr]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-dfimage"))
            .args(args)
            .env("KUBECONFIG", self.cluster.kubeconfig_path())
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .current_dir(self.local.path())
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `cp SRC DEST EXTRA…`.
    pub fn cp(
        &self,
        src: impl AsRef<std::ffi::OsStr>,
        dest: impl AsRef<std::ffi::OsStr>,
        extra: &[&str],
    ) -> Output {
        let mut args: Vec<&std::ffi::OsStr> = vec!["cp".as_ref(), src.as_ref(), dest.as_ref()];
        args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
        self.run(&args)
    }
}

impl World {
    /// `cp SRC DEST EXTRA…` with stderr on a terminal (util-linux `script` gives it a pty),
    /// so progress bars are drawn; what the terminal showed comes back as stdout.
    pub fn cp_on_terminal(&self, src: &str, dest: &Path, extra: &[&str]) -> Output {
        let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
        let mut cmd = vec![
            quote(env!("CARGO_BIN_EXE_kubectl-dfimage")),
            "cp".to_owned(),
            quote(src),
            quote(dest.to_str().unwrap_or_default()),
        ];
        cmd.extend(extra.iter().map(|a| quote(a)));
        std::process::Command::new("script")
            .args(["-qec", &cmd.join(" "), "/dev/null"])
            .env("KUBECONFIG", self.cluster.kubeconfig_path())
            .env("TERM", "xterm")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .current_dir(self.local.path())
            .output()
            .unwrap_or_else(|e| panic!("script: {e}"))
    }

    /// The argv of every exec whose joined command contains `needle`.
    pub fn execs_containing(&self, needle: &str) -> Vec<Vec<String>> {
        self.cluster
            .execs()
            .into_iter()
            .map(|e| e.command)
            .filter(|c| c.join(" ").contains(needle))
            .collect()
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Fails loudly when not root: the fake's exec chroots.
pub fn require_root() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let euid = status
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(2))
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        euid, "0",
        "cp tests chroot into container trees and must run as root"
    );
}

pub fn write(path: &Path, content: &[u8]) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(path, content).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

pub fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .unwrap_or_else(|e| panic!("{e}"));
}

pub fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap_or_else(|e| panic!("{}: {e}", link.display()));
}

pub fn link_target(p: &Path) -> String {
    std::fs::read_link(p)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Adds what a uid-1000 container cannot read under `root` (a root-only 0600 file and 0700
/// dir; `a.txt` stays readable) and copies `app:/data` with `--error-log`: the output and
/// the log's path.
pub fn copy_with_unreadable_paths(w: &World, root: &Path) -> (Output, PathBuf) {
    write(&root.join("secret"), b"root only\n");
    chmod(&root.join("secret"), 0o600);
    write(&root.join("locked/inner"), b"x");
    chmod(&root.join("locked"), 0o700);
    chmod(&root.join("a.txt"), 0o644);
    let log = w.local("errors.jsonl");
    let out = w.cp(
        "app:/data",
        w.local("out"),
        &["--error-log", log.to_str().unwrap_or_default()],
    );
    (out, log)
}

/// Replaces the container's `tar` by the shell `script`, which may run the real one as
/// `/usr/bin/tar.real`.
pub fn wrap_tar(rootfs: &Path, script: &[u8]) {
    let bin = rootfs.join("usr/bin");
    std::fs::rename(bin.join("tar"), bin.join("tar.real")).unwrap_or_else(|e| panic!("{e}"));
    write(&bin.join("tar"), script);
    chmod(&bin.join("tar"), 0o755);
}
