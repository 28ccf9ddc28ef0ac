//! What an upload actually wrote, from what was sent and what the container's tar said
//! (pure).
//!
//! Owns the upload view of the remote diagnostics: the extracting tar's errors are about
//! the container's side (a missing directory there is "no such file or directory", never
//! "vanished", which is the reading side's word); each path is reported once; an entry the
//! remote tar names in an error is skipped, not copied. busybox tar exits at its first
//! failed file (not directory), so with it the entries after that one did not land either
//! (and are not named): that is reported as such. Never prints, never runs anything.

use std::collections::{HashMap, HashSet};

use super::flavor::TarFlavor;
use super::pack::{PackSummary, SentKind};
use super::remote_stderr::RemoteMessage;
use crate::report::{SkipReason, Skipped};

/// The skip record of one remote diagnostic of an upload; `None` when it is no per-path
/// problem.
pub fn upload_skip(message: &RemoteMessage) -> Option<Skipped> {
    let (path, reason, detail) = match message {
        RemoteMessage::PermissionDenied { path } => (
            path,
            SkipReason::PermissionDenied,
            "remote: permission denied".to_owned(),
        ),
        RemoteMessage::Vanished { path } => (
            path,
            SkipReason::Io,
            "remote: no such file or directory".to_owned(),
        ),
        RemoteMessage::Refused { path, why } => (path, SkipReason::Io, format!("remote: {why}")),
        _ => return None,
    };
    Some(Skipped {
        path: path.clone(),
        reason,
        detail: Some(detail),
    })
}

/// Keeps the first record of each path, in order.
#[derive(Debug, Default)]
pub struct OncePerPath {
    seen: HashSet<String>,
}

impl OncePerPath {
    /// Whether `skip` is the first record for its path.
    pub fn first(&mut self, skip: &Skipped) -> bool {
        self.seen.insert(normal(&skip.path).to_owned())
    }
}

/// What landed in the container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Landed {
    /// Regular files.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
    /// Symlinks and hardlinks.
    pub links: u64,
    /// File bytes.
    pub bytes: u64,
    /// Entries after a busybox tar's first failure, which it never extracted.
    pub cut_off: u64,
    /// The member names of the regular files that landed (for `--verify`).
    pub file_names: Vec<String>,
}

/// Counts the sent entries the remote tar did not name in `refused` (paths as in its
/// diagnostics). With busybox, entries after the first named one are cut off.
pub fn landed(pack: &PackSummary, refused: &[String], flavor: TarFlavor) -> Landed {
    let refused: HashSet<&str> = refused.iter().map(|p| normal(p)).collect();
    let mut out = Landed::default();
    let index: HashMap<&str, usize> = pack
        .sent
        .iter()
        .enumerate()
        .map(|(i, e)| (normal(&e.name), i))
        .collect();
    // busybox goes on after a directory it could not create, not after a file
    let stop = if flavor == TarFlavor::Busybox {
        refused
            .iter()
            .filter_map(|p| index.get(p).copied())
            .filter(|&i| pack.sent[i].kind != SentKind::Dir)
            .min()
    } else {
        None
    };
    for (i, entry) in pack.sent.iter().enumerate() {
        if refused.contains(normal(&entry.name)) {
            continue;
        }
        if stop.is_some_and(|s| i > s) {
            out.cut_off += 1;
            continue;
        }
        match entry.kind {
            SentKind::File => {
                out.files += 1;
                out.bytes += entry.bytes;
                out.file_names.push(entry.name.clone());
            }
            SentKind::Dir => out.dirs += 1,
            SentKind::Link => out.links += 1,
        }
    }
    out
}

/// A member name relative to the archive's root entry `root` (`.` for the root itself).
pub fn below_root<'a>(name: &'a str, root: &str) -> &'a str {
    let name = normal(name);
    if root == "." {
        return name;
    }
    match name.strip_prefix(root) {
        Some("") => ".",
        Some(rest) => rest.strip_prefix('/').map_or(name, normal),
        None => name,
    }
}

