//! [`FakeCluster`]: starting the server on its own thread and runtime (usable from sync and
//! async tests alike), what tests read from it (URL, kubeconfig, CA, token, logs, rootfs
//! paths), run-time faults, and shutdown on drop.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;

use crate::cluster::Cluster;
use crate::error::Error;
use crate::faults::{Fault, FaultSet};
use crate::log::{ExecRecord, Log, RequestRecord};
use crate::scenario::Scenario;
use crate::shared::Shared;
use crate::{kubeconfig, server, tls};

/// A running fake API server; stops when dropped.
pub struct FakeCluster {
    url: String,
    kubeconfig: String,
    kubeconfig_path: PathBuf,
    ca_pem: String,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    work: tempfile::TempDir,
}

impl FakeCluster {
    /// Prepares every rootfs and starts serving on a random loopback port.
    pub fn start(scenario: Scenario) -> Result<Self, Error> {
        Self::start_on(scenario, 0)
    }

    /// Like [`FakeCluster::start`] on a chosen port (0 = random).
    pub fn start_on(scenario: Scenario, port: u16) -> Result<Self, Error> {
        let io = |action, path: String| {
            move |source| Error::Io {
                action,
                path,
                source,
            }
        };
        let work = tempfile::Builder::new()
            .prefix("fake-cluster-")
            .tempdir()
            .map_err(io("create", "temporary folder".into()))?;
        let tls = tls::generate()?;
        let addr = format!("127.0.0.1:{port}");
        let listener = std::net::TcpListener::bind(&addr).map_err(io("bind", addr.clone()))?;
        listener
            .set_nonblocking(true)
            .map_err(io("bind", addr.clone()))?;
        let local = listener.local_addr().map_err(io("bind", addr))?;
        let url = format!("https://{local}");
        let token = scenario.server.token.clone().unwrap_or_else(random_token);
        let kubeconfig = kubeconfig::render(&url, &tls.ca_pem, &token, "default");
        let kubeconfig_path = work.path().join("kubeconfig");
        std::fs::write(&kubeconfig_path, &kubeconfig).map_err(io(
            "write kubeconfig",
            kubeconfig_path.display().to_string(),
        ))?;
        let faults = FaultSet::new(scenario.faults.clone());
        let cluster = Cluster::new(scenario, work.path())?;
        let shared = Arc::new(Shared {
            cluster,
            faults,
            log: Log::default(),
            token,
            address: local.to_string(),
        });
        let (shutdown, rx) = watch::channel(false);
        let (config, state) = (tls.config.clone(), shared.clone());
        let thread = std::thread::Builder::new()
            .name("fake-apiserver".into())
            .spawn(move || run(listener, config, state, rx))
            .map_err(io("spawn", "server thread".into()))?;
        Ok(Self {
            url,
            kubeconfig,
            kubeconfig_path,
            ca_pem: tls.ca_pem,
            shared,
            shutdown,
            thread: Some(thread),
            work,
        })
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The kubeconfig text (CA inlined, token user, namespace `default`).
    pub fn kubeconfig(&self) -> &str {
        &self.kubeconfig
    }

    /// A file holding [`FakeCluster::kubeconfig`], removed on drop.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// The CA certificate (PEM) the server's leaf is signed by.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The accepted bearer token.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// A scratch folder owned by the server, removed on drop.
    pub fn work_dir(&self) -> &Path {
        self.work.path()
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log.requests()
    }

    /// Every finished exec session so far.
    pub fn execs(&self) -> Vec<ExecRecord> {
        self.shared.log.execs()
    }

    /// Waits until at least `n` exec sessions finished (a session is logged once its connection
    /// is closed, which can be a moment after the client has its status), at most `timeout`.
    pub fn wait_for_execs(&self, n: usize, timeout: Duration) -> Vec<ExecRecord> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let execs = self.execs();
            if execs.len() >= n || std::time::Instant::now() >= deadline {
                return execs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Forgets the logged requests and execs.
    pub fn clear_log(&self) {
        self.shared.log.clear();
    }

    /// Adds faults.
    pub fn add_faults(&self, faults: Vec<Fault>) {
        self.shared.faults.add(faults);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The rootfs folder of a container (regular, init or ephemeral).
    pub fn rootfs(&self, namespace: &str, pod: &str, container: &str) -> Option<PathBuf> {
        let p = self.shared.cluster.pod(namespace, pod)?;
        p.exec_target(container).map(|t| t.root)
    }

    /// Stops serving and waits for the server thread.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FakeCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(
    listener: std::net::TcpListener,
    config: Arc<rustls::ServerConfig>,
    shared: Arc<Shared>,
    rx: watch::Receiver<bool>,
) {
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async move {
        if let Ok(listener) = tokio::net::TcpListener::from_std(listener) {
            server::serve(listener, config, shared, rx).await;
        }
    });
    rt.shutdown_timeout(Duration::from_secs(1));
}

fn random_token() -> String {
    let a = RandomState::new().build_hasher().finish();
    let b = RandomState::new().build_hasher().finish();
    format!("fake-{a:016x}{b:016x}")
}
