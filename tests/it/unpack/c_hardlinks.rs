//! Corpus group C: hardlinks (P-hard) — only to regular files this extraction created.

use std::os::unix::fs::MetadataExt;

use kubectl_dfimage::report::SkipReason::Unsafe;

use super::craft::{Hdr, Tar};
use super::world::{World, file, src_opts};

#[test]
fn c1_hardlink_to_an_absolute_path_is_skipped() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .hardlink("src/h", format!("{}/canary", w.out_str()))
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/h", Unsafe);
    assert!(w.tree().is_empty());
}

#[test]
fn c2_hardlink_with_parent_components_is_skipped() {
    for target in ["../../x", "src/../../x"] {
        let w = World::new();
        let run = w.run(&Tar::new().hardlink("src/h", target).end(), &src_opts());
        run.assert_skipped("src/h", Unsafe);
    }
}

#[test]
fn c3_hardlink_to_a_symlink_is_skipped() {
    let w = World::new();
    let target = format!("{}/canary", w.out_str());
    let run = w.run(
        &Tar::new()
            .symlink("src/l", &target)
            .hardlink("src/h", "src/l")
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/h", Unsafe);
    assert!(!w.d("h").exists());
}

#[test]
fn c4_hardlink_to_a_later_entry_is_skipped() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .hardlink("src/h", "src/later")
            .file("src/later", b"l")
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/h", Unsafe);
    assert_eq!(w.tree().get("later"), Some(&file(b"l", 0o644)));
}

#[test]
fn c5_hardlink_to_itself_is_skipped() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .file("src/h", b"h")
            .hardlink("src/h", "src/h")
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/h", Unsafe);
    assert_eq!(w.tree().get("h"), Some(&file(b"h", 0o644)));
}

#[test]
fn c6_name_of_a_hardlink_replaced_by_a_new_file_leaves_the_target_alone() {
    let w = World::new();
    let tar = Tar::new()
        .file("src/f", b"f-content")
        .hardlink("src/h", "src/f")
        .file("src/h", b"new")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(w.tree().get("f"), Some(&file(b"f-content", 0o644)));
    assert_eq!(w.tree().get("h"), Some(&file(b"new", 0o644)));
}

#[test]
fn c7_hardlink_to_a_file_that_existed_before_is_skipped() {
    let w = World::new().with_dest_dir();
    std::fs::write(w.d("x"), b"pre-existing").ok();
    let run = w.run(&Tar::new().hardlink("src/h", "src/x").end(), &src_opts());
    run.assert_skipped("src/h", Unsafe);
    assert!(!w.d("h").exists());
}

#[test]
fn c8_hardlink_to_a_skipped_entry_is_skipped() {
    let w = World::new();
    let tar = Tar::new()
        .symlink("src/l", "/")
        .file("src/l/f", b"x")
        .hardlink("src/h", "src/l/f")
        .end();
    let run = w.run(&tar, &src_opts());
    run.assert_skipped("src/l/f", Unsafe);
    run.assert_skipped("src/h", Unsafe);
}

#[test]
fn c9_hardlink_with_a_body_keeps_the_stream_in_sync_and_links() {
    let w = World::new();
    let mut h = Hdr::new("src/h", b'1');
    h.link = b"src/f".to_vec();
    h.size = 600;
    let tar = Tar::new()
        .file("src/f", b"f")
        .raw(h, &[b'Q'; 600])
        .file("src/after", b"after")
        .end();
    let run = w.run(&tar, &src_opts());
    assert_eq!(run.ok().hardlinks, 1);
    let (f, h) = (std::fs::metadata(w.d("f")), std::fs::metadata(w.d("h")));
    assert_eq!(f.map(|m| m.ino()).ok(), h.map(|m| m.ino()).ok());
    assert_eq!(w.tree().get("after"), Some(&file(b"after", 0o644)));
}
