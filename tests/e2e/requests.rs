//! What the tool asks a registry, counted in the registry's own log: a private
//! `docker-registry` serving the plain registry's storage on a port of its own, so no other
//! test's requests are mixed in.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::world::world;

/// A `docker-registry` child, stopped on drop.
struct PrivateRegistry {
    child: Child,
    address: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for PrivateRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts a registry on the plain registry's storage, with its config's address replaced.
fn private_registry() -> PrivateRegistry {
    let w = world();
    let plain_dir = Path::new(w.var("WORLD_PLAIN_LOG"))
        .parent()
        .expect("the plain registry's folder")
        .to_path_buf();
    let config = std::fs::read_to_string(plain_dir.join("config.yml")).expect("plain config");
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let config: String = config
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("addr:") {
                format!("  addr: {address}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("config.yml"), config).expect("write config");
    let log = dir.path().join("registry.log");
    let child = Command::new("/usr/bin/docker-registry")
        .arg("serve")
        .arg(dir.path().join("config.yml"))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).expect("log file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("starting docker-registry");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&address).is_err() {
        assert!(
            Instant::now() < deadline,
            "docker-registry did not listen on {address}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    PrivateRegistry {
        child,
        address,
        log,
        _dir: dir,
    }
}

/// `(method, path)` of every request in the registry's access log.
fn requests(log: &Path) -> Vec<(String, String)> {
    let file = std::fs::File::open(log).expect("registry log");
    BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.starts_with("127.0.0.1 "))
        .filter_map(|l| {
            let quoted = l.split('"').nth(1)?.to_string();
            let mut parts = quoted.split(' ');
            Some((parts.next()?.to_string(), parts.next()?.to_string()))
        })
        .collect()
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn an_anonymous_pull_from_a_registry_that_never_challenges_asks_v2_only_for_manifests() {
    let w = world();
    let registry = private_registry();
    // app:classic has COPY layers, so the default run fetches its config and layer blobs.
    let reference = format!("{}/app:classic", registry.address);
    w.run(&[&reference]).expect_code(0, &reference);
    // the access log line is written after the response; give it a moment
    std::thread::sleep(Duration::from_millis(300));
    let seen = requests(&registry.log);
    let count = |pred: &dyn Fn(&(String, String)) -> bool| seen.iter().filter(|r| pred(r)).count();
    let probes = count(&|(m, p)| m == "GET" && p == "/v2/");
    let manifests = count(&|(m, p)| m == "GET" && p.contains("/manifests/"));
    let blobs = count(&|(m, p)| m == "GET" && p.contains("/blobs/"));
    assert!(blobs >= 2, "expected config and layer blobs, saw {seen:?}");
    assert!(
        probes <= manifests,
        "{probes} GET /v2/ for {manifests} manifest and {blobs} blob requests: blobs must not be \
         preceded by an auth probe\n{seen:?}"
    );
}
