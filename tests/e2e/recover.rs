//! Dockerfile recovery from registry images: every builder and format of the world, compared
//! instruction by instruction with the Dockerfile each was built from; the three registry
//! kinds (plain HTTP, TLS + basic auth, bearer tokens) and the reference forms.

use crate::compare::{Base, Expect, assert_recovers, recovered_env, recovered_items};
use crate::items::Item;
use crate::world::world;

/// The `--build-arg` the world gives every shellform build (`world/images.sh`).
pub(crate) const SHELLFORM_ARGS: &[(&str, &str)] = &[("GREETING", "bonjour")];

pub(crate) const BUILDAH_APP: Expect = Expect::new("app", Base::Known);
pub(crate) const DOCKER_APP: Expect = Expect::new("app", Base::KnownOrUnknown);
const BUILDAH_FILES: Expect = Expect::new("files", Base::Known);
const DOCKER_FILES: Expect = Expect::new("files", Base::KnownOrUnknown);
const BUILDAH_SHELLFORM: Expect = Expect {
    build_args: SHELLFORM_ARGS,
    ..Expect::new("shellform", Base::Known)
};
const DOCKER_SHELLFORM: Expect = Expect {
    build_args: SHELLFORM_ARGS,
    ..Expect::new("shellform", Base::KnownOrUnknown)
};

