//! The corpus harness (tar-attack-corpus.md §4): a work dir `W` with canaries in `W/outside`
//! (`@OUT@`) and the destination `W/D`. Everything in `W` except `D` is snapshotted before and
//! after each run (names, types, sizes, modes, mtimes, inodes, contents) and must not change.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use kubectl_dfimage::report::{Recording, SkipReason, Skipped};
use kubectl_dfimage::transfer::{TransferError, UnpackOptions, UnpackSummary, unpack};

/// One node of a tree listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Dir { mode: u32 },
    File { mode: u32, content: Vec<u8> },
    Link { target: Vec<u8> },
    Other,
}

type Snapshot = BTreeMap<Vec<u8>, (Node, u64, i64, u64)>;

pub struct World {
    _tmp: tempfile::TempDir,
    pub w: PathBuf,
    pub out: PathBuf,
    pub dest: PathBuf,
    before: Snapshot,
}

pub struct Run {
    pub result: Result<UnpackSummary, TransferError>,
    pub skipped: Vec<Skipped>,
    pub warnings: Vec<String>,
}

impl Run {
    #[track_caller]
    pub fn ok(&self) -> &UnpackSummary {
        match &self.result {
            Ok(s) => s,
            Err(e) => panic!("unpack failed: {e} ({e:?})"),
        }
    }
    #[track_caller]
    pub fn err(&self) -> &TransferError {
        match &self.result {
            Ok(s) => panic!("unpack succeeded but should not have: {s:?}"),
            Err(e) => e,
        }
    }
    pub fn reason(&self, path: &str) -> Option<SkipReason> {
        self.skipped
            .iter()
            .find(|s| s.path == path)
            .map(|s| s.reason)
    }
    #[track_caller]
    pub fn assert_skipped(&self, path: &str, reason: SkipReason) {
        assert_eq!(
            self.reason(path),
            Some(reason),
            "skips were {:#?}",
            self.skipped
        );
        assert_eq!(
            self.skipped.iter().filter(|s| s.path == path).count(),
            1,
            "{path} reported more than once"
        );
    }
}

impl World {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let w = tmp.path().canonicalize().expect("canonical tempdir");
        let out = w.join("outside");
        fs::create_dir_all(out.join("dir")).expect("outside dir");
        fs::write(out.join("canary"), b"canary").expect("canary");
        fs::write(out.join("dir/inner"), b"inner").expect("inner");
        fs::hard_link(out.join("canary"), out.join("hl")).expect("hardlinked canary");
        let dest = w.join("D");
        let before = snapshot_except(&w, &dest);
        Self {
            _tmp: tmp,
            w,
            out,
            dest,
            before,
        }
    }

    /// `W/D` exists before the copy (it is then the mapped root itself).
    pub fn with_dest_dir(mut self) -> Self {
        fs::create_dir(&self.dest).expect("dest");
        self.before = snapshot_except(&self.w, &self.dest);
        self
    }

    pub fn out_str(&self) -> String {
        self.out.to_str().expect("utf-8 temp path").to_owned()
    }

    pub fn run(&self, stream: &[u8], opts: &UnpackOptions) -> Run {
        let rec = Recording::default();
        let result = unpack(stream, &self.dest, opts, &rec);
        let run = Run {
            result,
            skipped: rec.skipped_paths(),
            warnings: rec.warnings(),
        };
        self.assert_outside_unchanged();
        run
    }

    #[track_caller]
    pub fn assert_outside_unchanged(&self) {
        let after = snapshot_except(&self.w, &self.dest);
        assert_eq!(
            self.before, after,
            "something outside the destination changed"
        );
    }

    /// The destination's tree, by relative name.
    pub fn tree(&self) -> BTreeMap<String, Node> {
        let mut map = BTreeMap::new();
        if fs::symlink_metadata(&self.dest).is_ok() {
            walk(&self.dest, &self.dest, &mut |rel, path| {
                map.insert(String::from_utf8_lossy(rel).into_owned(), node(path));
            });
        }
        map
    }

    pub fn d(&self, rel: &str) -> PathBuf {
        self.dest.join(rel)
    }
}

pub fn src_opts() -> UnpackOptions {
    UnpackOptions {
        path_prefix: Some("src".into()),
        track_resume: true,
        ..UnpackOptions::default()
    }
}

pub fn node(path: &Path) -> Node {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Node::Other;
    };
    let mode = meta.mode() & 0o7777;
    if meta.file_type().is_symlink() {
        Node::Link {
            target: fs::read_link(path)
                .map(|t| t.as_os_str().as_bytes().to_vec())
                .unwrap_or_default(),
        }
    } else if meta.is_dir() {
        Node::Dir { mode }
    } else if meta.is_file() {
        Node::File {
            mode,
            content: fs::read(path).unwrap_or_default(),
        }
    } else {
        Node::Other
    }
}

pub fn file(content: &[u8], mode: u32) -> Node {
    Node::File {
        mode,
        content: content.to_vec(),
    }
}

pub fn link(target: &str) -> Node {
    Node::Link {
        target: target.as_bytes().to_vec(),
    }
}

fn walk(root: &Path, dir: &Path, f: &mut dyn FnMut(&[u8], &Path)) {
    let Ok(read) = fs::read_dir(dir) else { return };
    for entry in read.flatten() {
        let path = entry.path();
        let rel = path
            .strip_prefix(root)
            .map(|r| r.as_os_str().as_bytes().to_vec())
            .unwrap_or_default();
        f(&rel, &path);
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(root, &path, f);
        }
    }
}

fn snapshot_except(w: &Path, dest: &Path) -> Snapshot {
    let mut snap = Snapshot::new();
    walk_except(w, w, dest, &mut snap);
    snap
}

fn walk_except(root: &Path, dir: &Path, skip: &Path, snap: &mut Snapshot) {
    let Ok(read) = fs::read_dir(dir) else { return };
    for entry in read.flatten() {
        let path = entry.path();
        if path == skip {
            continue;
        }
        let meta = fs::symlink_metadata(&path).expect("lstat");
        let rel = path
            .strip_prefix(root)
            .map(|r| r.as_os_str().as_bytes().to_vec())
            .unwrap_or_default();
        snap.insert(rel, (node(&path), meta.ino(), meta.mtime(), meta.nlink()));
        if meta.is_dir() {
            walk_except(root, &path, skip, snap);
        }
    }
}
