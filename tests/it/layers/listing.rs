//! Listing: entry kinds, whiteouts, owners, limits, noise, names, JSON.

use super::*;

#[test]
fn plain_tar_lists_every_kind_with_paths_targets_and_attributes() {
    let listing = list(&app_layer(), TAR, ListOptions::all());
    let kinds: Vec<(String, EntryKind, u64, u32)> = listing
        .entries
        .iter()
        .map(|e| (e.path.escaped(), e.kind.clone(), e.size, e.mode))
        .collect();
    let target = |s: &str| kubectl_dfimage::image::layer::EntryPath::from_bytes(s.as_bytes());
    assert_eq!(
        kinds,
        vec![
            ("app".into(), EntryKind::Dir, 0, 0o755),
            ("app/main.py".into(), EntryKind::File, 12, 0o644),
            ("app/run.sh".into(), EntryKind::File, 30, 0o750),
            (
                "app/current".into(),
                EntryKind::Symlink {
                    target: target("/opt/app-1.2")
                },
                0,
                0o777
            ),
            (
                "app/main-copy.py".into(),
                EntryKind::Hardlink {
                    target: target("app/main.py")
                },
                0,
                0o777
            ),
            ("usr/bin/helper".into(), EntryKind::File, 2048, 0o4755),
            ("app/file with spaces.txt".into(), EntryKind::File, 1, 0o644),
        ]
    );
    assert_eq!(listing.compression, Compression::None);
    assert!(listing.notes.is_empty());
    assert_eq!(listing.stats.entries, 7);
    assert_eq!(listing.stats.file_bytes, 12 + 30 + 2048 + 1);
    assert_eq!(
        (listing.stats.files, listing.stats.dirs, listing.stats.links),
        (4, 1, 2)
    );
    assert!(listing.entries.iter().all(|e| e.mtime == MTIME));
    insta::assert_snapshot!("app_layer", text(&listing, ListingStyle::default()));
}

/// test-components.md §11.1: buildah writes explicit whiteouts, dockerd opaque markers.
#[test]
fn whiteouts_become_deletions_and_opaque_markers_opaque_dirs() {
    let tar = LayerTar::new()
        .dir("etc")
        .file_as(b"etc/.wh.gone.txt", b"", 0o000, (0, 0))
        .dir("opt/cache")
        .file_as(b"opt/cache/.wh..wh..opq", b"", 0o755, (0, 0))
        .file("opt/cache/c", b"c\n")
        .file_as(b".wh.toplevel", b"", 0o600, (0, 0))
        .finish();
    let listing = list(&tar, TAR, ListOptions::all());
    let got: Vec<(String, EntryKind)> = listing
        .entries
        .iter()
        .map(|e| (e.path.escaped(), e.kind.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("etc".into(), EntryKind::Dir),
            ("etc/gone.txt".into(), EntryKind::Deleted),
            ("opt/cache".into(), EntryKind::Dir),
            ("opt/cache".into(), EntryKind::OpaqueDir),
            ("opt/cache/c".into(), EntryKind::File),
            ("toplevel".into(), EntryKind::Deleted),
        ]
    );
    assert_eq!(listing.stats.deletions, 3);
    insta::assert_snapshot!("whiteouts", text(&listing, ListingStyle::default()));
}

/// test-components.md §11.2: `COPY --chown` makes the files and the parents it creates
/// owned by the user; BuildKit's history does not show the flag.
#[test]
fn a_non_root_owner_is_noted_as_an_unrecorded_chown() {
    let tar = LayerTar::new()
        .dir_as("usr/local", 0o755, (65534, 65534))
        .dir_as("usr/local/bin", 0o755, (65534, 65534))
        .file_as(
            b"usr/local/bin/run.sh",
            b"#!/bin/sh\n",
            0o750,
            (65534, 65534),
        )
        .file_as(b"usr/local/bin/root-owned", b"", 0o644, (0, 0))
        .finish();
    let listing = list(&tar, TAR, ListOptions::for_text(50, true));
    let copy = ListingStyle {
        copy_without_chown: true,
        ..ListingStyle::default()
    };
    insta::assert_snapshot!("chown", text(&listing, copy));
    let plain = text(&listing, ListingStyle::default());
    assert!(
        plain.ends_with("note: 3 of 4 entries are owned by 65534:65534, not root"),
        "{plain}"
    );
    assert!(!plain.contains("--chown"), "{plain}");
    let root_only = list(&app_layer(), TAR, ListOptions::all());
    assert!(!text(&root_only, copy).contains("owned by"));
}

