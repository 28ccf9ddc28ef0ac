//! Renders a [`LayerListing`] as the comment lines shown under a COPY/ADD instruction.
//!
//! Lines come without the leading `# `; the Dockerfile renderer adds it. Each starts with two
//! spaces so the listing reads as indented under its instruction. The forms:
//!
//! | line | meaning |
//! |---|---|
//! | `  dir/` | a directory |
//! | `  path  (1.2 KiB)` | a regular file and its size; mode and owner only when unusual |
//! | `  path -> target` | a symbolic link, target as written |
//! | `  path => target  (hard link)` | a hard link to another path of the layer |
//! | `  - path` | a deletion (whiteout `.wh.name`) |
//! | `  - dir/*  (opaque: …)` | an opaque directory (`.wh..wh..opq`) |
//! | `  … and K more (S)` | entries past `max_files` |
//! | `  (N noise entries hidden …)` | what the noise filter left out, per class |
//! | `  note: …` | owners, setuid files not listed, stream notes |
//!
//! A name with a `..` component is marked `unsafe name` (it would escape on extraction).
//!
//! "Unusual" mode: anything but 0644/0755 for files and 0755 for directories, plus the words
//! setuid, setgid, sticky, world-writable. Owner: shown on an entry when it differs from the
//! layer's most common owner; a most common owner other than root gets a note. Names are
//! escaped (`escape_bytes`). Pure: no I/O.

use crate::image::layer::{EntryKind, LayerEntry, LayerListing};

/// How a listing is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListingStyle {
    /// At most this many entry lines (the `--max-files` flag).
    pub max_files: usize,
    /// Hide noise entries (on unless `--no-filter`). A listing walked with the filter on
    /// holds no noise entries, so turning it off here cannot bring them back.
    pub filter_noise: bool,
    /// The instruction is a COPY/ADD whose history shows no `--chown`: a non-root owner then
    /// reveals a `--chown` the builder did not record, and the note says so.
    pub copy_without_chown: bool,
}

impl Default for ListingStyle {
    fn default() -> Self {
        Self {
            max_files: DEFAULT_MAX_FILES,
            filter_noise: true,
            copy_without_chown: false,
        }
    }
}

/// The default for `--max-files`.
pub const DEFAULT_MAX_FILES: usize = 50;

/// Notable entries (setuid, devices, world-writable) named in notes when not listed.
const MAX_NOTABLE_NOTES: usize = 10;

const INDENT: &str = "  ";

/// Renders the listing as comment lines (no `# ` prefix).
pub fn render_listing(listing: &LayerListing, options: &ListingStyle) -> Vec<String> {
    let stats = &listing.stats;
    let filter = options.filter_noise || listing.noise_filtered;
    let dominant = stats
        .owners
        .first()
        .map(|(owner, _)| *owner)
        .unwrap_or((0, 0));
    let mut lines = Vec::new();
    if stats.entries == 0 {
        lines.push(format!("{INDENT}(empty layer)"));
    }

    let mut shown = 0u64;
    let mut shown_bytes = 0u64;
    let mut shown_paths = Vec::new();
    for entry in listing
        .entries
        .iter()
        .filter(|e| !(filter && e.noise.is_some()))
    {
        if shown as usize >= options.max_files {
            break;
        }
        lines.push(format!("{INDENT}{}", entry_line(entry, dominant)));
        shown += 1;
        shown_bytes += entry.size;
        shown_paths.push(&entry.path);
    }

    let (hidden, hidden_bytes) = if filter {
        (stats.noise_entries, stats.noise_bytes)
    } else {
        (0, 0)
    };
    let more = stats.entries.saturating_sub(hidden).saturating_sub(shown);
    if more > 0 {
        let bytes = stats
            .file_bytes
            .saturating_sub(hidden_bytes)
            .saturating_sub(shown_bytes);
        if bytes == 0 {
            lines.push(format!("{INDENT}… and {more} more"));
        } else {
            lines.push(format!("{INDENT}… and {more} more ({})", human_size(bytes)));
        }
    }
    if hidden > 0 {
        let classes: Vec<String> = stats
            .noise_by_class
            .iter()
            .map(|(class, n)| format!("{class} {n}"))
            .collect();
        let size = if hidden_bytes == 0 {
            String::new()
        } else {
            format!(", {}", human_size(hidden_bytes))
        };
        lines.push(format!(
            "{INDENT}({hidden} noise {} hidden{size}: {}; --no-filter shows them)",
            plural(hidden, "entry", "entries"),
            classes.join(", ")
        ));
    }

    if let Some(note) = owner_note(listing, dominant, options.copy_without_chown) {
        lines.push(format!("{INDENT}note: {note}"));
    }
    let unlisted: Vec<&LayerEntry> = listing
        .notable
        .iter()
        .filter(|e| !shown_paths.contains(&&e.path))
        .collect();
    for entry in unlisted.iter().take(MAX_NOTABLE_NOTES) {
        lines.push(format!(
            "{INDENT}note: not listed above: {}",
            entry_line(entry, dominant)
        ));
    }
    if unlisted.len() > MAX_NOTABLE_NOTES {
        lines.push(format!(
            "{INDENT}note: … and {} more setuid, device or world-writable entries",
            unlisted.len() - MAX_NOTABLE_NOTES
        ));
    }
    for note in &listing.notes {
        lines.push(format!("{INDENT}note: {note}"));
    }
    lines
}

