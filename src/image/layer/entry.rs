//! What a layer listing holds: entries, their kinds and paths, the totals of a whole layer.
//!
//! Plain data with serde for `-o json`. Paths are kept as the raw bytes of the tar header
//! (tar names need not be UTF-8) and escaped only when displayed. No I/O.

use std::fmt;

use serde::{Serialize, Serializer};

use super::decode::Compression;
use crate::image::noise::NoiseClass;
use crate::image::secrets::FileFinding;

/// A path inside a layer: raw bytes, normalised (no leading `./` or `/`, no trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryPath(Vec<u8>);

impl EntryPath {
    /// Normalises a tar name: strips leading `./` and `/` and trailing `/`.
    pub fn from_tar(bytes: &[u8]) -> Self {
        let mut rest = bytes;
        loop {
            if let Some(r) = rest.strip_prefix(b"./") {
                rest = r;
            } else if let Some(r) = rest.strip_prefix(b"/") {
                rest = r;
            } else {
                break;
            }
        }
        while let Some(r) = rest.strip_suffix(b"/") {
            rest = r;
        }
        if rest == b"." {
            rest = b"";
        }
        Self(rest.to_vec())
    }

    /// A path from already-normalised bytes.
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// True for the layer root (`./` in some tars).
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The last component.
    pub fn file_name(&self) -> &[u8] {
        match self.0.iter().rposition(|b| *b == b'/') {
            Some(i) => &self.0[i + 1..],
            None => &self.0,
        }
    }

    /// Everything before the last component (empty at the top level).
    pub fn parent(&self) -> &[u8] {
        match self.0.iter().rposition(|b| *b == b'/') {
            Some(i) => &self.0[..i],
            None => b"",
        }
    }

    /// True when a component is `..`: such a name would escape the root if extracted.
    pub fn has_parent_component(&self) -> bool {
        self.0.split(|b| *b == b'/').any(|c| c == b"..")
    }

    /// The path escaped for display: see [`escape_bytes`].
    pub fn escaped(&self) -> String {
        escape_bytes(&self.0)
    }
}

impl fmt::Display for EntryPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_bytes(&self.0))
    }
}

impl Serialize for EntryPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.escaped())
    }
}

/// Escapes a name so it is one printable line and reversible to the eye: invalid UTF-8 bytes
/// become `\xNN`, control and invisible formatting characters (bidi overrides, zero-width)
/// `\n`, `\t`, `\r` or `\u{…}`, a backslash `\\`, and leading or trailing spaces `\x20`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                c if c.is_control() || is_invisible_format(c) => {
                    out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    // Spaces at either end would vanish on screen; spell them out.
    let leading = out.len() - out.trim_start_matches(' ').len();
    let trailing = out.len() - out.trim_end_matches(' ').len();
    if leading == 0 && trailing == 0 {
        return out;
    }
    if leading == out.len() {
        return "\\x20".repeat(leading);
    }
    let core = &out[leading..out.len() - trailing];
    format!(
        "{}{core}{}",
        "\\x20".repeat(leading),
        "\\x20".repeat(trailing)
    )
}

/// Characters that change how text around them displays without showing themselves.
fn is_invisible_format(c: char) -> bool {
    matches!(u32::from(c), 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2069 | 0xfeff)
}

/// What an entry is. Whiteouts are already turned into deletions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum EntryKind {
    /// A regular file (also tar's contiguous and GNU sparse files).
    File,
    /// A directory.
    Dir,
    /// A symbolic link; the target is kept as written, never resolved.
    Symlink {
        /// The link text.
        target: EntryPath,
    },
    /// A hard link to another path of the same layer.
    Hardlink {
        /// The path linked to, normalised like entry paths.
        target: EntryPath,
    },
    /// A character device.
    CharDevice {
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
    },
    /// A block device.
    BlockDevice {
        /// Major number.
        major: u32,
        /// Minor number.
        minor: u32,
    },
    /// A named pipe.
    Fifo,
    /// `.wh.NAME`: this layer deletes the path from the layers below.
    Deleted,
    /// `.wh..wh..opq`: this directory hides everything the layers below had in it.
    OpaqueDir,
    /// An entry type this tool does not interpret, with its tar type byte.
    Other {
        /// The raw tar type flag.
        type_flag: u8,
    },
}

