//! The end of an extraction: deferred symlinks are created (never over a directory, never
//! below a symlink), classified link by link for the "escaping" list, then directory modes
//! and times are applied deepest first. Runs also after a broken stream.

use std::path::Path;

use super::{Extractor, PendingLink, Problem, Rel, Step, unsafe_skip};
use crate::transfer::dest_tree::{self as tree, NodeKind, NodeMeta};
use crate::transfer::error::TransferError;
use crate::transfer::safe_path::{self, LinkReach};
use crate::transfer::tally::Counted;

impl Extractor<'_> {
    /// Creates the deferred symlinks, then applies directory metadata deepest first.
    pub(crate) fn finish(&mut self) -> Result<(), TransferError> {
        if let Some(link) = self.root_link.take() {
            let root = self.root.clone();
            let step = self.place_link(&root, &link, true);
            self.settle(&link.raw, step)?;
        }
        let mut links: Vec<(Rel, PendingLink)> =
            std::mem::take(&mut self.links).into_iter().collect();
        links.sort_by_key(|(_, l)| l.seq);
        for (rel, link) in &links {
            let step = if tree::parents_are_dirs(&self.root, rel).unwrap_or(false) {
                let path = self.abs(rel);
                self.place_link(&path, link, false)
            } else {
                Err(unsafe_skip("parent is a symlink"))
            };
            if self.settle(&link.raw, step)? {
                let root = self.root.clone();
                let mut read = |p: &[Vec<u8>]| tree::read_link(&tree::join(&root, p));
                if safe_path::classify_link(rel, &link.target, &mut read) == LinkReach::Escapes {
                    self.note_escaping(link);
                }
            }
        }
        let mut dirs: Vec<(Rel, NodeMeta)> = std::mem::take(&mut self.dirs).into_iter().collect();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.0.len()));
        for (rel, meta) in dirs {
            if !tree::parents_are_dirs(&self.root, &rel).unwrap_or(false) {
                continue;
            }
            let path = self.abs(&rel);
            if let Err(e) = tree::finish_dir(&path, &meta)
                && tree::is_fatal(&e)
            {
                return Err(TransferError::Destination { path, source: e });
            }
        }
        Ok(())
    }

    /// Replaces whatever non-directory is at `path` with the symlink.
    fn place_link(&mut self, path: &Path, link: &PendingLink, is_root: bool) -> Step {
        match tree::node_kind(path).map_err(|e| self.local(path, e))? {
            NodeKind::Dir => return Err(unsafe_skip("symlink would replace a directory")),
            NodeKind::Missing => {}
            NodeKind::Symlink | NodeKind::Other => {
                tree::remove_name(path).map_err(|e| self.local(path, e))?;
                self.summary.replaced += 1;
            }
        }
        tree::make_symlink(&link.target, path, link.owner).map_err(|e| self.local(path, e))?;
        self.count(&link.raw, Counted::Symlink);
        self.complete(&link.raw);
        if is_root {
            self.note_escaping(link); // the root's target is always outside the copy
        }
        Ok(())
    }

    /// Turns a finishing step into skip records; `Ok(true)` when it succeeded.
    fn settle(&mut self, raw: &[u8], step: Step) -> Result<bool, TransferError> {
        match step {
            Ok(()) => Ok(true),
            Err(Problem::Skip(reason, detail)) => {
                self.skip(raw, reason, detail);
                Ok(false)
            }
            Err(Problem::Fatal(e)) => Err(e),
        }
    }

    fn note_escaping(&mut self, link: &PendingLink) {
        let shown = format!(
            "{} -> {}",
            safe_path::escape_for_display(&link.raw),
            safe_path::escape_for_display(&link.target)
        );
        self.summary.escaping_links.push(shown);
    }
}
