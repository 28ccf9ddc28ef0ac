//! `kubectl cp` both ways against the fake: real GNU tar inside the container rootfs.

use crate::common::{Kubectl, WAIT, start_arc};

#[test]
fn cp_downloads_a_file_from_the_container() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    kubectl
        .run(&["cp", "arc/jumpstart-sql-0:/etc/hostname", "./out"])
        .expect_code(0);
    let got = std::fs::read_to_string(kubectl.dir.path().join("out")).unwrap();
    assert_eq!(got, "jumpstart-sql-0\n");
    let exec = &cluster.wait_for_execs(1, WAIT)[0];
    assert_eq!(exec.command, ["tar", "cf", "-", "/etc/hostname"]);
}

#[test]
fn cp_downloads_a_directory_with_nested_files() {
    let cluster = start_arc();
    let root = cluster
        .rootfs("arc", "controldb-0", "mssql-server")
        .unwrap();
    std::fs::create_dir_all(root.join("var/opt/mssql/log")).unwrap();
    std::fs::write(
        root.join("var/opt/mssql/log/errorlog"),
        "started\n".repeat(5000),
    )
    .unwrap();
    let kubectl = Kubectl::new(&cluster);
    kubectl
        .run(&["cp", "arc/controldb-0:/var/opt/mssql", "./mssql"])
        .expect_code(0);
    let got = std::fs::read_to_string(kubectl.dir.path().join("mssql/log/errorlog")).unwrap();
    assert_eq!(got, "started\n".repeat(5000));
}

#[test]
fn cp_uploads_a_file_owned_by_the_container_user() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    std::fs::write(kubectl.dir.path().join("file"), "payload\n").unwrap();
    kubectl
        .run(&["cp", "./file", "arc/jumpstart-sql-0:/tmp/file"])
        .expect_code(0);
    let root = cluster
        .rootfs("arc", "jumpstart-sql-0", "arc-sqlmi")
        .unwrap();
    let landed = root.join("tmp/file");
    assert_eq!(std::fs::read_to_string(&landed).unwrap(), "payload\n");
    use std::os::unix::fs::MetadataExt as _;
    assert_eq!(
        std::fs::metadata(&landed).unwrap().uid(),
        10001,
        "the remote tar ran as the container user"
    );
    let commands: Vec<Vec<String>> = cluster
        .wait_for_execs(2, WAIT)
        .into_iter()
        .map(|e| e.command)
        .collect();
    assert_eq!(commands[0], ["test", "-d", "/tmp/file"]);
    assert_eq!(commands[1], ["tar", "-xmf", "-", "-C", "/tmp"]);
}

#[test]
fn cp_upload_failure_propagates_the_remote_tar_exit_code() {
    let cluster = start_arc();
    let kubectl = Kubectl::new(&cluster);
    std::fs::write(kubectl.dir.path().join("file"), "x").unwrap();
    // /etc belongs to root; the container user cannot create files there.
    let run = kubectl.run(&["cp", "./file", "arc/jumpstart-sql-0:/etc/file"]);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.contains("Cannot open: Permission denied"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("command terminated with exit code 2"),
        "{}",
        run.stderr
    );
}
