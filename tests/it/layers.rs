//! Integration tests: layers. Real tar layers built here with the tar crate (files, dirs,
//! links, whiteouts, owners, setuid, odd names), compressed with flate2 and zstd, listed
//! through the public API and rendered; plus the secret rules and the Dockerfile diff.

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use kubectl_dfimage::image::diff::{compare_layers, render_dockerfile_diff, render_layer_table};
use kubectl_dfimage::image::layer::{
    Compression, EntryKind, Keep, LayerError, LayerListing, LayerNote, ListOptions, list_layer,
};
use kubectl_dfimage::image::listing::{ListingStyle, render_listing};
use kubectl_dfimage::image::secrets::{Location, Rule, SecretFinding};
use sha2::Digest;

const GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";
const TAR: &str = "application/vnd.oci.image.layer.v1.tar";
const MTIME: u64 = 1_700_000_000;

/// Builds a layer tar in memory, entry by entry.
struct LayerTar(tar::Builder<Vec<u8>>);

impl LayerTar {
    fn new() -> Self {
        Self(tar::Builder::new(Vec::new()))
    }

    fn header(kind: tar::EntryType, mode: u32, owner: (u64, u64)) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_uid(owner.0);
        header.set_gid(owner.1);
        header.set_mtime(MTIME);
        header.set_size(0);
        header
    }

    fn add(mut self, mut header: tar::Header, path: &[u8], data: &[u8]) -> Self {
        header.set_size(data.len() as u64);
        self.0
            .append_data(&mut header, Path::new(OsStr::from_bytes(path)), data)
            .expect("append");
        self
    }

    fn file(self, path: &str, data: &[u8]) -> Self {
        self.file_as(path.as_bytes(), data, 0o644, (0, 0))
    }

    fn file_as(self, path: &[u8], data: &[u8], mode: u32, owner: (u64, u64)) -> Self {
        self.add(
            Self::header(tar::EntryType::Regular, mode, owner),
            path,
            data,
        )
    }

    fn dir(self, path: &str) -> Self {
        self.dir_as(path, 0o755, (0, 0))
    }

    fn dir_as(self, path: &str, mode: u32, owner: (u64, u64)) -> Self {
        self.add(
            Self::header(tar::EntryType::Directory, mode, owner),
            path.as_bytes(),
            b"",
        )
    }

    fn link(mut self, kind: tar::EntryType, path: &str, target: &str) -> Self {
        let mut header = Self::header(kind, 0o777, (0, 0));
        self.0
            .append_link(&mut header, path, target)
            .expect("append link");
        self
    }

    fn special(self, kind: tar::EntryType, path: &str, device: (u32, u32)) -> Self {
        let mut header = Self::header(kind, 0o666, (0, 0));
        header.set_device_major(device.0).expect("major");
        header.set_device_minor(device.1).expect("minor");
        self.add(header, path.as_bytes(), b"")
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_inner().expect("finish tar")
    }
}

/// One PAX record, `"<len> key=value\n"`, where the length counts the whole record.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut len = body.len() + 1;
    while format!("{len}{body}").len() != len {
        len += 1;
    }
    format!("{len}{body}").into_bytes()
}

fn pax_header(records: &[u8]) -> (tar::Header, Vec<u8>) {
    let header = LayerTar::header(tar::EntryType::XHeader, 0o644, (0, 0));
    (header, records.to_vec())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("gzip")
}

