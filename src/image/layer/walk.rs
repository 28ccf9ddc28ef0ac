//! One streaming pass over a layer: decode, walk the tar, classify each entry, keep what the
//! options ask for, count everything, and hash the uncompressed bytes into the diff_id.
//!
//! File data is never held: tar skips it in fixed-size chunks. Memory is bounded by the kept
//! entries (`Keep`), the caps in `entry.rs`, and tar's own header buffers. No I/O of its own.

use std::io::{self, Read};

use super::decode::{Compression, Decoder, Digesting, Progress};
use super::entry::{
    EntryKind, EntryPath, Keep, LayerEntry, LayerListing, LayerNote, LayerStats, ListOptions,
    MAX_NOTABLE, MAX_OWNERS, MAX_SECRET_FINDINGS,
};
use super::error::LayerError;
use crate::image::noise::{self, NoiseClass, NoiseInput};
use crate::image::secrets::{self, FileFinding};

/// The basename prefix that marks a whiteout (OCI image spec, layer.md "Whiteouts").
const WHITEOUT_PREFIX: &[u8] = b".wh.";
/// The basename that marks an opaque directory.
const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";

/// Lists one layer blob read from `reader`.
///
/// The decoder is chosen by the stream's magic bytes; `media_type` is a hint, and a
/// disagreement is recorded as a [`LayerNote`]. The whole stream is read, including the
/// padding after tar's end marker, so the returned `diff_id` is the sha256 of every
/// uncompressed byte. Call on a blocking thread: this reads synchronously until EOF.
pub fn list_layer<R: Read>(
    reader: R,
    media_type: &str,
    options: &ListOptions,
) -> Result<LayerListing, LayerError> {
    let (decoder, detected) = Decoder::open(reader).map_err(LayerError::Sniff)?;
    let mut notes = Vec::new();
    if let Some(declared) = Compression::from_media_type(media_type)
        && declared != detected
    {
        notes.push(LayerNote::CompressionMismatch { declared, detected });
    }
    let (input, progress) = Digesting::new(decoder);
    let mut archive = tar::Archive::new(input);
    let mut walk = Walk::new(*options);
    let fail = |entry: u64, source: io::Error| io_error(&progress, detected, entry, source);

    let mut entries = archive.entries().map_err(|e| fail(0, e))?;
    let mut drain = vec![0u8; DRAIN_BUF];
    loop {
        let index = walk.stats.entries + walk.skipped;
        progress.open_header_window(MAX_HEADER_BYTES);
        let next = entries.next();
        progress.close_header_window();
        let Some(entry) = next else { break };
        let mut entry = entry.map_err(|e| fail(index, e))?;
        walk.visit(&mut entry).map_err(|e| fail(index, e))?;
        // Drain the data here rather than in tar's next(), so the header window above
        // measures headers only.
        drain_entry(&mut entry, &mut drain).map_err(|e| fail(index, e))?;
    }
    let consumed = progress.bytes();
    let input = archive.into_inner();
    let (diff_id, uncompressed_size) = input.finish().map_err(|e| fail(walk.stats.entries, e))?;
    if walk.seen_any && !walk.end_uncertain && consumed <= walk.next_header {
        return Err(LayerError::Truncated {
            entries: walk.stats.entries,
            offset: consumed,
        });
    }
    Ok(walk.into_listing(diff_id, uncompressed_size, detected, notes))
}

/// Most bytes tar may read between two entries: the previous entry's padding, the headers,
/// and GNU long-name or PAX records (which tar holds in memory). Real layers use a few KiB
/// (long paths, xattrs); 1 MiB leaves room and bounds memory.
pub const MAX_HEADER_BYTES: u64 = 1024 * 1024;

/// Chunk size for reading past file data.
const DRAIN_BUF: usize = 64 * 1024;

