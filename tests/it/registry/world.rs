//! A real Debian `docker-registry` on a free loopback port for the registry tests, plain
//! HTTP or TLS + htpasswd, and skopeo to push test layouts into it. Missing binaries panic:
//! the tests using this are `#[ignore = "needs …"]` and must fail loudly when run.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use kubectl_dfimage::registry::sha256_digest;

/// A free loopback TCP port (closed again; a tiny race with other processes is accepted).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A docker config.json document with basic credentials for `addr`.
pub fn auth_doc(addr: &str, user: &str, password: &str) -> Vec<u8> {
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!(r#"{{"auths":{{"{addr}":{{"auth":"{auth}"}}}}}}"#).into_bytes()
}

/// A running registry and the state folder it lives in.
pub struct World {
    /// Scratch space (registry data, certificates, layouts).
    pub state: tempfile::TempDir,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The CA certificate (TLS instance only).
    pub ca: PathBuf,
    tls: bool,
    child: Child,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

impl World {
    fn start(tls: bool) -> World {
        let state = tempfile::tempdir().unwrap();
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let dir = state.path();
        let mut extra = String::new();
        // The CA alone in its own folder: skopeo's --cert-dir takes any *.key as a client key.
        let ca = dir.join("trust/ca.crt");
        if tls {
            make_certs(&dir.join("certs"));
            std::fs::create_dir_all(dir.join("trust")).unwrap();
            std::fs::copy(dir.join("certs/ca.crt"), &ca).unwrap();
            run(Command::new("htpasswd")
                .args(["-Bbc"])
                .arg(dir.join("htpasswd"))
                .args(["testuser", "testpass"]));
            extra = format!(
                "  tls: {{certificate: {0}/certs/tls.crt, key: {0}/certs/tls.key}}\nauth:\n  htpasswd: {{realm: test-realm, path: {0}/htpasswd}}\n",
                dir.display()
            );
        }
        let config = format!(
            "version: 0.1\nlog: {{level: warn}}\nstorage:\n  filesystem: {{rootdirectory: {}/data}}\n  delete: {{enabled: true}}\nhttp:\n  addr: {addr}\n{extra}",
            dir.display()
        );
        std::fs::write(dir.join("config.yml"), config).unwrap();
        let log = std::fs::File::create(dir.join("registry.log")).unwrap();
        let child = Command::new("/usr/bin/docker-registry")
            .arg("serve")
            .arg(dir.join("config.yml"))
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("docker-registry is not installed (apt-get install docker-registry)");
        let world = World {
            state,
            addr,
            ca,
            tls,
            child,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&world.addr).is_err() {
            assert!(Instant::now() < deadline, "docker-registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        world
    }

    /// A plain-HTTP registry.
    pub async fn start_plain() -> World {
        tokio::task::spawn_blocking(|| World::start(false))
            .await
            .unwrap()
    }

    /// A TLS registry (test CA) with htpasswd user `testuser`/`testpass`.
    pub async fn start_tls() -> World {
        tokio::task::spawn_blocking(|| World::start(true))
            .await
            .unwrap()
    }

    fn skopeo_dest_flags(&self, cmd: &mut Command) {
        if self.tls {
            cmd.arg("--dest-cert-dir")
                .arg(self.ca.parent().unwrap())
                .args(["--dest-creds", "testuser:testpass"]);
        } else {
            cmd.arg("--dest-tls-verify=false");
        }
    }

    fn skopeo_src_flags(&self, cmd: &mut Command) {
        if self.tls {
            cmd.arg("--cert-dir")
                .arg(self.ca.parent().unwrap())
                .args(["--creds", "testuser:testpass"]);
        } else {
            cmd.arg("--tls-verify=false");
        }
    }

    /// Pushes `oci:LAYOUT:TAG` to `REPO:TAG` (`all` keeps the whole index, else docker v2s2).
    pub fn push_layout(&self, layout: &Path, tag: &str, dest: &str, all: bool) {
        let mut cmd = Command::new("skopeo");
        cmd.args(["--insecure-policy", "copy", "-q"]);
        if all {
            cmd.arg("--all");
        } else {
            cmd.args(["--format", "v2s2"]);
        }
        self.skopeo_dest_flags(&mut cmd);
        cmd.arg(format!("oci:{}:{tag}", layout.display()))
            .arg(format!("docker://{}/{dest}", self.addr))
            .env_remove("REGISTRY_AUTH_FILE");
        run(&mut cmd);
    }

    fn inspect(&self, reference: &str, config: bool) -> Vec<u8> {
        let mut cmd = Command::new("skopeo");
        cmd.args(["--insecure-policy", "inspect", "--raw"]);
        if config {
            cmd.arg("--config");
        }
        self.skopeo_src_flags(&mut cmd);
        cmd.arg(format!("docker://{}/{reference}", self.addr));
        run(&mut cmd)
    }

    /// Flips one byte of a stored blob in place (same size, so cached sizes stay right).
    pub fn corrupt_blob(&self, digest: &str) {
        let hex = digest.strip_prefix("sha256:").unwrap();
        let path = self.state.path().join(format!(
            "data/docker/registry/v2/blobs/sha256/{}/{hex}/data",
            &hex[..2]
        ));
        let mut bytes = std::fs::read(&path).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
    }

    /// The digest of the manifest stored under `reference`, per skopeo.
    pub fn manifest_digest(&self, reference: &str) -> String {
        sha256_digest(&self.inspect(reference, false))
    }

    /// The digest of the config of `reference`, per skopeo.
    pub fn config_digest(&self, reference: &str) -> String {
        sha256_digest(&self.inspect(reference, true))
    }
}

/// A CA and a separate leaf for 127.0.0.1/localhost (rustls wants a SAN and a non-CA leaf).
fn make_certs(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let ossl = |args: &[&str]| {
        run(Command::new("openssl").current_dir(dir).args(args));
    };
    ossl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-days",
        "30",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-subj",
        "/CN=test-ca",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    ossl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-sha256",
        "-keyout",
        "tls.key",
        "-out",
        "tls.csr",
        "-subj",
        "/CN=localhost",
    ]);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=critical,CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    ossl(&[
        "x509",
        "-req",
        "-in",
        "tls.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "30",
        "-sha256",
        "-extfile",
        "leaf.ext",
        "-out",
        "tls.crt",
    ]);
}
