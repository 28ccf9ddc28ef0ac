//! `kubectl exec` against the fake: real commands in the container rootfs as its uid:gid,
//! stdin, exit codes, and the real server's errors for missing pods, bad containers,
//! containers that are not running, and commands missing from the image.

use std::os::unix::fs::PermissionsExt as _;

use crate::common::{Kubectl, WAIT, assert_client_132, start_arc, start_yaml};

#[test]
fn exec_ls_lists_the_container_rootfs_over_websocket_v5() {
    let cluster = start_arc();
    let root = cluster
        .rootfs("arc", "jumpstart-sql-0", "arc-sqlmi")
        .unwrap();
    std::fs::create_dir(root.join("var-opt-mssql")).unwrap();
    let run = Kubectl::new(&cluster)
        .run(&[
            "exec",
            "jumpstart-sql-0",
            "-n",
            "arc",
            "-c",
            "arc-sqlmi",
            "--",
            "ls",
            "/",
        ])
        .expect_code(0);
    let entries: Vec<&str> = run.stdout.lines().collect();
    assert!(entries.contains(&"var-opt-mssql"), "{entries:?}");
    assert!(
        entries.contains(&"etc") && entries.contains(&"tmp"),
        "{entries:?}"
    );
    assert_client_132(&cluster);
    let exec = cluster
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/exec"))
        .expect("exec request");
    assert_eq!(exec.method, "GET");
    assert_eq!(exec.status, 101);
    assert_eq!(
        exec.websocket_protocols.as_deref(),
        Some("v5.channel.k8s.io")
    );
    let record = &cluster.wait_for_execs(1, WAIT)[0];
    assert_eq!(record.command, ["ls", "/"]);
    assert_eq!(
        (record.exit_code, record.outcome.as_str()),
        (Some(0), "completed")
    );
}

#[test]
fn exec_stdin_reaches_the_process_which_runs_as_the_container_user() {
    let cluster = start_arc();
    let input = "line one\nline two\n";
    let run = Kubectl::new(&cluster)
        .run_with_stdin(
            &[
                "exec",
                "-i",
                "jumpstart-sql-0",
                "-n",
                "arc",
                "--",
                "sh",
                "-c",
                "cat; id -u; id -g",
            ],
            Some(input.as_bytes()),
        )
        .expect_code(0);
    assert_eq!(run.stdout, format!("{input}10001\n10001\n"));
    let record = &cluster.wait_for_execs(1, WAIT)[0];
    assert!(
        record.stdin_closed,
        "kubectl sent the v5 close frame for stdin"
    );
    assert_eq!(record.stdin_bytes, input.len() as u64);
    assert_eq!(
        record.container, "arc-sqlmi",
        "the default-container annotation picked it"
    );
}

#[test]
fn exec_propagates_a_non_zero_exit_code() {
    let cluster = start_arc();
    let run = Kubectl::new(&cluster).run(&[
        "exec",
        "controldb-0",
        "-n",
        "arc",
        "--",
        "sh",
        "-c",
        "echo oops >&2; exit 3",
    ]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("oops"), "{}", run.stderr);
    assert!(
        run.stderr.contains("command terminated with exit code 3"),
        "{}",
        run.stderr
    );
}

