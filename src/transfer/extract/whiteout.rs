//! Whiteouts for flattening image layers ([`WhiteoutMode::Apply`]): `.wh.NAME` removes NAME
//! left by earlier layers, `.wh..wh..opq` empties its directory of earlier layers' entries.
//! Never follows links (the directory must be a real directory, checked component by
//! component) and never removes what the same stream created.
//!
//! [`WhiteoutMode::Apply`]: crate::transfer::WhiteoutMode::Apply

use std::io;

use super::{Extractor, Rel, RootState, Step, unsafe_skip};
use crate::transfer::dest_tree::{self as tree, NodeKind};

impl Extractor<'_> {
    /// `.wh.NAME` and `.wh..wh..opq` in [`WhiteoutMode::Apply`].
    pub(super) fn whiteout(&mut self, rel: &[Vec<u8>]) -> Step {
        let (name, dir) = rel
            .split_last()
            .ok_or_else(|| unsafe_skip("whiteout at the root"))?;
        let dir_path = self.abs(dir);
        let dir_is_real =
            tree::parents_are_dirs(&self.root, rel).map_err(|e| self.local(&dir_path, e))?;
        if !dir_is_real || !matches!(self.root_state, RootState::Dir { .. }) {
            return Ok(()); // nothing of an earlier layer can be there
        }
        let victims: Vec<Rel> = if name.as_slice() == b".wh..wh..opq" {
            let listing = match std::fs::read_dir(&dir_path) {
                Ok(l) => l,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(self.local(&dir_path, e)),
            };
            listing
                .filter_map(Result::ok)
                .map(|d| {
                    let name = crate::transfer::platform::name_bytes(&d.file_name()).to_vec();
                    [dir, &[name]].concat()
                })
                .collect()
        } else {
            let hidden = &name[4..];
            if hidden.is_empty() || hidden == b"." || hidden == b".." {
                return Err(unsafe_skip("whiteout names nothing"));
            }
            vec![[dir, &[hidden.to_vec()]].concat()]
        };
        for victim in victims {
            if self.created.contains(&victim) || self.links.contains_key(&victim) {
                continue; // this layer's own entries are never whited out
            }
            let path = self.abs(&victim);
            if tree::node_kind(&path).map_err(|e| self.local(&path, e))? == NodeKind::Missing {
                continue;
            }
            tree::remove_tree(&path).map_err(|e| self.local(&path, e))?;
            self.files.remove(&victim);
            self.summary.whiteouts_applied += 1;
        }
        Ok(())
    }
}
