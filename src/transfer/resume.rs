//! Continuing a download that broke, without sending completed entries again (pure).
//!
//! Design: the unpacker records the raw stream names of every non-directory entry that is
//! complete on disk (`UnpackSummary::completed`, with `track_resume`), and names the entry it
//! was writing when the stream broke (`partial`; it is never left under its final name, so
//! it is simply sent again). A continuation runs the plan's `tar c` again with those names
//! excluded, read from stdin, one per line (`-X -`: GNU tar (gnulib) and busybox read `-` as
//! stdin, which unlike `/dev/stdin` needs no `/proc` in the container; bsdtar does not, so
//! it gets `-X /dev/stdin`):
//! - GNU tar: `--anchored --no-wildcards`, so each line is one literal, whole member name;
//! - busybox (when built with `-X`) and bsdtar: glob patterns, so `\ * ? [` are escaped
//!   with `\`. busybox matches patterns at any `/` boundary, but member names start with
//!   `./` (see `plan.rs`) and `/./` never occurs inside one, so a pattern can only match
//!   the name it came from;
//! - a name holding a newline cannot be written as a line: it is sent again (harmless, the
//!   unpacker replaces it);
//! - a tar without `-X`: the whole selection is sent again (`ResumeStrategy::Restart`).
//!
//! Directories are never excluded (that would drop their subtrees); their headers come
//! again and only refresh metadata. Tar links a name only to a member of the same run, so a
//! completed file with other names (`linked.rs` asks the container which) is sent again
//! rather than excluded, or its later names would arrive as separate files. The caller (app/cp)
//! drives exec, backoff and retries, feeds [`Continuation::stdin`] and closes stdin, and
//! passes the same `UnpackSummary` to `unpack_into` again so the record keeps growing.

use std::collections::HashSet;

use super::flavor::TarFlavor;
use super::plan::{DownloadPlan, create_argv};
use super::unpack::UnpackSummary;

/// How a continuation avoids resending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeStrategy {
    /// Completed entries are excluded through stdin.
    SkipCompleted,
    /// The container's tar cannot exclude: everything is sent again.
    Restart,
}

/// What a continuation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuation {
    /// The remote command.
    pub argv: Vec<String>,
    /// Bytes to write to the command's stdin before closing it (empty for a restart).
    pub stdin: Vec<u8>,
    /// How completed entries are avoided.
    pub strategy: ResumeStrategy,
    /// Completed entries that will be sent again anyway (names with a newline).
    pub resent: usize,
}

/// The per-file state a continuation needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResumeState {
    completed: Vec<Vec<u8>>,
    partial: Option<Vec<u8>>,
}

impl ResumeState {
    /// Takes the record from a summary filled with `UnpackOptions::track_resume`.
    pub fn from_summary(summary: &UnpackSummary) -> Self {
        Self {
            completed: summary.completed.clone(),
            partial: summary.partial.clone(),
        }
    }

    /// The entry that was being written when the stream broke, if any.
    pub fn partial(&self) -> Option<&[u8]> {
        self.partial.as_deref()
    }

    /// The command (and its stdin) that sends what is still missing.
    pub fn continuation(&self, plan: &DownloadPlan) -> Continuation {
        self.continuation_keeping(plan, &[])
    }

    /// As [`ResumeState::continuation`], but completed names in `resend` (files with other
    /// names, see `linked.rs`) are sent again, so that their other names arrive as links.
    pub fn continuation_keeping(&self, plan: &DownloadPlan, resend: &[Vec<u8>]) -> Continuation {
        if !plan.caps.exclude_from {
            return Continuation {
                argv: plan.argv.clone(),
                stdin: Vec::new(),
                strategy: ResumeStrategy::Restart,
                resent: self.completed.len(),
            };
        }
        let resend: HashSet<&[u8]> = resend.iter().map(Vec::as_slice).collect();
        let literal = plan.caps.literal_excludes;
        let mut stdin = Vec::new();
        let mut resent = 0;
        for name in &self.completed {
            if name.contains(&b'\n') {
                resent += 1;
                continue;
            }
            let name = member_name(name);
            if resend.contains(name.as_slice()) {
                resent += 1;
                continue;
            }
            if literal {
                stdin.extend_from_slice(&name);
            } else {
                for b in name {
                    if matches!(b, b'\\' | b'*' | b'?' | b'[') {
                        stdin.push(b'\\');
                    }
                    stdin.push(b);
                }
            }
            stdin.push(b'\n');
        }
        // `-` is stdin for GNU tar (gnulib) and busybox and needs no /proc in the container;
        // bsdtar reads `-X -` as a file named `-` ("Failed to open '-'", seen here), so it
        // gets /dev/stdin.
        let extra: &[&str] = match plan.caps.flavor {
            TarFlavor::Gnu => &["--anchored", "--no-wildcards", "-X", "-"],
            TarFlavor::Bsd => &["-X", "/dev/stdin"],
            TarFlavor::Busybox | TarFlavor::Unknown => &["-X", "-"],
        };
        Continuation {
            argv: create_argv(plan, extra),
            stdin,
            strategy: ResumeStrategy::SkipCompleted,
            resent,
        }
    }
}

