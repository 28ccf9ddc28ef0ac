//! Image layers (issue 4): no prefix, whiteouts kept or applied when flattening in order.

use std::os::unix::fs::symlink;

use kubectl_dfimage::transfer::{UnpackOptions, WhiteoutMode};

use super::craft::Tar;
use super::world::{World, file};

fn apply() -> UnpackOptions {
    UnpackOptions {
        whiteouts: WhiteoutMode::Apply,
        ..UnpackOptions::default()
    }
}

#[test]
fn whiteouts_are_plain_files_in_keep_mode() {
    let w = World::new().with_dest_dir();
    w.run(
        &Tar::new().file("etc/.wh.passwd", b"").end(),
        &UnpackOptions::default(),
    )
    .ok();
    assert_eq!(w.tree().get("etc/.wh.passwd"), Some(&file(b"", 0o644)));
}

#[test]
fn flattening_layers_applies_whiteouts_and_opaque_dirs_in_order() {
    let w = World::new().with_dest_dir();
    let lower = Tar::new()
        .file("gone", b"1")
        .dir("tree/")
        .file("tree/deep/x", b"x")
        .dir("opaque/")
        .file("opaque/old", b"o")
        .file("keep", b"k")
        .end();
    w.run(&lower, &apply()).ok();
    let upper = Tar::new()
        .file(".wh.gone", b"")
        .file(".wh.tree", b"")
        .file("opaque/new-before", b"n")
        .file("opaque/.wh..wh..opq", b"")
        .file("opaque/new-after", b"n")
        .end();
    let run = w.run(&upper, &apply());
    assert_eq!(run.ok().whiteouts_applied, 3);
    let names: Vec<String> = w.tree().into_keys().collect();
    assert_eq!(
        names,
        ["keep", "opaque", "opaque/new-after", "opaque/new-before"]
    );
}

#[test]
fn whiteouts_never_follow_links() {
    let w = World::new().with_dest_dir();
    symlink(&w.out, w.d("l")).ok();
    let tar = Tar::new()
        .file("l/.wh.canary", b"")
        .file("l/dir/.wh..wh..opq", b"")
        .file(".wh..", b"")
        .end();
    w.run(&tar, &apply()).ok();
    assert!(w.out.join("canary").exists() && w.out.join("dir/inner").exists());
}

#[test]
fn whiteout_of_a_symlink_removes_the_link_only() {
    let w = World::new().with_dest_dir();
    symlink(&w.out, w.d("l")).ok();
    let run = w.run(&Tar::new().file(".wh.l", b"").end(), &apply());
    assert_eq!(run.ok().whiteouts_applied, 1);
    assert!(std::fs::symlink_metadata(w.d("l")).is_err());
}