/// Recovers a plain-registry tag and compares it with its source Dockerfile.
fn plain(tag: &str, expect: &Expect) {
    let w = world();
    assert_eq!(w.var("WORLD_SHELLFORM_GREETING"), SHELLFORM_ARGS[0].1);
    let reference = w.plain_ref(tag);
    let out = w.run(&[&reference]);
    out.expect_code(0, &reference);
    assert_recovers(expect, &out.stdout, &reference);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn buildah_docker_format_recovers_its_dockerfile() {
    plain("app:buildah-docker", &BUILDAH_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn buildah_oci_format_recovers_its_dockerfile() {
    plain("app:buildah-oci", &BUILDAH_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn buildah_layers_build_recovers_its_dockerfile() {
    plain("app:buildah-layers", &BUILDAH_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn buildah_squashed_build_recovers_its_dockerfile() {
    plain("app:buildah-squash", &BUILDAH_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn classic_builder_recovers_its_dockerfile() {
    plain("app:classic", &DOCKER_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn buildkit_recovers_its_dockerfile() {
    plain("app:buildkit", &DOCKER_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn shell_form_cmd_and_entrypoint_recover_from_every_builder() {
    plain("shellform:buildah", &BUILDAH_SHELLFORM);
    plain("shellform:classic", &DOCKER_SHELLFORM);
    plain("shellform:buildkit", &DOCKER_SHELLFORM);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn link_deletion_and_setuid_layers_recover_from_every_builder() {
    plain("files:buildah", &BUILDAH_FILES);
    plain("files:classic", &DOCKER_FILES);
    plain("files:buildkit", &DOCKER_FILES);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn zstd_and_uncompressed_layer_variants_recover_like_the_gzip_image() {
    plain("app:oci-zstd", &BUILDAH_APP);
    plain("app:oci-uncompressed", &BUILDAH_APP);
    plain("files:buildah-zstd", &BUILDAH_FILES);
    plain("files:buildah-uncompressed", &BUILDAH_FILES);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn image_without_history_renders_what_the_config_holds_and_warns() {
    let w = world();
    let reference = w.plain_ref("app:buildah-nohistory");
    let out = w.run(&[&reference]);
    assert_ne!(out.code, 2, "no history is not a failure: {}", out.stderr);
    assert!(
        out.stderr.to_lowercase().contains("history"),
        "no warning about the missing history: {}",
        out.stderr
    );
    let items = recovered_items(&out.stdout);
    assert!(
        !items.iter().any(|i| matches!(i, Item::Run(_))),
        "RUN lines invented without history:\n{}",
        out.stdout
    );
    let env = recovered_env(&out.stdout);
    assert_eq!(
        env.get("APP_MODE").map(String::as_str),
        Some("production mode")
    );
    assert_eq!(
        env.get("GREETING").map(String::as_str),
        Some(r#"hello "quoted" world"#)
    );
    let want = [
        Item::Entrypoint(vec!["/app/bin/tool".into()]),
        Item::Cmd(vec!["--serve".into(), "--port=8080".into()]),
        Item::User("1000:1000".into()),
        Item::Workdir("/app".into()),
        Item::StopSignal("SIGTERM".into()),
    ];
    for item in want {
        assert!(items.contains(&item), "{item:?} missing:\n{}", out.stdout);
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn hand_made_umoci_history_renders_config_values() {
    let w = world();
    let reference = w.plain_ref("umoci/hello:v1");
    let out = w.run(&[&reference]);
    out.expect_code(0, &reference);
    let items = recovered_items(&out.stdout);
    assert!(
        items.contains(&Item::Entrypoint(vec!["/app/run".into()])),
        "{}",
        out.stdout
    );
    assert_eq!(
        recovered_env(&out.stdout).get("FOO").map(String::as_str),
        Some("bar")
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn docker_scheme_and_explicit_plain_http_read_the_same_image() {
    let w = world();
    let reference = w.plain_ref("app:classic");
    let bare = w.run(&[&reference]);
    bare.expect_code(0, &reference);
    let scheme = w.run(&[&format!("docker://{reference}")]);
    scheme.expect_code(0, "docker:// reference");
    let explicit = w.run(&["--plain-http", &reference]);
    explicit.expect_code(0, "--plain-http");
    assert_eq!(
        recovered_items(&bare.stdout),
        recovered_items(&scheme.stdout)
    );
    assert_eq!(
        recovered_items(&bare.stdout),
        recovered_items(&explicit.stdout)
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn digest_pinned_reference_reads_the_tagged_image() {
    let w = world();
    let tag = "app:buildah-docker";
    let tagged = w.run(&[&w.plain_ref(tag)]);
    tagged.expect_code(0, tag);
    let pinned = format!("{}/app@{}", w.var("WORLD_PLAIN"), w.digest(tag));
    let out = w.run(&[&pinned]);
    out.expect_code(0, &pinned);
    assert_eq!(
        recovered_items(&out.stdout),
        recovered_items(&tagged.stdout),
        "{pinned} and {tag} differ"
    );
    assert_recovers(&BUILDAH_APP, &out.stdout, &pinned);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn tls_registry_with_basic_auth_uses_docker_config_and_ca_file() {
    let w = world();
    for (tag, expect) in [
        ("app:buildah-docker", BUILDAH_APP),
        ("app:classic", DOCKER_APP),
    ] {
        let reference = format!("{}/{tag}", w.var("WORLD_SECURE"));
        let out = w.run_full(
            w.var("WORLD_DOCKER_CONFIG"),
            &["--ca-file", w.var("WORLD_CA"), &reference],
            None,
        );
        out.expect_code(0, &reference);
        assert_recovers(&expect, &out.stdout, &reference);
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn tls_registry_accepts_insecure_skip_tls_verify() {
    let w = world();
    let reference = format!("{}/app:buildah-oci", w.var("WORLD_SECURE"));
    let out = w.run_full(
        w.var("WORLD_DOCKER_CONFIG"),
        &["--insecure-skip-tls-verify", &reference],
        None,
    );
    out.expect_code(0, &reference);
    assert_recovers(&BUILDAH_APP, &out.stdout, &reference);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn token_registry_with_credentials_sends_them_to_the_realm() {
    let w = world();
    let reference = format!("{}/app:buildkit", w.var("WORLD_TOKEN"));
    let out = w.run_full(w.var("WORLD_DOCKER_CONFIG"), &[&reference], None);
    out.expect_code(0, &reference);
    assert_recovers(&DOCKER_APP, &out.stdout, &reference);
    let log = std::fs::read_to_string(w.var("WORLD_TOKEN_REQUESTS")).expect("token server log");
    let asked = log
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .any(|e| {
            e["authenticated"] == true
                && e["path"].as_str().is_some_and(|p| {
                    p.contains("repository%3Aapp%3Apull") || p.contains("repository:app:pull")
                })
        });
    assert!(
        asked,
        "no authenticated token request for repository:app:pull in the realm's log"
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn token_registry_allows_anonymous_pull() {
    let w = world();
    let reference = format!("{}/app:buildah-docker", w.var("WORLD_TOKEN"));
    let out = w.run(&[&reference]);
    out.expect_code(0, &reference);
    assert_recovers(&BUILDAH_APP, &out.stdout, &reference);
}
