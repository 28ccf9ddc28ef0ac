//! `extract` and `diff` with a pod or workload SOURCE: the image the container runs (its
//! digest, its node's platform, its pull secrets), read from the registry without exec.

use std::collections::BTreeMap;
use std::path::Path;

use super::pods::{run, start};
use super::world::world;

/// Every entry under `root`: relative path -> file bytes, `-> target` for a symlink, or
/// `dir`.
fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(root).min_depth(1) {
        let e = e.unwrap_or_else(|e| panic!("{e}"));
        let rel = e.path().strip_prefix(root).unwrap_or(e.path());
        let what = if e.path_is_symlink() {
            let t = std::fs::read_link(e.path()).unwrap_or_default();
            format!("-> {}", t.display()).into_bytes()
        } else if e.file_type().is_dir() {
            b"dir".to_vec()
        } else {
            std::fs::read(e.path()).unwrap_or_else(|err| panic!("{}: {err}", e.path().display()))
        };
        out.insert(rel.display().to_string(), what);
    }
    out
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn extract_from_a_pod_writes_the_running_images_files() {
    let c = start(false);
    let w = world();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let from_pod = dir.path().join("pod");
    let from_ref = dir.path().join("ref");
    let pod_dest = from_pod.to_string_lossy().into_owned();
    let out = run(
        &c,
        &[
            "extract",
            "pod/jumpstart-sql-0",
            "-n",
            "arc",
            "-c",
            "collectd",
            &pod_dest,
            "--flatten",
        ],
    );
    out.expect_code(0, "extract pod/jumpstart-sql-0 -c collectd");
    assert!(
        out.stdout.is_empty(),
        "stdout carries nothing: {}",
        out.stdout
    );
    let reference = format!("{}/app@{}", w.var("WORLD_PLAIN"), w.digest("app:classic"));
    let ref_dest = from_ref.to_string_lossy().into_owned();
    let out = run(&c, &["extract", &reference, &ref_dest, "--flatten"]);
    out.expect_code(0, "extract by digest");
    let (a, b) = (tree(&from_pod), tree(&from_ref));
    assert!(
        a.len() > 10,
        "a root filesystem: {:?}",
        a.keys().collect::<Vec<_>>()
    );
    assert_eq!(a, b, "the pod's container runs app:classic");
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn extract_from_a_pod_uses_its_pull_secret_and_its_nodes_platform() {
    let c = start(false);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dest = dir.path().join("private").to_string_lossy().into_owned();
    // the secure registry refuses anonymous pulls, and no local credentials are given
    let out = run(
        &c,
        &[
            "extract",
            "pod/private-0",
            "-n",
            "arc",
            &dest,
            "--layer",
            "0",
        ],
    );
    out.expect_code(0, "extract through the pod's imagePullSecrets");
    assert!(std::fs::read_dir(&dest).map(|d| d.count()).unwrap_or(0) > 0);
    let dest = dir.path().join("arm").to_string_lossy().into_owned();
    let out = run(&c, &["extract", "arm-0", "-n", "arc", &dest, "--flatten"]);
    out.expect_code(0, "extract a bare pod name on an arm64 node");
    assert!(
        out.stderr.contains("chose platform linux/arm64"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn extract_from_a_pod_with_a_wrong_container_lists_the_valid_ones_and_writes_nothing() {
    let c = start(false);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dest = dir.path().join("out");
    let d = dest.to_string_lossy().into_owned();
    let out = run(
        &c,
        &[
            "extract",
            "pod/jumpstart-sql-0",
            "-n",
            "arc",
            "-c",
            "nope",
            &d,
            "--flatten",
        ],
    );
    out.expect_code(2, "a container the pod does not have");
    for name in ["arc-sqlmi", "collectd", "init"] {
        assert!(out.stderr.contains(name), "{name} listed: {}", out.stderr);
    }
    assert!(!dest.exists(), "nothing written");
    let out = run(
        &c,
        &["extract", "deploy/web", "-n", "arc", &d, "--layer", "0"],
    );
    out.expect_code(0, "a deployment's running pod");
    assert!(
        out.stderr.contains("web-0"),
        "says which pod: {}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn diff_compares_what_pods_run_with_each_other_and_with_images() {
    let c = start(false);
    let w = world();
    // web-0 runs app:buildkit, and so does the deployment's running pod (web-0 again)
    let out = run(&c, &["diff", "pod/web-0", "deploy/web", "-n", "arc"]);
    out.expect_code(0, "the same digest on both sides");
    let classic = format!("{}/app@{}", w.var("WORLD_PLAIN"), w.digest("app:classic"));
    let out = run(&c, &["diff", "pod/jumpstart-sql-0", &classic, "-n", "arc"]);
    out.expect_code(
        1,
        "arc-sqlmi (the annotation's container) runs buildkit, not classic",
    );
    assert!(
        out.stdout.contains("--- ") && out.stdout.contains("+++ "),
        "{}",
        out.stdout
    );
    let out = run(
        &c,
        &[
            "diff",
            "pod/jumpstart-sql-0",
            &classic,
            "-n",
            "arc",
            "-c",
            "collectd",
        ],
    );
    out.expect_code(0, "-c picks collectd, which runs classic");
    assert!(
        out.stderr.contains("is ignored"),
        "-c on the image side is said: {}",
        out.stderr
    );
}
