//! Corpus group I: what already exists in the destination.

use std::os::unix::fs::symlink;

use kubectl_dfimage::report::SkipReason::Unsafe;

use super::craft::Tar;
use super::world::{Node, World, file, link, src_opts};

#[test]
fn i1_existing_symlinked_directory_is_never_entered() {
    let w = World::new().with_dest_dir();
    symlink(&w.out, w.d("sub")).ok();
    let run = w.run(&Tar::new().file("src/sub/x", b"pwned").end(), &src_opts());
    run.assert_skipped("src/sub/x", Unsafe);
    assert_eq!(w.tree().get("sub"), Some(&link(&w.out_str())));
}

#[test]
fn i2_existing_symlink_is_replaced_by_the_file_not_written_through() {
    let w = World::new().with_dest_dir();
    symlink(w.out.join("canary"), w.d("f")).ok();
    w.run(&Tar::new().file("src/f", b"new").end(), &src_opts())
        .ok();
    assert_eq!(w.tree().get("f"), Some(&file(b"new", 0o644)));
}

#[test]
fn i2_existing_dangling_symlink_is_replaced_not_created_through() {
    let w = World::new().with_dest_dir();
    symlink(w.out.join("would-be-created"), w.d("f")).ok();
    w.run(&Tar::new().file("src/f", b"new").end(), &src_opts())
        .ok();
    assert!(!w.out.join("would-be-created").exists());
    assert_eq!(w.tree().get("f"), Some(&file(b"new", 0o644)));
}

#[test]
fn i3_existing_file_hardlinked_outside_is_replaced_not_truncated() {
    let w = World::new();
    std::fs::create_dir(&w.dest).ok();
    std::fs::hard_link(w.out.join("canary"), w.d("f")).ok();
    w.run(&Tar::new().file("src/f", b"new").end(), &src_opts())
        .ok();
    assert_eq!(
        std::fs::read(w.out.join("canary")).ok(),
        Some(b"canary".to_vec())
    );
    assert_eq!(w.tree().get("f"), Some(&file(b"new", 0o644)));
}

#[test]
fn i4_existing_fifo_is_replaced_without_being_opened() {
    let w = World::new().with_dest_dir();
    let made = std::process::Command::new("mkfifo").arg(w.d("p")).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    w.run(&Tar::new().file("src/p", b"data").end(), &src_opts())
        .ok();
    assert_eq!(w.tree().get("p"), Some(&file(b"data", 0o644)));
}

#[test]
fn i5_destination_given_as_a_symlink_is_followed_once() {
    let w = World::new();
    let real = w.w.join("real-dest");
    std::fs::create_dir(&real).ok();
    symlink(&real, &w.dest).ok();
    let rec = kubectl_dfimage::report::Recording::default();
    let result = kubectl_dfimage::transfer::unpack(
        &Tar::new().file("src/f", b"f").end()[..],
        &w.dest,
        &src_opts(),
        &rec,
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(std::fs::read(real.join("f")).ok(), Some(b"f".to_vec()));
    assert!(matches!(super::world::node(&w.dest), Node::Link { .. }));
}
