//! The FROM line from the network (issue 4, base image): BuildKit provenance attestations in
//! the world's `provenance:multi` index (hand-written in BuildKit's shapes by
//! tests/e2e/world/attested.py: mode=min for linux/amd64, mode=max with the multi Dockerfile
//! for linux/arm64) read from the registry, an OCI layout and an oci-archive; and `--base`
//! candidates compared with the world's images built FROM its busybox base.

use serde_json::Value;

use crate::world::world;

/// The attested index in each source form.
fn sources() -> Vec<String> {
    let w = world();
    vec![
        w.plain_ref("provenance:multi"),
        format!("oci:{}", w.var("WORLD_PROVENANCE_LAYOUT")),
        format!("oci-archive:{}", w.var("WORLD_PROVENANCE_ARCHIVE")),
    ]
}

/// `FROM <plain>/test/busybox:latest@<its digest>`.
fn busybox_from() -> String {
    let w = world();
    format!(
        "FROM {}@{}",
        w.plain_ref("test/busybox:latest"),
        w.digest("test/busybox:latest")
    )
}

fn has_line(text: &str, line: &str) -> bool {
    text.lines().any(|l| l == line)
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn mode_min_materials_name_the_busybox_base_with_its_digest_in_every_source_form() {
    for source in sources() {
        let out = world().run(&["--files", "none", "--platform", "linux/amd64", &source]);
        out.expect_code(0, &source);
        assert!(
            has_line(&out.stdout, &busybox_from()),
            "{source}: wanted `{}`\n{}",
            busybox_from(),
            out.stdout
        );
        assert!(out.stdout.contains("# dfimage: from-provenance: named by the BuildKit provenance attestation (declared)"), "{source}\n{}", out.stdout);
        assert!(
            out.stdout.contains("mode=min: material pkg:docker/"),
            "{}",
            out.stdout
        );
        // The frontend image among the materials is not the base.
        assert!(
            !out.stdout.contains("FROM docker/dockerfile"),
            "{}",
            out.stdout
        );
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn provenance_prints_the_original_dockerfile_of_mode_max_byte_for_byte() {
    let w = world();
    let original = std::fs::read_to_string(w.var("WORLD_PROVENANCE_DOCKERFILE")).unwrap();
    for source in sources() {
        let out = w.run(&["--provenance", "--platform", "linux/arm64", &source]);
        out.expect_code(0, &source);
        assert_eq!(out.stdout, original, "{source}");
        assert!(
            out.stderr
                .contains("the original Dockerfile from the mode=max provenance attestation"),
            "{source}: stderr must say where it came from\n{}",
            out.stderr
        );
        // Without the flag: the recovered Dockerfile, its FROM read from the original.
        let out = w.run(&["--files", "none", "--platform", "linux/arm64", &source]);
        out.expect_code(0, &source);
        assert!(has_line(&out.stdout, "FROM scratch"), "{}", out.stdout);
        assert!(out.stdout.contains("from-provenance: the original Dockerfile in the provenance attestation builds FROM scratch"), "{}", out.stdout);
        assert!(
            out.stdout.contains("print it with --provenance"),
            "{}",
            out.stdout
        );
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn provenance_without_mode_max_prints_the_recovered_dockerfile_and_exits_1() {
    for source in sources() {
        let out = world().run(&[
            "--provenance",
            "--files",
            "none",
            "--platform",
            "linux/amd64",
            &source,
        ]);
        out.expect_code(1, &source);
        assert!(has_line(&out.stdout, &busybox_from()), "{}", out.stdout);
        assert!(
            out.stdout.starts_with("# Recovered by kubectl-dfimage"),
            "{}",
            out.stdout
        );
        assert!(
            out.stderr.contains("no mode=max provenance attestation"),
            "{}",
            out.stderr
        );
    }
    // An image without any attestation: the same.
    let plain = world().plain_ref("app:buildkit");
    let out = world().run(&["--provenance", "--files", "none", &plain]);
    out.expect_code(1, &plain);
    assert!(
        out.stdout.starts_with("# Recovered by kubectl-dfimage"),
        "{}",
        out.stdout
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn attestations_are_never_taken_for_platform_images() {
    let w = world();
    for source in sources() {
        let out = w.run(&["-o", "json", "--files", "none", &source]);
        out.expect_code(0, &source);
        let json: Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(json["platform"], "linux/amd64", "{source}");
        assert!(
            out.stderr.contains("(offered: linux/amd64, linux/arm64)"),
            "{source}: attestations must not be offered\n{}",
            out.stderr
        );
        assert!(!out.stderr.contains("unknown/unknown"), "{}", out.stderr);
        let out = w.run(&["--files", "none", "--platform", "unknown/unknown", &source]);
        out.expect_code(2, &format!("--platform unknown/unknown {source}"));
        assert!(out.stdout.is_empty(), "{}", out.stdout);
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn json_carries_the_provenance_statement() {
    let w = world();
    let source = w.plain_ref("provenance:multi");
    let out = w.run(&[
        "-o",
        "json",
        "--files",
        "none",
        "--platform",
        "linux/arm64",
        &source,
    ]);
    out.expect_code(0, &source);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let p = &json["provenance"];
    assert_eq!(p["mode"], "max");
    assert_eq!(p["predicate_type"], "https://slsa.dev/provenance/v1");
    let original = std::fs::read_to_string(w.var("WORLD_PROVENANCE_DOCKERFILE")).unwrap();
    assert_eq!(p["dockerfiles"][0]["text"], original.as_str());
    assert_eq!(json["base"]["from"], "scratch");

    let out = w.run(&[
        "-o",
        "json",
        "--files",
        "none",
        "--platform",
        "linux/amd64",
        &source,
    ]);
    out.expect_code(0, &source);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let p = &json["provenance"];
    assert_eq!(p["mode"], "min");
    assert_eq!(p["predicate_type"], "https://slsa.dev/provenance/v0.2");
    assert_eq!(p["base"]["digest"], w.digest("test/busybox:latest"));
    assert_eq!(json["base"]["source"], "provenance");
    // Without an attestation the field is there and null.
    let out = w.run(&["-o", "json", "--files", "none", &w.plain_ref("app:classic")]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(json["provenance"].is_null());
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn base_candidates_confirm_the_busybox_base_and_list_the_unrelated_one() {
    let w = world();
    let busybox = w.plain_ref("test/busybox:latest");
    let unrelated = w.plain_ref("umoci/hello:v1");
    for tag in [
        "app:classic",
        "app:buildkit",
        "app:buildah-docker",
        "app:buildah-oci",
    ] {
        let image = w.plain_ref(tag);
        let out = w.run(&[
            "--files", "none", "--base", &unrelated, "--base", &busybox, &image,
        ]);
        out.expect_code(0, tag);
        assert!(
            has_line(&out.stdout, &busybox_from()),
            "{tag}\n{}",
            out.stdout
        );
        assert!(out.stdout.contains("# dfimage: from-layers: a --base candidate whose layers are the image's first ones (confirmed)"), "{tag}\n{}", out.stdout);
        let line = format!(
            "# dfimage: base-candidate: {unrelated}@{} not the base: layers: 0/1 are the image's first",
            w.digest("umoci/hello:v1")
        );
        assert!(
            out.stdout.contains(&line),
            "{tag}: wanted {line}\n{}",
            out.stdout
        );
        // The base's own entry is shown as a comment, the image's steps as instructions.
        assert!(
            out.stdout.contains("# --- base image: 1 history entry ---"),
            "{}",
            out.stdout
        );

        let out = w.run(&[
            "-o", "json", "--files", "none", "--base", &unrelated, "--base", &busybox, &image,
        ]);
        out.expect_code(0, tag);
        let json: Value = serde_json::from_str(&out.stdout).unwrap();
        let verdicts: Vec<&str> = json["base"]["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["verdict"].as_str().unwrap())
            .collect();
        assert_eq!(verdicts, ["none", "layers-and-history"], "{tag}");
        assert_eq!(json["base"]["confidence"], "confirmed");
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn candidates_in_other_source_forms_and_an_unopenable_one() {
    let w = world();
    // The multi layout holds the very image: a copy of it, never its base.
    let image = w.plain_ref("multi:oci-index");
    let layout = format!("oci:{}", w.var("WORLD_MULTI_OCI_LAYOUT"));
    let out = w.run(&[
        "--files",
        "none",
        "--platform",
        "linux/arm64",
        "--base",
        &layout,
        &image,
    ]);
    out.expect_code(0, &image);
    assert!(
        out.stdout
            .contains("not the base: same layers and history as the image"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("FROM oci:"), "{}", out.stdout);

    let busybox = format!("docker://{}", w.plain_ref("test/busybox:latest"));
    let missing = w.plain_ref("base-candidate/missing:1");
    let app = w.plain_ref("app:classic");
    let out = w.run(&[
        "--files", "none", "--base", &missing, "--base", &busybox, &app,
    ]);
    out.expect_code(1, "an unopenable candidate makes the run partial");
    assert!(
        out.stdout
            .contains(&format!("@{}", w.digest("test/busybox:latest"))),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!(
            "# dfimage: base-candidate: {missing} could not be opened"
        )),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains(&format!("--base {missing}: could not open the candidate")),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn an_attestation_nobody_should_believe_is_a_notice_and_never_a_from() {
    let w = world();
    let hostile = w.plain_ref("provenance:hostile");
    let out = w.run(&["--files", "none", &hostile]);
    out.expect_code(0, &hostile);
    // The same FROM as the image without any attestation.
    let alone = w.run(&["--files", "none", &w.plain_ref("app:buildkit")]);
    let from = |t: &str| {
        t.lines()
            .find(|l| l.starts_with("FROM "))
            .map(str::to_owned)
    };
    assert_eq!(from(&out.stdout), from(&alone.stdout), "{}", out.stdout);
    assert!(!out.stdout.contains("evil.example"), "{}", out.stdout);
    assert!(!out.stdout.contains("from-provenance"), "{}", out.stdout);
    // The statement about another manifest and the one that is not JSON are named; the
    // SBOM is simply not provenance.
    assert_eq!(
        out.stderr.matches("attestation not used").count(),
        2,
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("its subjects do not name the image manifest"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("it is not an in-toto statement"),
        "{}",
        out.stderr
    );
    let out = w.run(&["--provenance", "--files", "none", &hostile]);
    out.expect_code(1, "--provenance without a usable attestation");
}