/// One entry of a layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerEntry {
    /// The path (for deletions: the path deleted; for opaque dirs: the directory).
    pub path: EntryPath,
    /// The kind, with link targets and device numbers.
    #[serde(flatten)]
    pub kind: EntryKind,
    /// Size of the file data in bytes (0 for everything but regular files).
    pub size: u64,
    /// Permission bits including setuid, setgid and sticky (`0o7777` mask); in JSON an
    /// octal string such as `"0755"`.
    #[serde(serialize_with = "octal_mode")]
    pub mode: u32,
    /// Owner user id.
    pub uid: u64,
    /// Owner group id.
    pub gid: u64,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
    /// The noise class when the path is vendored, cache or build-scaffolding content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<NoiseClass>,
}

impl LayerEntry {
    /// True for setuid or setgid regular files.
    pub fn is_setid(&self) -> bool {
        self.kind == EntryKind::File && self.mode & 0o6000 != 0
    }

    /// True for deletions and opaque directories.
    pub fn is_deletion(&self) -> bool {
        matches!(self.kind, EntryKind::Deleted | EntryKind::OpaqueDir)
    }
}

/// Serialises a mode as the octal string people read (`"0755"`, `"04755"`).
fn octal_mode<S: Serializer>(mode: &u32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("0{mode:03o}"))
}

/// How many entries a listing keeps in memory. Totals always cover every entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every entry (for `-o json`); memory grows with the entry count, not the layer size.
    All,
    /// The first N entries that pass the noise filter (or the first N at all without it).
    First(usize),
}

/// What a walk keeps and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListOptions {
    /// Which entries to keep.
    pub keep: Keep,
    /// Leave noise entries out of the kept ones (they are still counted).
    pub filter_noise: bool,
    /// Check names and small text files against the secret rules.
    pub scan_secrets: bool,
}

impl ListOptions {
    /// Options for a text listing of at most `max_files` lines.
    pub fn for_text(max_files: usize, filter_noise: bool) -> Self {
        Self {
            keep: Keep::First(max_files),
            filter_noise,
            scan_secrets: false,
        }
    }

    /// Options that keep every entry, for JSON.
    pub fn all() -> Self {
        Self {
            keep: Keep::All,
            filter_noise: false,
            scan_secrets: false,
        }
    }

    /// The same options with secret scanning switched on.
    pub fn with_secrets(self) -> Self {
        Self {
            scan_secrets: true,
            ..self
        }
    }
}

/// Counters over every entry of a layer, kept or not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LayerStats {
    /// All entries (the root entry `./` excluded).
    pub entries: u64,
    /// Regular files.
    pub files: u64,
    /// Directories.
    pub dirs: u64,
    /// Symbolic and hard links.
    pub links: u64,
    /// Deletions and opaque directories.
    pub deletions: u64,
    /// Devices, FIFOs and unknown types.
    pub special: u64,
    /// Bytes of regular-file data.
    pub file_bytes: u64,
    /// Entries classified as noise.
    pub noise_entries: u64,
    /// File bytes of noise entries.
    pub noise_bytes: u64,
    /// Noise entries per class, in [`NoiseClass::ALL`] order.
    pub noise_by_class: Vec<(NoiseClass, u64)>,
    /// Entries per owner `(uid, gid)`, most frequent first once the walk ends; at most
    /// [`MAX_OWNERS`] distinct owners, the rest counted in `other_owners`.
    pub owners: Vec<((u64, u64), u64)>,
    /// Entries whose owner did not fit in `owners`.
    pub other_owners: u64,
}