/// The note about a most common owner that is not root.
fn owner_note(
    listing: &LayerListing,
    dominant: (u64, u64),
    copy_without_chown: bool,
) -> Option<String> {
    if dominant == (0, 0) {
        return None;
    }
    let stats = &listing.stats;
    let count = stats.owners.first().map(|(_, n)| *n).unwrap_or(0);
    let total: u64 = stats.owners.iter().map(|(_, n)| n).sum::<u64>() + stats.other_owners;
    let (uid, gid) = dominant;
    let mut note = format!(
        "{count} of {total} {} owned by {uid}:{gid}, not root",
        plural(total, "entry is", "entries are")
    );
    if copy_without_chown {
        note.push_str(&format!(
            "; the instruction likely used --chown={uid}:{gid}, which the history does not record"
        ));
    }
    Some(note)
}

/// One entry as a line (without indentation).
pub fn entry_line(entry: &LayerEntry, dominant_owner: (u64, u64)) -> String {
    let path = entry.path.escaped();
    let mut attrs = Vec::new();
    let mut line = match &entry.kind {
        EntryKind::Dir => format!("{}/", if path.is_empty() { "." } else { &path }),
        EntryKind::File => {
            attrs.push(if entry.size == 0 {
                "empty".to_owned()
            } else {
                human_size(entry.size)
            });
            path
        }
        EntryKind::Symlink { target } => format!("{path} -> {}", target.escaped()),
        EntryKind::Hardlink { target } => {
            attrs.push("hard link".to_owned());
            format!("{path} => {}", target.escaped())
        }
        EntryKind::CharDevice { major, minor } => {
            attrs.push(format!("char device {major}:{minor}"));
            path
        }
        EntryKind::BlockDevice { major, minor } => {
            attrs.push(format!("block device {major}:{minor}"));
            path
        }
        EntryKind::Fifo => {
            attrs.push("fifo".to_owned());
            path
        }
        EntryKind::Deleted => return format!("- {path}"),
        EntryKind::OpaqueDir => {
            let dir = if path.is_empty() { "." } else { &path };
            return format!("- {dir}/*  (opaque: hides what lower layers had here)");
        }
        EntryKind::Other { type_flag } => {
            attrs.push(format!("tar type {}", escape_type_flag(*type_flag)));
            path
        }
    };
    attrs.extend(mode_words(entry));
    if entry.path.has_parent_component() {
        attrs.push("unsafe name: `..`".to_owned());
    }
    if (entry.uid, entry.gid) != dominant_owner {
        attrs.push(format!("owner {}:{}", entry.uid, entry.gid));
    }
    if !attrs.is_empty() {
        line.push_str("  (");
        line.push_str(&attrs.join(", "));
        line.push(')');
    }
    line
}