fn sha256(data: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

fn list(data: &[u8], media_type: &str, options: ListOptions) -> LayerListing {
    list_layer(data, media_type, &options).expect("list layer")
}

fn text(listing: &LayerListing, options: ListingStyle) -> String {
    render_listing(listing, &options).join("\n")
}

/// The layer most tests share: what a COPY of a small app tree looks like.
fn app_layer() -> Vec<u8> {
    LayerTar::new()
        .dir("app")
        .file("app/main.py", b"print('hi')\n")
        .file_as(
            b"app/run.sh",
            b"#!/bin/sh\nexec python main.py\n",
            0o750,
            (0, 0),
        )
        .link(tar::EntryType::Symlink, "app/current", "/opt/app-1.2")
        .link(tar::EntryType::Link, "app/main-copy.py", "app/main.py")
        .file_as(b"usr/bin/helper", &[0u8; 2048], 0o4755, (0, 0))
        .file("app/file with spaces.txt", b"x")
        .finish()
}

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

#[test]
fn diff_id_is_the_sha256_of_the_whole_uncompressed_stream_in_every_compression() {
    let tar = app_layer();
    let expected = sha256(&tar);
    let half = tar.len() / 2;
    let multi_gzip = [gzip(&tar[..half]), gzip(&tar[half..])].concat();
    let zstd = zstd::encode_all(&tar[..], 3).expect("zstd");
    let multi_zstd = [
        zstd::encode_all(&tar[..half], 3).expect("zstd"),
        zstd::encode_all(&tar[half..], 1).expect("zstd"),
    ]
    .concat();
    let plain = list(&tar, TAR, ListOptions::all());
    for (name, blob, media_type, compression) in [
        ("gzip", gzip(&tar), GZIP, Compression::Gzip),
        ("multi-member gzip", multi_gzip, GZIP, Compression::Gzip),
        ("zstd", zstd, ZSTD, Compression::Zstd),
        ("multi-frame zstd", multi_zstd, ZSTD, Compression::Zstd),
    ] {
        let listing = list(&blob, media_type, ListOptions::all());
        assert_eq!(listing.diff_id, expected, "{name}");
        assert_eq!(listing.uncompressed_size, tar.len() as u64, "{name}");
        assert_eq!(listing.compression, compression, "{name}");
        assert_eq!(listing.entries, plain.entries, "{name}");
        assert!(listing.notes.is_empty(), "{name}: {:?}", listing.notes);
    }
    assert_eq!(plain.diff_id, expected);
}

/// test-components.md §11.4: buildah publishes plain tars labelled `tar+gzip`.
#[test]
fn a_plain_tar_labelled_gzip_is_read_as_tar_and_the_lie_is_noted() {
    let tar = app_layer();
    let listing = list(&tar, GZIP, ListOptions::all());
    assert_eq!(listing.compression, Compression::None);
    assert_eq!(listing.entries.len(), 7);
    assert_eq!(
        listing.notes,
        vec![LayerNote::CompressionMismatch {
            declared: Compression::Gzip,
            detected: Compression::None
        }]
    );
    let zstd_as_tar = list(
        &zstd::encode_all(&tar[..], 3).expect("zstd"),
        TAR,
        ListOptions::all(),
    );
    assert_eq!(zstd_as_tar.entries.len(), 7);
    assert_eq!(zstd_as_tar.notes.len(), 1);
    let unlabelled = list(&gzip(&tar), "", ListOptions::all());
    assert!(
        unlabelled.notes.is_empty(),
        "an empty media type (docker-archive) claims nothing"
    );
    let lines = render_listing(&listing, &ListingStyle::default());
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            "  note: the media type says gzip but the bytes are uncompressed; read as uncompressed"
        )
    );
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

#[test]
fn truncated_and_corrupt_layers_fail_with_the_right_error() {
    let tar = app_layer();
    // Cut inside the last file's data, and exactly after its last data block (no end marker).
    let cut_in_data = &tar[..tar.len() - 1024 - 100];
    assert!(matches!(
        list_layer(cut_in_data, TAR, &ListOptions::all()),
        Err(LayerError::Tar { .. })
    ));
    let end_of_entries = tar.len() - tar.iter().rev().take_while(|b| **b == 0).count();
    let on_boundary = &tar[..end_of_entries.div_ceil(512) * 512];
    assert!(
        matches!(
            list_layer(on_boundary, TAR, &ListOptions::all()),
            Err(LayerError::Truncated { entries: 7, .. })
        ),
        "a stream ending on a block boundary without the end marker is truncated"
    );
    let gz = gzip(&tar);
    assert!(matches!(
        list_layer(&gz[..gz.len() / 2], GZIP, &ListOptions::all()),
        Err(LayerError::Decompress {
            compression: Compression::Gzip,
            ..
        })
    ));
    let mut bad_checksum = tar.clone();
    bad_checksum[0] ^= 0x55;
    assert!(matches!(
        list_layer(&bad_checksum[..], TAR, &ListOptions::all()),
        Err(LayerError::Tar { entry: 0, .. })
    ));
}

