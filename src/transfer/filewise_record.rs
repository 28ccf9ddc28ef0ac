//! The walk's record format, line by line, and the tar headers a record becomes (pure).
//!
//! Owns parsing a record line (`NONCE TAG [MODE_HEX SIZE MTIME UID GID ...]`, see
//! `filewise.rs`) and building a member's tar header bytes: raw name bytes (judged later by
//! the unpacker, never here), GNU long-name and long-link records when a field does not fit,
//! permission bits with setuid/setgid/sticky kept for the extractor to drop.

use tar::{EntryType, Header};

/// A record line, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    Node {
        kind: u8,
        mode: u32,
        size: u64,
        mtime: u64,
        uid: u64,
        gid: u64,
        /// Device, inode and link count: a second name of an inode already sent is a
        /// hardlink.
        dev: u64,
        ino: u64,
        nlink: u64,
    },
    Denied,
    Vanished,
    End,
}

/// Parses `NONCE ...` (without the newline); `None` when it is not a record of this copy.
pub(crate) fn parse_line(line: &[u8], nonce: &[u8]) -> Option<Line> {
    let rest = line.strip_prefix(nonce)?.strip_prefix(b" ")?;
    let text = std::str::from_utf8(rest).ok()?;
    let mut words = text.split(' ');
    let tag = words.next()?;
    let line = match tag {
        "p" => Line::Denied,
        "v" => Line::Vanished,
        "end" => Line::End,
        "f" | "l" | "n" => {
            let mode = u32::from_str_radix(words.next()?, 16).ok()?;
            let mut num = || words.next()?.parse::<u64>().ok();
            let (size, mtime, uid, gid) = (num()?, num()?, num()?, num()?);
            let (dev, ino, nlink) = (num()?, num()?, num()?);
            Line::Node {
                kind: tag.as_bytes()[0],
                mode,
                size,
                mtime,
                uid,
                gid,
                dev,
                ino,
                nlink,
            }
        }
        _ => return None,
    };
    Some(line)
}

/// The tar bytes announcing one member: a GNU long-name / long-link record when a field does
/// not fit, then the header. Names are copied as raw bytes (the unpacker judges them).
pub(crate) fn header_bytes(
    name: &[u8],
    kind: EntryType,
    line: &Line,
    size: u64,
    link: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    let (mode, mtime, uid, gid) = match *line {
        Line::Node {
            mode,
            mtime,
            uid,
            gid,
            ..
        } => (mode & 0o7777, mtime, uid, gid),
        _ => (0o644, 0, 0, 0),
    };
    for (bytes, ext) in [
        (Some(name), EntryType::GNULongName),
        (link, EntryType::GNULongLink),
    ] {
        if let Some(b) = bytes.filter(|b| b.len() > 100) {
            let mut h = Header::new_gnu();
            h.set_entry_type(ext);
            h.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
            h.set_size(b.len() as u64 + 1);
            h.set_mode(0o644);
            h.set_cksum();
            out.extend_from_slice(h.as_bytes());
            out.extend_from_slice(b);
            out.push(0);
            out.resize(out.len().next_multiple_of(512), 0);
        }
    }
    let mut h = Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(uid);
    h.set_gid(gid);
    h.set_mtime(mtime);
    h.set_size(size);
    let n = name.len().min(100);
    h.as_old_mut().name[..n].copy_from_slice(&name[..n]);
    if let Some(t) = link {
        let n = t.len().min(100);
        h.as_old_mut().linkname[..n].copy_from_slice(&t[..n]);
    }
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out
}

/// The tar entry type for a stat mode, `None` for a socket (tar never archives one).
pub(crate) fn entry_type(mode: u32) -> Option<EntryType> {
    Some(match (mode >> 12) & 0xf {
        0x8 => EntryType::Regular,
        0x4 => EntryType::Directory,
        0xa => EntryType::Symlink,
        0x1 => EntryType::Fifo,
        0x2 => EntryType::Char,
        0x6 => EntryType::Block,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: &[u8] = b"feedface";

    #[test]
    fn record_lines_parse_and_foreign_or_damaged_lines_do_not() {
        assert_eq!(
            parse_line(b"feedface f 81a4 5 1700000000 1000 100 64 7 1", N),
            Some(Line::Node {
                kind: b'f',
                mode: 0o100644,
                size: 5,
                mtime: 1_700_000_000,
                uid: 1000,
                gid: 100,
                dev: 64,
                ino: 7,
                nlink: 1,
            })
        );
        assert_eq!(parse_line(b"feedface p", N), Some(Line::Denied));
        assert_eq!(parse_line(b"feedface v", N), Some(Line::Vanished));
        assert_eq!(parse_line(b"feedface end 1", N), Some(Line::End));
        for bad in [
            &b"deadbeef p"[..],
            b"feedfacep",
            b"feedface f 81a4 five 1 0 0 1 1 1",
            b"feedface f zz 5 1 0 0 1 1 1",
            b"feedface f 81a4 5 1 0 0 1 1",
            b"feedface q",
        ] {
            assert_eq!(parse_line(bad, N), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn long_names_and_targets_get_gnu_extension_records() {
        let line = Line::Node {
            kind: b'l',
            mode: 0o120777,
            size: 0,
            mtime: 1,
            uid: 0,
            gid: 0,
            dev: 1,
            ino: 2,
            nlink: 1,
        };
        let name = vec![b'n'; 101];
        let target = vec![b't'; 200];
        let bytes = header_bytes(&name, EntryType::Symlink, &line, 0, Some(&target));
        // L header + 1 data block, K header + 1 data block, the member header
        assert_eq!(bytes.len(), 5 * 512);
        assert_eq!(bytes[156], b'L');
        assert_eq!(bytes[2 * 512 + 156], b'K');
        assert_eq!(&bytes[512..614], &[&name[..], &[0]].concat()[..]);
        let short = header_bytes(b"./x", EntryType::Directory, &line, 0, None);
        assert_eq!(short.len(), 512);
        assert_eq!(entry_type(0o140755), None, "sockets are not archived");
        assert_eq!(entry_type(0o060600), Some(EntryType::Block));
    }
}
