//! Tests of download and upload planning (pure tables).
use std::ffi::OsStr;
use std::path::Path;

use super::*;
use crate::transfer::flavor::parse_tar_version;
use crate::transfer::spec::{CopySpecs, parse_copy_specs};

fn gnu() -> TarCapabilities {
    parse_tar_version("tar (GNU tar) 1.34")
}
fn busybox() -> TarCapabilities {
    parse_tar_version("tar (busybox) 1.35.0")
}

fn download(
    src: &str,
    dest: &str,
    kind: LocalKind,
    caps: TarCapabilities,
) -> Result<DownloadPlan, TransferError> {
    match parse_copy_specs(OsStr::new(src), OsStr::new(dest))? {
        CopySpecs::Download { from, to } => {
            plan_download(&from, &to, kind, &caps, &DownloadOptions::default())
        }
        CopySpecs::Upload { .. } => panic!("not a download"),
    }
}

fn upload(src: &str, dest: &str, no_preserve: bool) -> UploadPlan {
    match parse_copy_specs(OsStr::new(src), OsStr::new(dest)) {
        Ok(CopySpecs::Upload { from, to }) => {
            plan_upload(&from, &to, &UploadOptions { no_preserve })
                .unwrap_or_else(|e| panic!("{e}"))
        }
        other => panic!("not an upload: {other:?}"),
    }
}

fn words(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn download_names_follow_cp_semantics() {
    use LocalKind::*;
    // (src, dest, dest kind, local root, prefix, root must be a directory)
    let table = [
        ("p:/a/dir", "out", Directory, "out/dir", Some("dir"), false),
        ("p:/a/dir", "out/x", Missing, "out/x", Some("dir"), false),
        // a trailing slash runs tar in the directory (following a symlink, like cp(1))
        ("p:/a/dir/", "out/x", Missing, "out/x", None, true),
        ("p:/a/dir/", "out", Directory, "out/dir", None, true),
        ("p:/a/dir", "out/x/", Missing, "out/x/", Some("dir"), true),
        (
            "p:/etc/passwd",
            "out",
            Directory,
            "out/passwd",
            Some("passwd"),
            false,
        ),
        (
            "p:/etc/passwd",
            "file",
            NonDirectory,
            "file",
            Some("passwd"),
            false,
        ),
        ("p:/a/dir/.", "out", Directory, "out", None, true),
        ("p:rel", "out", Directory, "out/rel", Some("rel"), false),
        ("p:/", "out", Directory, "out", None, true),
        ("p:/var/log/*.log", "out", Directory, "out", None, true),
    ];
    for (src, dest, kind, root, prefix, must_dir) in table {
        let plan = download(src, dest, kind, gnu()).unwrap_or_else(|e| panic!("{src} {dest}: {e}"));
        assert_eq!(plan.local_root, Path::new(root), "{src} {dest}");
        assert_eq!(plan.path_prefix.as_deref(), prefix, "{src} {dest}");
        assert_eq!(plan.root_must_be_dir, must_dir, "{src} {dest}");
    }
}

#[test]
fn download_argv_uses_relative_dot_names() {
    let plan = download("p:/a/-dir", "out", LocalKind::Directory, gnu())
        .map(|p| p.argv)
        .ok();
    assert_eq!(plan, Some(words(&["tar", "cf", "-", "-C", "/a", "./-dir"])));
    let plan = download("p:/a/link/", "out", LocalKind::Directory, gnu())
        .map(|p| p.argv)
        .ok();
    assert_eq!(plan, Some(words(&["tar", "cf", "-", "-C", "/a/link", "."])));
    let plan = download("p:/a/dir/..", "out", LocalKind::Directory, busybox())
        .map(|p| p.argv)
        .ok();
    assert_eq!(
        plan,
        Some(words(&["tar", "cf", "-", "-C", "/a/dir/..", "."]))
    );
    let plan = download("p:name with space", "out", LocalKind::Directory, busybox())
        .map(|p| p.argv)
        .ok();
    assert_eq!(
        plan,
        Some(words(&["tar", "cf", "-", "-C", ".", "./name with space"]))
    );
}

#[test]
fn impossible_downloads_are_refused() {
    assert!(download("p:/a/dir", "file/", LocalKind::NonDirectory, gnu()).is_err());
    assert!(download("p:/a/*.log", "file", LocalKind::NonDirectory, gnu()).is_err());
}

#[test]
fn glob_characters_before_the_last_component_are_literal() {
    let plan = download("p:/a/[2024]/x", "out", LocalKind::Directory, gnu())
        .map(|p| p.argv)
        .ok();
    assert_eq!(
        plan,
        Some(words(&["tar", "cf", "-", "-C", "/a/[2024]", "./x"]))
    );
}

#[test]
fn root_download_leaves_out_virtual_filesystems() {
    let plan = download("p:/", "out", LocalKind::Directory, gnu())
        .map(|p| p.argv)
        .ok();
    let want = [
        "tar",
        "cf",
        "-",
        "--exclude=./proc",
        "--exclude=./sys",
        "--exclude=./dev",
        "-C",
        "/",
        ".",
    ];
    assert_eq!(plan, Some(words(&want)));
    let plan =
        download("p:/", "out", LocalKind::Directory, busybox()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.argv[..4], words(&["sh", "-c", SELECT_SCRIPT, "sh"]));
    assert_eq!(
        plan.argv[4..],
        words(&["/", "*\n.[!.]*\n..?*", "proc/sys/dev", "cf", "-"])
    );
    assert!(plan.notes.contains(&PlanNote::NeedsShell));
}

#[test]
fn one_file_system_is_passed_where_supported_and_noted_elsewhere() {
    let opts = DownloadOptions {
        one_file_system: true,
        include_virtual: true,
    };
    let Ok(CopySpecs::Download { from, to }) = parse_copy_specs(OsStr::new("p:/"), OsStr::new("o"))
    else {
        panic!("spec")
    };
    let plan = plan_download(&from, &to, LocalKind::Missing, &gnu(), &opts)
        .map(|p| p.argv)
        .ok();
    assert_eq!(
        plan,
        Some(words(&[
            "tar",
            "cf",
            "-",
            "--one-file-system",
            "-C",
            "/",
            "."
        ]))
    );
    let plan = plan_download(&from, &to, LocalKind::Missing, &busybox(), &opts)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.argv, words(&["tar", "cf", "-", "-C", "/", "."]));
    assert_eq!(plan.notes, vec![PlanNote::OneFileSystemUnsupported]);
}

