//! Credential lookup against real files and a real `docker-credential-*` helper program
//! (a shell script on a temporary PATH), with no process environment touched.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use kubectl_dfimage::registry::{CredentialEnv, find_credentials};

use super::world::auth_doc;

fn helper(dir: &Path, name: &str, body: &str) {
    let path = dir.join(format!("docker-credential-{name}"));
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn env_with(docker_config: &Path, bin: &Path) -> CredentialEnv {
    CredentialEnv {
        docker_config_dir: Some(docker_config.to_path_buf()),
        path: Some(format!("{}:/usr/bin:/bin", bin.display()).into()),
        helper_timeout: Some(Duration::from_secs(2)),
        ..CredentialEnv::default()
    }
}

#[tokio::test]
async fn cred_helper_receives_the_server_and_its_answer_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let (cfg, bin) = (tmp.path().join("cfg"), tmp.path().join("bin"));
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        cfg.join("config.json"),
        r#"{"credHelpers":{"127.0.0.1:5000":"test"},"credsStore":"store"}"#,
    )
    .unwrap();
    // The helper echoes the server it was asked about as the user name.
    helper(
        &bin,
        "test",
        r#"[ "$1" = get ] || exit 3; read server; printf '{"ServerURL":"%s","Username":"%s","Secret":"s3cret"}' "$server" "$server""#,
    );
    helper(
        &bin,
        "store",
        r#"echo "credentials not found in native keychain"; exit 1"#,
    );
    let env = env_with(&cfg, &bin);

    let set = find_credentials("127.0.0.1:5000", "app", &[], &env).await;
    assert_eq!(set.credentials.len(), 1, "{set:?}");
    assert_eq!(set.credentials[0].username, "127.0.0.1:5000");
    assert_eq!(set.credentials[0].password, "s3cret");
    assert!(set.credentials[0].source.contains("docker-credential-test"));

    // Docker Hub goes to credsStore with the legacy server URL; "not found" is a note.
    let set = find_credentials("docker.io", "library/alpine", &[], &env).await;
    assert!(set.credentials.is_empty());
    assert_eq!(set.notes.len(), 1, "{set:?}");
    assert!(set.notes[0].contains("docker-credential-store"));
    assert!(
        !set.notes[0].contains("keychain"),
        "helper output leaked: {}",
        set.notes[0]
    );
}

#[tokio::test]
async fn a_hanging_or_missing_helper_is_skipped_not_fatal() {
    let tmp = tempfile::tempdir().unwrap();
    let (cfg, bin) = (tmp.path().join("cfg"), tmp.path().join("bin"));
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(
        cfg.join("config.json"),
        r#"{"credHelpers":{"slow.example":"slow","gone.example":"gone"}}"#,
    )
    .unwrap();
    helper(&bin, "slow", "sleep 30");
    let env = env_with(&cfg, &bin);
    let started = std::time::Instant::now();
    let set = find_credentials("slow.example", "a", &[], &env).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(set.notes[0].contains("timed out"), "{set:?}");
    let set = find_credentials("gone.example", "a", &[], &env).await;
    assert!(set.notes[0].contains("not found on PATH"), "{set:?}");
}

#[tokio::test]
async fn pull_secrets_come_first_then_docker_config_then_containers_auth() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("cfg");
    std::fs::create_dir_all(&cfg).unwrap();
    let host = "reg.example:5000";
    std::fs::write(cfg.join("config.json"), auth_doc(host, "docker", "d")).unwrap();
    let containers = tmp.path().join("auth.json");
    std::fs::write(&containers, auth_doc(host, "podman", "p")).unwrap();
    let env = CredentialEnv {
        docker_config_dir: Some(cfg),
        registry_auth_file: Some(containers),
        ..CredentialEnv::default()
    };
    let secrets = vec![
        ("pull secret a".to_string(), auth_doc(host, "secret", "s")),
        (
            "pull secret b".to_string(),
            auth_doc("other.example", "x", "y"),
        ),
        // The same pair as the docker config: tried once only.
        ("pull secret c".to_string(), auth_doc(host, "docker", "d")),
    ];
    let set = find_credentials(host, "app", &secrets, &env).await;
    let users: Vec<&str> = set
        .credentials
        .iter()
        .map(|c| c.username.as_str())
        .collect();
    assert_eq!(users, ["secret", "docker", "podman"]);
    assert_eq!(set.credentials[0].source, "pull secret a");
    // The first source of a repeated pair is the one named.
    assert_eq!(set.credentials[1].source, "pull secret c");
    assert!(set.credentials[2].source.starts_with("containers auth "));
}

#[tokio::test]
async fn xdg_runtime_dir_auth_json_is_found_and_missing_files_are_fine() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("containers")).unwrap();
    std::fs::write(
        tmp.path().join("containers/auth.json"),
        auth_doc("quay.io", "q", "pw"),
    )
    .unwrap();
    let env = CredentialEnv {
        docker_config_dir: Some(tmp.path().join("missing")),
        xdg_runtime_dir: Some(tmp.path().to_path_buf()),
        ..CredentialEnv::default()
    };
    let set = find_credentials("quay.io", "org/app", &[], &env).await;
    assert_eq!(set.credentials.len(), 1);
    assert_eq!(set.credentials[0].username, "q");
    let none = find_credentials("ghcr.io", "org/app", &[], &env).await;
    assert!(none.credentials.is_empty() && none.notes.is_empty());
}
