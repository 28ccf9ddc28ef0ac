//! The container's tar diagnostics, one stderr line at a time, as types (pure); also
//! `find`'s per-path lines, for the file-by-file walk of tar-less containers.
//!
//! Owns the message formats of GNU tar, busybox tar and bsdtar (fixtures below were captured
//! by running each here; `tests/it/unpack/real_tar.rs` checks them live). Every line starts
//! with the program name (`tar: `, `bsdtar: `), which is dropped. Paths are tar's own
//! rendering (GNU escapes control characters; others print raw bytes): they are for
//! display and logs only, never for building local paths (corpus J1), and are escaped.

use super::safe_path::escape_for_display;
use crate::report::{SkipReason, Skipped};

/// One classified stderr line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RemoteMessage {
    /// A path tar could not read (file or directory).
    PermissionDenied {
        /// The path as tar printed it, escaped.
        path: String,
    },
    /// A path that disappeared before or while tar read it, or never existed.
    Vanished {
        /// The path as tar printed it, escaped.
        path: String,
    },
    /// A file that changed while tar read it (its copy may be inconsistent).
    Changed {
        /// The path as tar printed it, escaped.
        path: String,
    },
    /// A path the extracting tar could not create or update, for a reason other than
    /// permission denied or a missing name (upload: `File exists`, `Not a directory`,
    /// `Operation not permitted`, `Read-only file system`, `Is a directory`).
    Refused {
        /// The path as tar printed it, escaped.
        path: String,
        /// The OS error text, lowercased (`file exists`).
        why: String,
    },
    /// A socket, which tar never archives (corpus D3: noted, not a skip).
    SocketIgnored {
        /// The path as tar printed it, escaped.
        path: String,
    },
    /// `Removing leading '/' from member names`.
    LeadingSlashRemoved,
    /// The closing line after per-path errors (`Exiting with failure status ...`).
    ExitSummary,
    /// Anything else, escaped.
    Other(String),
}

impl RemoteMessage {
    /// The skip record for a per-path problem; `None` for the other kinds.
    pub fn skipped(&self) -> Option<Skipped> {
        let (path, reason, detail) = match self {
            Self::PermissionDenied { path } => (
                path,
                SkipReason::PermissionDenied,
                "remote: permission denied",
            ),
            Self::Vanished { path } => (
                path,
                SkipReason::Vanished,
                "remote: no such file or directory",
            ),
            Self::Changed { path } => (
                path,
                SkipReason::Vanished,
                "remote: file changed as we read it",
            ),
            Self::Refused { path, why } => {
                return Some(Skipped {
                    path: path.clone(),
                    reason: SkipReason::Io,
                    detail: Some(format!("remote: {why}")),
                });
            }
            _ => return None,
        };
        Some(Skipped {
            path: path.clone(),
            reason,
            detail: Some(detail.into()),
        })
    }

    /// Whether this line is explained: a per-path problem or a benign notice.
    pub fn is_explained(&self) -> bool {
        !matches!(self, Self::Other(_))
    }
}

/// Classifies one stderr line (without its newline).
pub fn classify_line(line: &[u8]) -> RemoteMessage {
    let text = String::from_utf8_lossy(line);
    let text = text.trim_end_matches(['\r', '\n']);
    let path = |s: &str| escape_for_display(s.as_bytes());
    // a line from anything but tar or find (the shell, chroot, the runtime) names no
    // member: it is never a per-path skip
    let Some((body, from_find)) = strip_program(text) else {
        return RemoteMessage::Other(path(text));
    };
    if body.eq_ignore_ascii_case("removing leading `/' from member names")
        || body.eq_ignore_ascii_case("removing leading '/' from member names")
    {
        return RemoteMessage::LeadingSlashRemoved;
    }
    if body == "Exiting with failure status due to previous errors"
        || body
            .trim_end_matches('.')
            .eq_ignore_ascii_case("error exit delayed from previous errors")
    {
        return RemoteMessage::ExitSummary;
    }
    // busybox `can't open 'NAME': Permission denied`, bsdtar ``Can't open `NAME': ...``
    for (open, close) in [("can't open '", "': "), ("Can't open `", "': ")] {
        if let Some(rest) = body.strip_prefix(open)
            && let Some((name, why)) = rest.rsplit_once(close)
        {
            return by_reason(path(name), why).unwrap_or_else(|| RemoteMessage::Other(path(text)));
        }
    }
    // busybox extraction: `can't remove old file NAME: ...`, `can't make dir NAME: ...`,
    // `can't create directory 'NAME': ...`, `can't change directory to 'NAME': ...`
    for (open, close) in [
        ("can't remove old file ", ": "),
        ("can't make dir ", ": "),
        ("can't create directory '", "': "),
        ("can't change directory to '", "': "),
    ] {
        if let Some(rest) = body.strip_prefix(open)
            && let Some((name, why)) = rest.rsplit_once(close)
        {
            return by_reason(path(name), why).unwrap_or_else(|| RemoteMessage::Other(path(text)));
        }
    }
    if let Some(name) = body.strip_suffix(": socket ignored") {
        return RemoteMessage::SocketIgnored { path: path(name) };
    }
    if let Some(name) = body.strip_suffix(": file changed as we read it") {
        return RemoteMessage::Changed { path: path(name) };
    }
    if let Some(name) = body.strip_suffix(": File removed before we read it") {
        return RemoteMessage::Vanished { path: path(name) };
    }
    if let Some((name, _)) = body.split_once(": File shrank by ") {
        return RemoteMessage::Changed { path: path(name) };
    }
    // GNU / bsdtar `NAME: Cannot OP: REASON`; busybox `NAME: REASON`
    if let Some((head, why)) = body.rsplit_once(": ") {
        let name = match head.rsplit_once(": Cannot ") {
            Some((name, op)) if !op.contains(": ") => name,
            _ => head,
        };
        let name = if from_find { unquote(name) } else { name };
        if let Some(message) = by_reason(path(name), why) {
            return message;
        }
    }
    RemoteMessage::Other(path(text))
}