#[test]
fn glob_pattern_is_an_argument_never_part_of_the_script() {
    let plan = download(
        "p:/var/log/*$(reboot)'.log",
        "out",
        LocalKind::Directory,
        gnu(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.argv[2], SELECT_SCRIPT);
    assert_eq!(
        plan.argv[4..],
        words(&["/var/log", "*$(reboot)'.log", "", "cf", "-"])
    );
}

#[test]
fn upload_checks_the_destination_only_when_ambiguous() {
    let plan = upload("src/d", "p:/tmp/x", false);
    assert_eq!(plan.check_argv, Some(words(&["test", "-d", "/tmp/x"])));
    let into = plan
        .target(Some(DestCheck::IsDir))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (into.argv.clone(), into.archive_root.clone()),
        (words(&["tar", "xf", "-", "-C", "/tmp/x"]), "d".into())
    );
    let named = plan
        .target(Some(DestCheck::NotDir))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (named.argv.clone(), named.archive_root.clone()),
        (words(&["tar", "xf", "-", "-C", "/tmp"]), "x".into())
    );
    assert!(plan.target(Some(DestCheck::Failed)).is_err());
    assert!(plan.target(None).is_err());
}

#[test]
fn upload_with_trailing_slash_or_root_needs_no_check() {
    for dest in ["p:/tmp/x/", "p:/"] {
        let plan = upload("src/d", dest, true);
        assert_eq!(plan.check_argv, None, "{dest}");
        let t = plan.target(None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            t.argv[..5],
            words(&["tar", "xf", "-", "-o", "--no-same-permissions"])
        );
    }
    let plan = upload("src/d/.", "p:/tmp/x/", false);
    assert_eq!(
        plan.target(None).map(|t| t.archive_root.clone()).ok(),
        Some(".".into())
    );
}

#[test]
fn dest_check_exit_codes_map_to_answers() {
    assert_eq!(parse_dest_check(Some(0)), DestCheck::IsDir);
    assert_eq!(parse_dest_check(Some(1)), DestCheck::NotDir);
    assert_eq!(parse_dest_check(Some(126)), DestCheck::Failed);
    assert_eq!(parse_dest_check(None), DestCheck::Failed);
}

#[test]
fn windows_drive_destination_is_local() {
    let plan = download("p:/a/dir", "C:\\Users\\me", LocalKind::Directory, gnu())
        .map(|p| p.local_root)
        .ok();
    assert!(plan.is_some());
}
