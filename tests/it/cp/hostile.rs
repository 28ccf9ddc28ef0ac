//! A container whose `tar` is hostile: the rootfs's `tar` is replaced by a shell script that
//! answers the flavor probe with the real GNU tar and otherwise `cat`s an archive of the attack
//! corpus (tar-attack-corpus.md, built by `unpack/craft.rs`), so the whole path — exec
//! WebSocket, bridge, unpacker, outcome, exit code, stderr — sees the malicious bytes. Each case
//! proves: nothing outside LOCAL is created or changed (a snapshot of the scratch folder minus
//! LOCAL, with canaries a link could aim at), nothing is written through a symlink, the exit
//! code is right and stderr names each skipped entry once. The unpacker alone is tested case by
//! case in `tests/it/unpack/`; this file does not repeat every variant, only each group's
//! representative attacks end to end.

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Output;

use super::harness::*;

// The corpus writer of tests/it/unpack, compiled a second time here: `unpack` keeps it private.
#[path = "../unpack/craft.rs"]
#[expect(
    dead_code,
    clippy::duplicate_mod,
    reason = "the corpus writer is shared with tests/it/unpack, which uses all of it"
)]
mod craft;

/// What a node of the scratch folder looked like (type, content or target, mode, inode, mtime,
/// link count): any change outside LOCAL shows up as a difference.
type Snapshot = BTreeMap<Vec<u8>, (String, Vec<u8>, u32, u64, i64, u64)>;

/// A one-pod fake cluster whose container `tar` emits `archive`, and a scratch folder with
/// canaries in `outside/` next to the destination `D`.
pub(super) struct Hostile {
    pub w: World,
    pub outside: PathBuf,
    before: Snapshot,
}

impl Hostile {
    /// Plants `archive` as what the container's `tar cf` prints.
    pub fn new(archive: &[u8]) -> Self {
        let w = World::new("gnu", "0:0");
        plant_hostile_tar(&w.rootfs(), archive);
        let outside = w.local("outside");
        write(&outside.join("canary"), b"canary");
        write(&outside.join("dir/inner"), b"inner");
        std::fs::hard_link(outside.join("canary"), outside.join("hl"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut h = Self {
            w,
            outside,
            before: Snapshot::new(),
        };
        h.before = h.snapshot();
        h
    }

    /// `@OUT@`: the canary folder's absolute path.
    pub fn out(&self) -> String {
        self.outside.display().to_string()
    }

    /// The destination LOCAL.
    pub fn dest(&self) -> PathBuf {
        self.w.local("D")
    }

    /// Re-takes the "before" snapshot after the test planted something in LOCAL.
    pub fn rebaseline(&mut self) {
        self.before = self.snapshot();
    }

    /// `cp app:/case/src D EXTRA…`, then checks that nothing outside D changed.
    pub fn copy(&self, extra: &[&str]) -> Output {
        let out = self.w.cp("app:/case/src", self.dest(), extra);
        self.assert_outside_unchanged(&out);
        out
    }

    /// Replaces what the container's `tar cf` prints.
    pub fn plant(&self, archive: &[u8]) {
        write(&self.w.rootfs().join("hostile.tar"), archive);
    }

    /// `cp app:/case/src DEST EXTRA…` into a fresh `dest`, then checks that nothing but `dest`
    /// changed in the scratch folder (canaries and earlier destinations included).
    pub fn copy_into(&self, dest: &Path, extra: &[&str]) -> (Output, Option<String>) {
        let before = self.snapshot_except(dest);
        let out = self.w.cp("app:/case/src", dest, extra);
        let changed = (before != self.snapshot_except(dest)).then(|| {
            format!(
                "something outside {} was created or changed",
                dest.display()
            )
        });
        (out, changed)
    }

    fn snapshot(&self) -> Snapshot {
        self.snapshot_except(&self.dest())
    }

    fn snapshot_except(&self, dest: &Path) -> Snapshot {
        let mut snap = Snapshot::new();
        let root = self.w.local.path();
        walk_except(root, root, dest, &mut snap);
        snap
    }

    #[track_caller]
    fn assert_outside_unchanged(&self, out: &Output) {
        assert_eq!(
            self.before,
            self.snapshot(),
            "something outside LOCAL was created or changed; stderr:\n{}",
            stderr(out)
        );
    }
}

/// Replaces the container's `tar` with a script: the flavor probe (`--help`, `--version`)
/// still reaches the real GNU tar, every other call prints `/hostile.tar`. The original is
/// unlinked first, never written through (it may share an inode with another file).
pub(super) fn plant_hostile_tar(rootfs: &Path, archive: &[u8]) {
    wrap_tar(
        rootfs,
        b"#!/bin/sh\ncase \"$1\" in --help|--version) exec /usr/bin/tar.real \"$@\";; esac\nexec cat /hostile.tar\n",
    );
    write(&rootfs.join("hostile.tar"), archive);
    std::fs::create_dir_all(rootfs.join("case/src")).unwrap_or_else(|e| panic!("{e}"));
}

fn walk_except(root: &Path, dir: &Path, skip: &Path, snap: &mut Snapshot) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in read.flatten() {
        let path = entry.path();
        if path == skip {
            continue;
        }
        let meta = std::fs::symlink_metadata(&path).unwrap_or_else(|e| panic!("{e}"));
        let rel = path
            .strip_prefix(root)
            .map(|r| r.as_os_str().as_bytes().to_vec())
            .unwrap_or_default();
        let (kind, body) = if meta.file_type().is_symlink() {
            let t = std::fs::read_link(&path).unwrap_or_default();
            ("link", t.as_os_str().as_bytes().to_vec())
        } else if meta.is_dir() {
            ("dir", Vec::new())
        } else if meta.is_file() {
            ("file", std::fs::read(&path).unwrap_or_default())
        } else {
            ("other", Vec::new())
        };
        snap.insert(
            rel,
            (
                kind.to_owned(),
                body,
                meta.mode(),
                meta.ino(),
                meta.mtime(),
                meta.nlink(),
            ),
        );
        if meta.is_dir() {
            walk_except(root, &path, skip, snap);
        }
    }
}

/// Asserts stderr has exactly one `skipped: NAME: REASON` line for `name`.
#[track_caller]
pub(super) fn assert_skipped_once(out: &Output, name: &str, reason: &str) {
    let err = stderr(out);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| {
            l.starts_with("skipped: ")
                && l.trim_start_matches("skipped: ")
                    .trim_start_matches("./")
                    .starts_with(&format!("{name}: "))
        })
        .collect();
    assert_eq!(lines.len(), 1, "one skip line for {name}:\n{err}");
    assert!(
        lines[0].contains(reason),
        "{name} skipped as {reason}:\n{err}"
    );
}

#[track_caller]
fn assert_code(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
}

fn lexists(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok()
}

/// Blocks allocated under `dir` (bytes), links not followed.
fn walk_sizes(dir: &Path) -> u64 {
    let Ok(read) = std::fs::read_dir(dir) else {
        return 0;
    };
    read.flatten()
        .map(|e| {
            let m = std::fs::symlink_metadata(e.path()).unwrap_or_else(|err| panic!("{err}"));
            m.blocks() * 512 + if m.is_dir() { walk_sizes(&e.path()) } else { 0 }
        })
        .sum()
}

mod cases;
mod table;