/// A member name without `./` in front or `/` behind, as tars print it either way.
pub fn normal(path: &str) -> &str {
    let mut p = path;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    let p = p.trim_end_matches('/');
    if p.is_empty() { "." } else { p }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::pack::SentEntry;
    use crate::transfer::remote_stderr::classify_line;

    fn pack(entries: &[(&str, SentKind, u64)]) -> PackSummary {
        PackSummary {
            sent: entries
                .iter()
                .map(|(n, k, b)| SentEntry {
                    name: (*n).to_owned(),
                    kind: *k,
                    bytes: *b,
                })
                .collect(),
            ..PackSummary::default()
        }
    }

    fn tree() -> PackSummary {
        pack(&[
            ("t", SentKind::Dir, 0),
            ("t/a.txt", SentKind::File, 2),
            ("t/link", SentKind::Link, 0),
            ("t/sub", SentKind::Dir, 0),
            ("t/sub/b.txt", SentKind::File, 5),
            ("t/z.txt", SentKind::File, 7),
        ])
    }

    #[test]
    fn entries_the_remote_names_are_not_counted_as_copied() {
        let got = landed(&tree(), &["./t/sub/b.txt".into()], TarFlavor::Gnu);
        assert_eq!(
            got,
            Landed {
                files: 2,
                dirs: 2,
                links: 1,
                bytes: 9,
                cut_off: 0,
                file_names: vec!["t/a.txt".into(), "t/z.txt".into()],
            }
        );
        let all: Vec<String> = tree().sent.iter().map(|e| e.name.clone()).collect();
        assert_eq!(landed(&tree(), &all, TarFlavor::Gnu), Landed::default());
        assert_eq!(landed(&tree(), &[], TarFlavor::Gnu).files, 3);
    }

    #[test]
    fn busybox_entries_after_its_first_failure_did_not_land() {
        let got = landed(&tree(), &["t/sub/b.txt".into()], TarFlavor::Busybox);
        assert_eq!(
            got,
            Landed {
                files: 1,
                dirs: 2,
                links: 1,
                bytes: 2,
                cut_off: 1,
                file_names: vec!["t/a.txt".into()],
            }
        );
        assert_eq!(
            landed(&tree(), &["elsewhere".into()], TarFlavor::Busybox).cut_off,
            0
        );
    }

    #[test]
    fn remote_errors_of_an_upload_are_never_called_vanished() {
        for (line, reason, detail) in [
            (
                "tar: t/a.txt: Cannot open: No such file or directory",
                SkipReason::Io,
                "remote: no such file or directory",
            ),
            (
                "tar: t/sub: Cannot mkdir: Permission denied",
                SkipReason::PermissionDenied,
                "remote: permission denied",
            ),
            (
                "tar: x/a: Cannot open: Not a directory",
                SkipReason::Io,
                "remote: not a directory",
            ),
        ] {
            let s = upload_skip(&classify_line(line.as_bytes()));
            assert_eq!(
                s.map(|s| (s.reason, s.detail)),
                Some((reason, Some(detail.to_owned()))),
                "{line}"
            );
        }
        assert_eq!(upload_skip(&RemoteMessage::ExitSummary), None);
    }

    #[test]
    fn names_below_the_root_entry_are_relative_to_it() {
        assert_eq!(below_root("t/sub/a", "t"), "sub/a");
        assert_eq!(below_root("t", "t"), ".");
        assert_eq!(below_root("tx/a", "t"), "tx/a");
        assert_eq!(below_root("./sub/a", "."), "sub/a");
    }

    #[test]
    fn each_path_is_reported_once_however_the_tar_spells_it() {
        let mut once = OncePerPath::default();
        let s = |p: &str| Skipped {
            path: p.to_owned(),
            reason: SkipReason::PermissionDenied,
            detail: None,
        };
        assert!(once.first(&s("t")));
        assert!(!once.first(&s("t")));
        assert!(!once.first(&s("./t/")));
        assert!(once.first(&s("t/a")));
    }
}
