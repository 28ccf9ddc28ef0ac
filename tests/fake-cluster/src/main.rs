//! `fake-apiserver --scenario FILE --write-kubeconfig PATH [--port 0]`: serves a scenario over
//! HTTPS on 127.0.0.1, writes a kubeconfig for it, prints `listening on https://127.0.0.1:PORT`
//! and runs until interrupted (SIGINT/SIGTERM).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fake_cluster::{Error, FakeCluster, Scenario};

/// Loopback fake Kubernetes API server for kubectl-dfimage's tests.
#[derive(Parser)]
struct Args {
    /// Scenario YAML file.
    #[arg(long)]
    scenario: PathBuf,
    /// Where to write the kubeconfig pointing at the server.
    #[arg(long)]
    write_kubeconfig: PathBuf,
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = format!("fake-apiserver: failed to {e}");
            let mut source = std::error::Error::source(&*e);
            while let Some(s) = source {
                msg.push_str(&format!(": {s}"));
                source = s.source();
            }
            let _ = writeln!(std::io::stderr(), "{msg}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let scenario = Scenario::load(&args.scenario)?;
    let cluster = FakeCluster::start_on(scenario, args.port)?;
    std::fs::write(&args.write_kubeconfig, cluster.kubeconfig()).map_err(|source| Error::Io {
        action: "write kubeconfig",
        path: args.write_kubeconfig.display().to_string(),
        source,
    })?;
    let mut out = std::io::stdout();
    writeln!(out, "listening on {}", cluster.url())?;
    out.flush()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    })?;
    cluster.shutdown();
    Ok(())
}
