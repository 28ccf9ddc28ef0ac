//! How a remote glob picks file or directory DEST (like cp(1)): one match onto a missing or
//! file DEST is copied AS it, several go inside; escaped glob characters are literal; a
//! glob in a missing directory is an error at once.

use super::harness::*;

fn plant(w: &World) {
    let root = w.rootfs();
    write(&root.join("data/a.txt"), b"a\n");
    write(&root.join("data/b[1].txt"), b"bracket\n");
    write(&root.join("data/x.log"), b"x\n");
    write(&root.join("data/y.log"), b"y\n");
    write(&root.join("d3/*star"), b"star\n");
    write(&root.join("d3/other"), b"other\n");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_glob_with_one_match_is_copied_as_a_missing_or_file_dest() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant(&w);
    let out = w.cp("app:/data/a.t?t", w.local("q.txt"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(w.local("q.txt")).unwrap_or_default(), b"a\n");
    // onto an existing file: replaced, still a file
    write(&w.local("f.txt"), b"old\n");
    let out = w.cp("app:/data/a.t?t", w.local("f.txt"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(w.local("f.txt")).unwrap_or_default(), b"a\n");
    // a literal name holding glob characters is its own single match
    let out = w.cp("app:/data/b[1].txt", w.local("b.txt"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.local("b.txt")).unwrap_or_default(),
        b"bracket\n"
    );
    // `DEST/` asks for a directory: created, the match inside
    let out = w.cp(
        "app:/data/a.t?t",
        format!("{}/", w.local("new").display()),
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.local("new/a.txt")).unwrap_or_default(),
        b"a\n"
    );
    // into an existing directory it goes inside
    std::fs::create_dir(w.local("dir")).unwrap_or_else(|e| panic!("{e}"));
    let out = w.cp("app:/data/a.t?t", w.local("dir"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.local("dir/a.txt")).unwrap_or_default(),
        b"a\n"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn several_matches_go_inside_and_refuse_a_file_dest() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant(&w);
    let out = w.cp("app:/data/*.log", w.local("logs"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.local("logs/x.log")).unwrap_or_default(),
        b"x\n"
    );
    assert_eq!(
        std::fs::read(w.local("logs/y.log")).unwrap_or_default(),
        b"y\n"
    );
    write(&w.local("file"), b"keep\n");
    let out = w.cp("app:/data/*.log", w.local("file"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("several entries onto a file"), "{err}");
    assert_eq!(
        std::fs::read(w.local("file")).unwrap_or_default(),
        b"keep\n"
    );
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn an_escaped_glob_character_matches_the_literal_name() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant(&w);
    let out = w.cp("app:/d3/\\*star", w.local("s"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read(w.local("s")).unwrap_or_default(), b"star\n");
    let out = w.cp("app:/d3/\\*nope", w.local("n"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("/d3/\\*nope"), "{err}");
    assert!(!err.contains("\\\\"), "the backslash is shown once: {err}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_glob_in_a_missing_directory_is_one_clear_error_without_retries() {
    require_root();
    let w = World::new("gnu", "0:0");
    plant(&w);
    let out = w.cp("app:/nope/*.log", w.local("out"), &["--retries", "3"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no such directory in the container: /nope"),
        "{err}"
    );
    assert!(!err.contains("retry"), "{err}");
    assert!(!err.contains("can't cd"), "{err}");
    assert!(w.execs_containing("cf -").is_empty(), "no copy ran");
}

#[test]
fn cp_help_says_globs_are_expanded_by_the_containers_sh_like_the_notice() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-dfimage"))
        .args(["cp", "--help"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("expanded by the container's sh"), "{help}");
    assert!(!help.contains("never by a shell"), "{help}");
}

/// Thousands of matches expand in one step: appending them one at a time took the shell
/// over a minute for 8 000 names, past the idle timeout, so the copy failed as stalled.
fn many_matches_arrive(flavor: &str) {
    require_root();
    let w = World::new(flavor, "0:0");
    let dir = w.rootfs().join("many");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..8000 {
        std::fs::write(dir.join(format!("f{i:05}.log")), b"x").unwrap_or_else(|e| panic!("{e}"));
    }
    let out = w.cp("app:/many/f*", w.local("out"), &["--idle-timeout", "20s"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let got = std::fs::read_dir(w.local("out"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(got, 8000, "{err}");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_glob_with_thousands_of_matches_is_copied_through_tar() {
    many_matches_arrive("gnu");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_glob_with_thousands_of_matches_is_copied_through_the_walk() {
    many_matches_arrive("shell");
}

/// `pod:/d/dirlink/` follows the link like `cp -a dirlink/ D`: the directory it points to
/// arrives under the link's name (real files, not a link), and `dirlink` without the slash
/// stays a symlink.
fn a_trailing_slash_follows(flavor: &str) {
    require_root();
    let w = World::new(flavor, "0:0");
    let root = w.rootfs().join("data");
    write(&root.join("sub/one.txt"), b"1\n");
    write(&root.join("sub/deeper/two.txt"), b"2\n");
    symlink("sub", &root.join("dirlink"));
    let out = w.cp("app:/data/dirlink/", w.local("missing"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(w.local("missing/one.txt")).unwrap_or_default(),
        b"1\n"
    );
    std::fs::create_dir_all(w.local("into")).unwrap_or_else(|e| panic!("{e}"));
    let out = w.cp("app:/data/dirlink/", w.local("into"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let landed = w.local("into/dirlink");
    assert!(
        landed.symlink_metadata().is_ok_and(|m| m.is_dir()),
        "a real directory"
    );
    assert_eq!(
        std::fs::read(landed.join("deeper/two.txt")).unwrap_or_default(),
        b"2\n"
    );
    let out = w.cp("app:/data/dirlink", w.local("link"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(link_target(&w.local("link")), "sub");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_trailing_slash_on_a_symlink_to_a_directory_copies_the_directory_through_tar() {
    a_trailing_slash_follows("gnu");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_trailing_slash_on_a_symlink_to_a_directory_copies_the_directory_through_the_walk() {
    a_trailing_slash_follows("shell");
}
