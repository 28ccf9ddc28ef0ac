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

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/configs")
        .join(name)
}

#[test]
fn diff_exits_like_diff_1_same_different_unreadable() {
    let a = fixture("moby_buildkit_compat-default-gzip-v30.json");
    let b = fixture("google_go-containerregistry_hello-world-v25.json");
    let run = |x: &std::path::Path, y: &std::path::Path| {
        bin()
            .arg("diff")
            .arg(x)
            .arg(y)
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let same = run(&a, &a);
    assert_eq!(same.status.code(), Some(0), "{same:?}");
    let different = run(&a, &b);
    assert_eq!(different.status.code(), Some(1), "{different:?}");
    assert!(
        String::from_utf8_lossy(&different.stdout).contains("+++"),
        "the diff itself is still printed"
    );
    let missing = run(&a, &a.with_file_name("no-such-config.json"));
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
}

/// A docker-archive whose end (with manifest.json) was lost: a layer member, then
/// manifest.json, cut inside the layer's data.
#[test]
fn a_truncated_docker_archive_is_reported_as_truncated_not_as_missing_metadata() {
    let mut b = tar::Builder::new(Vec::new());
    for (name, len) in [("abc/layer.tar", 8192usize), ("manifest.json", 2)] {
        let mut h = tar::Header::new_gnu();
        h.set_size(len as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, vec![b'['; len].as_slice())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let whole = b.into_inner().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("saved.tar");
    std::fs::write(&file, &whole[..512 + 3000]).unwrap_or_else(|e| panic!("{e}"));
    let out = bin()
        .arg(format!("docker-archive:{}", file.display()))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("truncated") && err.contains("abc/layer.tar") && err.contains("3000 of 8192"),
        "{err}"
    );
}

#[test]
fn a_kubeconfig_env_naming_a_missing_file_names_it_once_and_no_in_cluster_causes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("gone").join("kubeconfig");
    let out = bin()
        .env("KUBECONFIG", &missing)
        .env_remove("KUBERNETES_SERVICE_HOST")
        .env_remove("KUBERNETES_SERVICE_PORT")
        .args(["-n", "arc", "--all", "--output-dir"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.matches(&missing.display().to_string()).count(),
        1,
        "{err}"
    );
    assert!(
        !err.contains("incluster") && !err.contains("environment variable"),
        "{err}"
    );
    assert!(err.matches("caused by").count() <= 1, "{err}");
}

/// An oci-archive as skopeo writes it (blobs first, index.json and oci-layout last), cut
/// inside its blob: index.json is lost with the end.
#[test]
fn a_truncated_oci_archive_is_reported_as_truncated_not_as_having_no_index_json() {
    let mut b = tar::Builder::new(Vec::new());
    for (name, len) in [
        ("blobs/sha256/aa", 8192usize),
        ("index.json", 2),
        ("oci-layout", 2),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(len as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, vec![b'{'; len].as_slice())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let whole = b.into_inner().unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("img.tar");
    std::fs::write(&file, &whole[..512 + 5000]).unwrap_or_else(|e| panic!("{e}"));
    for source in [
        format!("oci-archive:{}", file.display()),
        file.display().to_string(),
    ] {
        let out = bin()
            .arg(&source)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{source}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("truncated") && err.contains("5000 of 8192"),
            "{source}: {err}"
        );
    }
}

#[test]
fn a_layout_directory_that_does_not_exist_is_named_as_missing() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let missing = dir.path().join("no-layout");
    let out = bin()
        .arg(format!("oci:{}", missing.display()))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no such directory") && !err.contains("index.json"),
        "{err}"
    );
}

#[test]
fn empty_stdin_says_it_is_empty_and_shows_a_pipe() {
    let out = bin()
        .arg("-")
        .write_stdin(Vec::new())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("standard input is empty")
            && err.contains("| kubectl dfimage -")
            && !err.contains("neither a tar archive nor JSON"),
        "{err}"
    );
}

#[test]
fn a_negative_max_files_says_what_n_may_be() {
    for args in [["--max-files", "-1"], ["--max-files=-1", "x"]] {
        let out = bin()
            .args(args)
            .arg("alpine")
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(">= 0") && !err.contains("tip: to pass"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn diff_help_states_its_exit_codes() {
    let out = bin()
        .args(["diff", "--help"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("0 the images are the same") && help.contains("1 they differ"),
        "{help}"
    );
}

/// A docker config whose history and Env carry secrets: an ENV with a password and a RUN
/// with `curl -u user:password`.
fn config_with_secrets(password: &str, cli_password: &str) -> String {
    serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {
            "Env": ["PATH=/usr/bin", format!("DB_PASSWORD={password}")],
            "Cmd": ["sh"]
        },
        "rootfs": {"type": "layers", "diff_ids": []},
        "history": [
            {"created_by": format!("/bin/sh -c #(nop)  ENV DB_PASSWORD={password}"), "empty_layer": true},
            {"created_by": format!("/bin/sh -c curl -fsS -u admin:{cli_password} https://example.com/x"), "empty_layer": true},
            {"created_by": "/bin/sh -c #(nop)  CMD [\"sh\"]", "empty_layer": true}
        ]
    })
    .to_string()
}

#[test]
fn secrets_are_masked_in_the_printed_dockerfile_and_json_not_only_in_the_report() {
    let (password, cli_password) = ("hunter2hunter2", "s3cr3tP4ssw0rd");
    let config = config_with_secrets(password, cli_password);
    for format in ["dockerfile", "json"] {
        let out = bin()
            .args(["--secrets", "-o", format, "-"])
            .write_stdin(config.clone())
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(0), "{format}: {stderr}");
        assert!(stderr.contains("likely secret"), "{format}: {stderr}");
        for secret in [password, cli_password] {
            assert!(
                !stdout.contains(secret),
                "{format}: {secret} printed:\n{stdout}"
            );
            assert!(!stderr.contains(secret), "{format}: {secret} on stderr");
            let masked = format!("{}****", &secret[..4]);
            assert!(stdout.contains(&masked), "{format}: no {masked}:\n{stdout}");
        }
        if format == "json" {
            serde_json::from_str::<serde_json::Value>(&stdout)
                .unwrap_or_else(|e| panic!("masked JSON no longer parses: {e}\n{stdout}"));
        }
    }
    // Without --secrets the recovery is verbatim.
    let out = bin()
        .arg("-")
        .write_stdin(config)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(String::from_utf8_lossy(&out.stdout).contains(password));
}
