//! `kubectl debug --target` against the fake: the ephemeral container PATCH, then exec in the
//! debug container, whose `/proc/1/root` is the target container's filesystem.

use crate::common::{Kubectl, start_arc};

#[test]
fn debug_container_sees_the_distroless_target_at_proc_1_root() {
    let cluster = start_arc();
    let target = cluster
        .rootfs("arc", "jumpstart-sql-0", "fluentbit")
        .unwrap();
    std::fs::create_dir_all(target.join("fluent-bit/etc")).unwrap();
    std::fs::write(
        target.join("fluent-bit/etc/fluent-bit.conf"),
        "[SERVICE]\n    Flush 1\n",
    )
    .unwrap();
    let kubectl = Kubectl::new(&cluster);
    let debug = kubectl
        .run(&[
            "debug",
            "jumpstart-sql-0",
            "-n",
            "arc",
            "--image=busybox:1.36",
            "--target=fluentbit",
            "-c",
            "dbg",
        ])
        .expect_code(0);
    assert!(
        debug.stdout.contains(r#"Targeting container "fluentbit""#),
        "{}",
        debug.stdout
    );
    let patch = cluster
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .expect("ephemeral containers patch");
    assert_eq!(
        patch.path,
        "/api/v1/namespaces/arc/pods/jumpstart-sql-0/ephemeralcontainers"
    );
    assert_eq!(
        patch.content_type.as_deref(),
        Some("application/strategic-merge-patch+json")
    );

    let got = kubectl
        .run(&[
            "exec",
            "jumpstart-sql-0",
            "-n",
            "arc",
            "-c",
            "dbg",
            "--",
            "cat",
            "/proc/1/root/fluent-bit/etc/fluent-bit.conf",
        ])
        .expect_code(0);
    assert_eq!(got.stdout, "[SERVICE]\n    Flush 1\n");
    // The debug container has its own busybox userland; the target still has none.
    let tar = kubectl
        .run(&[
            "exec",
            "jumpstart-sql-0",
            "-n",
            "arc",
            "-c",
            "dbg",
            "--",
            "tar",
            "cf",
            "-",
            "-C",
            "/proc/1/root",
            "fluent-bit",
        ])
        .expect_code(0);
    assert!(
        tar.stdout.contains("fluent-bit/etc/fluent-bit.conf"),
        "a tar stream of the target's files"
    );

    let pod = kubectl.run(&["get", "pod", "jumpstart-sql-0", "-n", "arc", "-o", "jsonpath={.spec.ephemeralContainers[0].targetContainerName} {.status.ephemeralContainerStatuses[0].name}"]).expect_code(0);
    assert_eq!(pod.stdout, "fluentbit dbg");
    let written = kubectl
        .run(&[
            "exec",
            "jumpstart-sql-0",
            "-n",
            "arc",
            "-c",
            "dbg",
            "--",
            "touch",
            "/proc/1/root/fluent-bit/new",
        ])
        .expect_code(0);
    drop(written);
    assert!(
        target.join("fluent-bit/new").exists(),
        "writes through /proc/1/root land in the target's rootfs"
    );
}
