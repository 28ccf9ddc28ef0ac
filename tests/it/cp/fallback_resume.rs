//! The file-by-file walk (the `shell` flavor: a shell but no tar) keeps hardlinks as one
//! inode like the tar path, and a continuation after a cut does not send completed files
//! again: their names travel as data on stdin, never as shell code.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;

use fake_cluster::Fault;

use super::harness::*;

fn ino(p: &std::path::Path) -> u64 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .ino()
}

/// The "N file(s), … copied; N path(s) skipped" line.
fn summary_line(err: &str) -> String {
    err.lines()
        .find(|l| l.contains(" byte(s) copied;"))
        .unwrap_or_else(|| panic!("no summary in {err}"))
        .to_owned()
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn hardlinks_in_a_tarless_container_arrive_as_one_inode() {
    require_root();
    let w = World::new("shell", "0:0");
    let root = w.rootfs().join("data");
    write(&root.join("a"), b"shared body\n");
    write(&root.join("solo"), b"solo\n");
    std::fs::create_dir_all(root.join("sub")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::hard_link(root.join("a"), root.join("sub/b")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::hard_link(root.join("a"), root.join("c")).unwrap_or_else(|e| panic!("{e}"));
    let out = w.cp("app:/data", w.local("out"), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let got = w.local("out");
    assert_eq!(ino(&got.join("a")), ino(&got.join("sub/b")), "{err}");
    assert_eq!(ino(&got.join("a")), ino(&got.join("c")), "{err}");
    assert_ne!(ino(&got.join("a")), ino(&got.join("solo")));
    assert_eq!(
        std::fs::read(got.join("sub/b")).unwrap_or_default(),
        b"shared body\n"
    );
    assert!(
        err.contains("2 file(s)") && err.contains("2 link(s)"),
        "{err}"
    );
}

/// Files with names that are shell code, or hold a newline or backslash, and enough bytes
/// that a cut lands among them.
fn plant_for_resume(w: &World) -> Vec<Vec<u8>> {
    let root = w.rootfs().join("data");
    let mut names: Vec<Vec<u8>> = Vec::new();
    for i in 0..30u32 {
        let name = match i % 5 {
            0 => format!("f{i:02}.bin"),
            1 => format!("$(touch /pwned{i}) `id`;x{i}"),
            2 => format!("line{i}\nbreak"),
            3 => format!("back\\slash{i}\\n"),
            _ => format!("-dash {i} *?[a]"),
        };
        let body: Vec<u8> = (0..20_000u32).map(|n| (n * 7 + i) as u8).collect();
        write(&root.join(&name), &body);
        names.push(name.into_bytes());
    }
    symlink("f00.bin", &root.join("link"));
    names
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_cut_walk_resumes_without_resending_completed_files_and_counts_once() {
    require_root();
    let w = World::new("shell", "0:0");
    let names = plant_for_resume(&w);
    let clean = w.cp("app:/data", w.local("clean"), &["--retries", "2"]);
    let clean_err = stderr(&clean);
    assert_eq!(clean.status.code(), Some(0), "{clean_err}");
    let full = w
        .cluster
        .execs()
        .into_iter()
        .filter(|e| e.command.join(" ").contains("find \"$@\""))
        .map(|e| e.stdout_bytes)
        .max()
        .unwrap_or_default();
    assert!(full > 500_000, "{full}");
    w.cluster.clear_log();
    w.cluster.add_faults(vec![Fault {
        command: Some("find \"$@\"".into()),
        cut_after_bytes: Some(full * 2 / 3),
        nth: Some(1),
        ..Fault::default()
    }]);
    let out = w.cp("app:/data", w.local("out"), &["--retries", "2"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("completed files are not sent again"), "{err}");
    for name in &names {
        let a = std::fs::read(w.rootfs().join("data").join(OsStr::from_bytes(name)));
        let b = std::fs::read(w.local("out").join(OsStr::from_bytes(name)));
        assert!(
            a.as_ref().ok() == b.as_ref().ok(),
            "{} differs after resume",
            String::from_utf8_lossy(name)
        );
    }
    assert_eq!(
        link_target(&w.local("out/link")),
        "f00.bin",
        "the symlink completed before the cut is kept"
    );
    assert_eq!(summary_line(&err), summary_line(&clean_err), "{err}");
    let walks: Vec<_> = w
        .cluster
        .execs()
        .into_iter()
        .filter(|e| e.command.join(" ").contains("find \"$@\""))
        .collect();
    assert_eq!(walks.len(), 2, "{walks:?}");
    let resumed = &walks[1];
    assert!(resumed.stdin_bytes > 0, "the completed names went on stdin");
    assert!(
        resumed.stdout_bytes < full / 2,
        "the continuation resent completed files: {} of {full} bytes",
        resumed.stdout_bytes
    );
    let pwned = std::fs::read_dir(w.rootfs())
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("pwned"));
    assert!(!pwned, "a name ran as shell code");
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn a_resumed_walk_keeps_hardlinks_whose_first_name_completed_before_the_cut() {
    require_root();
    let w = World::new("shell", "0:0");
    // 20 files in a/, each with a second name in b/: whichever directory the walk meets
    // first, a cut at 300 KB of ~400 KB falls before the second names of completed files.
    let root = w.rootfs().join("data");
    std::fs::create_dir_all(root.join("b")).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..20u32 {
        let body: Vec<u8> = (0..20_000u32).map(|n| (n ^ i) as u8).collect();
        write(&root.join(format!("a/f{i:02}.bin")), &body);
        std::fs::hard_link(
            root.join(format!("a/f{i:02}.bin")),
            root.join(format!("b/g{i:02}.bin")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    w.cluster.add_faults(vec![Fault {
        command: Some("find \"$@\"".into()),
        cut_after_bytes: Some(300_000),
        nth: Some(1),
        ..Fault::default()
    }]);
    let out = w.cp("app:/data", w.local("out"), &["--retries", "3"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("retry 1"), "the cut happened: {err}");
    for i in 0..20 {
        let a = w.local(&format!("out/a/f{i:02}.bin"));
        let b = w.local(&format!("out/b/g{i:02}.bin"));
        assert_eq!(
            ino(&a),
            ino(&b),
            "pair {i} is two files after the resume: {err}"
        );
        assert_eq!(std::fs::read(&a).unwrap_or_default().len(), 20_000);
    }
    assert!(err.contains("20 file(s)"), "{}", summary_line(&err));
}