#[test]
fn listing_stops_at_max_files_and_counts_the_rest_but_still_names_setuid_files() {
    let mut layer = LayerTar::new().dir("data");
    for i in 0..120 {
        layer = layer.file(&format!("data/f{i:03}"), &[b'x'; 100]);
    }
    let tar = layer
        .file_as(b"usr/bin/su", &[0u8; 10], 0o4755, (0, 0))
        .finish();
    let listing = list(&gzip(&tar), GZIP, ListOptions::for_text(5, true));
    assert_eq!(listing.entries.len(), 5, "only what is rendered is kept");
    assert_eq!(listing.stats.entries, 122);
    assert_eq!(listing.stats.file_bytes, 120 * 100 + 10);
    let options = ListingStyle {
        max_files: 5,
        ..ListingStyle::default()
    };
    insta::assert_snapshot!("max_files", text(&listing, options));
}

#[test]
fn noise_is_hidden_by_default_counted_per_class_and_shown_without_the_filter() {
    let tar = LayerTar::new()
        .dir("app")
        .file("app/index.js", b"require('x')")
        .dir("app/node_modules")
        .file("app/node_modules/x/index.js", b"module.exports = 1")
        .file("app/__pycache__/m.pyc", b"\0\0")
        .file("var/lib/apt/lists/deb_InRelease", &[b'r'; 300])
        .dir("proc")
        .file("etc/hosts", b"")
        .finish();
    let filtered = list(&tar, TAR, ListOptions::for_text(50, true));
    assert_eq!(filtered.entries.len(), 2);
    assert_eq!(filtered.stats.noise_entries, 6);
    insta::assert_snapshot!("noise_filtered", text(&filtered, ListingStyle::default()));
    let unfiltered = list(&tar, TAR, ListOptions::for_text(50, false));
    let all = ListingStyle {
        filter_noise: false,
        ..ListingStyle::default()
    };
    let lines = render_listing(&unfiltered, &all);
    assert_eq!(lines.len(), 8, "{lines:#?}");
    assert!(lines.iter().all(|l| !l.contains("hidden")));
}

#[test]
fn names_with_invalid_utf8_controls_and_long_paths_are_escaped_and_complete() {
    let long = format!("deep/{}/leaf.txt", "d".repeat(200));
    let tar = LayerTar::new()
        .file_as(b"bad-\xff\xfe-name", b"1", 0o644, (0, 0))
        .file_as(b"line\nbreak\x1b[2J", b"2", 0o644, (0, 0))
        .file(&long, b"3")
        .link(
            tar::EntryType::Symlink,
            "evil\u{202e}txt.exe",
            "target\twith tab",
        )
        .finish();
    let listing = list(&tar, TAR, ListOptions::all());
    assert_eq!(listing.entries[0].path.as_bytes(), b"bad-\xff\xfe-name");
    assert_eq!(listing.entries[2].path.escaped(), long);
    let lines = render_listing(&listing, &ListingStyle::default());
    assert_eq!(
        lines,
        vec![
            "  bad-\\xff\\xfe-name  (1 B)".to_owned(),
            "  line\\nbreak\\u{1b}[2J  (1 B)".to_owned(),
            format!("  {long}  (1 B)"),
            "  evil\\u{202e}txt.exe -> target\\twith tab".to_owned(),
        ]
    );
    assert!(lines.iter().all(|l| !l.chars().any(char::is_control)));
}

#[test]
fn devices_and_fifos_are_listed_and_named_in_notes() {
    let tar = LayerTar::new()
        .special(tar::EntryType::Char, "dev/null", (1, 3))
        .special(tar::EntryType::Block, "dev/sda", (8, 0))
        .special(tar::EntryType::Fifo, "run/pipe", (0, 0))
        .finish();
    let listing = list(&tar, TAR, ListOptions::for_text(1, true));
    assert_eq!(
        listing.entries[0].kind,
        EntryKind::CharDevice { major: 1, minor: 3 }
    );
    assert_eq!(listing.stats.special, 3);
    let options = ListingStyle {
        max_files: 1,
        ..ListingStyle::default()
    };
    insta::assert_snapshot!("devices", text(&listing, options));
}

#[test]
fn json_form_carries_every_entry_with_type_size_mode_and_owner() {
    let listing = list(&app_layer(), TAR, ListOptions::all());
    let json = serde_json::to_value(&listing.entries).expect("json");
    insta::assert_snapshot!(
        "app_layer_json",
        serde_json::to_string_pretty(&json).expect("json")
    );
}
