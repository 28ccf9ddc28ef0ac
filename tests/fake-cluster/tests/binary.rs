//! The `fake-apiserver` binary as a person starts it: prints the listening line, writes a
//! kubeconfig kubectl can use, and stops (cleaning up) on SIGTERM.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use crate::common::{Kubectl, arc_scenario_path, require_root};

#[test]
fn the_binary_serves_a_scenario_until_terminated() {
    require_root();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_fake-apiserver"))
            .arg("--scenario")
            .arg(arc_scenario_path())
            .arg("--write-kubeconfig")
            .arg(&kubeconfig)
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    assert!(
        std::fs::read_to_string(&kubeconfig)
            .unwrap()
            .contains(&format!("server: {url}"))
    );

    let run = Kubectl::with_kubeconfig(&kubeconfig).run(&[
        "exec",
        "-n",
        "arc",
        "metricsdb-0",
        "--",
        "cat",
        "/etc/hostname",
    ]);
    let pid = server.0.id().to_string();
    let term = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(term.success());
    let status = server.0.wait().unwrap();
    let run = run.expect_code(0);
    assert_eq!(run.stdout, "metricsdb-0\n");
    assert!(status.success(), "SIGTERM is a clean stop: {status:?}");
}

/// Kills the server if the test fails before stopping it.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
