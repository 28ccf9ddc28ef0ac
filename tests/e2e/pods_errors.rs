//! Cluster-side mistakes read like kubectl's answers (newcomer findings): a malformed `-l`
//! selector shows the server's message, an unknown `--context` or `--cluster` lists the
//! ones there are.

use super::pods::{run, start};

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_malformed_selector_shows_the_servers_message_not_its_status_struct() {
    let c = start(false);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_str().unwrap_or_default();
    for args in [
        &["images", "-n", "arc", "-l", "app in ("][..],
        &["-n", "arc", "--all", "-l", "app in (", "--output-dir", d][..],
    ] {
        let out = run(&c, args);
        out.expect_code(2, "malformed selector");
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert!(
            out.stderr
                .contains("Error from server (BadRequest): unable to parse requirement")
                && out.stderr.contains("-l `app in (`"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            !out.stderr.contains("Status {") && !out.stderr.contains("ApiError"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn an_unknown_context_or_cluster_says_so_and_lists_the_kubeconfigs_own() {
    let c = start(false);
    // The fake's kubeconfig with its context renamed and a second one added.
    let fake = std::fs::read_to_string(c.kubeconfig_path()).unwrap_or_default();
    let contexts = ["staging", "prod-eu"];
    let renamed = fake
        .replace(
            "- name: fake\n  context:",
            &format!("- name: {}\n  context:", contexts[0]),
        )
        .replace(
            "current-context: fake",
            &format!("current-context: {}", contexts[0]),
        )
        .replace(
            "contexts:\n",
            &format!(
                "contexts:\n- name: {}\n  context:\n    cluster: fake\n    user: fake-user\n",
                contexts[1]
            ),
        );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = dir.path().join("kubeconfig");
    std::fs::write(&file, &renamed).unwrap_or_else(|e| panic!("{e}"));
    let file = file.to_str().unwrap_or_default();
    let ok = run(&c, &["pod/web-0", "-n", "arc", "--kubeconfig", file]);
    ok.expect_code(0, "the edited kubeconfig works with its current context");
    let out = run(
        &c,
        &[
            "pod/web-0",
            "-n",
            "arc",
            "--kubeconfig",
            file,
            "--context",
            "nope",
        ],
    );
    out.expect_code(2, "--context nope");
    assert!(
        out.stderr.contains("context 'nope'")
            && out.stderr.contains("no such context")
            && out.stderr.contains(file),
        "{}",
        out.stderr
    );
    for name in contexts {
        assert!(out.stderr.contains(name), "{name}: {}", out.stderr);
    }
    // The one cluster both contexts use (the fake's, named in the edit above).
    let out = run(
        &c,
        &[
            "pod/web-0",
            "-n",
            "arc",
            "--kubeconfig",
            file,
            "--cluster",
            "nope",
        ],
    );
    out.expect_code(2, "--cluster nope");
    assert!(
        out.stderr.contains("cluster 'nope'") && out.stderr.contains("--cluster: fake"),
        "{}",
        out.stderr
    );
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_pull_secret_that_does_not_exist_is_named_in_a_warning_and_skipped() {
    let c = start(false);
    let out = run(&c, &["pod/nosecret-0", "-n", "arc"]);
    out.expect_code(0, "the image is public, the missing secret is skipped");
    assert!(
        out.stderr.contains("gone-cred") && out.stderr.contains("do not exist"),
        "{}",
        out.stderr
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
            "app=nosecret",
            "--output-dir",
            d,
        ],
    );
    out.expect_code(0, "--all with a missing secret");
    assert!(out.stderr.contains("gone-cred"), "{}", out.stderr);
}
