//! The built binary's command-line contract: exit codes, help, version, completion.

use assert_cmd::Command;

fn bin() -> Command {
    let mut c = Command::cargo_bin("kubectl-dfimage").unwrap_or_else(|e| panic!("{e}"));
    c.env_remove("KUBECONFIG").env("HOME", std::env::temp_dir());
    c
}

#[test]
fn usage_errors_exit_2_with_the_message_on_stderr_only() {
    let out = bin().output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SOURCE"));
    let out = bin()
        .args(["--no-such-flag", "x"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_and_version_go_to_stdout_with_exit_0() {
    let out = bin()
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Exit codes: 0 complete, 1 partial"), "{help}");
    let out = bin()
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(
        version.contains(env!("CARGO_PKG_VERSION")) && version.contains("(commit "),
        "{version}"
    );
}

#[test]
fn usage_names_the_plugin_as_kubectl_runs_it() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let link = dir.path().join("kubectl-dfimage");
    std::fs::copy(env!("CARGO_BIN_EXE_kubectl-dfimage"), &link).unwrap_or_else(|e| panic!("{e}"));
    let out = std::process::Command::new(&link)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: kubectl dfimage"));
}

#[test]
fn completion_scripts_are_generated_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = bin()
            .args(["completion", shell])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("kubectl-dfimage"),
            "{shell}"
        );
    }
}

#[test]
fn kubectl_shim_is_installed_executable_and_answers_the_protocol() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = bin()
        .args(["completion", "kubectl-shim", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let shim = dir.path().join("kubectl_complete-dfimage");
    let mode = std::fs::metadata(&shim).map(|m| {
        use std::os::unix::fs::PermissionsExt;
        m.permissions().mode()
    });
    assert_eq!(mode.ok().map(|m| m & 0o111), Some(0o111));
    // The shim calls kubectl-dfimage from PATH: put the built binary there.
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_kubectl-dfimage"))
        .parent()
        .map(|p| p.to_owned())
        .unwrap_or_default();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new(&shim)
        .args(["--output", ""])
        .env("PATH", path)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("dockerfile") && text.contains("json") && text.ends_with(":4\n"),
        "{text}"
    );
}
