//! Pods whose images do not all recover (issue 5, newcomer findings): `--all-containers`
//! prints every container that worked and names the ones that failed; `--all` reaches a
//! digest through the group's other references when the first one fails.

use std::path::Path;

use super::pods::{DOWN_REGISTRY, direct, run, start};
use super::world::world;

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn all_containers_prints_the_containers_that_worked_and_names_the_failed_ones() {
    let c = start(false);
    let w = world();
    let out = run(&c, &["pod/mixed-0", "-n", "arc", "--all-containers"]);
    out.expect_code(1, "--all-containers with two unpullable images");
    let ok = direct(&format!(
        "{}/app@{}",
        w.var("WORLD_PLAIN"),
        w.digest("app:buildkit")
    ));
    assert!(
        out.stdout.contains("container ok:") && out.stdout.contains(ok.trim_end()),
        "the container that worked is missing from stdout:\n{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("container gone") && !out.stdout.contains("container locked"),
        "{}",
        out.stdout
    );
    let failed: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("failed: "))
        .collect();
    assert_eq!(failed.len(), 2, "{}", out.stderr);
    assert!(
        failed
            .iter()
            .any(|l| l.contains("container gone") && l.contains("no-such-tag")),
        "{}",
        out.stderr
    );
    assert!(
        failed.iter().any(|l| l.contains("container locked")
            && (l.contains("unauthorized") || l.contains("authenticate"))),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("recovered 1 of 3"), "{}", out.stderr);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn all_containers_with_every_image_failing_exits_2_and_prints_nothing() {
    let c = start(false);
    let out = run(&c, &["pod/broken-0", "-n", "arc", "--all-containers"]);
    out.expect_code(2, "every container's image fails");
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(out.stderr.contains("recovered 0 of 2"), "{}", out.stderr);
    assert!(
        out.stderr.contains("container gone") && out.stderr.contains("container down"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn all_tries_the_other_references_of_a_digest_before_declaring_it_failed() {
    let c = start(false);
    let w = world();
    let plain = w.var("WORLD_PLAIN");
    let secure = w.var("WORLD_SECURE");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_str().unwrap_or_default();
    let out = run(
        &c,
        &["-n", "arc", "--all", "-l", "app=mirror", "--output-dir", d],
    );
    // classic: TLS registry without credentials, then plain; buildkit: a registry that is
    // down, then plain; buildah-docker: only the registry that is down.
    out.expect_code(
        1,
        "--all with one digest reachable only through a down registry",
    );
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(d).join("index.json")).unwrap_or_default())
            .unwrap_or_default();
    let entries = index.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 3, "{index:#}");
    let entry = |digest: &str| {
        entries
            .iter()
            .find(|e| e["digest"] == digest)
            .unwrap_or_else(|| panic!("no entry for {digest}: {index:#}"))
            .clone()
    };
    for (tag, first) in [("app:classic", secure), ("app:buildkit", DOWN_REGISTRY)] {
        let digest = w.digest(tag);
        let e = entry(digest);
        assert_eq!(e["status"], "ok", "{tag}: {e:#}");
        let want_refs = [
            format!("{first}/app@{digest}"),
            format!("{plain}/app@{digest}"),
        ];
        assert_eq!(
            e["references"],
            serde_json::json!(want_refs),
            "{tag}: {e:#}"
        );
        assert_eq!(e["reference"], want_refs[1].as_str(), "{tag}: {e:#}");
        assert_eq!(
            e["failed_references"][0]["reference"],
            want_refs[0].as_str()
        );
        let pods: Vec<&str> = e["used_by"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|u| u["pod"].as_str())
            .collect();
        assert_eq!(pods.len(), 2, "{tag}: both pods are listed: {e:#}");
        let path = e["path"].as_str().unwrap_or_default();
        let plain_folder = plain.replace(':', "_");
        assert!(
            path.starts_with(&format!("{plain_folder}/")),
            "{tag}: filed under the registry that worked ({plain_folder}): {e:#}"
        );
        let file = Path::new(d).join(path);
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        assert_eq!(text, direct(&format!("{plain}/app@{digest}")), "{tag}");
    }
    let lost = entry(w.digest("app:buildah-docker"));
    assert_eq!(lost["status"], "failed", "{lost:#}");
    assert!(
        lost.get("path").is_none(),
        "no Dockerfile, no path: {lost:#}"
    );
    assert!(
        lost["error"]
            .as_str()
            .is_some_and(|e| e.contains(DOWN_REGISTRY)),
        "{lost:#}"
    );
    assert!(out.stderr.contains("recovered 2 of 3"), "{}", out.stderr);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn all_containers_as_json_is_one_document_naming_each_container() {
    let c = start(false);
    let out = run(
        &c,
        &["pod/mixed-0", "-n", "arc", "--all-containers", "-o", "json"],
    );
    out.expect_code(1, "--all-containers -o json with two unpullable images");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", out.stdout));
    let docs = doc.as_array().expect("an array of recoveries");
    assert_eq!(docs.len(), 1, "only the container that worked: {doc:#}");
    let target = docs[0]["target"].as_str().unwrap_or_default();
    assert!(target.contains("container ok:"), "{doc:#}");
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn all_tries_the_pull_secrets_of_every_pod_that_runs_an_image() {
    let c = start(false);
    let w = world();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_str().unwrap_or_default();
    // s-anon-0 (no secret) sorts before s-cred-0 (regcred); the registry refuses anonymous
    let out = run(
        &c,
        &["-n", "arc", "--all", "-l", "app=shared", "--output-dir", d],
    );
    out.expect_code(0, "--all where only the second pod has the pull secret");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(d).join("index.json")).unwrap_or_default())
            .unwrap_or_default();
    let path = index[0]["path"].as_str().unwrap_or_default();
    let text = std::fs::read_to_string(Path::new(d).join(path)).unwrap_or_default();
    let plain = format!("{}/app@{}", w.var("WORLD_PLAIN"), w.digest("app:classic"));
    assert_eq!(text, direct(&plain), "{index:#}");
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn all_with_nothing_recovered_is_a_failure_not_partial() {
    let c = start(false);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_str().unwrap_or_default();
    let out = run(
        &c,
        &["-n", "arc", "--all", "-l", "app=lost", "--output-dir", d],
    );
    out.expect_code(2, "the only image is behind a registry that is down");
    assert!(out.stderr.contains("recovered 0 of 1"), "{}", out.stderr);
    assert!(
        Path::new(d).join("index.json").is_file(),
        "the index still says why"
    );
}
