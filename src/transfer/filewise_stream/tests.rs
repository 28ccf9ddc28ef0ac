//! The record-to-tar conversion over in-memory record streams, read whole and one byte at a
//! time (so every hold-back and trailer check meets a buffer boundary), then parsed by the
//! tar crate or unpacked by the real unpacker into a scratch directory.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::report::{Recording, SkipReason};
use crate::transfer::unpack::{UnpackOptions, unpack};
use tar::EntryType;

const NONCE: &str = "0123456789abcdef0123456789abcdef";

/// Builds the records the remote script writes.
struct Records(Vec<u8>);

impl Records {
    fn new() -> Self {
        Self(Vec::new())
    }
    fn head(&mut self, tag: &str, stat: &str, name: &[u8]) -> &mut Self {
        self.0
            .extend_from_slice(format!("{NONCE} {tag} {stat}\n").as_bytes());
        self.0.extend_from_slice(name);
        self.0.push(0);
        self
    }
    fn file(
        &mut self,
        name: &[u8],
        mode: &str,
        declared: usize,
        body: &[u8],
        cat: i32,
    ) -> &mut Self {
        let stat = format!("{mode} {declared} 1700000000 1000 1000 64 7 1");
        self.head("f", &stat, name);
        self.0.extend_from_slice(body);
        self.0
            .extend_from_slice(format!("\n{NONCE} x {cat}\n").as_bytes());
        self
    }
    /// A file with `nlink` links to inode `ino`.
    fn linked(&mut self, name: &[u8], ino: u64, nlink: u64, body: &[u8], cat: i32) -> &mut Self {
        let stat = format!("81a4 {} 1700000000 1000 1000 64 {ino} {nlink}", body.len());
        self.head("f", &stat, name);
        self.0.extend_from_slice(body);
        self.0
            .extend_from_slice(format!("\n{NONCE} x {cat}\n").as_bytes());
        self
    }
    fn link(&mut self, name: &[u8], target: &[u8]) -> &mut Self {
        self.head("l", "a1ff 6 1700000001 0 0 64 8 1", name);
        self.0.extend_from_slice(target);
        self.0.extend_from_slice(b"\n\0");
        self
    }
    fn node(&mut self, name: &[u8], mode: &str) -> &mut Self {
        self.head("n", &format!("{mode} 4096 1700000002 0 0 64 9 2"), name)
    }
    fn tagged(&mut self, tag: &str, name: &[u8]) -> &mut Self {
        self.0
            .extend_from_slice(format!("{NONCE} {tag}\n").as_bytes());
        self.0.extend_from_slice(name);
        self.0.push(0);
        self
    }
    fn end(&mut self) -> Vec<u8> {
        self.0
            .extend_from_slice(format!("{NONCE} end 0\n").as_bytes());
        self.0.clone()
    }
}

/// Hands out one byte per read.
struct Trickle<R>(R);

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(1);
        self.0.read(&mut buf[..n])
    }
}

fn convert(records: &[u8], trickle: bool) -> (Vec<u8>, Vec<RemoteMessage>, Recording) {
    let rec = Recording::default();
    let notes = Notes::default();
    let mut out = Vec::new();
    {
        let inner: Box<dyn Read> = if trickle {
            Box::new(Trickle(records))
        } else {
            Box::new(records)
        };
        let mut s = FilewiseStream::new(inner, NONCE, &rec, Rc::clone(&notes));
        s.read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("conversion failed: {e}"));
    }
    let notes = notes.borrow().clone();
    (out, notes, rec)
}

