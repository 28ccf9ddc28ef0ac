//! Corpus group B: symlinks (P-sym) — kept verbatim, created last, never followed.

use kubectl_dfimage::report::SkipReason::Unsafe;

use super::craft::{Hdr, Tar};
use super::world::{Node, World, file, link, src_opts};

#[test]
fn b1_link_to_outside_is_kept_and_never_written_through() {
    let w = World::new();
    let out = w.out_str();
    let run = w.run(
        &Tar::new()
            .symlink("src/l", &out)
            .file("src/l/canary", b"pwned")
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/l/canary", Unsafe);
    assert_eq!(w.tree().get("l"), Some(&link(&out)));
    assert_eq!(run.ok().escaping_links, vec![format!("src/l -> {out}")]);
}

#[test]
fn b2_links_to_parent_root_and_self_are_kept_and_never_written_through() {
    for target in ["../../outside", "..", "/", "."] {
        let w = World::new();
        let run = w.run(
            &Tar::new()
                .symlink("src/l", target)
                .file("src/l/x", b"pwned")
                .end(),
            &src_opts(),
        );
        run.assert_skipped("src/l/x", Unsafe);
        assert_eq!(w.tree().get("l"), Some(&link(target)), "{target}");
        assert_eq!(w.tree().len(), 1, "{target}: {:?}", w.tree());
        assert_eq!(
            run.ok().escaping_links.len(),
            usize::from(target != "."),
            "{target}"
        );
    }
}

#[test]
fn b3_cve_2019_11251_two_link_chain_is_kept_and_classified_link_by_link() {
    let w = World::new();
    let tar = Tar::new()
        .symlink("src/a/b/c/x", "../../..")
        .symlink("src/y", "a/b/c/x/../../..")
        .file("src/y/pwned", b"pwned")
        .end();
    let run = w.run(&tar, &src_opts());
    run.assert_skipped("src/y/pwned", Unsafe);
    let tree = w.tree();
    assert_eq!(tree.get("a/b/c/x"), Some(&link("../../..")));
    assert_eq!(tree.get("y"), Some(&link("a/b/c/x/../../..")));
    assert_eq!(
        run.ok().escaping_links,
        vec!["src/y -> a/b/c/x/../../..".to_owned()]
    );
}

#[test]
fn b4_link_never_replaces_a_directory() {
    let w = World::new();
    let out = w.out_str();
    let run = w.run(
        &Tar::new()
            .dir("src/d/")
            .file("src/d/f", b"f")
            .symlink("src/d", &out)
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/d", Unsafe);
    assert!(matches!(w.tree().get("d"), Some(Node::Dir { .. })));
    assert_eq!(w.tree().get("d/f"), Some(&file(b"f", 0o644)));
}

#[test]
fn b5_file_link_file_sequence_ends_as_a_new_file() {
    let w = World::new();
    let target = format!("{}/canary", w.out_str());
    let tar = Tar::new()
        .file("src/f", b"one")
        .symlink("src/f", &target)
        .file("src/f", b"three")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(w.tree().get("f"), Some(&file(b"three", 0o644)));
}

#[test]
fn b5_file_replaced_by_a_link_becomes_the_link() {
    let w = World::new();
    let target = format!("{}/canary", w.out_str());
    let run = w.run(
        &Tar::new()
            .file("src/f", b"one")
            .symlink("src/f", &target)
            .end(),
        &src_opts(),
    );
    assert_eq!(w.tree().get("f"), Some(&link(&target)));
    assert_eq!(run.ok().symlinks, 1);
}

#[test]
fn b6_parents_are_never_symlinks_even_inside() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .symlink("src/p", "sub")
            .dir("src/sub/")
            .file("src/p/q", b"q")
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/p/q", Unsafe);
    assert_eq!(w.tree().get("p"), Some(&link("sub")));
    assert!(!w.d("sub/q").exists());
}

#[test]
fn b7_loops_are_kept_dangling_and_not_followed() {
    let w = World::new();
    let tar = Tar::new()
        .symlink("src/a", "b")
        .symlink("src/b", "a")
        .symlink("src/c", "c")
        .file("src/a/x", b"x")
        .end();
    let run = w.run(&tar, &src_opts());
    run.assert_skipped("src/a/x", Unsafe);
    let tree = w.tree();
    assert_eq!(
        (tree.get("a"), tree.get("b"), tree.get("c")),
        (Some(&link("b")), Some(&link("a")), Some(&link("c")))
    );
    assert!(run.ok().escaping_links.is_empty());
}

#[test]
fn b8_empty_nul_and_overlong_targets_are_skipped() {
    let w = World::new();
    let long = "t".repeat(5000);
    let tar = Tar::new()
        .symlink("src/empty", "")
        .pax(b'x', &[("linkpath", b"a\0b")])
        .symlink("src/nul", "placeholder")
        .pax(b'x', &[("linkpath", long.as_bytes())])
        .symlink("src/long", "placeholder")
        .end();
    let run = w.run(&tar, &src_opts());
    for n in ["src/empty", "src/nul", "src/long"] {
        run.assert_skipped(n, Unsafe);
    }
    assert!(w.tree().is_empty());
}

#[test]
fn b9_root_entry_that_is_a_link_becomes_the_destination_like_cp_p() {
    let w = World::new();
    let out = w.out_str();
    let run = w.run(
        &Tar::new()
            .symlink("src", &out)
            .file("src/x", b"pwned")
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/x", Unsafe);
    assert_eq!(super::world::node(&w.dest), link(&out));
    assert_eq!(run.ok().escaping_links.len(), 1);
}

#[test]
fn b10_symlink_with_a_body_keeps_the_stream_in_sync() {
    let w = World::new();
    let mut h = Hdr::new("src/l", b'2');
    h.link = b"target".to_vec();
    h.size = 700;
    let tar = Tar::new()
        .raw(h, &[b'Z'; 700])
        .file("src/after", b"after")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(w.tree().get("l"), Some(&link("target")));
    assert_eq!(w.tree().get("after"), Some(&file(b"after", 0o644)));
}

#[test]
fn symlinks_to_dirs_chains_and_dangling_targets_are_preserved() {
    let w = World::new();
    let tar = Tar::new()
        .dir("src/real/")
        .file("src/real/f", b"f")
        .symlink("src/to-dir", "real")
        .symlink("src/chain1", "chain2")
        .symlink("src/chain2", "real/f")
        .symlink("src/dangling", "nowhere/at/all")
        .symlink("src/abs", "/etc/passwd")
        .end();
    let run = w.run(&tar, &src_opts());
    let tree = w.tree();
    assert_eq!(tree.get("to-dir"), Some(&link("real")));
    assert_eq!(tree.get("chain1"), Some(&link("chain2")));
    assert_eq!(tree.get("chain2"), Some(&link("real/f")));
    assert_eq!(tree.get("dangling"), Some(&link("nowhere/at/all")));
    assert_eq!(tree.get("abs"), Some(&link("/etc/passwd")));
    assert_eq!(std::fs::read(w.d("chain1")).ok(), Some(b"f".to_vec()));
    assert_eq!(run.ok().symlinks, 5);
    assert_eq!(
        run.ok().escaping_links,
        vec!["src/abs -> /etc/passwd".to_owned()]
    );
}
