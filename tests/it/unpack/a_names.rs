//! Corpus group A: names and paths.

use kubectl_dfimage::report::SkipReason::Unsafe;
use kubectl_dfimage::transfer::UnpackOptions;
use kubectl_dfimage::transfer::safe_path::NamePolicy;

use super::craft::{Hdr, Tar};
use super::world::{Node, World, file, src_opts};

#[test]
fn a1_parent_components_are_skipped() {
    let w = World::new();
    let tar = Tar::new()
        .file("src/../../escape", b"x")
        .file("src/sub/../../../escape", b"x")
        .file("../escape", b"x")
        .file("src/ok", b"ok")
        .end();
    let run = w.run(&tar, &src_opts());
    run.ok();
    for name in ["src/../../escape", "src/sub/../../../escape", "../escape"] {
        run.assert_skipped(name, Unsafe);
    }
    assert_eq!(
        w.tree().into_iter().collect::<Vec<_>>(),
        vec![("ok".into(), file(b"ok", 0o644))]
    );
    assert!(!w.w.join("escape").exists());
}

#[test]
fn a2_parent_component_that_stays_inside_is_still_skipped() {
    let w = World::new();
    let run = w.run(
        &Tar::new().dir("src/").file("src/a/../b", b"x").end(),
        &src_opts(),
    );
    run.assert_skipped("src/a/../b", Unsafe);
    assert!(w.tree().is_empty());
}

#[test]
fn a3_dot_and_empty_components_are_dropped_and_dotdot_forms_skipped() {
    let w = World::new();
    let tar = Tar::new()
        .file("src/..", b"x")
        .file("..", b"x")
        .dir("src/.")
        .file("./src/x", b"1")
        .file("src//y", b"2")
        .file("src/./z", b"3")
        .end();
    let run = w.run(&tar, &src_opts());
    run.assert_skipped("src/..", Unsafe);
    run.assert_skipped("..", Unsafe);
    let tree = w.tree();
    assert_eq!(tree.get("x"), Some(&file(b"1", 0o644)));
    assert_eq!(tree.get("y"), Some(&file(b"2", 0o644)));
    assert_eq!(tree.get("z"), Some(&file(b"3", 0o644)));
}

#[test]
fn a4_absolute_names_are_skipped() {
    let w = World::new();
    let out = w.out_str();
    let names = [
        format!("{out}/x"),
        format!("//{out}/x"),
        "/src/x".to_owned(),
    ];
    let mut tar = Tar::new();
    for n in &names {
        tar = tar.file(n, b"pwned");
    }
    let run = w.run(&tar.end(), &src_opts());
    for n in &names {
        run.assert_skipped(n, Unsafe);
    }
    assert!(w.tree().is_empty());
}

#[test]
fn a5_prefix_siblings_and_unrelated_names_are_skipped() {
    let w = World::new();
    let tar = Tar::new()
        .dir("src/")
        .file("srcX/evil", b"x")
        .file("src.bak/x", b"x")
        .file("other/x", b"x")
        .end();
    let run = w.run(&tar, &src_opts());
    for n in ["srcX/evil", "src.bak/x", "other/x"] {
        run.assert_skipped(n, Unsafe);
    }
    assert!(w.tree().is_empty(), "{:?}", w.tree());
}

#[test]
fn a6_root_file_when_a_directory_was_requested_and_empty_name_are_skipped() {
    let w = World::new();
    let opts = UnpackOptions {
        root_must_be_dir: true,
        ..src_opts()
    };
    let run = w.run(&Tar::new().file("src", b"x").file("", b"y").end(), &opts);
    run.assert_skipped("src", Unsafe);
    run.assert_skipped("", Unsafe);
    assert!(!w.dest.exists());
}

#[test]
fn a7_windows_forms_are_literal_names_on_unix() {
    let w = World::new();
    let literal = [
        "src/C:\\x",
        "src/C:x",
        "src/\\\\?\\C:\\x",
        "src/\\\\srv\\share\\x",
        "src/..\\..\\x",
    ];
    let mut tar = Tar::new();
    for n in literal.iter().chain(&["src\\..\\..\\x"]) {
        tar = tar.file(n, b"v");
    }
    let run = w.run(
        &tar.end(),
        &UnpackOptions {
            names: NamePolicy { windows: false },
            ..src_opts()
        },
    );
    run.assert_skipped("src\\\\..\\\\..\\\\x", Unsafe);
    let tree = w.tree();
    for n in literal {
        assert_eq!(
            tree.get(&n["src/".len()..]),
            Some(&file(b"v", 0o644)),
            "{n}"
        );
    }
}

#[test]
fn a7_windows_forms_are_skipped_for_a_windows_destination() {
    let w = World::new();
    let names = [
        "src/C:\\x",
        "src/C:x",
        "src/\\\\srv\\share\\x",
        "src/..\\..\\x",
        "src/CON",
        "src/a.",
    ];
    let mut tar = Tar::new();
    for n in names {
        tar = tar.file(n, b"v");
    }
    let run = w.run(
        &tar.end(),
        &UnpackOptions {
            names: NamePolicy { windows: true },
            ..src_opts()
        },
    );
    assert_eq!(run.ok().skipped_count, names.len() as u64);
    assert!(w.tree().is_empty());
}

