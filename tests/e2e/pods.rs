//! Pods and workloads as targets (issue 5): the fake API server (in process) names images
//! that the world's real registries serve. What runs is recovered: the digest from
//! `status.containerStatuses[].imageID`, the node's platform, the pod's pull secrets.

use std::path::Path;
use std::process::{Command, Stdio};

use base64::Engine as _;
use fake_cluster::{FakeCluster, Scenario};

use super::compare::recovered_env;
use super::world::{Outcome, world};

/// A registry address nothing listens on (port 1 is never served here): a mirror that is down.
pub(super) const DOWN_REGISTRY: &str = "127.0.0.1:1";

/// The seed's namespace, pointing at world images; `mixed-0` has containers whose images
/// cannot be pulled, and the `app=mirror` pods reach the same digests through a registry
/// that is down or wants credentials and through the plain one.
fn scenario(forbid_secrets: bool) -> String {
    let w = world();
    let plain = w.var("WORLD_PLAIN");
    let secure = w.var("WORLD_SECURE");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        w.var("WORLD_USER"),
        w.var("WORLD_PASS")
    ));
    let dockerconfig = format!(r#"{{"auths":{{"{secure}":{{"auth":"{auth}"}}}}}}"#);
    let secret = base64::engine::general_purpose::STANDARD.encode(dockerconfig);
    let d = |tag: &str| w.digest(tag).to_owned();
    format!(
        r#"
nodes:
  - {{name: node-1, os: linux, arch: amd64}}
  - {{name: node-arm, os: linux, arch: arm64}}
rbac: {{forbidSecrets: {forbid_secrets}}}
secrets:
  - {{namespace: arc, name: regcred, type: kubernetes.io/dockerconfigjson, data: {{.dockerconfigjson: {secret}}}}}
pods:
  - namespace: arc
    name: jumpstart-sql-0
    node: node-1
    labels: {{app: sql}}
    annotations: {{kubectl.kubernetes.io/default-container: arc-sqlmi}}
    initContainers:
      - {{name: init, image: {plain}/app:buildah-docker, imageID: "{plain}/app@{init}", flavor: none, state: terminated}}
    containers:
      - {{name: arc-sqlmi, image: {plain}/app:buildkit, imageID: "{plain}/app@{buildkit}", flavor: none}}
      - {{name: collectd, image: {plain}/app:classic, imageID: "{plain}/app@{classic}", flavor: none}}
  - namespace: arc
    name: web-0
    node: node-1
    labels: {{app: web}}
    containers:
      - {{name: web, image: {plain}/app:buildkit, imageID: "{plain}/app@{buildkit}", flavor: none}}
  - namespace: arc
    name: private-0
    node: node-1
    imagePullSecrets: [regcred]
    containers:
      - {{name: app, image: {secure}/app:classic, flavor: none}}
  - namespace: arc
    name: nosecret-0
    node: node-1
    labels: {{app: nosecret}}
    imagePullSecrets: [gone-cred]
    containers:
      - {{name: app, image: {plain}/app:buildkit, imageID: "{plain}/app@{buildkit}", flavor: none}}
  - namespace: arc
    name: moved-0
    node: node-1
    containers:
      - {{name: app, image: {plain}/app:classic, imageID: "{plain}/app@{buildkit}", flavor: none}}
  - namespace: arc
    name: arm-0
    node: node-arm
    containers:
      - {{name: multi, image: {plain}/multi:oci-index, imageID: "{plain}/multi@{multi}", flavor: none}}
  - namespace: arc
    name: mixed-0
    node: node-1
    annotations: {{kubectl.kubernetes.io/default-container: ok}}
    containers:
      - {{name: ok, image: {plain}/app:buildkit, imageID: "{plain}/app@{buildkit}", flavor: none}}
      - {{name: gone, image: {plain}/app:no-such-tag, flavor: none}}
      - {{name: locked, image: {secure}/app:classic, flavor: none}}
  - namespace: arc
    name: broken-0
    node: node-1
    containers:
      - {{name: gone, image: {plain}/app:no-such-tag, flavor: none}}
      - {{name: down, image: {down}/app:buildkit, flavor: none}}
  - namespace: arc
    name: a-mirror-0
    node: node-1
    labels: {{app: mirror}}
    containers:
      - {{name: app, image: {secure}/app:classic, imageID: "{secure}/app@{classic}", flavor: none}}
  - namespace: arc
    name: b-origin-0
    node: node-1
    labels: {{app: mirror}}
    containers:
      - {{name: app, image: {plain}/app:classic, imageID: "{plain}/app@{classic}", flavor: none}}
  - namespace: arc
    name: c-down-0
    node: node-1
    labels: {{app: mirror}}
    containers:
      - {{name: app, image: {down}/app:buildkit, imageID: "{down}/app@{buildkit}", flavor: none}}
  - namespace: arc
    name: d-origin-0
    node: node-1
    labels: {{app: mirror}}
    containers:
      - {{name: app, image: {plain}/app:buildkit, imageID: "{plain}/app@{buildkit}", flavor: none}}
  - namespace: arc
    name: e-lost-0
    node: node-1
    labels: {{app: mirror}}
    containers:
      - {{name: app, image: {down}/app:buildah-docker, imageID: "{down}/app@{init}", flavor: none}}
  - namespace: arc
    name: s-anon-0
    node: node-1
    labels: {{app: shared}}
    containers:
      - {{name: app, image: {secure}/app:classic, imageID: "{secure}/app@{classic}", flavor: none}}
  - namespace: arc
    name: s-cred-0
    node: node-1
    labels: {{app: shared}}
    imagePullSecrets: [regcred]
    containers:
      - {{name: app, image: {secure}/app:classic, imageID: "{secure}/app@{classic}", flavor: none}}
  - namespace: arc
    name: z-lost-0
    node: node-1
    labels: {{app: lost}}
    containers:
      - {{name: app, image: {down}/app:buildah-docker, imageID: "{down}/app@{init}", flavor: none}}
workloads:
  - {{kind: StatefulSet, namespace: arc, name: jumpstart-sql, selector: {{app: sql}}, template: {{containers: [{{name: arc-sqlmi, image: {plain}/app:buildkit}}]}}}}
  - {{kind: Deployment, namespace: arc, name: web, selector: {{app: web}}, template: {{containers: [{{name: web, image: {plain}/app:buildkit}}]}}}}
  - {{kind: Deployment, namespace: arc, name: idle, selector: {{app: idle}}, template: {{containers: [{{name: idle, image: {plain}/app:classic}}]}}}}
"#,
        init = d("app:buildah-docker"),
        buildkit = d("app:buildkit"),
        classic = d("app:classic"),
        multi = d("multi:oci-index"),
        down = DOWN_REGISTRY,
    )
}

