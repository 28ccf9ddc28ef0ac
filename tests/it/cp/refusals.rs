//! A download that copied nothing because everything was refused exits 2, not 1
//! ("partial" needs something copied); mistakes found before the copy fail at once.

use super::harness::*;

fn plant(w: &World) {
    let root = w.rootfs().join("data");
    write(&root.join("a.txt"), b"a\n");
    write(&root.join("secret"), b"root only\n");
    chmod(&root.join("secret"), 0o600);
    write(&root.join("locked/inner"), b"x");
    chmod(&root.join("locked"), 0o700);
    write(&root.join("dir/one"), b"1\n");
    write(&root.join("dir/two"), b"2\n");
    symlink("dir", &root.join("dirlink"));
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_download_of_which_nothing_was_copied_exits_2() {
    require_root();
    let w = World::new("gnu", "1000:1000");
    plant(&w);
    for (src, why) in [
        ("app:/data/secret", "permission denied"),
        ("app:/data/locked", "permission denied"),
        ("app:/data/a.txt/", "a directory requested of a file"),
    ] {
        let out = w.cp(src, w.local("out"), &[]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{src} ({why}): {err}");
        assert!(!err.contains("copy is partial"), "{src}: {err}");
        let _ = std::fs::remove_dir_all(w.local("out"));
        let _ = std::fs::remove_file(w.local("out"));
    }
    // some of it copied: partial, exit 1
    let out = w.cp("app:/data", w.local("part"), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_directory_onto_an_existing_local_file_is_one_error_before_anything_is_copied() {
    require_root();
    let w = World::new("gnu", "0:0");
    let root = w.rootfs().join("data");
    for i in 0..18 {
        write(&root.join(format!("f{i:02}")), b"x\n");
    }
    write(&w.local("file"), b"keep\n");
    let out = w.cp("app:/data", w.local("file"), &["--retries", "2"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err.matches("not a directory").count(),
        1,
        "one error: {err}"
    );
    assert!(!err.contains("unsafe entry"), "{err}");
    assert!(!err.contains("retry"), "{err}");
    assert_eq!(
        std::fs::read(w.local("file")).unwrap_or_default(),
        b"keep\n"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn an_error_log_in_a_missing_directory_fails_before_the_copy() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant(&w);
    let log = w.local("nope/errors.jsonl");
    let out = w.cp(
        "app:/data",
        w.local("out"),
        &["--error-log", log.to_str().unwrap_or_default()],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("errors.jsonl"), "{err}");
    assert!(!w.local("out").exists(), "nothing copied: {err}");
    assert!(w.execs_containing("cf -").is_empty(), "no copy ran");
}