/// The mode and its meaning, when it says something.
fn mode_words(entry: &LayerEntry) -> Vec<String> {
    let mode = entry.mode;
    let usual = match entry.kind {
        EntryKind::File => mode == 0o644 || mode == 0o755,
        EntryKind::Dir => mode == 0o755,
        // Link modes mean nothing; device and fifo modes only when they carry special bits
        // (a world-writable `/dev/null` is normal).
        EntryKind::Symlink { .. } | EntryKind::Hardlink { .. } => return Vec::new(),
        _ => mode & 0o7000 == 0,
    };
    if usual {
        return Vec::new();
    }
    let mut words = vec![format!("0{mode:03o}")];
    if mode & 0o4000 != 0 {
        words.push("setuid".to_owned());
    }
    if mode & 0o2000 != 0 {
        words.push("setgid".to_owned());
    }
    if mode & 0o1000 != 0 {
        words.push("sticky".to_owned());
    }
    let sticky_dir = entry.kind == EntryKind::Dir && mode & 0o1000 != 0;
    let file_or_dir = matches!(entry.kind, EntryKind::File | EntryKind::Dir);
    if mode & 0o002 != 0 && file_or_dir && !sticky_dir {
        words.push("world-writable".to_owned());
    }
    vec![words.join(" ")]
}

/// A tar type byte as a printable character or `\xNN`.
fn escape_type_flag(flag: u8) -> String {
    if flag.is_ascii_graphic() {
        format!("'{}'", char::from(flag))
    } else {
        format!("\\x{flag:02x}")
    }
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// A byte count for people: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::layer::EntryPath;

    fn entry(path: &str, kind: EntryKind, mode: u32) -> LayerEntry {
        LayerEntry {
            path: EntryPath::from_bytes(path.as_bytes()),
            kind,
            size: 0,
            mode,
            uid: 0,
            gid: 0,
            mtime: 0,
            noise: None,
        }
    }

    #[test]
    fn sizes_read_in_binary_units() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
    }

    #[test]
    fn modes_are_shown_only_when_they_say_something() {
        assert_eq!(
            entry_line(&entry("a", EntryKind::File, 0o644), (0, 0)),
            "a  (empty)"
        );
        assert_eq!(
            entry_line(&entry("a", EntryKind::File, 0o755), (0, 0)),
            "a  (empty)"
        );
        assert_eq!(
            entry_line(&entry("a", EntryKind::File, 0o600), (0, 0)),
            "a  (empty, 0600)"
        );
        assert_eq!(
            entry_line(&entry("su", EntryKind::File, 0o4755), (0, 0)),
            "su  (empty, 04755 setuid)"
        );
        assert_eq!(
            entry_line(&entry("w", EntryKind::File, 0o666), (0, 0)),
            "w  (empty, 0666 world-writable)"
        );
        assert_eq!(
            entry_line(&entry("tmp", EntryKind::Dir, 0o1777), (0, 0)),
            "tmp/  (01777 sticky)"
        );
        let null = EntryKind::CharDevice { major: 1, minor: 3 };
        assert_eq!(
            entry_line(&entry("dev/null", null, 0o666), (0, 0)),
            "dev/null  (char device 1:3)"
        );
        assert_eq!(entry_line(&entry("d", EntryKind::Dir, 0o755), (0, 0)), "d/");
    }

    #[test]
    fn owner_is_shown_when_it_differs_from_the_layers_usual_owner() {
        let mut e = entry("app", EntryKind::Dir, 0o755);
        e.uid = 1000;
        e.gid = 1000;
        assert_eq!(entry_line(&e, (0, 0)), "app/  (owner 1000:1000)");
        assert_eq!(entry_line(&e, (1000, 1000)), "app/");
    }
}
