//! Access to the e2e world from tests: reads the env file `tests/e2e/world.sh up` writes
//! (`$WORLD_STATE/env.sh`, default `.state/world/env.sh` in the repo) and runs the built
//! `kubectl-dfimage` binary with a controlled environment (credentials only from the
//! DOCKER_CONFIG a test picks, no proxies, no user config) and a hard time limit.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Seconds one run of the binary may take before the test fails.
const RUN_LIMIT_SECS: u32 = 120;

/// The world's variables (`WORLD_*`).
pub(crate) struct World {
    vars: BTreeMap<String, String>,
}

/// The result of one run of the binary.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Outcome {
    /// Panics with the whole run unless the exit code is `want`.
    pub(crate) fn expect_code(&self, want: i32, what: &str) -> &Self {
        assert_eq!(
            self.code, want,
            "{what}: exit code {} (wanted {want})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

/// The binary under test: `$DFIMAGE_BIN` when set (a release build, or a copy safe from a
/// shared target dir being rebuilt), else the one cargo built for this test run.
fn binary() -> PathBuf {
    std::env::var_os("DFIMAGE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_kubectl-dfimage")))
}

fn env_file() -> PathBuf {
    if let Some(state) = std::env::var_os("WORLD_STATE") {
        return Path::new(&state).join("env.sh");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".state/world/env.sh")
}

/// The world, loaded once per test process. Panics when `world.sh up` has not run.
pub(crate) fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let path = env_file();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "the e2e world is not up ({}: {e}); run: tests/e2e/world.sh up",
                path.display()
            )
        });
        let vars = text
            .lines()
            .filter_map(|l| l.strip_prefix("export "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect();
        World { vars }
    })
}

impl World {
    /// A `WORLD_*` variable; panics with a hint when the world lacks it.
    pub(crate) fn var(&self, name: &str) -> &str {
        self.vars.get(name).map(String::as_str).unwrap_or_else(|| {
            panic!("{name} is missing from the world's env file; rerun tests/e2e/world.sh up")
        })
    }

    /// `WORLD_REF_<TAG>`: the plain-registry reference of a fixture tag (`app:classic`).
    pub(crate) fn plain_ref(&self, tag: &str) -> String {
        format!("{}/{tag}", self.var("WORLD_PLAIN"))
    }

    /// The manifest digest of a plain-registry fixture tag, as the registry reports it.
    pub(crate) fn digest(&self, tag: &str) -> &str {
        let key: String = tag
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        self.var(&format!("WORLD_DIGEST_{key}"))
    }

    /// Runs the binary with no credentials (an empty docker config).
    pub(crate) fn run(&self, args: &[&str]) -> Outcome {
        self.run_full(self.var("WORLD_DOCKER_CONFIG_EMPTY"), args, None)
    }

    /// Runs the binary with the docker config folder `docker_config` and optional stdin bytes.
    pub(crate) fn run_full(
        &self,
        docker_config: &str,
        args: &[&str],
        stdin: Option<&[u8]>,
    ) -> Outcome {
        let mut cmd = Command::new("timeout");
        cmd.arg("--kill-after=5")
            .arg(RUN_LIMIT_SECS.to_string())
            .arg(binary())
            .args(args)
            .env("DOCKER_CONFIG", docker_config)
            .env("HOME", docker_config)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in [
            "REGISTRY_AUTH_FILE",
            "XDG_RUNTIME_DIR",
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "ALL_PROXY",
            "all_proxy",
            "NO_PROXY",
            "no_proxy",
            "SSL_CERT_FILE",
            "SSL_CERT_DIR",
        ] {
            cmd.env_remove(var);
        }
        let mut child = cmd
            .spawn()
            .expect("starting kubectl-dfimage under timeout(1)");
        if let Some(bytes) = stdin {
            let mut pipe = child.stdin.take().expect("stdin pipe");
            let bytes = bytes.to_vec();
            std::thread::spawn(move || {
                let _ = pipe.write_all(&bytes);
            });
        }
        let out = child
            .wait_with_output()
            .expect("waiting for kubectl-dfimage");
        let code = out.status.code().unwrap_or(-1);
        let outcome = Outcome {
            code,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            code != 124 && code != 137,
            "kubectl-dfimage {args:?} did not finish within {RUN_LIMIT_SECS} s\n--- stderr ---\n{}",
            outcome.stderr
        );
        outcome
    }

    /// Runs skopeo (an independent reference reader) and returns its stdout.
    pub(crate) fn skopeo(&self, args: &[&str]) -> Vec<u8> {
        let out = Command::new("skopeo")
            .args(args)
            .env(
                "CONTAINERS_STORAGE_CONF",
                self.var("WORLD_CONTAINERS_STORAGE_CONF"),
            )
            .env_remove("REGISTRY_AUTH_FILE")
            .env_remove("DOCKER_CONFIG")
            .stdin(Stdio::null())
            .output()
            .expect("running skopeo");
        assert!(
            out.status.success(),
            "skopeo {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// The raw config of a plain-registry fixture, as skopeo reads it.
    pub(crate) fn raw_config(&self, tag: &str) -> Vec<u8> {
        let src = format!("docker://{}", self.plain_ref(tag));
        self.skopeo(&["inspect", "--tls-verify=false", "--raw", "--config", &src])
    }
}
