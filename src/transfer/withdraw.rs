//! Withdrawing files the container's tar said changed while it read them (pure bookkeeping).
//!
//! GNU tar reports `NAME: file changed as we read it` or `NAME: File shrank by N bytes;
//! padding with zeros` only after it has sent the entry, and the line travels on stderr, so
//! it may arrive after the entry was unpacked. The extractor remembers its last
//! [`RECENT_FILES`] regular files; a `Changed` message is matched to one of them by name and
//! the entry is taken out of the counts. Removing the file from disk is the caller's (I/O at
//! the edge); this module never touches the filesystem.

use std::collections::VecDeque;
use std::path::PathBuf;

use super::remote_stderr::RemoteMessage;
use super::safe_path::escape_for_display;
use super::tally::Counted;
use super::unpack::UnpackSummary;

/// How many of the last written files can still be withdrawn.
pub const RECENT_FILES: usize = 256;

/// One regular file the extractor wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenFile {
    /// The raw stream name.
    pub raw: Vec<u8>,
    /// Where it was written.
    pub path: PathBuf,
    /// Its size as counted.
    pub size: u64,
}

/// The last [`RECENT_FILES`] regular files written, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecentFiles(VecDeque<WrittenFile>);

impl RecentFiles {
    /// Remembers a written file, forgetting the oldest past the cap.
    pub fn push(&mut self, file: WrittenFile) {
        if self.0.len() == RECENT_FILES {
            self.0.pop_front();
        }
        self.0.push_back(file);
    }

    /// Takes out the newest file whose stream name is the one tar printed as `shown`.
    fn take(&mut self, shown: &str) -> Option<WrittenFile> {
        let want = normalise(shown);
        let at = self
            .0
            .iter()
            .rposition(|f| normalise(&escape_for_display(&f.raw)) == want)?;
        self.0.remove(at)
    }
}

/// `./a/b`, `/a/b` and `a/b` name the same member.
fn normalise(name: &str) -> &str {
    let mut n = name;
    loop {
        let next = n.trim_start_matches('/');
        let next = next.strip_prefix("./").unwrap_or(next);
        if next == n {
            return n.trim_end_matches('/');
        }
        n = next;
    }
}

/// Takes every file a `Changed` message in `messages` names out of `summary` (counts,
/// completed names for a continuation) and returns where they were written, for the caller
/// to remove. A message whose file is not among the recent ones withdraws nothing.
pub fn withdraw_changed(summary: &mut UnpackSummary, messages: &[RemoteMessage]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for m in messages {
        let RemoteMessage::Changed { path } = m else {
            continue;
        };
        let Some(file) = summary.recent_files.take(path) else {
            continue;
        };
        summary.files = summary.files.saturating_sub(1);
        summary.bytes = summary.bytes.saturating_sub(file.size);
        summary.completed.retain(|c| c != &file.raw);
        // a continuation that sends it again counts it afresh
        let _previous = summary.tally.record(&file.raw, Counted::Skipped);
        out.push(file.path);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(raw: &str, size: u64) -> WrittenFile {
        WrittenFile {
            raw: raw.as_bytes().to_vec(),
            path: PathBuf::from("/dest").join(raw),
            size,
        }
    }

    #[test]
    fn a_changed_file_is_matched_by_name_and_uncounted() {
        let mut s = UnpackSummary {
            files: 3,
            bytes: 4_000_010,
            completed: vec![b"data/g.bin".to_vec(), b"data/a".to_vec()],
            ..UnpackSummary::default()
        };
        s.recent_files.push(written("data/a", 10));
        s.recent_files.push(written("data/g.bin", 4_000_000));
        s.recent_files.push(written("data/b", 0));
        let msgs = [
            RemoteMessage::Changed {
                path: "./data/g.bin".into(),
            },
            RemoteMessage::PermissionDenied {
                path: "data/a".into(),
            },
        ];
        let gone = withdraw_changed(&mut s, &msgs);
        assert_eq!(gone, [PathBuf::from("/dest/data/g.bin")]);
        assert_eq!((s.files, s.bytes), (2, 10));
        assert_eq!(s.completed, [b"data/a".to_vec()]);
        // a second report of the same name withdraws nothing more
        assert!(withdraw_changed(&mut s, &msgs).is_empty());
        assert_eq!(s.files, 2);
    }

    #[test]
    fn only_the_last_files_are_remembered() {
        let mut r = RecentFiles::default();
        for i in 0..=RECENT_FILES {
            r.push(written(&format!("f{i}"), 1));
        }
        assert!(r.take("f0").is_none());
        assert!(r.take("./f1").is_some());
        assert_eq!(normalise("/./a/b/"), "a/b");
    }
}
