//! Symlink and hardlink entries (P-sym, P-hard). A symlink is only registered here and
//! created after the stream (`finish.rs`), so nothing can be written through it; a hardlink
//! is made only to a regular file this extraction created, still the same inode.

use super::{Extractor, PendingLink, Rel, RootState, Step, unsafe_skip};
use crate::transfer::dest_tree::{self as tree, NodeKind};
use crate::transfer::safe_path;
use crate::transfer::tally::Counted;

impl Extractor<'_> {
    pub(super) fn symlink(
        &mut self,
        raw: &[u8],
        rel: Rel,
        target: Vec<u8>,
        owner: Option<(u32, u32)>,
    ) -> Step {
        safe_path::check_link_target(&target)
            .map_err(|p| unsafe_skip(format!("symlink target: {p}")))?;
        self.seq += 1;
        let pending = PendingLink {
            raw: raw.to_vec(),
            target,
            owner,
            seq: self.seq,
        };
        if rel.is_empty() {
            if matches!(self.root_state, RootState::Dir { .. }) {
                return Err(unsafe_skip("symlink would replace a directory"));
            }
            self.root_link = Some(pending);
            return Ok(());
        }
        let path = self
            .prepare_parent(&rel)?
            .join(tree::os(&rel[rel.len() - 1]));
        if tree::node_kind(&path).map_err(|e| self.local(&path, e))? == NodeKind::Dir {
            return Err(unsafe_skip("symlink would replace a directory"));
        }
        self.files.remove(&rel);
        self.mark_created(&rel);
        self.links.insert(rel, pending);
        Ok(())
    }

    pub(super) fn hardlink(&mut self, raw: &[u8], rel: Rel, target: &[u8]) -> Step {
        let target_rel = self
            .map_name(target)
            .map_err(|p| unsafe_skip(format!("hardlink target: {p}")))?;
        if target_rel == rel {
            return Err(unsafe_skip("hardlink to itself"));
        }
        if rel.is_empty() || target_rel.is_empty() {
            return Err(unsafe_skip("hardlink at the root of the copy"));
        }
        if (1..=target_rel.len()).any(|n| self.links.contains_key(&target_rel[..n])) {
            return Err(unsafe_skip("hardlink target is a symlink"));
        }
        let Some(id) = self.files.get(&target_rel).copied() else {
            return Err(unsafe_skip("hardlink target not extracted by this copy"));
        };
        let target_path = self.abs(&target_rel);
        let same = tree::parents_are_dirs(&self.root, &target_rel).unwrap_or(false)
            && tree::regular_file_id(&target_path) == Some(id);
        if !same {
            return Err(unsafe_skip("hardlink target changed after extraction"));
        }
        let path = self
            .prepare_parent(&rel)?
            .join(tree::os(&rel[rel.len() - 1]));
        match tree::node_kind(&path).map_err(|e| self.local(&path, e))? {
            NodeKind::Dir => return Err(unsafe_skip("would replace a directory")),
            NodeKind::Missing => {}
            NodeKind::Symlink | NodeKind::Other => {
                tree::remove_name(&path).map_err(|e| self.local(&path, e))?;
                self.summary.replaced += 1;
            }
        }
        self.links.remove(&rel);
        std::fs::hard_link(&target_path, &path).map_err(|e| self.local(&path, e))?;
        self.files.insert(rel.clone(), id);
        self.count(raw, Counted::Hardlink);
        self.mark_created(&rel);
        self.complete(raw);
        Ok(())
    }
}