/// Reads the rest of an entry's data and drops it.
fn drain_entry<R: Read>(entry: &mut tar::Entry<'_, R>, buf: &mut [u8]) -> io::Result<()> {
    loop {
        match entry.read(buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Puts an I/O error where it came from: the decoder below tar, a header window overflow,
/// or tar's parsing.
fn io_error(
    progress: &Progress,
    compression: Compression,
    entry: u64,
    source: io::Error,
) -> LayerError {
    if progress.header_overflow() {
        LayerError::HeaderTooLarge {
            entry,
            limit: MAX_HEADER_BYTES,
        }
    } else if progress.inner_failed() {
        LayerError::Decompress {
            compression,
            uncompressed_bytes: progress.bytes(),
            source,
        }
    } else {
        LayerError::Tar {
            entry,
            offset: progress.bytes(),
            source,
        }
    }
}

/// State of one walk.
struct Walk {
    options: ListOptions,
    entries: Vec<LayerEntry>,
    notable: Vec<LayerEntry>,
    stats: LayerStats,
    noise_counts: [u64; NoiseClass::ALL.len()],
    secrets: Vec<FileFinding>,
    /// Reused for the content of small files being scanned.
    buffer: Vec<u8>,
    /// Entries not counted (the root, pax global headers, volume labels).
    skipped: u64,
    /// Whether tar produced any entry at all.
    seen_any: bool,
    /// Where the header after the last entry starts; tar must read past it (the end
    /// marker) for the archive to be complete.
    next_header: u64,
    /// A GNU sparse entry makes `next_header` unreliable; the truncation check is skipped.
    end_uncertain: bool,
}

impl Walk {
    fn new(options: ListOptions) -> Self {
        Self {
            options,
            entries: Vec::new(),
            notable: Vec::new(),
            stats: LayerStats::default(),
            noise_counts: [0; NoiseClass::ALL.len()],
            secrets: Vec::new(),
            buffer: Vec::new(),
            skipped: 0,
            seen_any: false,
            next_header: 0,
            end_uncertain: false,
        }
    }

    fn visit<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> io::Result<()> {
        self.seen_any = true;
        let header = entry.header();
        let type_flag = header.entry_type();
        if type_flag.is_gnu_sparse() {
            self.end_uncertain = true;
        }
        self.next_header = entry
            .raw_file_position()
            .saturating_add(entry.size().div_ceil(512) * 512);
        if type_flag.is_pax_global_extensions() || type_flag.as_byte() == b'V' {
            self.skipped += 1;
            return Ok(());
        }
        let path = EntryPath::from_tar(&entry.path_bytes());
        let name = path.file_name();
        let (path, kind) = if name == OPAQUE_MARKER {
            (EntryPath::from_bytes(path.parent()), EntryKind::OpaqueDir)
        } else if name.starts_with(WHITEOUT_PREFIX) && !name.starts_with(b".wh..wh.") {
            let mut deleted = path.parent().to_vec();
            if !deleted.is_empty() {
                deleted.push(b'/');
            }
            deleted.extend_from_slice(&name[WHITEOUT_PREFIX.len()..]);
            (EntryPath::from_bytes(deleted), EntryKind::Deleted)
        } else {
            let kind = entry_kind(entry, type_flag)?;
            (path, kind)
        };
        if path.is_root() && kind == EntryKind::Dir {
            self.skipped += 1;
            return Ok(());
        }
        let size = if kind == EntryKind::File {
            entry.size()
        } else {
            0
        };
        let noise = noise::classify(NoiseInput {
            path: path.as_bytes(),
            is_dir: kind == EntryKind::Dir,
            is_empty_file: kind == EntryKind::File && size == 0,
        });
        let record = LayerEntry {
            path,
            kind,
            size,
            mode: header.mode().unwrap_or(0) & 0o7777,
            uid: header.uid().unwrap_or(0),
            gid: header.gid().unwrap_or(0),
            mtime: header.mtime().unwrap_or(0),
            noise,
        };
        if self.options.scan_secrets && !record.is_deletion() {
            self.scan(entry, &record)?;
        }
        self.count(&record);
        self.keep(record);
        Ok(())
    }

    /// Checks the name, and the content of small regular files, against the secret rules.
    /// Reading the data here replaces tar's skip of it, so the pass stays single.
    fn scan<R: Read>(
        &mut self,
        entry: &mut tar::Entry<'_, R>,
        record: &LayerEntry,
    ) -> io::Result<()> {
        if self.secrets.len() >= MAX_SECRET_FINDINGS {
            return Ok(());
        }
        let path = record.path.as_bytes();
        if let Some(rule) = secrets::scan_name(path) {
            self.secrets.push(FileFinding {
                path: record.path.clone(),
                rule,
                masked: None,
            });
        }
        if record.kind == EntryKind::File
            && record.size > 0
            && record.size <= secrets::MAX_CONTENT_BYTES
        {
            self.buffer.clear();
            entry
                .take(secrets::MAX_CONTENT_BYTES)
                .read_to_end(&mut self.buffer)?;
            for found in secrets::scan_file_content(path, &self.buffer) {
                self.secrets.push(FileFinding {
                    path: record.path.clone(),
                    rule: found.rule,
                    masked: Some(secrets::mask(&found.value)),
                });
            }
        }
        self.secrets.truncate(MAX_SECRET_FINDINGS);
        Ok(())
    }

    fn count(&mut self, entry: &LayerEntry) {
        let stats = &mut self.stats;
        stats.entries += 1;
        match entry.kind {
            EntryKind::File => {
                stats.files += 1;
                stats.file_bytes += entry.size;
            }
            EntryKind::Dir => stats.dirs += 1,
            EntryKind::Symlink { .. } | EntryKind::Hardlink { .. } => stats.links += 1,
            EntryKind::Deleted | EntryKind::OpaqueDir => stats.deletions += 1,
            EntryKind::CharDevice { .. }
            | EntryKind::BlockDevice { .. }
            | EntryKind::Fifo
            | EntryKind::Other { .. } => stats.special += 1,
        }
        if let Some(class) = entry.noise {
            stats.noise_entries += 1;
            stats.noise_bytes += entry.size;
            self.noise_counts[class.index()] += 1;
        }
        // Whiteouts carry the builder's placeholder owner, not the user's: leave them out.
        if !entry.is_deletion() {
            let owner = (entry.uid, entry.gid);
            if let Some(slot) = stats.owners.iter_mut().find(|(o, _)| *o == owner) {
                slot.1 += 1;
            } else if stats.owners.len() < MAX_OWNERS {
                stats.owners.push((owner, 1));
            } else {
                stats.other_owners += 1;
            }
        }
    }

    fn keep(&mut self, entry: LayerEntry) {
        let notable = entry.is_setid()
            || matches!(
                entry.kind,
                EntryKind::CharDevice { .. } | EntryKind::BlockDevice { .. }
            )
            || (entry.kind == EntryKind::File && entry.mode & 0o002 != 0);
        if notable && self.notable.len() < MAX_NOTABLE {
            self.notable.push(entry.clone());
        }
        let wanted = match self.options.keep {
            Keep::All => true,
            Keep::First(n) => {
                self.entries.len() < n && !(self.options.filter_noise && entry.noise.is_some())
            }
        };
        if wanted {
            self.entries.push(entry);
        }
    }

    fn into_listing(
        mut self,
        diff_id: String,
        uncompressed_size: u64,
        compression: Compression,
        notes: Vec<LayerNote>,
    ) -> LayerListing {
        self.stats
            .owners
            .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        self.stats.noise_by_class = NoiseClass::ALL
            .iter()
            .map(|class| (*class, self.noise_counts[class.index()]))
            .filter(|(_, n)| *n > 0)
            .collect();
        LayerListing {
            diff_id,
            uncompressed_size,
            compression,
            entries: self.entries,
            noise_filtered: self.options.filter_noise && self.options.keep != Keep::All,
            notable: self.notable,
            stats: self.stats,
            secrets: self.secrets,
            notes,
        }
    }
}

/// The kind of a non-whiteout entry, from its tar type flag.
fn entry_kind<R: Read>(
    entry: &tar::Entry<'_, R>,
    type_flag: tar::EntryType,
) -> io::Result<EntryKind> {
    let header = entry.header();
    let link = || {
        entry
            .link_name_bytes()
            .map(|b| b.into_owned())
            .unwrap_or_default()
    };
    let device = || -> io::Result<(u32, u32)> {
        Ok((
            header.device_major()?.unwrap_or(0),
            header.device_minor()?.unwrap_or(0),
        ))
    };
    Ok(match type_flag {
        tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => {
            EntryKind::File
        }
        tar::EntryType::Directory => EntryKind::Dir,
        // A symlink's text is kept exactly: it is resolved at run time, relative to its dir.
        tar::EntryType::Symlink => EntryKind::Symlink {
            target: EntryPath::from_bytes(link()),
        },
        tar::EntryType::Link => EntryKind::Hardlink {
            target: EntryPath::from_tar(&link()),
        },
        tar::EntryType::Char => {
            let (major, minor) = device()?;
            EntryKind::CharDevice { major, minor }
        }
        tar::EntryType::Block => {
            let (major, minor) = device()?;
            EntryKind::BlockDevice { major, minor }
        }
        tar::EntryType::Fifo => EntryKind::Fifo,
        other => EntryKind::Other {
            type_flag: other.as_byte(),
        },
    })
}