/// Distinct owners a listing tracks (a hostile layer could have one per entry).
pub const MAX_OWNERS: usize = 64;

/// Setuid/setgid files, devices and world-writable files kept even past [`Keep::First`], so
/// the listing can always name them; at most this many.
pub const MAX_NOTABLE: usize = 32;

/// Secret findings kept per layer.
pub const MAX_SECRET_FINDINGS: usize = 256;

/// Something about the stream worth telling the user that did not stop the listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "note", rename_all = "kebab-case")]
pub enum LayerNote {
    /// The media type declared one compression and the bytes were another; the bytes won.
    CompressionMismatch {
        /// What the media type said.
        declared: Compression,
        /// What the magic bytes said (and what was used).
        detected: Compression,
    },
}

impl fmt::Display for LayerNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CompressionMismatch { declared, detected } => write!(
                f,
                "the media type says {declared} but the bytes are {detected}; read as {detected}"
            ),
        }
    }
}

/// The result of walking one layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerListing {
    /// `sha256:…` of the uncompressed stream: compare with the config's `rootfs.diff_ids`.
    pub diff_id: String,
    /// Uncompressed size in bytes.
    pub uncompressed_size: u64,
    /// The compression the bytes had (and that was decoded).
    pub compression: Compression,
    /// Kept entries, in archive order.
    pub entries: Vec<LayerEntry>,
    /// Whether noise entries were left out of `entries`.
    pub noise_filtered: bool,
    /// Setuid/setgid files, devices and world-writable files, even when not in `entries`.
    pub notable: Vec<LayerEntry>,
    /// Counters over all entries.
    pub stats: LayerStats,
    /// Secret findings in names and small text files (when scanning was asked for), at most
    /// [`MAX_SECRET_FINDINGS`]; attach the layer index with [`FileFinding::in_layer`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileFinding>,
    /// Non-fatal observations about the stream.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<LayerNote>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_names_are_normalised() {
        assert_eq!(
            EntryPath::from_tar(b"./etc/passwd").as_bytes(),
            b"etc/passwd"
        );
        assert_eq!(EntryPath::from_tar(b"/./usr/bin/").as_bytes(), b"usr/bin");
        assert_eq!(EntryPath::from_tar(b"tmp/").as_bytes(), b"tmp");
        assert!(EntryPath::from_tar(b"./").is_root());
        assert!(EntryPath::from_tar(b".").is_root());
        assert_eq!(EntryPath::from_tar(b"a/b/c").file_name(), b"c");
        assert_eq!(EntryPath::from_tar(b"a/b/c").parent(), b"a/b");
        assert_eq!(EntryPath::from_tar(b"c").parent(), b"");
        assert!(EntryPath::from_tar(b"a/../../etc").has_parent_component());
        assert!(!EntryPath::from_tar(b"a/..b/c..").has_parent_component());
    }

    #[test]
    fn escaping_spells_out_invalid_utf8_controls_and_edge_spaces() {
        assert_eq!(
            escape_bytes(b"plain/name with space"),
            "plain/name with space"
        );
        assert_eq!(escape_bytes(b"caf\xc3\xa9"), "café");
        assert_eq!(escape_bytes(b"bad\xff\xfe"), "bad\\xff\\xfe");
        assert_eq!(escape_bytes(b"a\nb\tc\x1b[31m"), "a\\nb\\tc\\u{1b}[31m");
        assert_eq!(
            escape_bytes("evil\u{202e}txt".as_bytes()),
            "evil\\u{202e}txt"
        );
        assert_eq!(escape_bytes(b"back\\slash"), "back\\\\slash");
        assert_eq!(
            escape_bytes(b" lead and trail  "),
            "\\x20lead and trail\\x20\\x20"
        );
        assert_eq!(escape_bytes(b"  "), "\\x20\\x20");
    }
}
