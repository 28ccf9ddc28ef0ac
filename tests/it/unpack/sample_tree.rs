//! A source tree with everything a container filesystem holds (for round trips and real-tar
//! runs): modes, mtimes, empty and restrictive directories, spaces, glob characters,
//! newlines and invalid UTF-8 in names, long names and targets, symlinks (relative,
//! absolute, dangling, to a directory, chains, loops), hardlinks and a FIFO.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, File, FileTimes};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::world::{Node, node};

pub const T0: u64 = 1_500_000_000;

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn set_time(path: &Path, secs: u64) {
    if let Ok(f) = File::open(path) {
        let _ = f.set_times(
            FileTimes::new()
                .set_modified(at(secs))
                .set_accessed(at(secs)),
        );
    }
}

fn write(path: &Path, content: &[u8], mode: u32) {
    fs::write(path, content).expect("write");
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Builds the tree at `root` (which must not exist) and returns it.
pub fn build(root: &Path) -> PathBuf {
    let p = |rel: &[u8]| root.join(OsStr::from_bytes(rel));
    for dir in [
        &b""[..],
        b"empty",
        b"with space",
        b"sub",
        b"sub/deep",
        b"private",
    ] {
        fs::create_dir_all(p(dir)).expect("mkdir");
    }
    let long_dir = "d".repeat(120);
    fs::create_dir_all(root.join(&long_dir)).expect("long dir");
    write(&p(b"file.txt"), b"hello", 0o640);
    write(&p(b"exec.sh"), b"#!/bin/sh\n", 0o755);
    write(&p(b"with space/in file"), b"spaced", 0o644);
    write(&p(b"caf\xe9"), b"latin1", 0o644);
    write(&p(b"glob[1]*?:name"), b"literal", 0o644);
    write(&p(b"new\nline"), b"nl", 0o644);
    write(&p(b"sub/deep/f"), &vec![7u8; 70_000], 0o600);
    write(&root.join(&long_dir).join("n".repeat(200)), b"long", 0o644);
    write(&p(b"private/secret"), b"s", 0o600);
    write(&p(b"hard1"), b"shared inode", 0o644);
    fs::hard_link(p(b"hard1"), p(b"hard2")).expect("hardlink");
    for (name, target) in [
        (&b"rel"[..], &b"file.txt"[..]),
        (b"abs", b"/etc/passwd"),
        (b"dangling", b"nowhere/at/all"),
        (b"todir", b"sub"),
        (b"chain", b"rel"),
        (b"loop1", b"loop2"),
        (b"loop2", b"loop1"),
    ] {
        symlink(OsStr::from_bytes(target), p(name)).expect("symlink");
    }
    symlink("t".repeat(150), p(b"longtarget")).expect("long symlink");
    let fifo = std::process::Command::new("mkfifo")
        .arg(p(b"fifo"))
        .status();
    assert!(fifo.is_ok_and(|s| s.success()), "mkfifo");
    for rel in [&b"file.txt"[..], b"exec.sh", b"sub/deep/f", b"hard1"] {
        set_time(&p(rel), T0 + 10);
    }
    fs::set_permissions(p(b"private"), fs::Permissions::from_mode(0o700)).expect("chmod");
    for dir in [
        &b"empty"[..],
        b"with space",
        b"sub/deep",
        b"sub",
        b"private",
        b"",
    ] {
        set_time(&p(dir), T0 + 20);
    }
    root.to_path_buf()
}

/// Everything that must survive a copy, by relative name: node, and mtime for non-links.
pub fn listing(root: &Path) -> BTreeMap<Vec<u8>, (Node, Option<u64>)> {
    let mut map = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).expect("read_dir").flatten() {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .map(|r| r.as_os_str().as_bytes().to_vec())
                .unwrap_or_default();
            let n = node(&path);
            let mtime = fs::symlink_metadata(&path)
                .ok()
                .filter(|m| !m.file_type().is_symlink())
                .map(|m| m.mtime() as u64);
            if matches!(n, Node::Dir { .. }) {
                stack.push(path);
            }
            map.insert(rel, (n, mtime));
        }
    }
    map
}

/// The listing minus what no copy carries (the FIFO).
pub fn expected(root: &Path) -> BTreeMap<Vec<u8>, (Node, Option<u64>)> {
    let mut map = listing(root);
    map.remove(&b"fifo"[..]);
    map
}

/// Whether `a` and `b` are one inode.
pub fn same_inode(a: &Path, b: &Path) -> bool {
    let ino = |p: &Path| fs::metadata(p).map(|m| (m.dev(), m.ino())).ok();
    ino(a).is_some() && ino(a) == ino(b)
}
