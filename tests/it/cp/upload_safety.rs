//! Uploads never destroy what they must not (a directory never replaces a remote file),
//! keep mtimes and modes, count only what the container kept, and say what is wrong with
//! the remote destination before anything is sent, in the container's own terms.

use std::path::Path;
use std::time::{Duration, SystemTime};

use super::harness::*;

fn ran_tar_x(w: &World) -> bool {
    !w.execs_containing("tar xf").is_empty()
}

fn mkdir(p: &Path) {
    std::fs::create_dir_all(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

fn chown(p: &Path, uid: u32) {
    std::os::unix::fs::chown(p, Some(uid), Some(uid)).unwrap_or_else(|e| panic!("{e}"));
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_directory_never_replaces_an_existing_remote_file() {
    require_root();
    for flavor in ["gnu", "busybox"] {
        let w = World::new(flavor, "0:0");
        write(&w.rootfs().join("tmp/precious.conf"), b"keep me\n");
        write(
            &w.rootfs().join("data/src"),
            b"a file named like the source\n",
        );
        let src = w.local("src");
        write(&src.join("a.txt"), b"a\n");
        for (dest, clash) in [
            ("app:/tmp/precious.conf", "/tmp/precious.conf"),
            ("app:/data/", "/data/src"),
            ("app:/data", "/data/src"),
        ] {
            let out = w.cp(&src, dest, &[]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{flavor} {dest}: {err}");
            assert!(
                err.contains("cannot overwrite non-directory") && err.contains(clash),
                "{flavor} {dest}: {err}"
            );
        }
        assert!(!ran_tar_x(&w), "{flavor}: an extracting tar was started");
        assert_eq!(read(&w.rootfs().join("tmp/precious.conf")), b"keep me\n");
        assert_eq!(
            read(&w.rootfs().join("data/src")),
            b"a file named like the source\n"
        );
        // a file still replaces a file, like cp
        let f = w.local("new.conf");
        write(&f, b"new\n");
        let out = w.cp(&f, "app:/tmp/precious.conf", &[]);
        assert_eq!(out.status.code(), Some(0), "{flavor}: {}", stderr(&out));
        assert_eq!(read(&w.rootfs().join("tmp/precious.conf")), b"new\n");
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn uploads_keep_mtimes_and_modes() {
    require_root();
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let older = SystemTime::UNIX_EPOCH + Duration::from_secs(900_000_000);
    for flavor in ["gnu", "busybox"] {
        let w = World::new(flavor, "0:0");
        let src = w.local("tree");
        write(&src.join("sub/run.sh"), b"#!/bin/sh\n");
        chmod(&src.join("sub/run.sh"), 0o751);
        chmod(&src.join("sub"), 0o750);
        let set = |p: &Path, t: SystemTime| {
            std::fs::File::open(p)
                .and_then(|f| f.set_modified(t))
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        };
        set(&src.join("sub/run.sh"), old);
        set(&src.join("sub"), older);
        let out = w.cp(&src, "app:/tmp/up", &[]);
        assert_eq!(out.status.code(), Some(0), "{flavor}: {}", stderr(&out));
        let meta = |rel: &str| {
            std::fs::symlink_metadata(w.rootfs().join("tmp/up").join(rel))
                .unwrap_or_else(|e| panic!("{rel}: {e}"))
        };
        use std::os::unix::fs::PermissionsExt;
        let file = meta("sub/run.sh");
        assert_eq!(file.modified().ok(), Some(old), "{flavor}: file mtime");
        assert_eq!(file.permissions().mode() & 0o7777, 0o751, "{flavor}");
        let dir = meta("sub");
        if flavor == "gnu" {
            // busybox tar sets a directory's mtime before its children land in it
            assert_eq!(dir.modified().ok(), Some(older), "{flavor}: dir mtime");
        }
        assert_eq!(dir.permissions().mode() & 0o7777, 0o750, "{flavor}");
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_remote_file_the_user_cannot_replace_is_skipped_not_counted() {
    require_root();
    for flavor in ["gnu", "busybox"] {
        let w = World::new(flavor, "1000:1000");
        write(&w.rootfs().join("etc2/passwd"), b"root:x:0:0\n");
        let f = w.local("passwd");
        write(&f, b"mine\n");
        let log = w.local("log.jsonl");
        let logs = log.to_str().unwrap_or_default();
        let out = w.cp(&f, "app:/etc2/passwd", &["--error-log", logs]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{flavor}: {err}");
        assert!(err.contains("0 file(s)"), "{flavor}: {err}");
        assert!(err.contains("1 path(s) skipped"), "{flavor}: {err}");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(text.lines().count(), 1, "{flavor}: {text}");
        assert!(text.contains("\"path\":\"passwd\""), "{flavor}: {text}");
        assert_eq!(read(&w.rootfs().join("etc2/passwd")), b"root:x:0:0\n");
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn the_summary_counts_only_what_the_container_kept() {
    require_root();
    for flavor in ["gnu", "busybox"] {
        let w = World::new(flavor, "1000:1000");
        let data = w.rootfs().join("data");
        mkdir(&data.join("sub"));
        chown(&data, 1000);
        write(&data.join("sub/b.txt"), b"old\n");
        let t = w.local("t");
        write(&t.join("a.txt"), b"a\n");
        write(&t.join("sub/b.txt"), b"new\n");
        write(&t.join("sub/c.txt"), b"c\n");
        let log = w.local("log.jsonl");
        let logs = log.to_str().unwrap_or_default();
        let out = w.cp(w.local("t/."), "app:/data/", &["--error-log", logs]);
        let err = stderr(&out);
        assert_ne!(out.status.code(), Some(0), "{flavor}: {err}");
        // a.txt landed; sub/b.txt was refused; sub/c.txt was refused (GNU) or never
        // extracted (busybox stops at its first failure)
        assert!(
            err.lines().any(|l| l.starts_with("1 file(s), ")),
            "{flavor}: {err}"
        );
        assert_eq!(read(&data.join("a.txt")), b"a\n");
        assert_eq!(read(&data.join("sub/b.txt")), b"old\n");
        assert!(!err.contains("vanished"), "{flavor}: {err}");
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let paths: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split("\"path\":\"").nth(1))
            .filter_map(|l| l.split('"').next())
            .collect();
        let mut unique = paths.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), paths.len(), "{flavor}: {text}");
        assert!(paths.contains(&"sub/b.txt"), "{flavor}: {text}");
        if flavor == "busybox" {
            assert_eq!(out.status.code(), Some(2), "{err}");
            assert!(err.contains("not written"), "{err}");
        } else {
            assert_eq!(out.status.code(), Some(1), "{err}");
            assert!(paths.contains(&"sub/c.txt"), "{text}");
        }
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_missing_remote_directory_is_an_error_up_front() {
    require_root();
    for flavor in ["gnu", "busybox"] {
        let w = World::new(flavor, "0:0");
        let t = w.local("t");
        write(&t.join("a.txt"), b"a\n");
        write(&t.join("sub/b.txt"), b"b\n");
        for (dest, missing) in [
            ("app:/nope/x", "/nope"),
            ("app:/nope/", "/nope"),
            ("app:/tmp/x/y", "/tmp/x"),
        ] {
            let out = w.cp(&t, dest, &[]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{flavor} {dest}: {err}");
            assert!(
                err.contains(&format!("no such directory in the container: {missing}")),
                "{flavor} {dest}: {err}"
            );
            assert!(!err.contains("vanished"), "{flavor} {dest}: {err}");
            assert!(!err.contains("file(s)"), "{flavor} {dest}: {err}");
        }
        assert!(!ran_tar_x(&w), "{flavor}");
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn an_unwritable_remote_directory_is_reported_once_up_front() {
    require_root();
    for flavor in ["gnu", "busybox"] {
        let w = World::new(flavor, "1000:1000");
        mkdir(&w.rootfs().join("ro"));
        chmod(&w.rootfs().join("ro"), 0o755);
        let t = w.local("t");
        write(&t.join("a.txt"), b"a\n");
        write(&t.join("sub/b.txt"), b"b\n");
        for dest in ["app:/ro/", "app:/ro", "app:/ro/t"] {
            let out = w.cp(&t, dest, &[]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{flavor} {dest}: {err}");
            assert_eq!(
                err.matches("permission denied").count(),
                1,
                "{flavor} {dest}: {err}"
            );
            assert!(err.contains("/ro"), "{flavor} {dest}: {err}");
            assert!(!err.contains("vanished"), "{flavor} {dest}: {err}");
        }
        assert!(!ran_tar_x(&w), "{flavor}");
        let entries = std::fs::read_dir(w.rootfs().join("ro"))
            .map(|d| d.count())
            .unwrap_or_default();
        assert_eq!(entries, 0, "{flavor}");
    }
}

/// The count in "N file(s) compared" of the verify line.
fn compared(err: &str) -> Option<u64> {
    let at = err.find(" file(s) compared")?;
    err[..at].rsplit(' ').next()?.parse().ok()
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn upload_verify_compares_every_sent_file_and_nothing_else() {
    require_root();
    for flavor in ["gnu", "busybox"] {
        let w = World::new(flavor, "0:0");
        write(&w.rootfs().join("data/other.txt"), b"not ours\n");
        let t = w.local("t");
        write(&t.join("a.txt"), b"a\n");
        write(&t.join("sub/b.txt"), b"b\n");
        write(&t.join("line\nbreak"), b"newline name\n");
        symlink("a.txt", &t.join("link"));
        for (src, dest, n) in [
            (t.clone(), "app:/data/", 3),
            (w.local("t/."), "app:/data/", 3),
            (t.join("a.txt"), "app:/tmp/copy.txt", 1),
        ] {
            let out = w.cp(&src, dest, &["--verify"]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(0), "{flavor} {dest}: {err}");
            assert_eq!(compared(&err), Some(n), "{flavor} {dest}: {err}");
            assert!(err.contains(" 0 mismatch"), "{flavor} {dest}: {err}");
        }
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn upload_verify_catches_a_file_the_container_wrote_wrong_and_exits_2() {
    require_root();
    let w = World::new("gnu", "0:0");
    // the real tar, then one uploaded file altered behind the copy's back
    wrap_tar(
        &w.rootfs(),
        b"#!/bin/sh\n/usr/bin/tar.real \"$@\"; s=$?\n[ -f /data/t/a.txt ] && echo x >> /data/t/a.txt\nexit $s\n",
    );
    mkdir(&w.rootfs().join("data"));
    let t = w.local("t");
    write(&t.join("a.txt"), b"a\n");
    write(&t.join("b.txt"), b"b\n");
    let out = w.cp(&t, "app:/data/", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = w.cp(&t, "app:/data/", &["--verify"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("verify: a.txt: content differs"), "{err}");
    assert!(err.contains(" 1 mismatch"), "{err}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_stalled_upload_is_sent_again_and_completes() {
    require_root();
    let w = World::new("gnu", "0:0");
    // the first `tar x` never reads its stdin; the next ones are the real tar
    wrap_tar(
        &w.rootfs(),
        b"#!/bin/sh\ncase \"$1\" in x*) [ -e /tmp/stalled ] || { : > /tmp/stalled; exec sleep 60; };; esac\nexec /usr/bin/tar.real \"$@\"\n",
    );
    let t = w.local("t");
    write(&t.join("big.bin"), &vec![7u8; 8 << 20]);
    write(&t.join("sub/small.txt"), b"small\n");
    let out = w.cp(&t, "app:/tmp/", &["--idle-timeout", "2s"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("retry 1 of 3"), "{err}");
    assert!(err.contains("2 file(s), 2 dir(s)"), "{err}");
    assert_eq!(read(&w.rootfs().join("tmp/t/big.bin")).len(), 8 << 20);
    assert_eq!(read(&w.rootfs().join("tmp/t/sub/small.txt")), b"small\n");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_directory_deep_in_the_tree_never_replaces_a_remote_file() {
    require_root();
    for flavor in ["gnu", "busybox"] {
        let w = World::new(flavor, "0:0");
        write(&w.rootfs().join("data/t/sub/deeper"), b"precious\n");
        let t = w.local("t");
        write(&t.join("a.txt"), b"a\n");
        write(&t.join("sub/deeper/a.txt"), b"a\n");
        for (src, dest) in [(t.clone(), "app:/data/"), (w.local("t/."), "app:/data/t")] {
            let out = w.cp(&src, dest, &[]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{flavor} {dest}: {err}");
            assert!(
                err.contains("cannot overwrite non-directory /data/t/sub/deeper"),
                "{flavor} {dest}: {err}"
            );
        }
        assert!(!ran_tar_x(&w), "{flavor}: an extracting tar was started");
        assert_eq!(read(&w.rootfs().join("data/t/sub/deeper")), b"precious\n");
        // without a clash the same tree merges into what is there
        std::fs::remove_file(w.rootfs().join("data/t/sub/deeper"))
            .unwrap_or_else(|e| panic!("{e}"));
        let out = w.cp(&t, "app:/data/", &[]);
        assert_eq!(out.status.code(), Some(0), "{flavor}: {}", stderr(&out));
        assert_eq!(read(&w.rootfs().join("data/t/sub/deeper/a.txt")), b"a\n");
    }
}
