//! Per-entry extraction policy for `unpack.rs` (P-name, P-sym, P-hard, P-special, P-meta,
//! P-replace of tar-attack-corpus.md).
//!
//! Owns the extractor's state: the mapped root, symlinks waiting to be created after the
//! stream, files created by this run (the only valid hardlink targets), deferred directory
//! metadata and subtrees refused by the local filesystem. Decides, entry by entry, whether
//! to write, replace or skip; every skip is reported once with a `SkipReason`. Filesystem
//! calls go through `dest_tree.rs`; the stream loop is in `unpack.rs`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use tar::EntryType;

use super::dest_tree::{self as tree, NodeId, NodeKind, NodeMeta, WriteError};
use super::error::TransferError;
use super::filewise_stream::withdrawn_detail;
use super::safe_path::{self, NameProblem};
use super::tally::Counted;
mod finish;
mod links;
mod tally;
mod whiteout;

use super::unpack::{MAX_RECORDED_SKIPS, UnpackOptions, UnpackSummary, WhiteoutMode};
use crate::report::{Reporter, SkipReason, Skipped};

/// Regular files remembered as hardlink targets; beyond this, later hardlinks are skipped (H1).
const MAX_TRACKED_FILES: usize = 500_000;
/// Names remembered to report each skipped path once (H3); beyond it duplicates may repeat.
const MAX_DEDUP_NAMES: usize = 100_000;

/// Entry names below the root, as components.
type Rel = Vec<Vec<u8>>;

/// Why one entry was not extracted, or why the copy must stop.
pub(crate) enum Problem {
    Skip(SkipReason, String),
    Fatal(TransferError),
}

type Step<T = ()> = Result<T, Problem>;

fn unsafe_skip(detail: impl Into<String>) -> Problem {
    Problem::Skip(SkipReason::Unsafe, detail.into())
}

/// A symlink to create once the stream has ended.
struct PendingLink {
    raw: Vec<u8>,
    target: Vec<u8>,
    owner: Option<(u32, u32)>,
    seq: u64,
}

/// What the mapped root is right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RootState {
    Missing,
    Dir { created: bool },
    NonDir,
}

/// The extraction in progress.
pub(crate) struct Extractor<'a> {
    root: PathBuf,
    root_state: RootState,
    opts: &'a UnpackOptions,
    reporter: &'a dyn Reporter,
    pub(crate) summary: &'a mut UnpackSummary,
    prefix: Rel,
    /// `UnpackOptions::only_under`, parsed.
    only: Rel,
    apply_owner: bool,
    files: HashMap<Rel, NodeId>,
    links: BTreeMap<Rel, PendingLink>,
    root_link: Option<PendingLink>,
    dirs: HashMap<Rel, NodeMeta>,
    failed: HashSet<Rel>,
    created: HashSet<Rel>,
    reported: HashSet<Vec<u8>>,
    buf: Vec<u8>,
    seq: u64,
}

