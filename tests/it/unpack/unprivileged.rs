//! Local permission denied (corpus I6 and K2). As root, EACCES does not happen, so when the
//! tests run as root they re-run themselves as uid 65534 (`nobody`) in a child process: the
//! ignored `*_child` tests hold the assertions and read their world from the environment.
//! Run as a normal user, the parent tests call the children's bodies directly.

use std::ffi::OsStr;
use std::os::unix::fs::{MetadataExt, PermissionsExt, chown};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use kubectl_dfimage::report::{Recording, SkipReason};
use kubectl_dfimage::transfer::{PackOptions, pack, unpack};

use super::craft::Tar;
use super::world::{file, src_opts};

const NOBODY: u32 = 65534;
const ENV: &str = "DFIMAGE_UNPRIVILEGED_WORLD";

fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
}

/// A work dir `nobody` can use; returns (tempdir guard, path).
fn world() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let w = tmp.path().to_path_buf();
    std::fs::set_permissions(&w, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    (tmp, w)
}

/// Runs the ignored test `name` as `nobody` with `ENV=w`, or in-process when not root.
fn run_as_nobody(name: &str, w: &Path, body: fn(&Path)) {
    if !is_root() {
        body(w);
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = Command::new(exe)
        .args(["--exact", name, "--ignored", "--test-threads=1"])
        .env(ENV, w)
        .uid(NOBODY)
        .gid(NOBODY)
        .output()
        .expect("spawn child test");
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "child did not run"
    );
}

fn child_world() -> PathBuf {
    PathBuf::from(std::env::var_os(ENV).expect("run by its parent test only"))
}

#[test]
fn i6_unwritable_directory_skips_its_entries_and_the_copy_goes_on() {
    let (_tmp, w) = world();
    let dest = w.join("D");
    std::fs::create_dir_all(dest.join("ro")).expect("dirs");
    if is_root() {
        chown(&dest, Some(NOBODY), Some(NOBODY)).expect("chown");
        chown(dest.join("ro"), Some(NOBODY), Some(NOBODY)).expect("chown");
    }
    std::fs::set_permissions(dest.join("ro"), std::fs::Permissions::from_mode(0o555))
        .expect("chmod");
    run_as_nobody("unpack::unprivileged::i6_child", &w, i6_body);
}

#[test]
#[ignore = "run as nobody by i6_unwritable_directory_skips_its_entries_and_the_copy_goes_on"]
fn i6_child() {
    i6_body(&child_world());
}

fn i6_body(w: &Path) {
    let dest = w.join("D");
    let tar = Tar::new()
        .file("src/ro/f", b"f")
        .file("src/ro/sub/x", b"x")
        .file("src/ro/sub/y", b"y")
        .file("src/ok", b"ok")
        .end();
    let rec = Recording::default();
    let summary = unpack(&tar[..], &dest, &src_opts(), &rec).expect("the copy goes on");
    let skipped: Vec<(String, SkipReason)> = rec
        .skipped_paths()
        .into_iter()
        .map(|s| (s.path, s.reason))
        .collect();
    let denied = SkipReason::PermissionDenied;
    assert_eq!(
        skipped,
        [
            ("src/ro/f".to_owned(), denied),
            ("src/ro/sub/x".to_owned(), denied)
        ]
    );
    assert_eq!(
        summary.skipped_count, 3,
        "the subtree below a refused directory counts, once reported"
    );
    assert_eq!(super::world::node(&dest.join("ok")), file(b"ok", 0o644));
}

#[test]
fn k2_unreadable_local_files_and_directories_are_skipped_on_upload() {
    let (_tmp, w) = world();
    let src = w.join("src");
    std::fs::create_dir_all(src.join("closed")).expect("dirs");
    std::fs::write(src.join("secret"), b"s").expect("write");
    std::fs::write(src.join("open"), b"o").expect("write");
    std::fs::write(src.join("closed/inner"), b"i").expect("write");
    std::fs::set_permissions(&src, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(src.join("secret"), std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    std::fs::set_permissions(src.join("closed"), std::fs::Permissions::from_mode(0o700))
        .expect("chmod");
    std::fs::set_permissions(src.join("open"), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    if !is_root() {
        // as a normal user, make them ours but unreadable
        std::fs::set_permissions(src.join("secret"), std::fs::Permissions::from_mode(0o000))
            .expect("chmod");
        std::fs::set_permissions(src.join("closed"), std::fs::Permissions::from_mode(0o000))
            .expect("chmod");
    }
    run_as_nobody("unpack::unprivileged::k2_child", &w, k2_body);
}

#[test]
#[ignore = "run as nobody by k2_unreadable_local_files_and_directories_are_skipped_on_upload"]
fn k2_child() {
    k2_body(&child_world());
}

fn k2_body(w: &Path) {
    let rec = Recording::default();
    let mut stream = Vec::new();
    let summary = pack(
        &w.join("src"),
        OsStr::new("src"),
        &mut stream,
        &PackOptions::default(),
        &rec,
    )
    .expect("pack goes on");
    let reasons: Vec<(String, SkipReason)> = summary
        .skipped
        .iter()
        .map(|s| (s.path.rsplit('/').next().unwrap_or("").to_owned(), s.reason))
        .collect();
    let denied = SkipReason::PermissionDenied;
    assert_eq!(
        reasons,
        [("closed".to_owned(), denied), ("secret".to_owned(), denied)]
    );
    let names: Vec<String> = tar::Archive::new(&stream[..])
        .entries()
        .expect("entries")
        .filter_map(Result::ok)
        .map(|e| String::from_utf8_lossy(&e.path_bytes()).into_owned())
        .collect();
    assert_eq!(names, ["src", "src/open"]);
}

#[test]
fn a_resumed_stream_fills_directories_the_first_attempt_made_read_only() {
    let (_tmp, w) = world();
    run_as_nobody(
        "unpack::unprivileged::read_only_resume_child",
        &w,
        read_only_resume_body,
    );
}

#[test]
#[ignore = "run as nobody by a_resumed_stream_fills_directories_the_first_attempt_made_read_only"]
fn read_only_resume_child() {
    read_only_resume_body(&child_world());
}

fn read_only_resume_body(w: &Path) {
    let dest = w.join("D");
    let tar = |f: &str| Tar::new().dir_mode("src/ro/", 0o500).file(f, b"v").end();
    let rec = Recording::default();
    unpack(&tar("src/ro/first")[..], &dest, &src_opts(), &rec).expect("first");
    let summary = unpack(&tar("src/ro/second")[..], &dest, &src_opts(), &rec).expect("second");
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!(
        super::world::node(&dest.join("ro/second")),
        file(b"v", 0o644)
    );
    let mode = std::fs::metadata(dest.join("ro"))
        .map(|m| m.mode() & 0o7777)
        .ok();
    assert_eq!(mode, Some(0o500));
}
