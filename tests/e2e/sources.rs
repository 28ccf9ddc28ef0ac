//! Dockerfile recovery from local sources: OCI layouts and archives, skopeo's docker-archive,
//! legacy `docker save` archives, raw config files, a path of each detected without a prefix,
//! and a raw config piped on stdin from `skopeo inspect --raw --config`.

use crate::compare::{Base, Expect, assert_recovers, recovered_env};
use crate::recover::{BUILDAH_APP, DOCKER_APP};
use crate::world::world;

fn recovers(source: &str, expect: &crate::compare::Expect) {
    let out = world().run(&[source]);
    out.expect_code(0, source);
    assert_recovers(expect, &out.stdout, source);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn oci_layout_with_and_without_tag_and_as_a_bare_path() {
    let w = world();
    let dir = w.var("WORLD_OCI_LAYOUT");
    recovers(
        &format!("oci:{dir}:{}", w.var("WORLD_OCI_LAYOUT_TAG")),
        &BUILDAH_APP,
    );
    recovers(&format!("oci:{dir}"), &BUILDAH_APP);
    recovers(dir, &BUILDAH_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn oci_archive_with_and_without_tag_and_as_a_bare_path() {
    let w = world();
    let file = w.var("WORLD_OCI_ARCHIVE");
    recovers(
        &format!("oci-archive:{file}:{}", w.var("WORLD_OCI_LAYOUT_TAG")),
        &BUILDAH_APP,
    );
    recovers(&format!("oci-archive:{file}"), &BUILDAH_APP);
    recovers(file, &BUILDAH_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn skopeo_docker_archive_with_and_without_reference_and_as_a_bare_path() {
    let w = world();
    let file = w.var("WORLD_DOCKER_ARCHIVE");
    recovers(
        &format!(
            "docker-archive:{file}:{}",
            w.var("WORLD_DOCKER_ARCHIVE_REF")
        ),
        &BUILDAH_APP,
    );
    recovers(&format!("docker-archive:{file}"), &BUILDAH_APP);
    recovers(file, &BUILDAH_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn legacy_docker_save_archives_from_classic_and_buildkit() {
    let w = world();
    for var in ["WORLD_DOCKER_SAVE_CLASSIC", "WORLD_DOCKER_SAVE_BUILDKIT"] {
        let file = w.var(var);
        recovers(&format!("docker-archive:{file}"), &DOCKER_APP);
        recovers(file, &DOCKER_APP);
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn raw_config_files_are_detected_by_path() {
    let w = world();
    recovers(w.var("WORLD_RAW_CONFIG_BUILDAH_DOCKER"), &BUILDAH_APP);
    recovers(w.var("WORLD_RAW_CONFIG_CLASSIC"), &DOCKER_APP);
    recovers(w.var("WORLD_RAW_CONFIG_BUILDKIT"), &DOCKER_APP);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn raw_config_piped_from_skopeo_on_stdin() {
    let w = world();
    for (tag, expect) in [
        ("app:buildah-docker", BUILDAH_APP),
        ("app:classic", DOCKER_APP),
        ("app:buildkit", DOCKER_APP),
    ] {
        let config = w.raw_config(tag);
        let out = w.run_full(w.var("WORLD_DOCKER_CONFIG_EMPTY"), &["-"], Some(&config));
        out.expect_code(
            0,
            &format!("skopeo inspect --raw --config {tag} | kubectl-dfimage -"),
        );
        assert_recovers(&expect, &out.stdout, &format!("{tag} config on stdin"));
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn oci_layout_holding_an_index_follows_platform() {
    let w = world();
    let source = format!("oci:{}:latest", w.var("WORLD_MULTI_OCI_LAYOUT"));
    for platform in ["linux/arm64", "linux/arm/v7", "linux/amd64"] {
        let out = w.run(&["--platform", platform, &source]);
        out.expect_code(0, &format!("{source} --platform {platform}"));
        assert_eq!(
            recovered_env(&out.stdout)
                .get("BUILT_FOR")
                .map(String::as_str),
            Some(platform),
            "{source} --platform {platform} read the wrong entry:\n{}",
            out.stdout
        );
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn embedded_demo_archive_recovers_its_dockerfile() {
    const DEMO: Expect = Expect::new("examples/demo", Base::Known);
    let archive = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo.tar");
    let source = format!("oci-archive:{archive}");
    let out = world().run(&[&source]);
    out.expect_code(0, &source);
    assert_recovers(&DEMO, &out.stdout, "the README's demo (examples/demo.tar)");
}