#[test]
fn an_empty_archive_lists_as_an_empty_layer() {
    let tar = LayerTar::new().finish();
    let listing = list(&tar, TAR, ListOptions::for_text(50, true));
    assert_eq!(listing.stats.entries, 0);
    assert_eq!(listing.diff_id, sha256(&tar));
    assert_eq!(
        render_listing(&listing, &ListingStyle::default()),
        vec!["  (empty layer)"]
    );
}

#[test]
fn keep_first_bounds_memory_but_totals_cover_every_entry() {
    let mut layer = LayerTar::new();
    for i in 0..5000 {
        layer = layer.file(&format!("f/{i}"), b"data");
    }
    let listing = list(
        &layer.finish(),
        TAR,
        ListOptions {
            keep: Keep::First(10),
            ..ListOptions::all()
        },
    );
    assert_eq!(
        (
            listing.entries.len(),
            listing.stats.entries,
            listing.stats.file_bytes
        ),
        (10, 5000, 20000)
    );
}

#[test]
fn secrets_are_found_by_name_and_content_in_the_same_pass_as_the_listing() {
    let key = b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    let big_env = [b"DB_PASSWORD=hunter22\n".as_slice(), &vec![b'#'; 70 * 1024]].concat();
    let tar = LayerTar::new()
        .file_as(b"root/.ssh/id_ed25519", key, 0o600, (0, 0))
        .file(
            "app/.env",
            b"DB_PASSWORD=hunter22hunter22\nPASSWORD_FILE=/run/secrets/db\n",
        )
        .file(
            "app/config.yaml",
            b"upstream: https://deploy:t0ps3cretpw@git.example.com/r.git\n",
        )
        .file("app/README.md", b"Set password: in the config.\n")
        .file_as(b"big/.env", &big_env, 0o644, (0, 0))
        .finish();
    let listing = list(
        &gzip(&tar),
        GZIP,
        ListOptions::for_text(50, true).with_secrets(),
    );
    assert_eq!(
        listing.entries.len(),
        5,
        "scanning does not change the listing"
    );
    assert_eq!(
        listing.diff_id,
        sha256(&tar),
        "reading file data for scanning keeps the digest whole"
    );
    let found: Vec<String> = listing
        .secrets
        .iter()
        .cloned()
        .map(|f| f.in_layer(2).to_string())
        .collect();
    assert_eq!(
        found,
        vec![
            "layer 2 root/.ssh/id_ed25519: private-key-file",
            "layer 2 root/.ssh/id_ed25519: private-key-block (b3Bl****)",
            "layer 2 app/.env: dotenv-file",
            "layer 2 app/.env: secret-assignment (hunt****)",
            "layer 2 app/config.yaml: url-credentials (t0ps****)",
            "layer 2 big/.env: dotenv-file",
        ],
        "files over the content limit are checked by name only"
    );
    let first: SecretFinding = listing.secrets[0].clone().in_layer(2);
    assert_eq!(first.rule, Rule::PrivateKeyFile);
    assert!(matches!(first.location, Location::File { layer: 2, .. }));
    let unscanned = list(&tar, TAR, ListOptions::for_text(50, true));
    assert!(unscanned.secrets.is_empty());
}

#[test]
fn diff_compares_two_images_dockerfiles_and_their_computed_diff_ids() {
    let base = app_layer();
    let a_top = LayerTar::new().file("etc/app.conf", b"mode=a\n").finish();
    let b_top = LayerTar::new().file("etc/app.conf", b"mode=b\n").finish();
    let diff_id = |tar: &[u8]| list(&gzip(tar), GZIP, ListOptions::for_text(0, true)).diff_id;
    let a = vec![diff_id(&base), diff_id(&a_top)];
    let b = vec![diff_id(&base), diff_id(&b_top), diff_id(&a_top)];
    let table = compare_layers(&a, &b);
    assert_eq!(table.shared_prefix, 1);
    let a_text = "FROM scratch\nCOPY app /\nCOPY app.conf /etc/\n";
    let b_text = "FROM scratch\nCOPY app /\nCOPY app-b.conf /etc/app.conf\nCOPY app.conf /etc/\n";
    let out = format!(
        "{}\n{}",
        render_dockerfile_diff("a", a_text, "b", b_text),
        render_layer_table(&table).join("\n")
    );
    insta::assert_snapshot!("diff", out);
}

