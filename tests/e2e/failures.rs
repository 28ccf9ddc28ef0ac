//! Failures against the real registries: each exits 2, prints nothing on stdout, and says what
//! went wrong (unauthorized, unknown tag, TLS without `--ca-file`, connection refused), without
//! ever printing a secret. Wrong credentials fail even where anonymous pulls would work (the
//! token registry): the user asked for those credentials, and docker fails there too.

use crate::world::{Outcome, world};

fn fails(out: &Outcome, what: &str, needle: &str) {
    out.expect_code(2, what);
    assert!(
        out.stdout.is_empty(),
        "{what}: a failed run printed on stdout:\n{}",
        out.stdout
    );
    assert!(
        out.stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: stderr does not mention {needle:?}:\n{}",
        out.stderr
    );
}

/// An authentication failure: exit 2, nothing on stdout, a message that says so ("unauthorized"
/// or "authenticate") and, when credentials were found, names their source (the docker config).
fn unauthorized(out: &Outcome, what: &str, docker_config: Option<&str>) {
    out.expect_code(2, what);
    assert!(
        out.stdout.is_empty(),
        "{what}: a failed run printed on stdout:\n{}",
        out.stdout
    );
    let err = out.stderr.to_lowercase();
    assert!(
        err.contains("unauthorized") || err.contains("authenticat"),
        "{what}: stderr does not report an authentication failure:\n{}",
        out.stderr
    );
    if let Some(source) = docker_config {
        assert!(
            out.stderr.contains(source),
            "{what}: stderr does not name the credential source {source}:\n{}",
            out.stderr
        );
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn wrong_password_at_the_basic_auth_registry_is_unauthorized() {
    let w = world();
    let reference = format!("{}/app:buildah-docker", w.var("WORLD_SECURE"));
    let config = w.var("WORLD_DOCKER_CONFIG_BAD");
    let out = w.run_full(config, &["--ca-file", w.var("WORLD_CA"), &reference], None);
    unauthorized(&out, "wrong password (basic)", Some(config));
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn missing_credentials_at_the_basic_auth_registry_is_unauthorized() {
    let w = world();
    let reference = format!("{}/app:buildah-docker", w.var("WORLD_SECURE"));
    let out = w.run(&["--ca-file", w.var("WORLD_CA"), &reference]);
    unauthorized(&out, "no credentials (basic)", None);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn wrong_password_at_the_token_realm_is_unauthorized() {
    let w = world();
    let reference = format!("{}/app:buildkit", w.var("WORLD_TOKEN"));
    let config = w.var("WORLD_DOCKER_CONFIG_BAD");
    let out = w.run_full(config, &[&reference], None);
    unauthorized(&out, "wrong password (token)", Some(config));
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn unknown_tag_and_unknown_repository_fail() {
    let w = world();
    let tag = w.plain_ref("app:no-such-tag");
    fails(&w.run(&[&tag]), "unknown tag", "no-such-tag");
    let repo = w.plain_ref("no-such-repo:latest");
    fails(&w.run(&[&repo]), "unknown repository", "no-such-repo");
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn tls_without_the_ca_names_ca_file() {
    let w = world();
    let reference = format!("{}/app:buildah-docker", w.var("WORLD_SECURE"));
    let out = w.run_full(w.var("WORLD_DOCKER_CONFIG"), &[&reference], None);
    fails(&out, "TLS with an unknown CA", "--ca-file");
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn connection_refused_fails() {
    let w = world();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let out = w.run(&[&format!("127.0.0.1:{port}/app:latest")]);
    out.expect_code(2, "connection refused");
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains(&port.to_string()),
        "stderr does not name the address: {}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn missing_local_archive_fails() {
    let w = world();
    let path = format!("{}/no-such.tar", w.var("WORLD_STATE"));
    fails(
        &w.run(&[&format!("oci-archive:{path}")]),
        "missing archive",
        "no-such.tar",
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn verbose_runs_never_print_the_password() {
    let w = world();
    let secret = w.var("WORLD_PASS");
    let encoded = "dGVzdHVzZXI6dGVzdHBhc3M"; // base64 of testuser:testpass, as in config.json
    for (config, reference) in [
        (
            w.var("WORLD_DOCKER_CONFIG"),
            format!("{}/app:classic", w.var("WORLD_SECURE")),
        ),
        (
            w.var("WORLD_DOCKER_CONFIG_BAD"),
            format!("{}/app:classic", w.var("WORLD_SECURE")),
        ),
        (
            w.var("WORLD_DOCKER_CONFIG"),
            format!("{}/app:buildkit", w.var("WORLD_TOKEN")),
        ),
    ] {
        let out = w.run_full(
            config,
            &["-v", "--ca-file", w.var("WORLD_CA"), &reference],
            None,
        );
        let both = format!("{}{}", out.stdout, out.stderr);
        assert!(
            !both.contains(secret) && !both.contains(encoded),
            "{reference}: a secret was printed:\n{both}"
        );
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_ca_file_that_is_not_a_certificate_says_so() {
    let w = world();
    let reference = format!("{}/app:classic", w.var("WORLD_SECURE"));
    let out = w.run_full(
        w.var("WORLD_DOCKER_CONFIG"),
        &["--ca-file", "/etc/passwd", &reference],
        None,
    );
    fails(&out, "--ca-file /etc/passwd", "/etc/passwd");
    assert!(
        out.stderr.contains("holds no PEM certificate") && !out.stderr.contains("BadEncoding"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_platform_the_index_lacks_lists_what_it_offers_without_suggesting_the_flag_given() {
    let w = world();
    let reference = w.plain_ref("multi:oci-index");
    let out = w.run(&["--platform", "windows/amd64", &reference]);
    fails(&out, "--platform windows/amd64", "windows/amd64");
    for offered in w.var("WORLD_MULTI_PLATFORMS").split_whitespace() {
        assert!(out.stderr.contains(offered), "{offered}: {}", out.stderr);
    }
    assert!(!out.stderr.contains("pass --platform"), "{}", out.stderr);
}

/// A docker config dir (and a containers auth file) holding `text` as their JSON.
fn broken_credentials(text: &str) -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let config = dir.path().join("config.json");
    let auth = dir.path().join("auth.json");
    std::fs::write(&config, text).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&auth, text).unwrap_or_else(|e| panic!("{e}"));
    (dir, config, auth)
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn invalid_credential_files_are_warned_about_once_each_and_the_run_goes_on() {
    let w = world();
    let (dir, config, auth) = broken_credentials("{\"auths\": {\"x\": }}\n");
    let reference = w.plain_ref("app:classic");
    // --base opens a second image: still one warning per file.
    let out = std::process::Command::new("timeout")
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_kubectl-dfimage"))
        .args(["--base", &reference, &reference])
        .env("DOCKER_CONFIG", dir.path())
        .env("HOME", dir.path())
        .env("REGISTRY_AUTH_FILE", &auth)
        .env_remove("XDG_RUNTIME_DIR")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        w.run(&["--base", &reference, &reference]).stdout,
        "the broken files change nothing but the warnings"
    );
    for file in [&config, &auth] {
        let name = file.display().to_string();
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(&name)).collect();
        assert_eq!(lines.len(), 1, "{name} once:\n{stderr}");
        assert!(
            lines[0].contains("not valid JSON") && lines[0].contains("line 1 column"),
            "{stderr}"
        );
    }
}