#[test]
fn a8_gnu_long_name_with_parent_components_is_skipped() {
    let w = World::new();
    let tar = Tar::new()
        .gnu_long(b'L', b"src/../../x")
        .file("placeholder", b"pwned")
        .end();
    let run = w.run(&tar, &src_opts());
    run.assert_skipped("src/../../x", Unsafe);
    assert!(!w.w.join("x").exists());
}

#[test]
fn a9_pax_path_ustar_prefix_and_embedded_nul_are_checked_on_the_final_name() {
    let w = World::new();
    let mut prefixed = Hdr::new("x", b'0');
    prefixed.prefix = b"..".to_vec();
    prefixed.size = 5;
    let tar = Tar::new()
        .pax(b'x', &[("path", b"src/../../x")])
        .file("src/innocent", b"pwned")
        .pax(b'x', &[("path", b"src/ok\0../../x")])
        .file("src/innocent2", b"pwned")
        .raw(prefixed, b"pwned")
        .end();
    let run = w.run(&tar, &src_opts());
    run.assert_skipped("src/../../x", Unsafe);
    run.assert_skipped("src/ok\\x00../../x", Unsafe);
    run.assert_skipped("../x", Unsafe);
    assert!(w.tree().is_empty(), "{:?}", w.tree());
}

#[test]
fn a10_control_characters_and_invalid_utf8_are_kept_as_bytes() {
    let w = World::new();
    let names: [&[u8]; 4] = [
        b"src/new\nline",
        b"src/esc\x1b[31m",
        "src/bidi\u{202e}txt".as_bytes(),
        b"src/caf\xe9",
    ];
    let mut tar = Tar::new();
    for n in names {
        tar = tar.file(n, b"v");
    }
    w.run(&tar.end(), &src_opts()).ok();
    for n in names {
        let rel = std::os::unix::ffi::OsStrExt::from_bytes(&n[4..]);
        let rel: &std::ffi::OsStr = rel;
        assert_eq!(super::world::node(&w.dest.join(rel)), file(b"v", 0o644));
    }
}

#[test]
fn a10_skipped_names_are_reported_escaped() {
    let w = World::new();
    let run = w.run(
        &Tar::new().file(b"../evil\n\x1b[2J\xff", b"v").end(),
        &src_opts(),
    );
    run.assert_skipped("../evil\\n\\x1b[2J\\xff", Unsafe);
}

#[test]
fn a11_overlong_component_and_overlong_path_are_skipped() {
    let w = World::new();
    let long_component = format!("src/{}", "a".repeat(256));
    let long_path = format!("src/{}f", "d/".repeat(2100));
    let tar = Tar::new()
        .gnu_long(b'L', long_component.as_bytes())
        .file("x1", b"v")
        .gnu_long(b'L', long_path.as_bytes())
        .file("x2", b"v")
        .file("src/fine", b"v")
        .end();
    let run = w.run(&tar, &src_opts());
    assert_eq!(run.ok().skipped_count, 2);
    assert!(run.skipped.iter().all(|s| s.reason == Unsafe));
    assert_eq!(w.tree().len(), 1);
}

#[test]
fn a12_deep_nesting_is_extracted_without_recursion() {
    let w = World::new();
    let deep = format!("src/{}f", "d/".repeat(1000));
    let tar = Tar::new()
        .gnu_long(b'L', deep.as_bytes())
        .file("x", b"deep")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(
        super::world::node(&w.dest.join(&deep[4..])),
        file(b"deep", 0o644)
    );
}

#[test]
fn a13_same_name_twice_last_wins() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .file("src/f", b"first")
            .file("src/f", b"second")
            .end(),
        &src_opts(),
    );
    assert_eq!(run.ok().replaced, 1);
    assert_eq!(w.tree().get("f"), Some(&file(b"second", 0o644)));
}

#[test]
fn a14_file_never_replaces_a_directory() {
    let w = World::new();
    let run = w.run(
        &Tar::new()
            .dir("src/x/")
            .file("src/x/keep", b"k")
            .file("src/x", b"file")
            .end(),
        &src_opts(),
    );
    run.assert_skipped("src/x", Unsafe);
    assert!(matches!(w.tree().get("x"), Some(Node::Dir { .. })));
    assert_eq!(w.tree().get("x/keep"), Some(&file(b"k", 0o644)));
}

#[test]
fn a15_directory_replaces_a_file() {
    let w = World::new();
    w.run(
        &Tar::new()
            .file("src/x", b"file")
            .dir("src/x/")
            .file("src/x/y", b"y")
            .end(),
        &src_opts(),
    )
    .ok();
    assert!(matches!(w.tree().get("x"), Some(Node::Dir { .. })));
    assert_eq!(w.tree().get("x/y"), Some(&file(b"y", 0o644)));
}

#[test]
fn a15_implicit_parent_never_replaces_a_file() {
    let w = World::new().with_dest_dir();
    std::fs::write(w.d("x"), b"user's file").ok();
    let run = w.run(&Tar::new().file("src/x/y", b"y").end(), &src_opts());
    run.assert_skipped("src/x/y", kubectl_dfimage::report::SkipReason::Io);
    assert_eq!(w.tree().get("x"), Some(&file(b"user's file", 0o644)));
}
