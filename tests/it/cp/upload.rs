//! Uploads stream a local tar into the container's `tar x`, keep symlinks, and surface the
//! remote tar's errors with the exit code.

use super::harness::*;

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn upload_keeps_symlinks_and_contents() {
    require_root();
    let w = World::new("gnu", "0:0");
    let src = w.local("src");
    write(&src.join("x.txt"), b"upload\n");
    write(&src.join("sub/y.txt"), b"y\n");
    symlink("x.txt", &src.join("link"));
    let out = w.cp(&src, "app:/tmp/up", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let dest = w.rootfs().join("tmp/up");
    assert_eq!(
        std::fs::read(dest.join("x.txt")).unwrap_or_default(),
        b"upload\n"
    );
    assert_eq!(
        std::fs::read(dest.join("sub/y.txt")).unwrap_or_default(),
        b"y\n"
    );
    assert_eq!(link_target(&dest.join("link")), "x.txt");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn upload_into_a_directory_the_container_user_cannot_write_fails_with_its_error() {
    require_root();
    let w = World::new("gnu", "1000:1000");
    std::fs::create_dir_all(w.rootfs().join("ro")).unwrap_or_else(|e| panic!("{e}"));
    chmod(&w.rootfs().join("ro"), 0o755);
    let src = w.local("f.txt");
    write(&src, b"data\n");
    let out = w.cp(&src, "app:/ro/", &[]);
    let err = stderr(&out);
    assert_ne!(out.status.code(), Some(0), "{err}");
    assert!(
        err.to_ascii_lowercase().contains("permission denied") || err.contains("exit status"),
        "{err}"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn an_upload_the_container_stops_reading_fails_after_the_idle_timeout() {
    require_root();
    let w = World::new("gnu", "0:0");
    // a tar that answers the probe like GNU tar, then never reads its stdin
    let fake_tar = w.rootfs().join("usr/bin/tar");
    std::fs::remove_file(&fake_tar).unwrap_or_else(|e| panic!("{e}"));
    write(
        &fake_tar,
        b"#!/bin/sh\ncase \"$1\" in --help) echo \"GNU 'tar' saves many files\"; exit 0;; esac\nexec sleep 60\n",
    );
    chmod(&fake_tar, 0o755);
    let src = w.local("big.bin");
    write(&src, &vec![5u8; 48 << 20]);
    let started = std::time::Instant::now();
    let out = w.cp(&src, "app:/tmp/", &["--idle-timeout", "2s"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("stalled") && err.contains("--idle-timeout"),
        "{err}"
    );
    assert!(started.elapsed().as_secs() < 40, "{:?}", started.elapsed());
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn an_upload_the_container_refuses_entirely_copies_nothing_and_exits_2() {
    require_root();
    let w = World::new("gnu", "1000:1000");
    std::fs::create_dir_all(w.rootfs().join("ro")).unwrap_or_else(|e| panic!("{e}"));
    chmod(&w.rootfs().join("ro"), 0o755);
    let file = w.local("f.txt");
    write(&file, b"data\n");
    let tree = w.local("tree");
    write(&tree.join("a.txt"), b"a\n");
    write(&tree.join("sub/b.txt"), b"b\n");
    for src in [&file, &tree] {
        let out = w.cp(src, "app:/ro/", &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", src.display());
        // refused up front, before anything is sent
        assert!(
            err.contains("cannot write in /ro"),
            "{}: {err}",
            src.display()
        );
    }
    let entries = std::fs::read_dir(w.rootfs().join("ro"))
        .unwrap_or_else(|e| panic!("{e}"))
        .count();
    assert_eq!(entries, 0);
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_container_with_tar_but_no_shell_takes_uploads_unchecked_and_downloads() {
    require_root();
    let w = World::new("tar", "0:0");
    std::fs::create_dir_all(w.rootfs().join("data")).unwrap_or_else(|e| panic!("{e}"));
    let src = w.local("src");
    write(&src.join("x.txt"), b"upload\n");
    write(&src.join("sub/y.txt"), b"y\n");
    symlink("x.txt", &src.join("link"));
    // a trailing slash needs no answer about the destination
    let out = w.cp(&src, "app:/data/", &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("has no sh"),
        "says the check was skipped: {err}"
    );
    let dest = w.rootfs().join("data/src");
    assert_eq!(
        std::fs::read(dest.join("sub/y.txt")).unwrap_or_default(),
        b"y\n"
    );
    assert_eq!(link_target(&dest.join("link")), "x.txt");
    // without one, and without `test`: copied AS the destination, like kubectl cp
    let file = w.local("f.txt");
    write(&file, b"single\n");
    let out = w.cp(&file, "app:/data/named.txt", &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("copying AS /data/named.txt"), "{err}");
    assert_eq!(
        std::fs::read(w.rootfs().join("data/named.txt")).unwrap_or_default(),
        b"single\n"
    );
    // and the same tree comes back through the container's tar
    let out = w.cp("app:/data/src", w.local("back"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.local("back/x.txt")).unwrap_or_default(),
        b"upload\n"
    );
    assert_eq!(link_target(&w.local("back/link")), "x.txt");
}