impl<'a> Extractor<'a> {
    /// Resolves `dest` once (following a link the user gave) and prepares the state.
    pub(crate) fn open(
        dest: &Path,
        opts: &'a UnpackOptions,
        reporter: &'a dyn Reporter,
        summary: &'a mut UnpackSummary,
    ) -> Result<Self, TransferError> {
        let fail = |source| TransferError::Destination {
            path: dest.to_path_buf(),
            source,
        };
        let (root, root_state) = match std::fs::metadata(dest) {
            Ok(m) => {
                let state = if m.is_dir() {
                    RootState::Dir { created: false }
                } else {
                    RootState::NonDir
                };
                // a resumed attempt continues a root the first attempt created
                let state = match state {
                    RootState::Dir { .. } if summary.root_created => {
                        RootState::Dir { created: true }
                    }
                    other => other,
                };
                (dest.canonicalize().map_err(fail)?, state)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let name = dest
                    .file_name()
                    .ok_or_else(|| fail(io::Error::other("destination has no name")))?;
                let parent = match dest.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p,
                    _ => Path::new("."),
                };
                (
                    parent.canonicalize().map_err(fail)?.join(name),
                    RootState::Missing,
                )
            }
            Err(e) => return Err(fail(e)),
        };
        let prefix = match &opts.path_prefix {
            Some(p) => safe_path::parse_entry_name(p.as_bytes(), opts.names)
                .map_err(|_| TransferError::InvalidPlan {
                    problem: "the path prefix is not a safe relative name",
                })?
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect(),
            None => Vec::new(),
        };
        let only = match &opts.only_under {
            Some(p) => safe_path::parse_entry_name(p.as_bytes(), opts.names)
                .map_err(|_| TransferError::InvalidPlan {
                    problem: "the requested path is not a safe relative name",
                })?
                .into_iter()
                .map(<[u8]>::to_vec)
                .collect(),
            None => Vec::new(),
        };
        Ok(Self {
            root,
            root_state,
            opts,
            reporter,
            summary,
            prefix,
            only,
            apply_owner: opts.preserve_owner && tree::running_as_root(),
            files: HashMap::new(),
            links: BTreeMap::new(),
            root_link: None,
            dirs: HashMap::new(),
            failed: HashSet::new(),
            created: HashSet::new(),
            reported: HashSet::new(),
            buf: vec![0; 64 * 1024],
            seq: 0,
        })
    }

    /// Handles one entry; `offset` is the stream position, for errors.
    pub(crate) fn entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        offset: u64,
    ) -> Result<(), TransferError> {
        let raw = entry.path_bytes().into_owned();
        let kind = entry.header().entry_type();
        if kind == EntryType::XGlobalHeader || kind.as_byte() == b'V' {
            return Ok(()); // D5, D7: carries no member, and never names one
        }
        if self.opts.track_resume {
            self.summary.tally.arrive(&raw);
        }
        let step = match self.map_name(&raw) {
            Ok(rel) => match self.within_only(rel) {
                Some(rel) => self.dispatch(entry, &raw, kind, rel, offset),
                None => return Ok(()),
            },
            Err(problem) => Err(unsafe_skip(problem.to_string())),
        };
        match step {
            Ok(()) => Ok(()),
            Err(Problem::Skip(reason, detail)) => {
                self.skip(&raw, reason, detail);
                Ok(())
            }
            Err(Problem::Fatal(e)) => Err(e),
        }
    }

    /// Entry name -> components below the root (P-name).
    /// Applies `only_under`: entries at or below it pass; a whiteout in a directory on the way
    /// to it passes when it hides that way (an opaque marker there hides it too, so it
    /// becomes a whiteout of the next component); anything else is passed over (`None`).
    fn within_only(&self, rel: Rel) -> Option<Rel> {
        let only = &self.only;
        if only.is_empty() || rel.starts_with(only) {
            return Some(rel);
        }
        let (name, dir) = rel.split_last()?;
        if !only.starts_with(dir) || !name.starts_with(b".wh.") {
            return None;
        }
        let next = &only[dir.len()];
        if name.as_slice() == b".wh..wh..opq" || name[4..] == next[..] {
            let mut hide = dir.to_vec();
            hide.push([b".wh.".as_slice(), next].concat());
            return Some(hide);
        }
        None
    }

    fn map_name(&self, raw: &[u8]) -> Result<Rel, NameProblem> {
        let parts = safe_path::parse_entry_name(raw, self.opts.names)?;
        let prefix: Vec<&[u8]> = self.prefix.iter().map(Vec::as_slice).collect();
        let rest =
            safe_path::strip_components(&parts, &prefix).ok_or(NameProblem::OutsideRequest)?;
        Ok(rest.iter().map(|c| c.to_vec()).collect())
    }

    fn dispatch<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        raw: &[u8],
        kind: EntryType,
        rel: Rel,
        offset: u64,
    ) -> Step {
        if (1..=rel.len()).any(|n| self.failed.contains(&rel[..n])) {
            self.count(raw, Counted::Skipped); // below a directory already reported
            return Ok(());
        }
        if self.root_link.is_some() && !rel.is_empty()
            || (1..rel.len()).any(|n| self.links.contains_key(&rel[..n]))
        {
            return Err(unsafe_skip("parent is a symlink"));
        }
        let is_dir =
            kind.is_dir() || kind.as_byte() == b'D' || (kind.is_file() && raw.ends_with(b"/"));
        if rel.is_empty() && self.opts.root_must_be_dir && !is_dir {
            return Err(unsafe_skip("a directory was requested"));
        }
        if self.opts.whiteouts == WhiteoutMode::Apply
            && rel.last().is_some_and(|n| n.starts_with(b".wh."))
        {
            return self.whiteout(&rel);
        }
        let meta = self.meta(entry.header(), is_dir);
        match kind {
            _ if is_dir => self.directory(raw, rel, meta),
            EntryType::Regular | EntryType::Continuous => {
                if has_sparse_records(entry) {
                    return Err(Problem::Skip(SkipReason::Unsupported, "sparse file".into()));
                }
                let size = entry.size();
                self.file(entry, raw, rel, size, meta, offset)
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                self.symlink(raw, rel, target, meta.owner)
            }
            EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .map(|t| t.into_owned())
                    .unwrap_or_default();
                self.hardlink(raw, rel, &target)
            }
            other => Err(Problem::Skip(SkipReason::Unsupported, describe_type(other))),
        }
    }

    /// Header metadata, reduced to what P-meta allows.
    fn meta(&self, header: &tar::Header, is_dir: bool) -> NodeMeta {
        let mode = header.mode().unwrap_or(if is_dir { 0o755 } else { 0o644 }) & 0o777;
        let mtime = header
            .mtime()
            .ok()
            .and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)));
        let owner = self
            .apply_owner
            .then(|| {
                Some((
                    u32::try_from(header.uid().ok()?).ok()?,
                    u32::try_from(header.gid().ok()?).ok()?,
                ))
            })
            .flatten();
        NodeMeta { mode, mtime, owner }
    }

    /// Reports a skipped entry once and records it.
    pub(crate) fn skip(&mut self, raw: &[u8], reason: SkipReason, detail: String) {
        if self.opts.track_resume && self.summary.tally.get(raw) == Some(Counted::Skipped) {
            return; // a continuation met it again: reported and counted the first time
        }
        self.count(raw, Counted::Skipped);
        if self.reported.len() < MAX_DEDUP_NAMES && !self.reported.insert(raw.to_vec()) {
            return;
        }
        let skipped = Skipped {
            path: safe_path::escape_for_display(raw),
            reason,
            detail: Some(detail),
        };
        self.reporter.skipped(&skipped);
        if self.summary.skipped.len() < MAX_RECORDED_SKIPS {
            self.summary.skipped.push(skipped);
        }
    }

    /// Classifies a local I/O error on `path`: stop the copy, or skip this entry.
    fn local(&self, path: &Path, err: io::Error) -> Problem {
        if tree::is_fatal(&err) {
            return Problem::Fatal(TransferError::Destination {
                path: path.to_path_buf(),
                source: err,
            });
        }
        let reason = if err.kind() == io::ErrorKind::PermissionDenied {
            SkipReason::PermissionDenied
        } else {
            SkipReason::Io
        };
        Problem::Skip(reason, err.to_string())
    }

    fn abs(&self, rel: &[Vec<u8>]) -> PathBuf {
        tree::join(&self.root, rel)
    }

    fn mark_created(&mut self, rel: &[Vec<u8>]) {
        if self.opts.whiteouts == WhiteoutMode::Apply {
            self.created.insert(rel.to_vec());
        }
    }

    fn complete(&mut self, raw: &[u8]) {
        if self.opts.track_resume {
            self.summary.completed.push(raw.to_vec());
        }
    }

    /// Makes sure the root exists as a directory.
    fn ensure_root(&mut self) -> Step {
        match self.root_state {
            RootState::Dir { .. } => Ok(()),
            RootState::NonDir => Err(unsafe_skip("the destination exists and is not a directory")),
            RootState::Missing => {
                tree::make_dir(&self.root, 0o755).map_err(|e| self.local(&self.root, e))?;
                self.root_state = RootState::Dir { created: true };
                self.summary.root_created = true;
                Ok(())
            }
        }
    }

    /// Creates or checks every parent of `rel` (never through a symlink); returns the parent.
    fn prepare_parent(&mut self, rel: &[Vec<u8>]) -> Step<PathBuf> {
        self.ensure_root()?;
        let mut path = self.root.clone();
        for n in 1..rel.len() {
            path.push(tree::os(&rel[n - 1]));
            match tree::node_kind(&path).map_err(|e| self.local(&path, e))? {
                NodeKind::Dir => {}
                NodeKind::Symlink => return Err(unsafe_skip("parent is a symlink")),
                // like tar: an implicit parent never replaces a file (an explicit directory
                // entry does, see `directory`)
                NodeKind::Other => {
                    return Err(Problem::Skip(
                        SkipReason::Io,
                        "parent is not a directory".into(),
                    ));
                }
                NodeKind::Missing => self.make_dir(&rel[..n], &path, 0o755)?,
            }
        }
        Ok(path)
    }

    /// Creates one directory; a refusal marks its subtree as skipped.
    fn make_dir(&mut self, rel: &[Vec<u8>], path: &Path, mode: u32) -> Step {
        if let Err(e) = tree::make_dir(path, mode) {
            let problem = self.local(path, e);
            if matches!(problem, Problem::Skip(..)) {
                self.failed.insert(rel.to_vec());
            }
            return Err(problem);
        }
        self.mark_created(rel);
        Ok(())
    }

    fn directory(&mut self, raw: &[u8], rel: Rel, meta: NodeMeta) -> Step {
        if rel.is_empty() {
            self.root_link = None;
            if self.root_state == RootState::Missing {
                tree::make_dir(&self.root, 0o700).map_err(|e| self.local(&self.root, e))?;
                self.root_state = RootState::Dir { created: true };
                self.summary.root_created = true;
            }
            match self.root_state {
                RootState::Dir { created: true } => {
                    self.dirs.insert(rel, meta);
                }
                RootState::NonDir => {
                    // one error before anything is written, not one skip per entry
                    return Err(Problem::Fatal(TransferError::DirectoryOntoFile {
                        path: self.root.clone(),
                    }));
                }
                _ => {}
            }
            self.count(raw, Counted::Dir);
            return Ok(());
        }
        let path = self
            .prepare_parent(&rel)?
            .join(tree::os(&rel[rel.len() - 1]));
        self.links.remove(&rel);
        match tree::node_kind(&path).map_err(|e| self.local(&path, e))? {
            // it gets this entry's mode at the end; until then its entries must fit (a resumed
            // copy meets the restrictive modes the first attempt applied)
            NodeKind::Dir => tree::open_up_dir(&path).map_err(|e| self.local(&path, e))?,
            NodeKind::Missing => self.make_dir(&rel, &path, 0o700)?,
            NodeKind::Symlink | NodeKind::Other => {
                tree::remove_name(&path).map_err(|e| self.local(&path, e))?;
                self.files.remove(&rel);
                self.summary.replaced += 1;
                self.make_dir(&rel, &path, 0o700)?;
            }
        }
        self.dirs.insert(rel, meta);
        self.count(raw, Counted::Dir);
        Ok(())
    }

    fn file<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        raw: &[u8],
        rel: Rel,
        size: u64,
        meta: NodeMeta,
        offset: u64,
    ) -> Step {
        let (dir, name) = if rel.is_empty() {
            if matches!(self.root_state, RootState::Dir { .. }) {
                return Err(unsafe_skip("would replace a directory"));
            }
            let parent = self.root.parent().unwrap_or(Path::new("/")).to_path_buf();
            (
                parent,
                self.root
                    .file_name()
                    .map(|n| n.to_os_string())
                    .unwrap_or_default(),
            )
        } else {
            (
                self.prepare_parent(&rel)?,
                tree::os(&rel[rel.len() - 1]).to_os_string(),
            )
        };
        let path = dir.join(&name);
        let before = tree::node_kind(&path).map_err(|e| self.local(&path, e))?;
        if before == NodeKind::Dir {
            return Err(unsafe_skip("would replace a directory"));
        }
        self.links.remove(&rel);
        if rel.is_empty() {
            self.root_link = None;
        }
        let (reporter, task) = (self.reporter, self.opts.progress);
        let mut on_chunk = |n| {
            if let Some(id) = task {
                reporter.task_advanced(id, n);
            }
        };
        match tree::write_file(
            &dir,
            &name,
            entry,
            size,
            &meta,
            &mut self.buf,
            &mut on_chunk,
        ) {
            Ok(id) => {
                match id {
                    Some(id)
                        if self.files.len() < MAX_TRACKED_FILES
                            || self.files.contains_key(&rel) =>
                    {
                        self.files.insert(rel.clone(), id);
                    }
                    // no identity (or past the cap): never a hardlink target
                    _ => {
                        self.files.remove(&rel);
                    }
                }
                if rel.is_empty() {
                    self.root_state = RootState::NonDir;
                }
                self.count(raw, Counted::File(size));
                self.summary
                    .recent_files
                    .push(super::withdraw::WrittenFile {
                        raw: raw.to_vec(),
                        path: path.clone(),
                        size,
                    });
                if before != NodeKind::Missing {
                    self.summary.replaced += 1;
                }
                self.mark_created(&rel);
                self.complete(raw);
                Ok(())
            }
            Err(WriteError::Short { got }) => {
                self.summary.partial = Some(raw.to_vec());
                Err(Problem::Fatal(TransferError::Truncated {
                    offset: offset.saturating_add(got),
                }))
            }
            Err(WriteError::Stream(source)) => {
                if let Some(detail) = withdrawn_detail(&source) {
                    // the file-by-file walk gave up on this file alone (it changed while read)
                    return Err(Problem::Skip(SkipReason::Vanished, detail.into()));
                }
                self.summary.partial = Some(raw.to_vec());
                Err(Problem::Fatal(TransferError::Archive { offset, source }))
            }
            Err(WriteError::Local(e)) => {
                let problem = self.local(&path, e);
                if matches!(problem, Problem::Fatal(_)) {
                    self.summary.partial = Some(raw.to_vec());
                }
                Err(problem)
            }
        }
    }
}

/// PAX `GNU.sparse.*` records mark a sparse file in the 0.x/1.0 formats (D5).
fn has_sparse_records<R: Read>(entry: &mut tar::Entry<'_, R>) -> bool {
    match entry.pax_extensions() {
        Ok(Some(records)) => records
            .filter_map(Result::ok)
            .any(|r| r.key_bytes().starts_with(b"GNU.sparse.")),
        _ => false,
    }
}

/// A skip detail for a type that is never created (P-special).
fn describe_type(kind: EntryType) -> String {
    match kind {
        _ if kind.as_byte() == b'M' => "multi-volume continuation".into(),
        _ if kind.as_byte() == b'N' => "old GNU long-name record".into(),
        EntryType::Char => "character device".into(),
        EntryType::Block => "block device".into(),
        EntryType::Fifo => "FIFO".into(),
        EntryType::GNUSparse => "sparse file".into(),
        EntryType::GNULongName | EntryType::GNULongLink | EntryType::XHeader => {
            "unparsed extension header".into()
        }
        other => format!("unknown entry type 0x{:02x}", other.as_byte()),
    }
}