#[test]
fn file_permissions_are_real_for_the_unprivileged_user() {
    let cluster = start_arc();
    let root = cluster.rootfs("arc", "logsdb-0", "opensearch").unwrap();
    std::fs::write(root.join("etc/secret.key"), "k").unwrap();
    std::fs::set_permissions(
        root.join("etc/secret.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let run = Kubectl::new(&cluster).run(&[
        "exec",
        "logsdb-0",
        "-n",
        "arc",
        "--",
        "cat",
        "/etc/secret.key",
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("Permission denied"), "{}", run.stderr);
}

#[test]
fn busybox_and_distroless_flavors() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    let bb = kubectl.run(&[
        "exec",
        "jumpstart-sql-0",
        "-n",
        "arc",
        "-c",
        "collectd",
        "--",
        "tar",
        "--help",
    ]);
    assert!(
        bb.stderr.contains("BusyBox"),
        "busybox tar answered: {}",
        bb.stderr
    );
    let none = kubectl.run(&[
        "exec",
        "jumpstart-sql-0",
        "-n",
        "arc",
        "-c",
        "fluentbit",
        "--",
        "sh",
        "-c",
        "true",
    ]);
    assert_eq!(none.code, 126, "runc reports a missing command as exit 126");
    assert!(
        none.stderr
            .contains(r#"exec: "sh": executable file not found in $PATH"#),
        "{}",
        none.stderr
    );
}

#[test]
fn shell_flavor_has_a_shell_and_file_tools_but_no_tar() {
    let cluster = start_yaml(
        "nodes: [{name: n1}]
pods:
  - {name: slim, node: n1, containers: [{name: app, image: app:1, flavor: shell}]}
",
    );
    let kubectl = Kubectl::new(&cluster);
    let tools = kubectl
        .run(&[
            "exec",
            "slim",
            "--",
            "sh",
            "-c",
            "for t in find cat stat ls readlink; do command -v $t >/dev/null || echo missing $t; done; \
             for t in tar du wc head sha256sum; do command -v $t >/dev/null && echo has $t; done; echo ok",
        ])
        .expect_code(0);
    assert_eq!(tools.stdout, "ok\n", "{}", tools.stderr);
    let tar = kubectl.run(&["exec", "slim", "--", "tar", "cf", "-", "/etc"]);
    assert_eq!(tar.code, 126, "no tar in the shell flavor: {}", tar.stderr);
}

#[test]
fn exec_errors_before_the_upgrade_match_the_real_server() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    let missing = kubectl
        .run(&["exec", "nopod", "-n", "arc", "--", "ls"])
        .expect_code(1);
    assert!(
        missing
            .stderr
            .contains(r#"Error from server (NotFound): pods "nopod" not found"#),
        "{}",
        missing.stderr
    );
    let bad = kubectl
        .run(&[
            "exec",
            "jumpstart-sql-0",
            "-n",
            "arc",
            "-c",
            "zz",
            "--",
            "ls",
        ])
        .expect_code(1);
    assert!(
        bad.stderr.contains(
            "Error from server (BadRequest): container zz is not valid for pod jumpstart-sql-0"
        ),
        "{}",
        bad.stderr
    );
    // kubectl found no pod before any exec; the rejected WebSocket for the bad container was
    // retried as SPDY and got the same 400.
    let execs: Vec<(String, u16)> = cluster
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/exec"))
        .map(|r| (r.method, r.status))
        .collect();
    assert_eq!(execs, [("GET".to_string(), 400), ("POST".to_string(), 400)]);
}

#[test]
fn exec_into_a_container_that_is_not_running_is_an_internal_error_after_the_upgrade() {
    let cluster = start_yaml(
        "nodes: [{name: n1}]\npods:\n  - name: web\n    node: n1\n    containers:\n      - {name: app, image: app:1, state: waiting}\n",
    );
    let run = Kubectl::new(&cluster)
        .run(&["exec", "web", "--", "ls"])
        .expect_code(1);
    assert!(
        run.stderr.contains(r#"error: Internal error occurred: unable to upgrade connection: container not found ("app")"#),
        "{}",
        run.stderr
    );
    let exec = cluster
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/exec"))
        .unwrap();
    assert_eq!(exec.status, 101);
}

#[test]
fn unscheduled_completed_and_containerd_pods_fail_like_a_real_cluster() {
    let cluster = start_yaml(
        "nodes: [{name: n1}]
pods:
  - {name: pending, containers: [{name: app, image: app:1}]}
  - {name: done, node: n1, phase: Succeeded, containers: [{name: app, image: app:1, state: terminated}]}
  - {name: distroless, node: n1, containers: [{name: app, image: app:1, flavor: none, commandNotFound: containerd}]}
",
    );
    let kubectl = Kubectl::new(&cluster);
    let pending = kubectl.run(&["exec", "pending", "--", "ls"]).expect_code(1);
    assert!(
        pending
            .stderr
            .contains("Error from server (BadRequest): pod pending does not have a host assigned"),
        "{}",
        pending.stderr
    );
    let done = kubectl.run(&["exec", "done", "--", "ls"]).expect_code(1);
    assert!(
        done.stderr.contains(
            "cannot exec into a container in a completed pod; current phase is Succeeded"
        ),
        "{}",
        done.stderr
    );
    let missing = kubectl
        .run(&["exec", "distroless", "--", "tar", "cf", "-", "/"])
        .expect_code(1);
    assert!(
        missing
            .stderr
            .contains("error: Internal error occurred: error executing command in container"),
        "{}",
        missing.stderr
    );
    assert!(
        missing
            .stderr
            .contains(r#"exec: "tar": executable file not found in $PATH"#),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_spdy_only_client_gets_a_status_error_never_an_upgrade() {
    let cluster = start_arc();
    let run = Kubectl::new(&cluster)
        .run_with_env(
            &["exec", "controldb-0", "-n", "arc", "--", "ls"],
            &[("KUBECTL_REMOTE_COMMAND_WEBSOCKETS", "false")],
        )
        .expect_code(1);
    assert!(
        run.stderr
            .contains("Error from server (BadRequest): SPDY is not supported by this server"),
        "{}",
        run.stderr
    );
    let exec = cluster
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/exec"))
        .unwrap();
    assert_eq!(
        (exec.method.as_str(), exec.upgrade.as_deref(), exec.status),
        ("POST", Some("SPDY/3.1"), 400)
    );
}

#[test]
fn containers_have_the_usual_character_devices() {
    let cluster = start_arc();
    let run = Kubectl::new(&cluster)
        .run(&["exec", "jumpstart-sql-0", "-n", "arc", "--", "sh", "-c", "echo hidden >/dev/null; head -c 3 /dev/zero | od -An -tx1; head -c 8 /dev/urandom | wc -c"])
        .expect_code(0);
    assert_eq!(
        run.stdout.split_whitespace().collect::<Vec<_>>(),
        ["00", "00", "00", "8"]
    );
}
