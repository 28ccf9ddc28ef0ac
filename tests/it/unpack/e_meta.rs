//! Corpus group E: metadata (P-meta).

use std::os::unix::fs::MetadataExt;
use std::time::{Duration, SystemTime};

use kubectl_dfimage::transfer::UnpackOptions;

use super::craft::{Hdr, Tar};
use super::world::{World, file, src_opts};

fn mode(w: &World, rel: &str) -> u32 {
    std::fs::symlink_metadata(w.d(rel))
        .map(|m| m.mode() & 0o7777)
        .unwrap_or(u32::MAX)
}

#[test]
fn e1_setuid_setgid_and_sticky_are_dropped() {
    let w = World::new();
    let tar = Tar::new()
        .file_mode("src/suid", b"s", 0o4755)
        .file_mode("src/sgid", b"g", 0o2755)
        .dir_mode("src/tmp/", 0o1777)
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(
        (mode(&w, "suid"), mode(&w, "sgid"), mode(&w, "tmp")),
        (0o755, 0o755, 0o777)
    );
}

#[test]
fn e2_permission_bits_are_applied_exactly_after_writing() {
    let w = World::new();
    let tar = Tar::new()
        .file_mode("src/all", b"a", 0o777)
        .file_mode("src/rw", b"b", 0o666)
        .file_mode("src/none", b"written anyway", 0o000)
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!(
        (mode(&w, "all"), mode(&w, "rw"), mode(&w, "none")),
        (0o777, 0o666, 0o000)
    );
    assert_eq!(
        std::fs::metadata(w.d("none")).map(|m| m.len()).ok(),
        Some(14)
    );
}

#[test]
fn e3_restrictive_directory_modes_are_applied_after_their_contents() {
    let w = World::new();
    let tar = Tar::new()
        .dir_mode("src/ro/", 0o500)
        .file("src/ro/f", b"f")
        .dir_mode("src/none/", 0o000)
        .file("src/none/g", b"g")
        .end();
    w.run(&tar, &src_opts()).ok();
    assert_eq!((mode(&w, "ro"), mode(&w, "none")), (0o500, 0o000));
    assert_eq!(w.tree().get("ro/f"), Some(&file(b"f", 0o644)));
    assert_eq!(w.tree().get("none/g"), Some(&file(b"g", 0o644)));
}

#[test]
fn e4_owners_are_ignored_unless_asked_for() {
    let w = World::new();
    let mut h = Hdr::new("src/owned", b'0');
    (h.uid, h.gid, h.size) = (1000, 1000, 1);
    w.run(&Tar::new().raw(h, b"o").end(), &src_opts()).ok();
    let own = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0);
    assert_eq!(
        std::fs::metadata(w.d("owned")).map(|m| m.uid()).ok(),
        Some(own)
    );
}

#[test]
fn e4_e7_owners_are_applied_numerically_when_asked_for_as_root() {
    if std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(1)
        != 0
    {
        return; // owners are only applied as root; covered by e4_owners_are_ignored_unless_asked_for
    }
    let w = World::new();
    let mut f = Hdr::new("src/f", b'0');
    (f.uid, f.gid, f.size) = (1000, 1001, 1);
    let mut d = Hdr::new("src/d/", b'5');
    (d.uid, d.gid) = (2147483648, 7);
    let tar = Tar::new()
        .raw(f, b"f")
        .raw(d, b"")
        .pax(
            b'x',
            &[("uid", b"1234"), ("gid", b"4321"), ("uname", b"root")],
        )
        .file("src/pax", b"p")
        .symlink("src/l", "f")
        .end();
    w.run(
        &tar,
        &UnpackOptions {
            preserve_owner: true,
            ..src_opts()
        },
    )
    .ok();
    let ids = |rel: &str| {
        std::fs::symlink_metadata(w.d(rel))
            .map(|m| (m.uid(), m.gid()))
            .ok()
    };
    assert_eq!(ids("f"), Some((1000, 1001)));
    assert_eq!(ids("d"), Some((2147483648, 7)));
    assert_eq!(ids("pax"), Some((1234, 4321)));
}

#[test]
fn e5_mtimes_are_preserved_and_unrepresentable_ones_ignored() {
    let w = World::new();
    let mut epoch = Hdr::new("src/epoch", b'0');
    epoch.mtime = 0;
    let mut future = Hdr::new("src/y2400", b'0');
    future.mtime = 13_569_465_600;
    let mut far = Hdr::new("src/y3000", b'0');
    far.mtime = 32_503_680_000; // beyond ext4's range: clamped by the filesystem, still SAFE
    let mut huge = Hdr::new("src/huge", b'0');
    let mut raw = [0u8; 12];
    raw[0] = 0x80;
    raw[4..].fill(0xff);
    huge.raw_mtime = Some(raw);
    let mut dir = Hdr::new("src/d/", b'5');
    dir.mtime = 1_000_000_000;
    let tar = Tar::new()
        .raw(epoch, b"")
        .raw(future, b"")
        .raw(far, b"")
        .raw(huge, b"")
        .raw(dir, b"")
        .file("src/d/inner", b"x")
        .end();
    w.run(&tar, &src_opts()).ok();
    let mtime = |rel: &str| std::fs::metadata(w.d(rel)).and_then(|m| m.modified()).ok();
    assert_eq!(mtime("epoch"), Some(SystemTime::UNIX_EPOCH));
    assert_eq!(
        mtime("y2400"),
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(13_569_465_600))
    );
    assert!(w.d("y3000").exists() && w.d("huge").exists());
    assert_eq!(
        mtime("d"),
        Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)),
        "dir time set last"
    );
}

#[test]
fn e6_xattr_and_acl_records_are_ignored() {
    let w = World::new();
    let tar = Tar::new()
        .pax(
            b'x',
            &[
                ("SCHILY.xattr.security.capability", b"\x01\x00\x00\x02"),
                ("SCHILY.xattr.trusted.x", b"t"),
                ("SCHILY.acl.access", b"user::rwx"),
                ("LIBARCHIVE.xattr.user.x", b"eA=="),
            ],
        )
        .file("src/f", b"f")
        .end();
    let run = w.run(&tar, &src_opts());
    assert!(run.ok().skipped.is_empty());
    assert_eq!(w.tree().get("f"), Some(&file(b"f", 0o644)));
}

#[test]
fn e3_a_second_stream_can_fill_directories_the_first_made_read_only() {
    let w = World::new();
    let tar = |f: &str| Tar::new().dir_mode("src/ro/", 0o500).file(f, b"v").end();
    w.run(&tar("src/ro/first"), &src_opts()).ok();
    assert_eq!(mode(&w, "ro"), 0o500);
    let run = w.run(&tar("src/ro/second"), &src_opts());
    assert!(run.ok().skipped.is_empty());
    assert_eq!(w.tree().get("ro/second"), Some(&file(b"v", 0o644)));
    assert_eq!(mode(&w, "ro"), 0o500);
}