#[test]
fn records_become_tar_entries_with_modes_times_and_link_targets_verbatim() {
    let long: Vec<u8> = [b"./d/".as_slice(), &[b'n'; 150]].concat();
    let records = Records::new()
        .node(b"./d", "41ed")
        .file(b"./d/a b", "81a4", 5, b"hello", 0)
        .file(b"./d/zero", "8180", 0, b"", 0)
        .file(b"./d/new\nline\xff", "81ed", 3, b"x\ny", 0)
        .link(b"./d/l", b"../x\ny")
        .link(b"./d/abs", b"/etc/passwd")
        .node(b"./d/fifo", "11a4")
        .node(b"./d/sock", "c1ed")
        .file(&long, "81a4", 2, b"ok", 0)
        .link(b"./d/far", &[b't'; 120])
        .end();
    for trickle in [false, true] {
        let (tar_bytes, notes, _) = convert(&records, trickle);
        assert!(tar_bytes.ends_with(&[0; 1024]), "end-of-archive marker");
        let mut archive = tar::Archive::new(&tar_bytes[..]);
        let mut seen = Vec::new();
        for entry in archive.entries().unwrap_or_else(|e| panic!("{e}")) {
            let mut entry = entry.unwrap_or_else(|e| panic!("{e}"));
            let h = entry.header().clone();
            let name = entry.path_bytes().into_owned();
            let link = entry.link_name_bytes().map(|l| l.into_owned());
            let mut body = Vec::new();
            entry
                .read_to_end(&mut body)
                .unwrap_or_else(|e| panic!("{e}"));
            seen.push((
                name,
                h.entry_type(),
                h.mode().unwrap_or(0),
                h.mtime().unwrap_or(0),
                body,
                link,
            ));
        }
        let find = |n: &[u8]| {
            seen.iter()
                .find(|s| s.0 == n)
                .unwrap_or_else(|| panic!("no entry {}", String::from_utf8_lossy(n)))
                .clone()
        };
        assert_eq!(seen.len(), 9, "the socket is not archived");
        let dir = find(b"./d");
        assert_eq!(
            (dir.1, dir.2, dir.3),
            (EntryType::Directory, 0o755, 1_700_000_002)
        );
        let a = find(b"./d/a b");
        assert_eq!(
            (a.1, a.2, a.3, a.4.as_slice()),
            (
                EntryType::Regular,
                0o644,
                1_700_000_000,
                b"hello".as_slice()
            )
        );
        assert_eq!(find(b"./d/zero").2, 0o600);
        let odd = find(b"./d/new\nline\xff");
        assert_eq!((odd.2, odd.4.as_slice()), (0o755, b"x\ny".as_slice()));
        assert_eq!(find(b"./d/l").5.as_deref(), Some(b"../x\ny".as_slice()));
        assert_eq!(
            find(b"./d/abs").5.as_deref(),
            Some(b"/etc/passwd".as_slice())
        );
        assert_eq!(find(b"./d/fifo").1, EntryType::Fifo);
        assert_eq!(find(&long).4, b"ok");
        assert_eq!(find(b"./d/far").5, Some(vec![b't'; 120]));
        assert_eq!(
            notes,
            vec![RemoteMessage::SocketIgnored {
                path: "./d/sock".into()
            }]
        );
    }
}

#[test]
fn contents_that_look_almost_like_a_trailer_are_delivered_intact() {
    let tricky = format!("a\n{NONCE} y 0\n\n{} x", &NONCE[..20]);
    let records = Records::new()
        .file(b"./t", "81a4", tricky.len(), tricky.as_bytes(), 0)
        .end();
    for trickle in [false, true] {
        let (tar_bytes, _, _) = convert(&records, trickle);
        let mut archive = tar::Archive::new(&tar_bytes[..]);
        let mut entry = archive
            .entries()
            .ok()
            .and_then(|mut e| e.next())
            .and_then(Result::ok)
            .unwrap_or_else(|| panic!("no entry"));
        let mut body = Vec::new();
        entry
            .read_to_end(&mut body)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(body, tricky.as_bytes());
    }
}