#[test]
fn pax_records_set_the_path_and_owner_of_the_next_entry() {
    let long = format!("opt/{}/bin/tool", "p".repeat(300));
    let records = [pax_record("path", &long), pax_record("uid", "70000")].concat();
    let (header, data) = pax_header(&records);
    let tar = LayerTar::new()
        .add(header, b"PaxHeaders/tool", &data)
        .file_as(b"short-name", b"#!/bin/sh\n", 0o755, (0, 0))
        .finish();
    let listing = list(&tar, TAR, ListOptions::all());
    assert_eq!(listing.entries.len(), 1);
    assert_eq!(listing.entries[0].path.escaped(), long);
    assert_eq!(listing.entries[0].uid, 70000);
}

/// A PAX record set is read whole into memory by tar; a hostile layer must not make that
/// unbounded (see ../shared/reference/tar-attack-corpus.md, huge headers).
#[test]
fn header_records_over_the_limit_fail_instead_of_filling_memory() {
    let records = pax_record("comment", &"a".repeat(2 * 1024 * 1024));
    let (header, data) = pax_header(&records);
    let tar = LayerTar::new()
        .file("before", b"1")
        .add(header, b"PaxHeaders/big", &data)
        .file("after", b"2")
        .finish();
    let result = list_layer(&gzip(&tar)[..], GZIP, &ListOptions::all());
    assert!(
        matches!(
            result,
            Err(LayerError::HeaderTooLarge {
                entry: 1,
                limit: 1_048_576
            })
        ),
        "{result:?}"
    );
    // Big file data is fine: only header records are limited.
    let big_file = LayerTar::new()
        .file("big", &vec![7u8; 3 * 1024 * 1024])
        .finish();
    assert_eq!(
        list(&big_file, TAR, ListOptions::all()).stats.file_bytes,
        3 * 1024 * 1024
    );
}

/// Peak and current resident set of this process, in KiB, from `/proc/self/status`.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
            .expect("field")
    };
    (field("VmHWM:"), field("VmRSS:"))
}

#[test]
#[ignore = "slow: streams a 200 MB layer; run with --ignored, in release for throughput"]
fn a_200_mb_layer_is_listed_in_bounded_memory() {
    const FILE: usize = 100 * 1024;
    const FILES: usize = 2000;
    let chunk: Vec<u8> = (0..FILE).map(|i| ((i * 31) % 251) as u8).collect();
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for i in 0..FILES {
        let mut header = LayerTar::header(tar::EntryType::Regular, 0o644, (0, 0));
        header.set_size(FILE as u64);
        builder
            .append_data(&mut header, format!("data/{i:05}"), &chunk[..])
            .expect("append");
    }
    let blob = builder.into_inner().expect("tar").finish().expect("gzip");
    // Reset the peak so it measures the listing alone (Linux: "5" clears VmHWM).
    std::fs::write("/proc/self/clear_refs", "5").expect("clear_refs");
    let (_, rss_before) = memory_kib();
    let started = std::time::Instant::now();
    let listing = list_layer(&blob[..], GZIP, &ListOptions::for_text(50, true)).expect("list");
    let elapsed = started.elapsed();
    let (peak, _) = memory_kib();
    assert_eq!(listing.stats.file_bytes, (FILE * FILES) as u64);
    let growth_mib = peak.saturating_sub(rss_before) / 1024;
    let mb_per_s = listing.uncompressed_size as f64 / elapsed.as_secs_f64() / 1e6;
    assert!(
        growth_mib <= 16,
        "listing grew the resident set by {growth_mib} MiB ({mb_per_s:.0} MB/s)"
    );
}