/// The name as tar matches it: without a trailing `/` (tar writes none for non-directories,
/// but a hostile stream might).
fn member_name(raw: &[u8]) -> Vec<u8> {
    let mut name = raw.to_vec();
    while name.len() > 1 && name.ends_with(b"/") {
        name.pop();
    }
    name
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;
    use crate::transfer::flavor::parse_tar_version;
    use crate::transfer::plan::{DownloadOptions, LocalKind, plan_download};
    use crate::transfer::spec::{CopySpecs, parse_copy_specs};

    fn plan(caps: &str) -> DownloadPlan {
        let Ok(CopySpecs::Download { from, to }) =
            parse_copy_specs(OsStr::new("p:/data/src"), OsStr::new("out"))
        else {
            panic!("spec")
        };
        let caps = parse_tar_version(caps);
        plan_download(
            &from,
            &to,
            LocalKind::Missing,
            &caps,
            &DownloadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn state(names: &[&[u8]]) -> ResumeState {
        let summary = UnpackSummary {
            completed: names.iter().map(|n| n.to_vec()).collect(),
            partial: Some(b"./src/big".to_vec()),
            ..UnpackSummary::default()
        };
        ResumeState::from_summary(&summary)
    }

    #[test]
    fn gnu_continuation_excludes_completed_names_literally() {
        let c =
            state(&[b"./src/a", b"./src/st*r", b"./src/new\nline"]).continuation(&plan("GNU tar"));
        let want = [
            "tar",
            "cf",
            "-",
            "--anchored",
            "--no-wildcards",
            "-X",
            "-",
            "-C",
            "/data",
            "./src",
        ];
        assert_eq!(c.argv, want.map(String::from));
        assert_eq!(c.stdin, b"./src/a\n./src/st*r\n".to_vec());
        assert_eq!((c.strategy, c.resent), (ResumeStrategy::SkipCompleted, 1));
    }

    #[test]
    fn pattern_tars_get_escaped_names() {
        let alpine =
            "BusyBox v1.36.1\nUsage: tar c|x|t [-f TARFILE] [-C DIR] [-T FILE] [-X FILE] [FILE]...";
        let c = state(&[b"./src/q[1]", b"./src/back\\slash"]).continuation(&plan(alpine));
        assert_eq!(c.argv[..5], ["tar", "cf", "-", "-X", "-"].map(String::from));
        assert_eq!(c.stdin, b"./src/q\\[1]\n./src/back\\\\slash\n".to_vec());
    }

    #[test]
    fn bsdtar_reads_its_exclude_list_from_dev_stdin() {
        let c = state(&[b"./src/a"]).continuation(&plan("bsdtar 3.6.2 - libarchive 3.6.2"));
        assert_eq!(
            c.argv[..5],
            ["tar", "cf", "-", "-X", "/dev/stdin"].map(String::from)
        );
    }

    #[test]
    fn tar_without_exclude_files_restarts() {
        let p = plan("tar (busybox) 1.35.0");
        let c = state(&[b"./src/a"]).continuation(&p);
        assert_eq!(
            (c.strategy, c.argv, c.stdin.len()),
            (ResumeStrategy::Restart, p.argv, 0)
        );
    }

    #[test]
    fn partial_entry_is_never_excluded() {
        let s = state(&[b"./src/a"]);
        assert_eq!(s.partial(), Some(&b"./src/big"[..]));
        let c = s.continuation(&plan("GNU tar"));
        assert!(!c.stdin.windows(3).any(|w| w == b"big"));
    }

    #[test]
    fn completed_files_with_other_names_are_sent_again() {
        let linked = [b"./src/b".to_vec()];
        let c = state(&[b"./src/a", b"./src/b", b"./src/dir/"])
            .continuation_keeping(&plan("GNU tar"), &linked);
        assert_eq!(c.stdin, b"./src/a\n./src/dir\n".to_vec());
        assert_eq!(c.resent, 1);
    }
}