/// Unpacks converted records into a scratch dir with the real unpacker.
fn unpack_records(
    records: &[u8],
    trickle: bool,
) -> (
    tempfile::TempDir,
    Result<crate::transfer::UnpackSummary, crate::transfer::TransferError>,
    Vec<RemoteMessage>,
) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let rec = Recording::default();
    let notes = Notes::default();
    let inner: Box<dyn Read> = if trickle {
        Box::new(Trickle(records))
    } else {
        Box::new(records)
    };
    let stream = FilewiseStream::new(inner, NONCE, &rec, Rc::clone(&notes));
    let opts = UnpackOptions {
        path_prefix: Some("d".into()),
        ..UnpackOptions::default()
    };
    let res = unpack(stream, &dir.path().join("out"), &opts, &rec);
    let notes = notes.borrow().clone();
    (dir, res, notes)
}

#[test]
fn files_that_shrank_grew_or_failed_are_skipped_and_the_rest_still_lands() {
    let records = Records::new()
        .node(b"./d", "41ed")
        .file(b"./d/shrank", "81a4", 10, b"abcd", 0)
        .file(b"./d/grew", "81a4", 3, b"abcdef", 0)
        .file(b"./d/failed", "81a4", 4, b"abcd", 1)
        .file(b"./d/cut", "81a4", 4, b"ab", 1)
        .file(b"./d/fine", "81a4", 4, b"good", 0)
        .end();
    for trickle in [false, true] {
        let (dir, res, _) = unpack_records(&records, trickle);
        let summary = res.unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join("out");
        assert_eq!(std::fs::read(out.join("fine")).unwrap_or_default(), b"good");
        for gone in ["shrank", "grew", "failed", "cut"] {
            assert!(!out.join(gone).exists(), "{gone} must not be left behind");
        }
        let skipped: Vec<_> = summary
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason))
            .collect();
        assert_eq!(
            skipped,
            vec![
                ("./d/shrank", SkipReason::Vanished),
                ("./d/grew", SkipReason::Vanished),
                ("./d/failed", SkipReason::Vanished),
                ("./d/cut", SkipReason::Vanished),
            ]
        );
        assert_eq!(summary.files, 1);
        let leftovers: Vec<_> = std::fs::read_dir(&out)
            .map(|d| d.count())
            .into_iter()
            .collect();
        assert_eq!(leftovers, vec![1], "no temporary files remain");
    }
}

#[test]
fn a_stream_cut_inside_a_file_or_between_records_is_truncated() {
    let full = Records::new()
        .node(b"./d", "41ed")
        .file(b"./d/big", "81a4", 3000, &[7u8; 3000], 0)
        .file(b"./d/after", "81a4", 1, b"z", 0)
        .end();
    let inside = full.iter().position(|b| *b == 7).unwrap_or(0) + 1000;
    let between = full.len() - format!("{NONCE} end 0\n").len();
    for cut in [inside, between] {
        for trickle in [false, true] {
            let (dir, res, _) = unpack_records(&full[..cut], trickle);
            assert!(
                matches!(res, Err(crate::transfer::TransferError::Truncated { .. })),
                "cut at {cut}: {res:?}"
            );
            if cut == inside {
                assert!(
                    !dir.path().join("out/big").exists(),
                    "no short file under its name"
                );
            }
        }
    }
}

#[test]
fn unreadable_and_vanished_names_are_noted_and_reported_once() {
    let records = Records::new()
        .node(b"./d", "41ed")
        .tagged("p", b"./d/secret")
        .tagged("v", b"./d/gone\x1b")
        .file(b"./d/ok", "81a4", 1, b"1", 0)
        .end();
    let (_, notes, rec) = convert(&records, false);
    assert_eq!(
        notes,
        vec![
            RemoteMessage::PermissionDenied {
                path: "./d/secret".into()
            },
            RemoteMessage::Vanished {
                path: escape_for_display(b"./d/gone\x1b")
            },
        ]
    );
    let reported: Vec<_> = rec.skipped_paths().into_iter().map(|s| s.reason).collect();
    assert_eq!(
        reported,
        vec![SkipReason::PermissionDenied, SkipReason::Vanished]
    );
}

#[test]
fn records_without_this_copys_nonce_make_the_stream_malformed() {
    let mut records = Records::new().node(b"./d", "41ed").end();
    records.splice(0..0, b"ffff n 41ed 1 1 0 0 1 1 1\n./x\0".iter().copied());
    let rec = Recording::default();
    let mut s = FilewiseStream::new(&records[..], NONCE, &rec, Notes::default());
    let err = s
        .read_to_end(&mut Vec::new())
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
}

