//! Containers with a shell but no tar (the fake's `shell` flavor: busybox sh, find, stat,
//! cat, readlink, ls): downloads fall back to the file-by-file walk and keep what the tar
//! path keeps, report what they cannot read, and never take a cut stream for success.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

use fake_cluster::Fault;

use super::harness::*;

const OLD: u64 = 1_000_000_000; // 2001-09-09, so a kept mtime cannot be "now"

fn set_mtime(path: &Path) {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(OLD);
    std::fs::File::open(path)
        .and_then(|f| f.set_modified(t))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A tree with every kind of name and link the walk must carry.
fn plant(w: &World) -> std::path::PathBuf {
    let root = w.rootfs().join("data");
    write(&root.join("a.txt"), b"alpha\n");
    write(&root.join("dir with space/b c.txt"), b"beta\n");
    write(&root.join("line\nbreak"), b"newline name\n");
    write(&root.join(OsStr::from_bytes(b"caf\xe9")), b"latin-1 name\n");
    write(&root.join("deep/1/2/3/4/5/6/7/8/leaf"), b"leaf\n");
    write(&root.join("run.sh"), b"#!/bin/sh\n");
    write(&root.join("empty-file"), b"");
    let body: Vec<u8> = (0..300_000u32).map(|n| (n % 251) as u8).collect();
    write(&root.join("big.bin"), &body);
    std::fs::create_dir_all(root.join("empty")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(root.join("private")).unwrap_or_else(|e| panic!("{e}"));
    symlink("a.txt", &root.join("rel-link"));
    symlink("/etc/passwd", &root.join("abs-link"));
    symlink("../nowhere", &root.join("dangling"));
    symlink("deep/1", &root.join("dir-link"));
    symlink("rel-link", &root.join("chain"));
    symlink("odd\ntarget ", &root.join("odd-link"));
    chmod(&root.join("a.txt"), 0o640);
    chmod(&root.join("run.sh"), 0o755);
    chmod(&root.join("private"), 0o750);
    set_mtime(&root.join("a.txt"));
    set_mtime(&root.join("empty"));
    root
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_tarless_container_is_copied_file_by_file_with_links_modes_times_and_odd_names() {
    require_root();
    let w = World::new("shell", "0:0");
    plant(&w);
    let out = w.cp("app:/data", w.local("out"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("has no tar").count(), 1, "said once: {err}");
    let got = w.local("out");
    let read = |rel: &[u8]| std::fs::read(got.join(OsStr::from_bytes(rel))).unwrap_or_default();
    assert_eq!(read(b"a.txt"), b"alpha\n");
    assert_eq!(read(b"dir with space/b c.txt"), b"beta\n");
    assert_eq!(read(b"line\nbreak"), b"newline name\n");
    assert_eq!(read(b"caf\xe9"), b"latin-1 name\n");
    assert_eq!(read(b"deep/1/2/3/4/5/6/7/8/leaf"), b"leaf\n");
    assert_eq!(read(b"empty-file"), b"");
    assert_eq!(
        read(b"big.bin"),
        std::fs::read(w.rootfs().join("data/big.bin")).unwrap_or_default()
    );
    assert!(got.join("empty").is_dir());
    for (link, target) in [
        ("rel-link", "a.txt"),
        ("abs-link", "/etc/passwd"),
        ("dangling", "../nowhere"),
        ("dir-link", "deep/1"),
        ("chain", "rel-link"),
        ("odd-link", "odd\ntarget "),
    ] {
        assert_eq!(link_target(&got.join(link)), target, "{link}");
    }
    assert_eq!(mode(&got.join("a.txt")), 0o640);
    assert_eq!(mode(&got.join("run.sh")), 0o755);
    assert_eq!(mode(&got.join("private")), 0o750);
    for kept in ["a.txt", "empty"] {
        let m = std::fs::metadata(got.join(kept)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.mtime() as u64, OLD, "{kept}: mtime kept");
    }
    // The walk ran as one exec, with no path spliced into its script.
    let execs = w.cluster.execs();
    let walk = execs
        .iter()
        .find(|e| e.command.iter().any(|a| a.contains("find \"$@\"")))
        .unwrap_or_else(|| panic!("no walk exec: {execs:?}"));
    assert!(
        walk.command[..3].iter().all(|a| !a.contains("/data")),
        "{:?}",
        walk.command
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn unreadable_paths_under_uid_1000_are_listed_once_and_the_walk_goes_on_with_exit_1() {
    require_root();
    let w = World::new("shell", "1000:1000");
    let root = plant(&w);
    let (out, log) = copy_with_unreadable_paths(&w, &root);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("secret").count(), 1, "each path once: {err}");
    assert_eq!(err.matches("locked").count(), 1, "each path once: {err}");
    assert!(w.local("out/a.txt").is_file(), "the rest was copied");
    assert!(w.local("out/deep/1/2/3/4/5/6/7/8/leaf").is_file());
    assert!(!w.local("out/secret").exists());
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    let mut paths: Vec<&str> = records
        .iter()
        .map(|r| r["path"].as_str().unwrap_or_default())
        .collect();
    paths.sort();
    // `private` (0750, root's group) is closed to uid 1000 as well
    assert_eq!(
        paths,
        vec!["./data/locked", "./data/private", "./data/secret"],
        "{records:?}"
    );
    assert!(
        records
            .iter()
            .all(|r| r["reason"] == "permission-denied" && r["side"] == "remote"),
        "{records:?}"
    );
}

fn cut_walk(bytes: u64) -> Fault {
    Fault {
        command: Some("find \"$@\"".into()),
        cut_after_bytes: Some(bytes),
        nth: Some(1),
        ..Fault::default()
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_walk_cut_inside_a_file_fails_and_leaves_no_short_file() {
    require_root();
    let w = World::new("shell", "0:0");
    let root = w.rootfs().join("data");
    let body: Vec<u8> = (0..2_000_000u32).map(|n| (n % 253) as u8).collect();
    write(&root.join("huge.bin"), &body);
    w.cluster.add_faults(vec![cut_walk(1_000_000)]);
    let out = w.cp("app:/data", w.local("out"), &["--retries", "0"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("ended early"), "{err}");
    assert!(
        !w.local("out/huge.bin").exists(),
        "no short file under its name"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_cut_walk_is_retried_and_ends_identical() {
    require_root();
    let w = World::new("shell", "0:0");
    plant(&w);
    w.cluster.add_faults(vec![cut_walk(150_000)]);
    let out = w.cp("app:/data", w.local("out"), &["--retries", "2"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("retry 1"), "{err}");
    assert!(
        err.contains("8 file(s), 13 dir(s), 6 link(s)"),
        "the continuation is counted once: {err}"
    );
    assert_eq!(
        std::fs::read(w.local("out/big.bin")).unwrap_or_default(),
        std::fs::read(w.rootfs().join("data/big.bin")).unwrap_or_default()
    );
    assert_eq!(link_target(&w.local("out/odd-link")), "odd\ntarget ");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn globs_and_single_files_work_through_the_walk() {
    require_root();
    let w = World::new("shell", "0:0");
    let logs = w.rootfs().join("var/log");
    write(&logs.join("a.log"), b"a\n");
    write(&logs.join("b c.log"), b"b\n");
    write(&logs.join("skip.txt"), b"no\n");
    std::fs::create_dir_all(w.local("logs")).unwrap_or_else(|e| panic!("{e}"));
    let out = w.cp("app:/var/log/*.log", w.local("logs"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.local("logs/b c.log")).unwrap_or_default(),
        b"b\n"
    );
    assert!(w.local("logs/a.log").is_file() && !w.local("logs/skip.txt").exists());
    let out = w.cp("app:/var/log/a.log", w.local("single"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(w.local("single")).unwrap_or_default(), b"a\n");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn uploads_into_a_tarless_container_fail_with_advice() {
    require_root();
    let w = World::new("shell", "0:0");
    let src = w.local("f.txt");
    write(&src, b"data\n");
    let out = w.cp(&src, "app:/tmp/", &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no tar") && err.contains("--debug-image"),
        "{err}"
    );
    assert!(!w.rootfs().join("tmp/f.txt").exists());
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn the_walk_also_runs_on_gnu_coreutils_and_findutils() {
    require_root();
    let w = World::new("gnu", "1000:1000");
    std::fs::remove_file(w.rootfs().join("usr/bin/tar")).unwrap_or_else(|e| panic!("{e}"));
    let root = plant(&w);
    chmod(&root.join("private"), 0o755);
    write(&root.join("locked/inner"), b"x");
    chmod(&root.join("locked"), 0o700);
    chmod(&root.join("a.txt"), 0o644);
    let out = w.cp("app:/data", w.local("out"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("has no tar"), "{err}");
    // GNU find quotes the name; the report does not
    assert!(
        err.contains("./data/locked") && !err.contains("'./data/locked'"),
        "{err}"
    );
    assert_eq!(link_target(&w.local("out/odd-link")), "odd\ntarget ");
    assert_eq!(
        std::fs::read(w.local("out/line\nbreak")).unwrap_or_default(),
        b"newline name\n"
    );
    assert!(
        w.local("out/locked").is_dir(),
        "the unreadable dir itself is kept"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn verify_without_sha256sum_names_it_says_not_verified_and_exits_1() {
    require_root();
    let w = World::new("shell", "0:0");
    write(&w.rootfs().join("data/a"), b"a\n");
    let out = w.cp("app:/data", w.local("out"), &["--verify"]);
    let err = stderr(&out);
    // a check that was asked for and did not run makes the copy partial
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("has no sha256sum: not verified"),
        "the tool is named: {err}"
    );
    assert!(!err.contains("sh/find"), "{err}");
    assert!(!err.contains("0 file(s) compared"), "{err}");
    assert_eq!(std::fs::read(w.local("out/a")).unwrap_or_default(), b"a\n");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_stalled_walk_is_given_up_after_the_idle_timeout_and_restarted() {
    require_root();
    let w = World::new("shell", "0:0");
    plant(&w);
    w.cluster.add_faults(vec![Fault {
        command: Some("find \"$@\"".into()),
        stall_after_bytes: Some(100_000),
        nth: Some(1),
        ..Fault::default()
    }]);
    let out = w.cp(
        "app:/data",
        w.local("out"),
        &["--retries", "1", "--idle-timeout", "1s"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("nothing arrived from the container for 1s"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(w.local("out/big.bin")).unwrap_or_default(),
        std::fs::read(w.rootfs().join("data/big.bin")).unwrap_or_default()
    );
}