/// Per-path classes by their OS error text.
fn by_reason(path: String, why: &str) -> Option<RemoteMessage> {
    match why {
        "Permission denied" => Some(RemoteMessage::PermissionDenied { path }),
        "No such file or directory" => Some(RemoteMessage::Vanished { path }),
        "File exists"
        | "Not a directory"
        | "Is a directory"
        | "Operation not permitted"
        | "Read-only file system"
        | "Directory not empty" => Some(RemoteMessage::Refused {
            path,
            why: why.to_ascii_lowercase(),
        }),
        _ => None,
    }
}

/// Drops `tar: ` (or `bsdtar: `, `/bin/tar: `, `find: `): a first word without spaces
/// before `: `; says whether it was `find`. `None` for a line from another program.
fn strip_program(line: &str) -> Option<(&str, bool)> {
    match line.split_once(": ") {
        Some((prog, rest)) if !prog.is_empty() && !prog.contains(' ') && prog.ends_with("tar") => {
            Some((rest, false))
        }
        Some((prog, rest)) if prog == "find" || prog.ends_with("/find") => Some((rest, true)),
        _ => None,
    }
}

/// GNU find quotes names (`'./x'`, or `‘./x’` in a UTF-8 locale); busybox does not.
fn unquote(name: &str) -> &str {
    for (open, close) in [("'", "'"), ("\u{2018}", "\u{2019}")] {
        if let Some(inner) = name.strip_prefix(open).and_then(|n| n.strip_suffix(close)) {
            return inner;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use RemoteMessage::*;

    fn p(s: &str) -> String {
        s.to_owned()
    }

    /// Lines printed here by GNU tar 1.34, busybox 1.35 and bsdtar 3.6.2 running as uid 65534
    /// over a tree with a root-only file and directory, a socket, a missing name and an
    /// absolute name; the last GNU lines are the formats of its read-while-changing checks.
    #[test]
    fn real_messages_of_all_three_tars_are_classified() {
        let table: &[(&str, RemoteMessage)] = &[
            (
                "tar: ./src/secret: Cannot open: Permission denied",
                PermissionDenied {
                    path: p("./src/secret"),
                },
            ),
            (
                "tar: ./src/closed: Cannot open: Permission denied",
                PermissionDenied {
                    path: p("./src/closed"),
                },
            ),
            (
                "tar: ./missing: Cannot stat: No such file or directory",
                Vanished {
                    path: p("./missing"),
                },
            ),
            (
                "tar: ./src/sock: socket ignored",
                SocketIgnored {
                    path: p("./src/sock"),
                },
            ),
            (
                "tar: Removing leading `/' from member names",
                LeadingSlashRemoved,
            ),
            (
                "tar: Exiting with failure status due to previous errors",
                ExitSummary,
            ),
            (
                "tar: ./src/log: file changed as we read it",
                Changed {
                    path: p("./src/log"),
                },
            ),
            (
                "tar: ./src/tmp: File removed before we read it",
                Vanished {
                    path: p("./src/tmp"),
                },
            ),
            (
                "tar: ./src/log: File shrank by 100 bytes; padding with zeros",
                Changed {
                    path: p("./src/log"),
                },
            ),
            (
                "tar: can't open './src/secret': Permission denied",
                PermissionDenied {
                    path: p("./src/secret"),
                },
            ),
            (
                "tar: ./src/closed: Permission denied",
                PermissionDenied {
                    path: p("./src/closed"),
                },
            ),
            (
                "tar: ./missing: No such file or directory",
                Vanished {
                    path: p("./missing"),
                },
            ),
            (
                "tar: removing leading '/' from member names",
                LeadingSlashRemoved,
            ),
            ("tar: error exit delayed from previous errors", ExitSummary),
            (
                "bsdtar: Can't open `secret': Permission denied",
                PermissionDenied { path: p("secret") },
            ),
            (
                "bsdtar: ./missing: Cannot stat: No such file or directory",
                Vanished {
                    path: p("./missing"),
                },
            ),
            (
                "bsdtar: Removing leading '/' from member names",
                LeadingSlashRemoved,
            ),
            (
                "bsdtar: Error exit delayed from previous errors.",
                ExitSummary,
            ),
        ];
        for (line, want) in table {
            assert_eq!(&classify_line(line.as_bytes()), want, "{line}");
        }
    }

    /// busybox 1.35 and GNU findutils 4.9 (C and UTF-8 locales) over an unreadable
    /// directory, captured here; find's other lines stay unexplained.
    #[test]
    fn find_lines_of_the_file_by_file_walk_are_classified() {
        for line in [
            "find: ./data/locked: Permission denied",
            "find: './data/locked': Permission denied",
            "find: \u{2018}./data/locked\u{2019}: Permission denied",
        ] {
            assert_eq!(
                classify_line(line.as_bytes()),
                PermissionDenied {
                    path: p("./data/locked")
                },
                "{line}"
            );
        }
        assert_eq!(
            classify_line(b"find: ./gone: No such file or directory"),
            Vanished { path: p("./gone") }
        );
        assert!(!classify_line(b"find: unrecognized: -xdev").is_explained());
    }

    /// Extraction errors of GNU tar 1.34 and busybox 1.35 as a uid-1000 container user over
    /// root-owned files and directories, captured through the fake cluster.
    #[test]
    fn extraction_refusals_of_gnu_and_busybox_name_the_path() {
        let refused = |path: &str, why: &str| Refused {
            path: p(path),
            why: p(why),
        };
        let table: &[(&str, RemoteMessage)] = &[
            (
                "tar: sub/b.txt: Cannot open: File exists",
                refused("sub/b.txt", "file exists"),
            ),
            (
                "tar: sub: Cannot utime: Operation not permitted",
                refused("sub", "operation not permitted"),
            ),
            (
                "tar: t: Cannot mkdir: Permission denied",
                PermissionDenied { path: p("t") },
            ),
            (
                "tar: can't remove old file sub/b.txt: Permission denied",
                PermissionDenied {
                    path: p("sub/b.txt"),
                },
            ),
            (
                "tar: can't make dir t: Permission denied",
                PermissionDenied { path: p("t") },
            ),
            (
                "tar: can't create directory 'precious.conf': File exists",
                refused("precious.conf", "file exists"),
            ),
            (
                "tar: can't remove old file precious.conf/a.txt: Not a directory",
                refused("precious.conf/a.txt", "not a directory"),
            ),
            (
                "tar: can't change directory to '/nope': No such file or directory",
                Vanished { path: p("/nope") },
            ),
        ];
        for (line, want) in table {
            assert_eq!(&classify_line(line.as_bytes()), want, "{line}");
        }
        assert_eq!(
            refused("x", "file exists").skipped().map(|s| s.reason),
            Some(SkipReason::Io)
        );
    }

    #[test]
    fn exec_level_failures_name_no_member_and_are_never_skips() {
        for line in [
            "chroot: cannot change root directory to '/x': No such file or directory",
            "chroot: failed to run command 'tar': No such file or directory",
            "sh: 1: cd: can't cd to /nope",
            "/nope: Permission denied",
        ] {
            let m = classify_line(line.as_bytes());
            assert!(matches!(m, Other(_)), "{line}: {m:?}");
            assert_eq!(m.skipped(), None, "{line}");
        }
    }

    #[test]
    fn names_with_colons_and_spaces_keep_their_whole_path() {
        assert_eq!(
            classify_line(b"tar: ./a: b/c d: Cannot open: Permission denied"),
            PermissionDenied {
                path: p("./a: b/c d")
            }
        );
    }

    #[test]
    fn unknown_lines_stay_other_and_escaped() {
        assert_eq!(
            classify_line(b"tar: write error: No space left on device"),
            Other(p("tar: write error: No space left on device"))
        );
        assert_eq!(
            classify_line(b"sh: tar: not found\x1b[2J"),
            Other(p("sh: tar: not found\\x1b[2J"))
        );
        assert!(!Other(String::new()).is_explained());
    }

    #[test]
    fn per_path_messages_become_skip_records() {
        let s = classify_line(b"tar: ./x: Cannot open: Permission denied").skipped();
        assert_eq!(
            s.map(|s| (s.path, s.reason)),
            Some((p("./x"), SkipReason::PermissionDenied))
        );
        assert_eq!(LeadingSlashRemoved.skipped(), None);
    }
}