#[test]
fn modes_keep_permission_bits_only_after_unpack() {
    let records = Records::new()
        .node(b"./d", "41c0")
        .file(b"./d/x", "8df4", 1, b"1", 0)
        .end();
    let (dir, res, _) = unpack_records(&records, false);
    res.unwrap_or_else(|e| panic!("{e}"));
    let mode = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0)
    };
    assert_eq!(mode("out"), 0o700);
    assert_eq!(
        mode("out/x"),
        0o764,
        "setuid/setgid dropped as on the tar path"
    );
}

#[test]
fn a_second_name_of_an_inode_already_sent_becomes_a_hardlink_with_one_inode() {
    use std::os::unix::fs::MetadataExt;
    let records = Records::new()
        .node(b".", "41ed")
        .linked(b"./a", 40, 3, b"shared", 0)
        .linked(b"./other", 41, 1, b"alone", 0)
        .linked(b"./d/b", 40, 3, b"shared", 0)
        .node(b"./d", "41ed")
        .linked(b"./c", 40, 3, b"shared", 0)
        .end();
    for trickle in [false, true] {
        let (tar_bytes, _, _) = convert(&records, trickle);
        let mut archive = tar::Archive::new(&tar_bytes[..]);
        let kinds: Vec<(String, EntryType, Option<String>)> = archive
            .entries()
            .unwrap_or_else(|e| panic!("{e}"))
            .map(|e| {
                let e = e.unwrap_or_else(|e| panic!("{e}"));
                let link = e
                    .link_name()
                    .ok()
                    .flatten()
                    .map(|l| l.display().to_string());
                (
                    e.path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    e.header().entry_type(),
                    link,
                )
            })
            .collect();
        assert_eq!(kinds[1], ("./a".into(), EntryType::Regular, None));
        assert_eq!(kinds[2], ("./other".into(), EntryType::Regular, None));
        assert_eq!(
            kinds[3],
            ("./d/b".into(), EntryType::Link, Some("./a".into()))
        );
        assert_eq!(
            kinds[5],
            ("./c".into(), EntryType::Link, Some("./a".into()))
        );
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dest = dir.path().join("out");
    let rec = Recording::default();
    let notes = Notes::default();
    let stream = FilewiseStream::new(&records[..], NONCE, &rec, Rc::clone(&notes));
    let summary =
        unpack(stream, &dest, &UnpackOptions::default(), &rec).unwrap_or_else(|e| panic!("{e}"));
    let ino = |p: &str| {
        std::fs::metadata(dest.join(p))
            .unwrap_or_else(|e| panic!("{p}: {e}"))
            .ino()
    };
    assert_eq!(ino("a"), ino("d/b"));
    assert_eq!(ino("a"), ino("c"));
    assert_ne!(ino("a"), ino("other"));
    assert_eq!((summary.files, summary.hardlinks), (2, 2));
    assert_eq!(std::fs::read(dest.join("c")).unwrap_or_default(), b"shared");
}

#[test]
fn a_withdrawn_first_name_leaves_the_next_one_a_whole_file() {
    let records = Records::new()
        .node(b".", "41ed")
        .linked(b"./a", 50, 2, b"shar", 1)
        .linked(b"./b", 50, 2, b"shared", 0)
        .end();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dest = dir.path().join("out");
    let rec = Recording::default();
    let stream = FilewiseStream::new(&records[..], NONCE, &rec, Notes::default());
    let summary =
        unpack(stream, &dest, &UnpackOptions::default(), &rec).unwrap_or_else(|e| panic!("{e}"));
    assert!(!dest.join("a").exists());
    assert_eq!(std::fs::read(dest.join("b")).unwrap_or_default(), b"shared");
    assert_eq!(
        (summary.files, summary.hardlinks, summary.skipped_count),
        (1, 0, 1)
    );
}