pub(super) fn start(forbid_secrets: bool) -> FakeCluster {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s =
        Scenario::parse(&scenario(forbid_secrets), dir.path()).unwrap_or_else(|e| panic!("{e}"));
    FakeCluster::start(s).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs the binary against `cluster` with no local registry credentials.
pub(super) fn run(cluster: &FakeCluster, args: &[&str]) -> Outcome {
    let w = world();
    let empty = w.var("WORLD_DOCKER_CONFIG_EMPTY");
    // `images` talks to no registry and takes no registry flags.
    let registry_flags: &[&str] = if args.first() == Some(&"images") {
        &[]
    } else {
        &["--ca-file", w.var("WORLD_CA")]
    };
    let out = Command::new("timeout")
        .arg("120")
        .arg(env!("CARGO_BIN_EXE_kubectl-dfimage"))
        .args(args)
        .args(registry_flags)
        .env("KUBECONFIG", cluster.kubeconfig_path())
        .env("DOCKER_CONFIG", empty)
        .env("HOME", empty)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// What the registry reference alone recovers (the expectation for a pod running it).
pub(super) fn direct(reference: &str) -> String {
    let out = world().run(&["--ca-file", world().var("WORLD_CA"), reference]);
    out.expect_code(0, reference);
    out.stdout.clone()
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_pod_recovers_the_digest_it_runs_and_the_default_container() {
    let c = start(false);
    let w = world();
    let want = direct(&format!(
        "{}/app@{}",
        w.var("WORLD_PLAIN"),
        w.digest("app:buildkit")
    ));
    let out = run(&c, &["pod/jumpstart-sql-0", "-n", "arc"]);
    out.expect_code(0, "pod/jumpstart-sql-0 (annotation picks arc-sqlmi)");
    assert_eq!(out.stdout, want);
    let out = run(&c, &["jumpstart-sql-0", "-n", "arc", "-c", "arc-sqlmi"]);
    out.expect_code(0, "bare pod name");
    assert_eq!(out.stdout, want);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn init_containers_are_targets_and_unknown_containers_list_the_valid_ones() {
    let c = start(false);
    let w = world();
    let out = run(&c, &["pod/jumpstart-sql-0", "-n", "arc", "-c", "init"]);
    out.expect_code(0, "-c init");
    assert_eq!(
        out.stdout,
        direct(&format!(
            "{}/app@{}",
            w.var("WORLD_PLAIN"),
            w.digest("app:buildah-docker")
        ))
    );
    let out = run(&c, &["pod/jumpstart-sql-0", "-n", "arc", "-c", "nope"]);
    out.expect_code(2, "-c nope");
    assert!(
        out.stderr.contains("init, arc-sqlmi, collectd"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn workloads_resolve_to_a_running_pod_or_their_template() {
    let c = start(false);
    let w = world();
    let want = direct(&format!(
        "{}/app@{}",
        w.var("WORLD_PLAIN"),
        w.digest("app:buildkit")
    ));
    for target in [
        "sts/jumpstart-sql",
        "statefulset/jumpstart-sql",
        "deploy/web",
        "deployments.apps/web",
    ] {
        let out = run(
            &c,
            &[
                target,
                "-n",
                "arc",
                "-c",
                if target.contains("web") {
                    "web"
                } else {
                    "arc-sqlmi"
                },
            ],
        );
        out.expect_code(0, target);
        assert_eq!(out.stdout, want, "{target}");
        assert!(out.stderr.contains("using pod"), "{target}: {}", out.stderr);
    }
    let out = run(&c, &["deploy/idle", "-n", "arc"]);
    out.expect_code(0, "deploy/idle (no pods)");
    assert!(out.stderr.contains("pod template"), "{}", out.stderr);
    assert_eq!(out.stdout, direct(&w.plain_ref("app:classic")));
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_pod_on_an_arm64_node_gets_the_arm64_image_from_the_index() {
    let c = start(false);
    let out = run(&c, &["pod/arm-0", "-n", "arc"]);
    out.expect_code(0, "pod/arm-0");
    assert_eq!(
        recovered_env(&out.stdout)
            .get("BUILT_FOR")
            .map(String::as_str),
        Some("linux/arm64"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("linux/arm64"), "{}", out.stderr);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_required_pull_secret_is_used_and_rbac_denial_degrades_to_local_credentials() {
    let c = start(false);
    let out = run(&c, &["pod/private-0", "-n", "arc"]);
    out.expect_code(0, "pod/private-0 with its pull secret");
    assert!(
        !out.stderr.contains(world().var("WORLD_PASS")),
        "secret printed"
    );
    assert_eq!(out.stdout, {
        let w = world();
        let o = w.run_full(
            w.var("WORLD_DOCKER_CONFIG"),
            &[
                "--ca-file",
                w.var("WORLD_CA"),
                &format!("{}/app:classic", w.var("WORLD_SECURE")),
            ],
            None,
        );
        o.expect_code(0, "secure app:classic with credentials");
        o.stdout.clone()
    });
    let denied = start(true);
    let out = run(&denied, &["pod/private-0", "-n", "arc"]);
    out.expect_code(2, "pull secret forbidden, no local credentials");
    assert!(
        out.stderr.contains("not allowed to read secrets"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("authenticate"), "{}", out.stderr);
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn missing_pods_are_clear_errors() {
    let c = start(false);
    let out = run(&c, &["pod/nope", "-n", "arc"]);
    out.expect_code(2, "pod/nope");
    assert!(
        out.stderr.contains("'nope'") && out.stderr.contains("'arc'"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn images_lists_and_all_recovers_each_distinct_digest_once() {
    let c = start(false);
    let out = run(&c, &["images", "-n", "arc"]);
    out.expect_code(0, "images");
    assert!(
        out.stdout.contains("init (init)") && out.stdout.contains("linux/arm64"),
        "{}",
        out.stdout
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_str().unwrap_or_default();
    let out = run(
        &c,
        &[
            "-n",
            "arc",
            "--all",
            "-l",
            "app in (sql,web)",
            "--output-dir",
            d,
        ],
    );
    out.expect_code(0, "--all");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(d).join("index.json")).unwrap_or_default())
            .unwrap_or_default();
    let entries = index.as_array().cloned().unwrap_or_default();
    // jumpstart-sql-0 (init, arc-sqlmi, collectd) and web-0 (same digest as arc-sqlmi): 3 distinct.
    assert_eq!(entries.len(), 3, "{index:#}");
    let shared = entries
        .iter()
        .find(|e| e["used_by"].as_array().is_some_and(|u| u.len() == 2))
        .unwrap_or_else(|| panic!("no image shared by two containers: {index:#}"));
    let path = Path::new(d).join(shared["path"].as_str().unwrap_or_default());
    assert!(path.is_file(), "{}", path.display());
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_tag_moved_since_the_pod_started_warns_and_recovers_what_runs() {
    let c = start(false);
    let w = world();
    let out = run(&c, &["pod/moved-0", "-n", "arc"]);
    out.expect_code(0, "pod/moved-0");
    assert!(
        out.stderr.contains("now resolves to") && out.stderr.contains(w.digest("app:classic")),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stdout,
        direct(&format!(
            "{}/app@{}",
            w.var("WORLD_PLAIN"),
            w.digest("app:buildkit")
        ))
    );
    let out = run(&c, &["pod/web-0", "-n", "arc"]);
    out.expect_code(0, "pod/web-0");
    assert!(!out.stderr.contains("now resolves to"), "{}", out.stderr);
}
