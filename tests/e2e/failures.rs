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
