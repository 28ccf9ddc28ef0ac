//! Output forms and image selection: `-o json` (one record per history entry, matching the
//! config skopeo reads), `--platform` on an OCI index and a Docker manifest list, and `-v`.

use serde_json::Value;

use crate::compare::{Base, Expect, assert_recovers, recovered_env};
use crate::world::world;

/// The per-entry records of `-o json`: a top-level array, or the one array of objects with
/// `created_by` inside a top-level object.
fn records(json: &Value) -> Vec<Value> {
    if let Some(list) = json.as_array() {
        return list.clone();
    }
    let obj = json
        .as_object()
        .expect("-o json prints an array or an object");
    obj.values()
        .filter_map(Value::as_array)
        .find(|list| list.iter().all(|r| r.get("created_by").is_some()) && !list.is_empty())
        .cloned()
        .unwrap_or_else(|| panic!("no array of history records in {json}"))
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn json_output_has_one_record_per_history_entry() {
    let w = world();
    for (tag, builder) in [
        ("app:classic", None),
        ("app:buildkit", Some("buildkit")),
        ("app:buildah-layers", Some("buildah")),
    ] {
        let reference = w.plain_ref(tag);
        let out = w.run(&["-o", "json", &reference]);
        out.expect_code(0, &format!("-o json {reference}"));
        let json: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("-o json {tag} is not JSON ({e}):\n{}", out.stdout));
        assert_eq!(json["image"], reference.as_str(), "{tag}: names the image");
        assert_eq!(
            json["digest"],
            w.digest(tag),
            "{tag}: and its manifest digest"
        );
        let got = records(&json);
        let config: Value = serde_json::from_slice(&w.raw_config(tag)).expect("config JSON");
        let history = config["history"].as_array().expect("history");
        assert_eq!(
            got.len(),
            history.len(),
            "{tag}: records vs history entries"
        );
        for (n, (record, entry)) in got.iter().zip(history).enumerate() {
            assert_eq!(
                record["created_by"], entry["created_by"],
                "{tag}: record {n}"
            );
            assert!(
                record.get("builder").is_some(),
                "{tag}: record {n} names no builder: {record}"
            );
        }
        if let Some(builder) = builder {
            let last = got.last().expect("records").to_string().to_lowercase();
            assert!(
                last.contains(builder),
                "{tag}: last record does not name {builder}: {last}"
            );
        }
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn platform_selects_the_entry_of_an_index_and_a_manifest_list() {
    let w = world();
    for tag in ["multi:oci-index", "multi:docker-list"] {
        let reference = w.plain_ref(tag);
        for platform in w.var("WORLD_MULTI_PLATFORMS").split_whitespace() {
            let out = w.run(&["--platform", platform, &reference]);
            out.expect_code(0, &format!("{reference} --platform {platform}"));
            assert_eq!(
                recovered_env(&out.stdout)
                    .get("BUILT_FOR")
                    .map(String::as_str),
                Some(platform),
                "{reference} --platform {platform} read the wrong entry:\n{}",
                out.stdout
            );
        }
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn scratch_based_index_entry_recovers_its_dockerfile() {
    const MULTI_ARM64: Expect = Expect {
        build_args: &[("TARGETPLATFORM", "linux/arm64")],
        ..Expect::new("multi", Base::Scratch)
    };
    let w = world();
    let reference = w.plain_ref("multi:oci-index");
    let out = w.run(&["--platform", "linux/arm64", &reference]);
    out.expect_code(0, &reference);
    assert_recovers(&MULTI_ARM64, &out.stdout, &reference);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn index_without_platform_picks_linux_and_the_host_architecture_and_says_so() {
    let w = world();
    let host = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    let want = format!("linux/{host}");
    let reference = w.plain_ref("multi:oci-index");
    let out = w.run(&[&reference]);
    out.expect_code(0, &reference);
    assert_eq!(
        recovered_env(&out.stdout).get("BUILT_FOR"),
        Some(&want),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains(&want),
        "stderr does not name the chosen platform: {}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn platform_missing_from_the_index_fails() {
    let w = world();
    let reference = w.plain_ref("multi:oci-index");
    let out = w.run(&["--platform", "linux/s390x", &reference]);
    out.expect_code(2, "--platform linux/s390x");
    assert!(
        out.stdout.is_empty(),
        "a failed run printed a Dockerfile:\n{}",
        out.stdout
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn verbose_header_names_the_digest_and_keeps_stdout_a_dockerfile() {
    let w = world();
    let tag = "app:buildkit";
    let out = w.run(&["-v", &w.plain_ref(tag)]);
    out.expect_code(0, "-v");
    let both = format!("{}{}", out.stdout, out.stderr);
    assert!(
        both.contains(w.digest(tag)),
        "-v does not show the digest {}:\n{both}",
        w.digest(tag)
    );
    let first = out
        .stdout
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        first.starts_with('#') || first.starts_with("FROM") || first.starts_with("ARG"),
        "stdout is not a Dockerfile: {first:?}"
    );
}
