//! `--verify`: every regular file the container has is compared with the local copy, or
//! counted and named as not comparable; odd names (newline, backslash) are never dropped.

use super::harness::*;

/// Names GNU `sha256sum` escapes (and busybox prints raw or splits across lines).
fn plant_odd_names(w: &World) {
    let root = w.rootfs().join("data");
    write(&root.join("plain"), b"plain\n");
    write(&root.join("line\nbreak"), b"newline name\n");
    write(&root.join("back\\slash"), b"backslash name\n");
    write(&root.join("dir\nwith nl/inner"), b"inner\n");
}

/// The count in "N file(s) compared" of the summary line.
fn compared(err: &str) -> Option<u64> {
    let at = err.find(" file(s) compared")?;
    err[..at].rsplit(' ').next()?.parse().ok()
}

fn odd_names_are_all_compared(flavor: &str) {
    require_root();
    let w = World::new(flavor, "0:0");
    plant_odd_names(&w);
    let out = w.cp("app:/data", w.local("out"), &["--verify"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(compared(&err), Some(4), "{err}");
    assert!(err.contains(" 0 mismatch"), "{err}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn gnu_verify_compares_names_with_newlines_and_backslashes() {
    odd_names_are_all_compared("gnu");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn busybox_verify_compares_names_with_newlines_and_backslashes() {
    odd_names_are_all_compared("busybox");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_file_the_container_cannot_read_is_named_as_not_compared_and_exit_1() {
    require_root();
    let w = World::new("gnu", "1000:1000");
    let root = w.rootfs().join("data");
    write(&root.join("a.txt"), b"a\n");
    write(&root.join("secret"), b"root only\n");
    chmod(&root.join("secret"), 0o600);
    let out = w.cp("app:/data", w.local("out"), &["--verify"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(compared(&err), Some(1), "{err}");
    assert!(err.contains("1 not comparable"), "{err}");
    assert!(err.contains("verify: secret: not compared"), "{err}");
}
