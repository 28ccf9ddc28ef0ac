//! pack -> unpack round trips (upload side, corpus group K, and the extractor together).

use std::ffi::OsStr;

use kubectl_dfimage::report::{Recording, SkipReason};
use kubectl_dfimage::transfer::{PackOptions, UnpackOptions, pack, unpack};

use super::sample_tree::{build, expected, listing, same_inode};

#[test]
fn pack_then_unpack_reproduces_the_tree_with_links_modes_and_times() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = build(&tmp.path().join("src"));
    let rec = Recording::default();
    let mut stream = Vec::new();
    let packed = pack(
        &src,
        OsStr::new("src"),
        &mut stream,
        &PackOptions::default(),
        &rec,
    )
    .expect("pack");
    assert_eq!(packed.hardlinks, 1);
    assert_eq!(
        packed.skipped.iter().map(|s| s.reason).collect::<Vec<_>>(),
        [SkipReason::Unsupported],
        "only the FIFO"
    );
    let dest = tmp.path().join("copy");
    let opts = UnpackOptions {
        path_prefix: Some("src".into()),
        ..UnpackOptions::default()
    };
    let summary = unpack(&stream[..], &dest, &opts, &rec).expect("unpack");
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!(listing(&dest), expected(&src));
    assert!(same_inode(&dest.join("hard1"), &dest.join("hard2")));
}

#[test]
fn k1_k5_special_files_are_never_opened_and_link_loops_never_followed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = build(&tmp.path().join("src"));
    let rec = Recording::default();
    let mut stream = Vec::new();
    let packed = pack(
        &src,
        OsStr::new("."),
        &mut stream,
        &PackOptions::default(),
        &rec,
    )
    .expect("pack");
    assert_eq!(rec.skipped_paths().len(), 1);
    assert_eq!(packed.symlinks, 8);
    let names: Vec<String> = tar::Archive::new(&stream[..])
        .entries()
        .expect("entries")
        .filter_map(Result::ok)
        .map(|e| String::from_utf8_lossy(&e.path_bytes()).into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.starts_with('/') && !n.starts_with("src")),
        "{names:?}"
    );
    assert!(names.contains(&"loop1".to_owned()) && !names.iter().any(|n| n.starts_with("loop1/")));
}

#[test]
fn b12_upload_sends_a_symlink_to_an_absolute_target_as_a_symlink() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("dir");
    std::fs::create_dir(&dir).expect("dir");
    std::os::unix::fs::symlink("/etc/passwd", dir.join("l")).expect("symlink");
    let mut stream = Vec::new();
    pack(
        &dir,
        OsStr::new("dir"),
        &mut stream,
        &PackOptions::default(),
        &Recording::default(),
    )
    .expect("pack");
    let mut archive = tar::Archive::new(&stream[..]);
    let link = archive
        .entries()
        .expect("entries")
        .filter_map(Result::ok)
        .find(|e| e.path_bytes().as_ref() == b"dir/l");
    let link = link.expect("dir/l in the stream");
    assert_eq!(link.header().entry_type(), tar::EntryType::Symlink);
    assert_eq!(link.link_name_bytes().as_deref(), Some(&b"/etc/passwd"[..]));
}

#[test]
fn single_file_source_is_one_entry_under_the_given_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("f.txt");
    std::fs::write(&file, b"one").expect("write");
    let mut stream = Vec::new();
    pack(
        &file,
        OsStr::new("renamed"),
        &mut stream,
        &PackOptions::default(),
        &Recording::default(),
    )
    .expect("pack");
    let dest = tmp.path().join("out");
    let opts = UnpackOptions {
        path_prefix: Some("renamed".into()),
        ..UnpackOptions::default()
    };
    unpack(&stream[..], &dest, &opts, &Recording::default()).expect("unpack");
    assert_eq!(std::fs::read(&dest).ok(), Some(b"one".to_vec()));
}
