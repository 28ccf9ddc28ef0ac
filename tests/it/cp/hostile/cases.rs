//! The corpus's representative attacks, one container (and one test) each.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::craft::{Hdr, Tar};
use super::*;

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a1_traversal_names_are_skipped_and_exit_1() {
    require_root();
    let tar = Tar::new()
        .file("src/ok", b"ok")
        .file("src/../../escape", b"pwned")
        .file("src/sub/../../../escape", b"pwned")
        .file("../escape", b"pwned")
        .end();
    let h = Hostile::new(&tar);
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    assert_eq!(
        std::fs::read(h.dest().join("ok")).unwrap_or_default(),
        b"ok"
    );
    for name in ["src/../../escape", "src/sub/../../../escape", "../escape"] {
        assert_skipped_once(&out, name, "unsafe entry");
    }
    assert!(!lexists(&h.w.local("escape")), "nothing created next to D");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a4_absolute_name_aimed_at_the_canary_folder_is_skipped() {
    require_root();
    // The canary folder's path is only known once the world exists: build the world, then
    // replace the planted archive with one aiming at it.
    let h = Hostile::new(b"");
    let evil = format!("{}/planted", h.out());
    let tar = Tar::new()
        .file("src/ok", b"ok")
        .file(&evil, b"pwned")
        .file(format!("/{evil}"), b"pwned")
        .end();
    h.plant(&tar);
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    assert!(!lexists(Path::new(&evil)));
    assert!(stderr(&out).contains("planted"), "{}", stderr(&out));
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a5_prefix_siblings_are_skipped_where_kubectl_writes_them_under_d() {
    require_root();
    let h = Hostile::new(
        &Tar::new()
            .file("src/ok", b"ok")
            .file("srcX/evil", b"pwned")
            .file("other/x", b"pwned")
            .end(),
    );
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    assert_skipped_once(&out, "srcX/evil", "unsafe entry");
    assert_skipped_once(&out, "other/x", "unsafe entry");
    assert!(
        !lexists(&h.dest().join("X")),
        "kubectl's D/X/evil is not made"
    );
    assert!(!lexists(&h.dest().join("evil")));
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a8_a9_long_names_and_pax_paths_with_traversal_are_skipped() {
    require_root();
    let h = Hostile::new(
        &Tar::new()
            .gnu_long(b'L', b"src/../../long-escape")
            .raw(
                {
                    let mut hd = Hdr::new("src/placeholder-l", b'0');
                    hd.size = 5;
                    hd
                },
                b"pwned",
            )
            .pax(b'x', &[("path", b"src/../../pax-escape")])
            .file("src/placeholder-x", b"pwned")
            .file("src/ok", b"ok")
            .end(),
    );
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    assert_skipped_once(&out, "src/../../long-escape", "unsafe entry");
    assert_skipped_once(&out, "src/../../pax-escape", "unsafe entry");
    assert!(!lexists(&h.dest().join("placeholder-l")));
    assert!(!lexists(&h.dest().join("placeholder-x")));
    assert_eq!(
        std::fs::read(h.dest().join("ok")).unwrap_or_default(),
        b"ok"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn b1_link_to_outside_is_kept_and_never_written_through() {
    require_root();
    let h = Hostile::new(b"");
    let tar = Tar::new()
        .symlink("src/l", h.out())
        .file("src/l/canary", b"pwned")
        .file("src/l/new", b"pwned")
        .end();
    h.plant(&tar);
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    assert_eq!(link_target(&h.dest().join("l")), h.out());
    assert_skipped_once(&out, "src/l/canary", "unsafe entry");
    assert_skipped_once(&out, "src/l/new", "unsafe entry");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn b3_cve_2019_11251_two_link_chain_never_lets_a_file_out() {
    require_root();
    let h = Hostile::new(
        &Tar::new()
            .symlink("src/a/b/c/x", "../../..")
            .symlink("src/y", "a/b/c/x/../../..")
            .file("src/y/pwned", b"pwned")
            .end(),
    );
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    assert_eq!(link_target(&h.dest().join("a/b/c/x")), "../../..");
    assert_eq!(link_target(&h.dest().join("y")), "a/b/c/x/../../..");
    assert_skipped_once(&out, "src/y/pwned", "unsafe entry");
    assert!(!lexists(&h.w.local("pwned")));
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn b5_file_then_link_to_a_canary_then_file_replaces_the_link_without_writing_through() {
    require_root();
    let h = Hostile::new(b"");
    let tar = Tar::new()
        .file("src/f", b"first")
        .symlink("src/f", format!("{}/canary", h.out()))
        .file("src/f", b"second")
        .end();
    h.plant(&tar);
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 0);
    let f = h.dest().join("f");
    assert!(
        std::fs::symlink_metadata(&f).is_ok_and(|m| m.is_file()),
        "a new regular file, not the link"
    );
    assert_eq!(std::fs::read(&f).unwrap_or_default(), b"second");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn c1_c3_hardlinks_to_outside_or_through_a_link_are_skipped() {
    require_root();
    let h = Hostile::new(b"");
    let canary = format!("{}/canary", h.out());
    let tar = Tar::new()
        .hardlink("src/abs", &canary)
        .hardlink("src/up", "src/../../outside/canary")
        .symlink("src/l", &canary)
        .hardlink("src/via-link", "src/l")
        .file("src/ok", b"ok")
        .end();
    h.plant(&tar);
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    for name in ["src/abs", "src/up", "src/via-link"] {
        assert_skipped_once(&out, name, "unsafe entry");
    }
    assert!(!lexists(&h.dest().join("abs")));
    assert!(!lexists(&h.dest().join("via-link")));
    let canary_meta = std::fs::metadata(&canary).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(canary_meta.nlink(), 2, "no new link to the canary");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn d1_d2_devices_and_fifos_are_skipped_never_made_even_as_root() {
    require_root();
    let h = Hostile::new(
        &Tar::new()
            .special("src/null", b'3')
            .special("src/sda", b'4')
            .special("src/p", b'6')
            .file("src/ok", b"ok")
            .end(),
    );
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    for name in ["src/null", "src/sda", "src/p"] {
        assert_skipped_once(&out, name, "unsupported entry type");
        assert!(!lexists(&h.dest().join(&name[4..])), "{name} not created");
    }
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn f1_huge_declared_size_with_a_short_body_fails_and_leaves_no_partial_file() {
    require_root();
    let mut hd = Hdr::new("src/huge", b'0');
    hd.size = 1 << 40;
    let mut tar = Tar::new().file("src/ok", b"ok").bytes;
    tar.extend_from_slice(&hd.bytes());
    tar.extend_from_slice(&[7u8; 10 * 1024]);
    let h = Hostile::new(&tar);
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 2);
    assert!(
        !lexists(&h.dest().join("huge")),
        "no short file under its name"
    );
    let used: u64 = walk_sizes(&h.dest());
    assert!(
        used < 1 << 20,
        "no 1 TiB (sparse) file: {used} bytes allocated"
    );
    assert!(stderr(&out).contains("ended early"), "{}", stderr(&out));
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn f6_cut_on_a_block_boundary_fails_even_with_retries_and_a_success_status() {
    require_root();
    let h = Hostile::new(&Tar::new().file("src/a", b"a").file("src/b", b"b").cut());
    // Default retries: the same cut stream comes back each time; still a failure.
    let out = h.copy(&[]);
    assert_code(&out, 2);
    let err = stderr(&out);
    assert!(err.contains("ended early"), "{err}");
    assert!(err.contains("retry"), "retried: {err}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn f9_entries_after_the_end_marker_are_never_extracted() {
    require_root();
    let mut tar = Tar::new().file("src/ok", b"ok").end();
    tar.extend_from_slice(&Tar::new().file("src/hidden", b"pwned").end());
    let h = Hostile::new(&tar);
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 0);
    assert!(!lexists(&h.dest().join("hidden")));
    assert_eq!(
        std::fs::read(h.dest().join("ok")).unwrap_or_default(),
        b"ok"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn i1_i2_links_already_in_local_are_never_entered_or_written_through() {
    require_root();
    let mut h = Hostile::new(
        &Tar::new()
            .file("src/sub/x", b"pwned")
            .file("src/f", b"new")
            .end(),
    );
    // LOCAL exists: the copy lands in D/src, where links to the canaries wait.
    let mapped = h.dest().join("src");
    std::fs::create_dir_all(&mapped).unwrap_or_else(|e| panic!("{e}"));
    symlink(&h.out(), &mapped.join("sub"));
    symlink(&format!("{}/canary", h.out()), &mapped.join("f"));
    h.rebaseline();
    let out = h.copy(&["--retries", "0"]);
    assert_code(&out, 1);
    assert_skipped_once(&out, "src/sub/x", "unsafe entry");
    assert_eq!(link_target(&mapped.join("sub")), h.out());
    let f = std::fs::symlink_metadata(mapped.join("f")).unwrap_or_else(|e| panic!("{e}"));
    assert!(f.is_file(), "the link was replaced by a new file");
    assert_eq!(std::fs::read(mapped.join("f")).unwrap_or_default(), b"new");
}
