//! An index of a tar file's members, so archives are read by offset, never extracted.
//!
//! Synchronous (call it from `spawn_blocking`). Owns member-name normalisation and link
//! resolution inside the archive; it never writes anything and never follows a link out of
//! the archive. Caps: member count, link depth and the size of whole-member reads.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::error::RegistryError;

/// More members than this and we refuse the archive (an image has a few hundred at most).
const MAX_MEMBERS: usize = 200_000;
/// Symlink chains longer than this are refused.
const MAX_LINK_DEPTH: usize = 16;

#[derive(Debug, Clone)]
enum Member {
    File { offset: u64, size: u64 },
    Link(String),
}

/// Member name → position, for one tar file.
#[derive(Debug)]
pub(crate) struct TarIndex {
    path: PathBuf,
    members: HashMap<String, Member>,
}

/// `./a//b/` → `a/b`; `None` for names that climb out (`..`) or are empty.
pub(crate) fn normalise_name(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

impl TarIndex {
    /// Reads every header of `path` (skipping member data with seeks).
    pub(crate) fn build(path: &Path) -> Result<TarIndex, RegistryError> {
        let file = File::open(path).map_err(|e| RegistryError::io(path, e))?;
        let mut archive = tar::Archive::new(BufReader::new(file));
        let bad = |detail: String| {
            RegistryError::malformed(format!("archive `{}`", path.display()), detail)
        };
        let mut members = HashMap::new();
        let entries = archive
            .entries_with_seek()
            .map_err(|e| RegistryError::io(path, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| bad(format!("unreadable tar header: {e}")))?;
            if members.len() >= MAX_MEMBERS {
                return Err(bad(format!("more than {MAX_MEMBERS} members")));
            }
            let raw_name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let Some(name) = normalise_name(&raw_name) else {
                continue;
            };
            let kind = entry.header().entry_type();
            let member = if kind.is_file() || kind == tar::EntryType::Continuous {
                Member::File {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                }
            } else if kind.is_symlink() || kind.is_hard_link() {
                let Some(target) = entry.link_name_bytes() else {
                    continue;
                };
                let target = String::from_utf8_lossy(&target).into_owned();
                // Symlinks are relative to the member's folder, hard links to the root.
                let joined = if kind.is_symlink() && !target.starts_with('/') {
                    match name.rsplit_once('/') {
                        Some((dir, _)) => format!("{dir}/{target}"),
                        None => target,
                    }
                } else {
                    target
                };
                match normalise_name(&joined) {
                    Some(t) => Member::Link(t),
                    None => continue,
                }
            } else {
                continue;
            };
            members.insert(name, member);
        }
        Ok(TarIndex {
            path: path.to_path_buf(),
            members,
        })
    }

    /// The tar file this index describes.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// `(offset, size)` of a regular member, links followed inside the archive.
    pub(crate) fn locate(&self, name: &str) -> Option<(u64, u64)> {
        let mut name = normalise_name(name)?;
        for _ in 0..MAX_LINK_DEPTH {
            match self.members.get(&name)? {
                Member::File { offset, size } => return Some((*offset, *size)),
                Member::Link(target) => name = target.clone(),
            }
        }
        None
    }

    /// For an archive made of one folder (`tar cf x.tar layout/`): `Some("layout/")` when no
    /// `markers` file sits at the root but exactly one top-level folder holds one.
    pub(crate) fn single_folder_prefix(&self, markers: &[&str]) -> Option<String> {
        if markers.iter().any(|m| self.contains(m)) {
            return None;
        }
        let mut folders: Vec<&str> = self
            .members
            .keys()
            .filter_map(|name| {
                let (folder, file) = name.split_once('/')?;
                markers.contains(&file).then_some(folder)
            })
            .collect();
        folders.sort_unstable();
        folders.dedup();
        match folders.as_slice() {
            [one] => Some(format!("{one}/")),
            _ => None,
        }
    }

    /// True when the archive has a regular member (or link to one) of that name.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.locate(name).is_some()
    }

    /// Reads a whole member, refusing one larger than `limit`.
    pub(crate) fn read_member(
        &self,
        name: &str,
        what: &str,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let (offset, size) = self.locate(name).ok_or_else(|| {
            RegistryError::malformed(
                format!("archive `{}`", self.path.display()),
                format!("{what} `{name}` is missing"),
            )
        })?;
        if size > limit {
            return Err(RegistryError::TooLarge {
                what: what.to_string(),
                size,
                limit,
            });
        }
        let mut file = File::open(&self.path).map_err(|e| RegistryError::io(&self.path, e))?;
        file.seek(SeekFrom::Start(offset))
            .map_err(|e| RegistryError::io(&self.path, e))?;
        let mut buf = Vec::with_capacity(size as usize);
        file.take(size)
            .read_to_end(&mut buf)
            .map_err(|e| RegistryError::io(&self.path, e))?;
        if (buf.len() as u64) < size {
            return Err(RegistryError::SizeMismatch {
                what: what.to_string(),
                expected: size,
                actual: buf.len() as u64,
            });
        }
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_normalise_and_never_climb_out() {
        assert_eq!(
            normalise_name("./blobs//sha256/x").as_deref(),
            Some("blobs/sha256/x")
        );
        assert_eq!(normalise_name("a/../b").as_deref(), Some("b"));
        assert_eq!(normalise_name("../etc/passwd"), None);
        assert_eq!(normalise_name("./"), None);
    }
}
