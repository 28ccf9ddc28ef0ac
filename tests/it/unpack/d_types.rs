//! Corpus group D: special files and header types (P-special).

use kubectl_dfimage::report::SkipReason::Unsupported;

use super::craft::{Hdr, Magic, Tar};
use super::world::{Node, World, file, src_opts};

#[test]
fn d1_devices_are_never_created_even_as_root() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .special("src/null", b'3')
            .special("src/sda", b'4')
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/null", Unsupported);
    run.assert_skipped("src/sda", Unsupported);
    assert!(w.tree().is_empty());
}

#[test]
fn d2_fifo_is_skipped_and_a_later_file_of_that_name_extracted() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .special("src/p", b'6')
            .file("src/p", b"content")
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/p", Unsupported);
    assert_eq!(w.tree().get("p"), Some(&file(b"content", 0o644)));
}

#[test]
fn d4_unknown_typeflags_with_bodies_are_skipped_in_sync() {
    let w = World::new();
    let mut tar = Tar::new();
    for typ in [b'X', b'A', b'8', b'9'] {
        let mut h = Hdr::new(format!("src/t{}", typ as char), typ);
        h.size = 1000;
        tar = tar.raw(h, &[typ; 1000]);
    }
    let run = w.run(&tar.file("src/after", b"after").end(), &src_opts());
    for typ in ['X', 'A', '8', '9'] {
        run.assert_skipped(&format!("src/t{typ}"), Unsupported);
    }
    assert_eq!(
        w.tree().into_iter().collect::<Vec<_>>(),
        vec![("after".into(), file(b"after", 0o644))]
    );
}

#[test]
fn d5_volume_label_is_ignored_and_multivolume_oldnames_sparse_are_skipped() {
    let w = World::new();
    let mut sparse = Hdr::new("src/sparse", b'S');
    sparse.magic = Magic::Gnu;
    sparse.patches.push((483, b"00000000000\0".to_vec())); // real size 0
    let tar = Tar::new()
        .special("volume-label", b'V')
        .special("src/multi", b'M')
        .special("src/oldname", b'N')
        .raw(sparse, b"")
        .pax(
            b'x',
            &[("GNU.sparse.major", b"1"), ("GNU.sparse.minor", b"0")],
        )
        .file("src/paxsparse", b"data")
        .file("src/after", b"after")
        .end();
    let run = w.run(&tar, &src_opts());
    assert!(run.reason("volume-label").is_none());
    for n in ["src/multi", "src/oldname", "src/sparse", "src/paxsparse"] {
        run.assert_skipped(n, Unsupported);
    }
    assert_eq!(w.tree().len(), 1);
}

#[test]
fn d6_contiguous_file_is_a_file_and_dumpdir_a_directory() {
    let w = World::new();
    let mut dump = Hdr::new("src/dumped", b'D');
    dump.size = 10;
    let mut cont = Hdr::new("src/contig", b'7');
    cont.size = 4;
    let tar = Tar::new()
        .raw(cont, b"cont")
        .raw(dump, b"Yentry\0\0\0\0")
        .file("src/dumped/in", b"in")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(w.tree().get("contig"), Some(&file(b"cont", 0o644)));
    assert!(matches!(w.tree().get("dumped"), Some(Node::Dir { .. })));
    assert_eq!(w.tree().get("dumped/in"), Some(&file(b"in", 0o644)));
}

#[test]
fn d7_global_pax_header_never_names_a_member() {
    let w = World::new();
    let tar = Tar::new()
        .pax(
            b'g',
            &[("path", b"src/../../global"), ("linkpath", b"/etc")],
        )
        .file("src/own-name", b"v")
        .end();
    let run = w.run(&tar, &src_opts());
    assert!(run.skipped.is_empty(), "{:?}", run.skipped);
    assert_eq!(w.tree().get("own-name"), Some(&file(b"v", 0o644)));
}

#[test]
fn d8_pax_before_a_long_name_applies_to_the_file() {
    let w = World::new();
    let mut h = Hdr::new("short", b'0');
    h.size = 0; // the PAX size (3) must win, not the long-name record's size
    let tar = Tar::new()
        .pax(b'x', &[("size", b"3")])
        .gnu_long(b'L', b"src/long-name")
        .raw(h, b"abc")
        .file("src/after", b"after")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(w.tree().get("long-name"), Some(&file(b"abc", 0o644)));
    assert_eq!(w.tree().get("after"), Some(&file(b"after", 0o644)));
}

#[test]
fn d9_two_pax_headers_for_one_member_are_an_error() {
    let w = World::new();
    let tar = Tar::new()
        .pax(b'x', &[("path", b"src/a")])
        .pax(b'x', &[("path", b"src/b")])
        .file("src/c", b"v")
        .end();
    let run = w.run(&tar, &src_opts());
    assert!(matches!(
        run.err(),
        kubectl_dfimage::transfer::TransferError::Archive { .. }
    ));
    assert!(w.tree().is_empty());
}

#[test]
fn d10_v7_ustar_and_gnu_headers_mix() {
    let w = World::new();
    let mut v7 = Hdr::new("src/v7file", b'0');
    v7.magic = Magic::V7;
    v7.size = 2;
    let mut v7dir = Hdr::new("src/v7dir/", b'0');
    v7dir.magic = Magic::V7;
    let mut gnu = Hdr::new("src/gnufile", b'0');
    gnu.magic = Magic::Gnu;
    gnu.size = 3;
    let tar = Tar::new()
        .raw(v7, b"v7")
        .raw(v7dir, b"")
        .raw(gnu, b"gnu")
        .file("src/ustar", b"u")
        .end();
    w.run(&tar, &src_opts()).ok();
    let tree = w.tree();
    assert_eq!(tree.get("v7file"), Some(&file(b"v7", 0o644)));
    assert!(matches!(tree.get("v7dir"), Some(Node::Dir { .. })));
    assert_eq!(tree.get("gnufile"), Some(&file(b"gnu", 0o644)));
    assert_eq!(tree.get("ustar"), Some(&file(b"u", 0o644)));
}
