//! The rest of the corpus through one hostile container, one archive after another, each into
//! its own fresh LOCAL: per case the exit code, one skip line per skipped entry, what LOCAL
//! holds, and that nothing else in the scratch folder changed (the canaries and every earlier
//! case's LOCAL). Failures are collected, so one run reports every case that broke.
//!
//! Each copy gets `--idle-timeout 3s`: after F12 (extension headers beyond the cap, then more
//! than the pipes hold) the unpacker rightly stops reading, but the download then waits for
//! an exec status that the remote `cat`, blocked on the undrained stream, never sends; only
//! the idle timeout ends it (exit 2, reported as a stall).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;

use super::craft::{Hdr, Tar};
use super::*;

/// What one name under LOCAL must be after the copy (`b""` names LOCAL itself).
enum Want {
    File(&'static [u8]),
    FileMode(&'static [u8], u32),
    DirMode(u32),
    Dir,
    Link(String),
    Absent,
}

struct Case {
    id: &'static str,
    tar: Vec<u8>,
    code: i32,
    skipped: &'static [&'static str],
    want: Vec<(&'static [u8], Want)>,
}

fn case(
    id: &'static str,
    tar: Vec<u8>,
    code: i32,
    skipped: &'static [&'static str],
    want: Vec<(&'static [u8], Want)>,
) -> Case {
    Case {
        id,
        tar,
        code,
        skipped,
        want,
    }
}

fn sized(name: &str, typ: u8, size: u64) -> Hdr {
    let mut h = Hdr::new(name, typ);
    h.size = size;
    h
}

fn cases(out: &str) -> Vec<Case> {
    use Want::*;
    let long = format!("src/{}", "l".repeat(300));
    let mut bad_size = Hdr::new("src/bad", b'0');
    bad_size.raw_size = Some(*b"12z4567\0\0\0\0\0");
    let mut bad_sum = Hdr::new("src/f", b'0');
    bad_sum.bad_checksum = true;
    let mut pax_size = Hdr::new("src/f", b'0');
    pax_size.size = 0;
    let mut suid = sized("src/suid", b'0', 1);
    suid.mode = 0o4755;
    let mut ro = Hdr::new("src/ro", b'5');
    ro.mode = 0o500;
    let mut short = Tar::new().bytes;
    short.extend_from_slice(&sized("src/short", b'0', 1000).bytes());
    short.extend_from_slice(&[b's'; 600]);
    let mut one_zero_block = Tar::new().file("src/f", b"f").bytes;
    one_zero_block.extend_from_slice(&[0u8; 512]);
    vec![
        case(
            "a2 `..` that stays inside",
            Tar::new()
                .file("src/a/../b", b"x")
                .file("src/ok", b"ok")
                .end(),
            1,
            &["src/a/../b"],
            vec![(b"b", Absent), (b"ok", File(b"ok"))],
        ),
        case(
            "a3 dot and empty components",
            Tar::new()
                .file("./src/x1", b"1")
                .file("src//x2", b"2")
                .file("src/./x3", b"3")
                .dir("src/../")
                .end(),
            1,
            &["src/../"],
            vec![
                (b"x1", File(b"1")),
                (b"x2", File(b"2")),
                (b"x3", File(b"3")),
            ],
        ),
        case(
            "a10 control characters and invalid UTF-8 are kept",
            Tar::new()
                .file(b"src/new\nline", b"v")
                .file(b"src/esc\x1b[31m", b"v")
                .file(b"src/caf\xe9", b"v")
                .end(),
            0,
            &[],
            vec![
                (b"new\nline", File(b"v")),
                (b"esc\x1b[31m", File(b"v")),
                (b"caf\xe9", File(b"v")),
            ],
        ),
        case(
            "a11 a 300-byte component",
            Tar::new()
                .gnu_long(b'L', long.as_bytes())
                .raw(sized("src/placeholder", b'0', 1), b"x")
                .file("src/ok", b"ok")
                .end(),
            1,
            &[],
            vec![(b"placeholder", Absent), (b"ok", File(b"ok"))],
        ),
        case(
            "a13 the same name twice: last wins",
            Tar::new()
                .file("src/f", b"first")
                .file("src/f", b"second")
                .end(),
            0,
            &[],
            vec![(b"f", File(b"second"))],
        ),
        case(
            "a14 a file never replaces a directory",
            Tar::new()
                .dir("src/x/")
                .file("src/x/keep", b"k")
                .file("src/x", b"file")
                .end(),
            1,
            &["src/x"],
            vec![(b"x", Dir), (b"x/keep", File(b"k"))],
        ),
        case(
            "a15 a directory replaces a file",
            Tar::new()
                .file("src/x", b"file")
                .dir("src/x/")
                .file("src/x/y", b"y")
                .end(),
            0,
            &[],
            vec![(b"x/y", File(b"y"))],
        ),
        case(
            "b2 link to / then a file through it",
            Tar::new()
                .symlink("src/l", "/")
                .file("src/l/x", b"pwned")
                .end(),
            1,
            &["src/l/x"],
            vec![(b"l", Link("/".into()))],
        ),
        case(
            "b4 a link never replaces a directory",
            Tar::new()
                .dir("src/d/")
                .file("src/d/f", b"f")
                .symlink("src/d", out)
                .end(),
            1,
            &["src/d"],
            vec![(b"d", Dir), (b"d/f", File(b"f"))],
        ),
        case(
            "b6 parents are never links, even inside",
            Tar::new()
                .symlink("src/p", "sub")
                .dir("src/sub/")
                .file("src/p/q", b"q")
                .end(),
            1,
            &["src/p/q"],
            vec![(b"p", Link("sub".into())), (b"sub/q", Absent)],
        ),
        case(
            "b7 link loops are kept and never followed",
            Tar::new()
                .symlink("src/a", "b")
                .symlink("src/b", "a")
                .symlink("src/c", "c")
                .file("src/a/x", b"x")
                .end(),
            1,
            &["src/a/x"],
            vec![(b"a", Link("b".into())), (b"c", Link("c".into()))],
        ),
        case(
            "b8 a link with an empty target",
            Tar::new().symlink("src/e", "").file("src/ok", b"ok").end(),
            1,
            &["src/e"],
            vec![(b"e", Absent), (b"ok", File(b"ok"))],
        ),
        case(
            "b9 the root entry is a link to outside",
            Tar::new().symlink("src", out).file("src/x", b"pwned").end(),
            1,
            &["src/x"],
            vec![(b"", Link(out.into()))],
        ),
        case(
            "c4 a hardlink to a later entry",
            Tar::new()
                .hardlink("src/h", "src/later")
                .file("src/later", b"l")
                .end(),
            1,
            &["src/h"],
            vec![(b"h", Absent), (b"later", File(b"l"))],
        ),
        case(
            "c5 a hardlink to itself",
            Tar::new().hardlink("src/h", "src/h").end(),
            2, // nothing of the selection copied: a failure, not partial
            &["src/h"],
            vec![(b"h", Absent)],
        ),
        case(
            "c6 a hardlinked name replaced by a new file leaves the target alone",
            Tar::new()
                .file("src/f", b"f")
                .hardlink("src/h", "src/f")
                .file("src/h", b"new")
                .end(),
            0,
            &[],
            vec![(b"f", File(b"f")), (b"h", File(b"new"))],
        ),
        case(
            "c8 a hardlink to a skipped entry",
            Tar::new()
                .special("src/p", b'6')
                .hardlink("src/h", "src/p")
                .end(),
            2, // nothing of the selection copied: a failure, not partial
            &["src/p", "src/h"],
            vec![(b"p", Absent), (b"h", Absent)],
        ),
        case(
            "d4 an unknown typeflag with a body",
            Tar::new()
                .raw(sized("src/x", b'X', 5), b"xxxxx")
                .file("src/after", b"a")
                .end(),
            1,
            &["src/x"],
            vec![(b"x", Absent), (b"after", File(b"a"))],
        ),
        case(
            "d6 a contiguous file is a file",
            Tar::new().raw(sized("src/c", b'7', 4), b"cont").end(),
            0,
            &[],
            vec![(b"c", File(b"cont"))],
        ),
        case(
            "d7 a global PAX header never names a member",
            Tar::new()
                .pax(b'g', &[("path", b"src/../../global")])
                .file("src/own", b"v")
                .end(),
            0,
            &[],
            vec![(b"own", File(b"v"))],
        ),
        case(
            "d9 two PAX headers for one member",
            Tar::new()
                .pax(b'x', &[("path", b"src/one")])
                .pax(b'x', &[("path", b"src/two")])
                .file("src/f", b"f")
                .end(),
            2,
            &[],
            vec![(b"one", Absent), (b"two", Absent)],
        ),
        case(
            "e1 setuid is dropped",
            Tar::new().raw(suid, b"s").end(),
            0,
            &[],
            vec![(b"suid", FileMode(b"s", 0o755))],
        ),
        case(
            "e3 a 0500 directory gets its mode after its contents",
            Tar::new().raw(ro, b"").file("src/ro/f", b"f").end(),
            0,
            &[],
            vec![(b"ro", DirMode(0o500)), (b"ro/f", File(b"f"))],
        ),
        case(
            "f3 a non-octal size field",
            Tar::new().raw(bad_size, b"").file("src/after", b"a").end(),
            2,
            &[],
            vec![(b"after", Absent)],
        ),
        case(
            "f5 a wrong header checksum",
            Tar::new().raw(bad_sum, b"").end(),
            2,
            &[],
            vec![(b"f", Absent)],
        ),
        case(
            "f7 a stream cut mid-body",
            short,
            2,
            &[],
            vec![(b"short", Absent)],
        ),
        case(
            "f8 a single zero block ends the archive",
            one_zero_block,
            0,
            &[],
            vec![(b"f", File(b"f"))],
        ),
        case(
            "f12 a PAX header above the cap, then more than the pipes hold",
            Tar::new()
                .pax(b'x', &[("comment", &vec![b'p'; 5 << 20])])
                .file("src/f", b"f")
                .end(),
            2,
            &[],
            vec![(b"f", Absent)],
        ),
        case(
            "f14 the PAX size overrides the ustar size",
            Tar::new()
                .pax(b'x', &[("size", b"3")])
                .raw(pax_size, b"abc")
                .file("src/after", b"after")
                .end(),
            0,
            &[],
            vec![(b"f", File(b"abc")), (b"after", File(b"after"))],
        ),
    ]
}

/// What is wrong with `path` given `want`, if anything.
fn check(path: &Path, want: &Want) -> Option<String> {
    let meta = std::fs::symlink_metadata(path);
    let mode = |m: &std::fs::Metadata| m.permissions().mode() & 0o7777;
    let ok = match (want, &meta) {
        (Want::Absent, m) => m.is_err(),
        (Want::Dir, Ok(m)) => m.is_dir(),
        (Want::DirMode(bits), Ok(m)) => m.is_dir() && mode(m) == *bits,
        (Want::File(body), Ok(m)) => {
            m.is_file() && std::fs::read(path).ok().as_deref() == Some(body)
        }
        (Want::FileMode(body, bits), Ok(m)) => {
            m.is_file() && mode(m) == *bits && std::fs::read(path).ok().as_deref() == Some(body)
        }
        (Want::Link(target), Ok(m)) => {
            m.file_type().is_symlink()
                && std::fs::read_link(path).ok().as_deref() == Some(Path::new(target))
        }
        (_, Err(_)) => false,
    };
    (!ok).then(|| format!("{}: got {:?}", path.display(), meta.map(|m| m.file_type())))
}

#[test]
#[ignore = "needs root for the fake cluster's chroot (run by scripts/test.sh)"]
fn every_other_corpus_case_through_one_hostile_container() {
    require_root();
    let h = Hostile::new(b"");
    let mut failures = Vec::new();
    for (n, c) in cases(&h.out()).into_iter().enumerate() {
        h.plant(&c.tar);
        let dest = h.w.local(&format!("D{n:02}"));
        let (out, changed) = h.copy_into(&dest, &["--retries", "0", "--idle-timeout", "3s"]);
        let err = stderr(&out);
        let mut problems: Vec<String> = changed.into_iter().collect();
        if out.status.code() != Some(c.code) {
            problems.push(format!("exit {:?}, want {}", out.status.code(), c.code));
        }
        if c.code == 1 && !err.contains("copy is partial") {
            problems.push("no partial-copy summary".into());
        }
        for name in c.skipped {
            let lines = err
                .lines()
                .filter(|l| {
                    l.strip_prefix("skipped: ")
                        .map(|r| r.trim_start_matches("./"))
                        .is_some_and(|r| r.starts_with(&format!("{name}: ")))
                })
                .count();
            if lines != 1 {
                problems.push(format!("{lines} skip lines for {name}"));
            }
        }
        for (rel, want) in &c.want {
            let path = if rel.is_empty() {
                dest.clone()
            } else {
                dest.join(OsStr::from_bytes(rel))
            };
            problems.extend(check(&path, want));
        }
        if !problems.is_empty() {
            failures.push(format!("{}: {}\n{err}", c.id, problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
