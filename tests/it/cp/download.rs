//! Downloads keep what kubectl cp loses (symlinks, hardlinks, modes, mtimes), skip and log
//! what the container's user cannot read, and go on.

use std::os::unix::fs::MetadataExt;

use super::harness::*;

fn plant_tree(w: &World) -> std::path::PathBuf {
    let root = w.rootfs().join("data");
    write(&root.join("a.txt"), b"alpha\n");
    write(&root.join("dir with space/b.txt"), b"beta\n");
    write(&root.join("deep/1/2/3/4/5/6/7/8/leaf"), b"leaf\n");
    std::fs::create_dir_all(root.join("empty")).unwrap_or_else(|e| panic!("{e}"));
    symlink("a.txt", &root.join("rel-link"));
    symlink("/etc/passwd", &root.join("abs-link"));
    symlink("../nowhere", &root.join("dangling"));
    symlink("deep/1", &root.join("dir-link"));
    symlink("rel-link", &root.join("chain"));
    std::fs::hard_link(root.join("a.txt"), root.join("hard.txt")).unwrap_or_else(|e| panic!("{e}"));
    chmod(&root.join("a.txt"), 0o640);
    root
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn symlinks_hardlinks_modes_and_empty_dirs_survive_a_gnu_download() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant_tree(&w);
    let out = w.cp("app:/data", w.local("out"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let got = w.local("out");
    assert_eq!(
        std::fs::read(got.join("a.txt")).unwrap_or_default(),
        b"alpha\n"
    );
    assert_eq!(
        std::fs::read(got.join("dir with space/b.txt")).unwrap_or_default(),
        b"beta\n"
    );
    assert!(got.join("deep/1/2/3/4/5/6/7/8/leaf").is_file());
    assert!(got.join("empty").is_dir());
    assert_eq!(link_target(&got.join("rel-link")), "a.txt");
    assert_eq!(link_target(&got.join("abs-link")), "/etc/passwd");
    assert_eq!(link_target(&got.join("dangling")), "../nowhere");
    assert_eq!(link_target(&got.join("dir-link")), "deep/1");
    assert_eq!(link_target(&got.join("chain")), "rel-link");
    let a = std::fs::metadata(got.join("a.txt")).unwrap_or_else(|e| panic!("{e}"));
    let h = std::fs::metadata(got.join("hard.txt")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.ino(), h.ino(), "hardlink kept as a link");
    assert_eq!(a.mode() & 0o7777, 0o640);
    let src = std::fs::metadata(w.rootfs().join("data/a.txt")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.mtime(), src.mtime(), "mtime preserved");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn permission_denied_paths_are_logged_once_and_the_copy_goes_on_with_exit_1() {
    require_root();
    let w = World::new("gnu", "1000:1000");
    let root = plant_tree(&w);
    let (out, log) = copy_with_unreadable_paths(&w, &root);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("secret").count(), 1, "each path once: {err}");
    assert!(err.contains("locked"), "{err}");
    assert!(w.local("out/a.txt").is_file(), "the rest was copied");
    assert!(w.local("out/deep/1/2/3/4/5/6/7/8/leaf").is_file());
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let paths: Vec<String> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(paths.iter().any(|p| p.ends_with("secret")), "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with("locked")), "{paths:?}");
    assert!(
        records.iter().all(|r| r["reason"] == "permission-denied"),
        "{records:?}"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn busybox_tar_downloads_the_same_tree() {
    require_root();
    let w = World::new("busybox", "0:0");
    plant_tree(&w);
    let out = w.cp("app:/data", w.local("out"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(link_target(&w.local("out/abs-link")), "/etc/passwd");
    assert_eq!(
        std::fs::read(w.local("out/dir with space/b.txt")).unwrap_or_default(),
        b"beta\n"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn verify_compares_checksums_computed_in_the_container() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant_tree(&w);
    let out = w.cp("app:/data", w.local("out"), &["--verify"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("0 mismatch"), "{err}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn distroless_containers_fail_with_advice_instead_of_an_empty_copy() {
    require_root();
    let w = World::new("none", "0:0");
    let out = w.cp("app:/etc", w.local("out"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no tar") && err.contains("--debug-image"),
        "{err}"
    );
    assert!(!w.local("out").exists());
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn unknown_pods_and_containers_are_clear_errors() {
    require_root();
    let w = World::new("gnu", "0:0");
    let out = w.cp("nope:/etc", w.local("out"), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("'nope'"), "{}", stderr(&out));
    let out = w.cp("app:/etc", w.local("out"), &["-c", "missing"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("main, side"), "{err}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn several_containers_default_to_the_first_with_a_notice_like_kubectl() {
    require_root();
    let w = World::new("gnu", "0:0");
    let out = w.cp("app:/etc/hostname", w.local("hostname"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("Defaulted container \"main\""), "{err}");
    assert_eq!(
        std::fs::read_to_string(w.local("hostname"))
            .unwrap_or_default()
            .trim(),
        "app"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn debug_image_copies_a_distroless_container_through_an_ephemeral_container() {
    require_root();
    let w = World::new("none", "0:0");
    write(&w.rootfs().join("app/config.yaml"), b"key: value\n");
    symlink("config.yaml", &w.rootfs().join("app/current"));
    let out = w.cp(
        "app:/app",
        w.local("out"),
        &["--debug-image", "busybox:1.36"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("ephemeral debug container"), "{err}");
    assert_eq!(
        std::fs::read(w.local("out/config.yaml")).unwrap_or_default(),
        b"key: value\n"
    );
    assert_eq!(link_target(&w.local("out/current")), "config.yaml");
}

/// Enough data, slowly enough, for the bar to be drawn at least once.
fn slow_tree(w: &World) {
    let root = w.rootfs().join("data");
    for i in 0..12 {
        write(&root.join(format!("f{i:02}.bin")), &vec![i as u8; 100_000]);
    }
    w.cluster.add_faults(vec![fake_cluster::Fault {
        command: Some("cf -".into()),
        throttle_bytes_per_sec: Some(800_000),
        ..fake_cluster::Fault::default()
    }]);
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn on_a_terminal_a_gnu_find_prescan_gives_the_bar_its_total_and_file_count() {
    require_root();
    let w = World::new("gnu", "0:0");
    slow_tree(&w);
    let out = w.cp_on_terminal("app:/data", &w.local("out"), &[]);
    let screen = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{screen}");
    let scans = w.execs_containing("mode=find");
    assert_eq!(scans.len(), 1, "one pre-scan: {scans:?}");
    assert!(
        scans[0].iter().any(|a| a == "/") && scans[0].iter().any(|a| a == "data"),
        "the selection travels as arguments: {:?}",
        scans[0]
    );
    assert!(screen.contains("12 file(s)"), "{screen}");
    assert!(screen.contains("1.14 MiB"), "the total is drawn: {screen}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn busybox_prescans_with_du_and_a_tarless_shell_without_a_tool_gets_a_spinner() {
    require_root();
    let w = World::new("busybox", "0:0");
    slow_tree(&w);
    let out = w.cp_on_terminal("app:/data", &w.local("out"), &[]);
    let screen = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{screen}");
    assert_eq!(w.execs_containing("mode=du").len(), 1);
    assert!(screen.contains("12 file(s)"), "busybox has wc: {screen}");

    let w = World::new("shell", "0:0");
    write(&w.rootfs().join("data/a"), b"a\n");
    write(&w.rootfs().join("data/big"), &vec![7u8; 600_000]);
    w.cluster.add_faults(vec![fake_cluster::Fault {
        command: Some("RECORDS".into()),
        throttle_bytes_per_sec: Some(800_000),
        ..fake_cluster::Fault::default()
    }]);
    let out = w.cp_on_terminal("app:/data", &w.local("out"), &[]);
    let screen = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{screen}");
    assert_eq!(w.execs_containing("mode=none").len(), 1, "the pre-scan ran");
    assert_eq!(
        screen.matches("file(s)").count(),
        1,
        "only the summary: {screen}"
    );
    assert!(!screen.contains("[="), "a spinner, not a bar: {screen}");
    assert!(
        !screen.to_lowercase().contains("warning"),
        "skipped quietly: {screen}"
    );
    assert_eq!(std::fs::read(w.local("out/a")).unwrap_or_default(), b"a\n");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn without_a_terminal_or_with_quiet_there_is_no_bar_and_no_prescan() {
    require_root();
    let w = World::new("gnu", "0:0");
    write(&w.rootfs().join("data/a"), b"a\n");
    let out = w.cp("app:/data", w.local("out"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = w.cp_on_terminal("app:/data", &w.local("out2"), &["-q"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        w.execs_containing("mode=find").is_empty(),
        "no bar, no pre-scan"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_directory_download_under_a_missing_local_parent_fails_at_once_naming_it() {
    require_root();
    let w = World::new("gnu", "0:0");
    let root = plant_tree(&w);
    // more than the exec buffers hold, so a remote tar nobody reads from blocks
    write(&root.join("big.bin"), &vec![0x5a; 8 << 20]);
    let dest = w.local("no/parent/x");
    let started = std::time::Instant::now();
    let out = w.cp("app:/data", &dest, &["--idle-timeout", "3s"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "failed without waiting for the idle timeout: {err}"
    );
    assert!(
        !err.contains("retry") && !err.contains("idle-timeout"),
        "{err}"
    );
    assert!(
        err.contains(&w.local("no/parent").display().to_string()),
        "the missing parent is named: {err}"
    );
    assert!(!w.local("no").exists());
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_missing_remote_path_is_a_clear_failure_without_retries() {
    require_root();
    for flavor in ["gnu", "busybox", "shell"] {
        let w = World::new(flavor, "0:0");
        plant_tree(&w);
        let out = w.cp("app:/nonexistent", w.local("d"), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flavor}: {err}");
        assert!(
            err.contains("no such file or directory in the container: /nonexistent"),
            "{flavor}: {err}"
        );
        assert!(!err.contains("retry"), "{flavor}: {err}");
        assert!(
            !err.contains("skipped"),
            "the error, not a skip: {flavor}: {err}"
        );
        assert!(!w.local("d").exists(), "{flavor}");
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_remote_glob_matching_nothing_is_a_clear_failure_without_retries() {
    require_root();
    let w = World::new("gnu", "0:0");
    write(&w.rootfs().join("data/logs/a.log"), b"a\n");
    let out = w.cp("app:/data/logs/*.nomatch", w.local("d"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no match for /data/logs/*.nomatch"), "{err}");
    assert!(!err.contains("retry") && !err.contains("skipped"), "{err}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_container_that_is_not_running_is_named_as_such_not_as_lacking_tar() {
    require_root();
    // (a pod whose containers all ended is Succeeded: refused before, by its phase)
    let w = World::with_state("gnu", "0:0", "waiting");
    let out = w.cp("app:/etc", w.local("out"), &["-c", "main"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not running (waiting: ContainerCreating)"),
        "{err}"
    );
    assert!(
        !err.contains("--debug-image"),
        "no distroless advice: {err}"
    );
}
