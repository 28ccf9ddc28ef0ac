//! A real container tree — Debian bookworm minbase, debootstrapped by the world — copied
//! whole out of a pod (`cp POD:/ DEST`) whose exec runs the tree's own tar, bash and
//! coreutils. As root every entry arrives as it is (type, permission bits, mtime, symlink
//! target, bytes, hardlinks); as uid 1000 exactly the paths that user cannot read are
//! missing, each one listed in `--error-log`, and the copy says partial. The real `kubectl cp`
//! on the same pod is the contrast: it drops every symlink and exits 0 though files are missing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fake_cluster::{FakeCluster, Scenario};
use sha2::{Digest, Sha256};

use super::world::world;

/// What a copy must keep of one entry. Setuid, setgid and sticky bits are dropped on
/// download by design, so only the permission bits are compared.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    kind: &'static str,
    perms: u32,
    mtime: i64,
    target: Option<PathBuf>,
    sha256: Option<Vec<u8>>,
    /// How many names the entry's inode has inside the tree.
    names: usize,
}

/// Every entry under `root` except the virtual filesystems a copy of `/` skips.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Entry> {
    let mut inodes: HashMap<(u64, u64), usize> = HashMap::new();
    let mut raw = Vec::new();
    let walk = walkdir::WalkDir::new(root).min_depth(1).into_iter();
    for e in walk.filter_entry(|e| {
        e.depth() != 1 || !matches!(e.file_name().to_str(), Some("proc" | "sys" | "dev"))
    }) {
        let e = e.unwrap_or_else(|e| panic!("{e}"));
        let meta = e
            .path()
            .symlink_metadata()
            .unwrap_or_else(|e| panic!("{e}"));
        *inodes.entry((meta.dev(), meta.ino())).or_default() += 1;
        raw.push((e.path().to_owned(), meta));
    }
    raw.into_iter()
        .map(|(path, meta)| {
            let ft = meta.file_type();
            let kind = if ft.is_symlink() {
                "symlink"
            } else if ft.is_dir() {
                "dir"
            } else if ft.is_file() {
                "file"
            } else {
                "special"
            };
            let entry = Entry {
                kind,
                perms: if ft.is_symlink() {
                    0
                } else {
                    meta.mode() & 0o777
                },
                mtime: if ft.is_symlink() { 0 } else { meta.mtime() },
                target: ft
                    .is_symlink()
                    .then(|| std::fs::read_link(&path).unwrap_or_default()),
                sha256: ft.is_file().then(|| {
                    Sha256::digest(std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"))).to_vec()
                }),
                names: if ft.is_file() {
                    inodes[&(meta.dev(), meta.ino())]
                } else {
                    1
                },
            };
            let rel = path.strip_prefix(root).unwrap_or(&path).to_owned();
            (rel, entry)
        })
        .collect()
}

/// The world's Debian tree, copied so that the fake cluster's base layout (device nodes,
/// /etc/hostname) lands in this test's copy only.
fn debian_pods() -> (tempfile::TempDir, PathBuf, FakeCluster) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rootfs = dir.path().join("rootfs");
    let status = Command::new("cp")
        .arg("-a")
        .arg(world().var("WORLD_DEBIAN_ROOTFS"))
        .arg(&rootfs)
        .status()
        .unwrap_or_else(|e| panic!("cp -a: {e}"));
    assert!(status.success(), "copying the Debian tree");
    let yaml = format!(
        "nodes: [{{name: node-1, os: linux, arch: amd64}}]
pods:
  - name: deb-root
    node: node-1
    containers: [{{name: main, image: debian:bookworm, rootfs: {r}, flavor: gnu, user: \"0:0\"}}]
  - name: deb-user
    node: node-1
    containers: [{{name: main, image: debian:bookworm, rootfs: {r}, flavor: gnu, user: \"1000:1000\"}}]
",
        r = rootfs.display()
    );
    let scenario = Scenario::parse(&yaml, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let cluster = FakeCluster::start(scenario).unwrap_or_else(|e| panic!("{e}"));
    (dir, rootfs, cluster)
}

fn ours(cluster: &FakeCluster, args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-dfimage"))
        .arg("cp")
        .args(args)
        .env("KUBECONFIG", cluster.kubeconfig_path())
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn kubectl_cp(cluster: &FakeCluster, src: &str, dest: &Path, cache: &Path) -> Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig_path())
        .arg("--cache-dir")
        .arg(cache)
        .arg("cp")
        .arg(src)
        .arg(dest)
        .env_remove("KUBECONFIG")
        .env_remove("HTTPS_PROXY")
        .env_remove("https_proxy")
        .env_remove("KUBECTL_REMOTE_COMMAND_WEBSOCKETS")
        .output()
        .unwrap_or_else(|e| panic!("kubectl: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
#[ignore = "needs e2e world: tests/e2e/world.sh up"]
fn a_debian_root_arrives_whole_as_root_and_minus_exactly_what_uid_1000_cannot_read() {
    let (dir, rootfs, cluster) = debian_pods();
    let source = snapshot(&rootfs);
    let links = source.values().filter(|e| e.kind == "symlink").count();
    assert!(
        source.len() > 5000 && links > 300,
        "a real tree: {} entries",
        source.len()
    );

    let as_root = dir.path().join("as-root");
    let out = ours(&cluster, &["deb-root:/".as_ref(), as_root.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let copy = snapshot(&as_root);
    let differing: Vec<_> = source
        .iter()
        .filter(|(k, v)| copy.get(*k) != Some(v))
        .take(10)
        .map(|(k, v)| format!("{}: {v:?} vs {:?}", k.display(), copy.get(k)))
        .collect();
    assert!(differing.is_empty(), "as root: {differing:#?}");
    assert_eq!(copy.len(), source.len(), "nothing extra");

    let as_user = dir.path().join("as-user");
    let log = dir.path().join("errors.jsonl");
    let out = ours(
        &cluster,
        &[
            "deb-user:/".as_ref(),
            as_user.as_os_str(),
            "--error-log".as_ref(),
            log.as_os_str(),
        ],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "partial: {err}");
    let logged: BTreeSet<PathBuf> = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(v["reason"], "permission-denied", "{l}");
            PathBuf::from(
                v["path"]
                    .as_str()
                    .unwrap_or_default()
                    .trim_start_matches("./"),
            )
        })
        .collect();
    for must in ["etc/shadow", "etc/gshadow", "root"] {
        assert!(
            logged.contains(Path::new(must)),
            "{must} is listed: {logged:?}"
        );
    }
    let copy = snapshot(&as_user);
    for (path, entry) in &source {
        match copy.get(path) {
            // what arrived is whole and the same
            Some(got) => assert_eq!(got, entry, "{}", path.display()),
            // what did not is listed, or lies under a listed directory
            None => assert!(
                path.ancestors().any(|a| logged.contains(a)),
                "{} is missing and not listed: {err}",
                path.display()
            ),
        }
    }
    for path in &logged {
        assert!(
            !copy.contains_key(path),
            "{} listed yet copied",
            path.display()
        );
    }

    // the real kubectl cp on the same pod: every symlink dropped, and exit 0 without a word
    // about the files it could not read
    let cache = dir.path().join("kube-cache");
    let theirs = dir.path().join("kubectl");
    let out = kubectl_cp(&cluster, "deb-user:/", &theirs, &cache);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let got = snapshot(&theirs);
    assert_eq!(got.values().filter(|e| e.kind == "symlink").count(), 0);
    assert!(!got.contains_key(Path::new("etc/shadow")));
    assert!(
        !text(&out.stderr).contains("etc/shadow"),
        "kubectl says nothing of it"
    );
}
