//! Pure containment checks for names that come from a tar stream or a remote listing.
//!
//! Owns: the lexical rules for entry names (P-name of `tar-attack-corpus.md`), component-wise
//! prefix matching, link-target sanity, link-by-link "does this symlink escape" classification
//! and escaping names for display. Must not touch the filesystem: callers pass lookups in.

use std::fmt;

/// The longest single name component accepted (the common `NAME_MAX`).
pub const MAX_COMPONENT: usize = 255;
/// The longest relative path accepted, in bytes (the common `PATH_MAX`).
pub const MAX_PATH: usize = 4096;
/// The longest symlink target accepted, in bytes.
pub const MAX_LINK_TARGET: usize = 4095;
/// Symlink hops followed when classifying a link (the kernel's limit).
pub const MAX_LINK_HOPS: usize = 40;

/// Which platform's name rules apply to the destination. The default is POSIX rules;
/// [`NamePolicy::for_host`] picks the rules of the machine running the copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NamePolicy {
    /// Also reject what Windows would reinterpret: `\`, `:`, reserved device names, trailing
    /// dots and spaces, 8.3 short-name aliases and control characters.
    pub windows: bool,
}

impl NamePolicy {
    /// The rules of the platform this binary runs on.
    pub fn for_host() -> Self {
        Self {
            windows: cfg!(windows),
        }
    }
}

/// Looks up the symlink at a path below the root: its target, or `None`.
pub type ReadLink<'a> = dyn FnMut(&[Vec<u8>]) -> Option<Vec<u8>> + 'a;

/// Why an entry name (or link target) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// The name is empty or only `.` components.
    Empty,
    /// The name starts with `/`.
    Absolute,
    /// A `..` component (never interpreted, even when it would stay inside).
    ParentDir,
    /// An embedded NUL byte.
    Nul,
    /// A component longer than [`MAX_COMPONENT`].
    ComponentTooLong,
    /// The whole name is longer than [`MAX_PATH`].
    PathTooLong,
    /// A component Windows would reinterpret (drive, stream, device name, separator).
    WindowsUnsafe,
    /// Not below the requested top-level name.
    OutsideRequest,
}

impl fmt::Display for NameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty name",
            Self::Absolute => "absolute name",
            Self::ParentDir => "name contains `..`",
            Self::Nul => "name contains NUL",
            Self::ComponentTooLong => "name component too long",
            Self::PathTooLong => "name too long",
            Self::WindowsUnsafe => "name not representable safely on Windows",
            Self::OutsideRequest => "entry outside the requested path",
        })
    }
}

/// Splits a tar entry name into its normal components, refusing anything unsafe.
///
/// `.` and empty components (`a//b`, `./a`) are dropped. A trailing `/` is allowed. The
/// result may be empty only for names like `.` or `./`, which name the root itself.
pub fn parse_entry_name(name: &[u8], policy: NamePolicy) -> Result<Vec<&[u8]>, NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.contains(&0) {
        return Err(NameProblem::Nul);
    }
    if name.len() > MAX_PATH {
        return Err(NameProblem::PathTooLong);
    }
    if name[0] == b'/' {
        return Err(NameProblem::Absolute);
    }
    let mut parts = Vec::new();
    for part in name.split(|b| *b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return Err(NameProblem::ParentDir),
            _ if part.len() > MAX_COMPONENT => return Err(NameProblem::ComponentTooLong),
            _ if policy.windows && !windows_component_ok(part) => {
                return Err(NameProblem::WindowsUnsafe);
            }
            _ => parts.push(part),
        }
    }
    Ok(parts)
}

/// The components after `prefix`, if `components` is `prefix` or lies below it.
pub fn strip_components<'a, 'b>(
    components: &'a [&'b [u8]],
    prefix: &[&[u8]],
) -> Option<&'a [&'b [u8]]> {
    if components.len() < prefix.len() {
        return None;
    }
    let (head, rest) = components.split_at(prefix.len());
    (head == prefix).then_some(rest)
}

/// Checks a symlink target: non-empty, no NUL, at most [`MAX_LINK_TARGET`] bytes (B8).
pub fn check_link_target(target: &[u8]) -> Result<(), NameProblem> {
    if target.is_empty() {
        Err(NameProblem::Empty)
    } else if target.contains(&0) {
        Err(NameProblem::Nul)
    } else if target.len() > MAX_LINK_TARGET {
        Err(NameProblem::PathTooLong)
    } else {
        Ok(())
    }
}

/// Where a symlink leads when resolved link by link inside the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkReach {
    /// Every step stays below the destination root (the target may still be dangling).
    Inside,
    /// An absolute target, or `..` above the root at some step.
    Escapes,
    /// More than [`MAX_LINK_HOPS`] links: the kernel would refuse to follow it (ELOOP).
    Loop,
}

/// Resolves the symlink at `link` (components below the root) the way the kernel would,
/// one component and one link at a time. `read_link(path)` returns the target of the
/// symlink at `path` (components below the root) or `None` when it is not a symlink.
pub fn classify_link(link: &[Vec<u8>], target: &[u8], read_link: &mut ReadLink<'_>) -> LinkReach {
    if target.first() == Some(&b'/') {
        return LinkReach::Escapes;
    }
    let mut stack: Vec<Vec<u8>> = link[..link.len().saturating_sub(1)].to_vec();
    let mut pending: Vec<Vec<u8>> = split_rev(target);
    let mut hops = 0;
    while let Some(part) = pending.pop() {
        match part.as_slice() {
            b"" | b"." => continue,
            b".." => {
                if stack.pop().is_none() {
                    return LinkReach::Escapes;
                }
                continue;
            }
            _ => stack.push(part),
        }
        if let Some(next) = read_link(&stack) {
            hops += 1;
            if hops > MAX_LINK_HOPS {
                return LinkReach::Loop;
            }
            if next.first() == Some(&b'/') {
                return LinkReach::Escapes;
            }
            stack.pop();
            pending.extend(split_rev(&next));
        }
    }
    LinkReach::Inside
}

/// Components of `path` in reverse order, for use as a stack.
fn split_rev(path: &[u8]) -> Vec<Vec<u8>> {
    path.split(|b| *b == b'/')
        .rev()
        .map(<[u8]>::to_vec)
        .collect()
}

/// Whether Windows would store `part` under exactly this name, as a plain file.
fn windows_component_ok(part: &[u8]) -> bool {
    const BAD: &[u8] = b"<>:\"|?*\\";
    if part.iter().any(|b| *b < 0x20 || BAD.contains(b)) {
        return false;
    }
    if matches!(part.last(), Some(b'.' | b' ')) {
        return false;
    }
    let Ok(text) = std::str::from_utf8(part) else {
        return false;
    };
    let stem = text
        .split('.')
        .next()
        .unwrap_or(text)
        .trim_end()
        .to_ascii_uppercase();
    let reserved = matches!(
        stem.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || ["COM", "LPT"].iter().any(|dev| {
        stem.strip_prefix(dev).is_some_and(|n| {
            n.len() == 1 && n.as_bytes()[0].is_ascii_digit() || matches!(n, "¹" | "²" | "³")
        })
    });
    let short_alias = stem
        .rsplit_once('~')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    !reserved && !short_alias
}

/// Renders untrusted bytes for a log line: printable text stays, control characters,
/// bidi and invisible format characters and invalid UTF-8 are escaped.
pub fn escape_for_display(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x80 && c.is_ascii_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c if c.is_control() || is_invisible_format(c) => {
                    let _ = write!(out, "\\u{{{:04x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Bidi overrides, zero-width and other invisible format characters.
fn is_invisible_format(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2069 | 0xFEFF | 0x061C)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNIX: NamePolicy = NamePolicy { windows: false };
    const WIN: NamePolicy = NamePolicy { windows: true };

    #[test]
    fn dot_and_empty_components_are_dropped() {
        for name in [
            "src/x",
            "./src/x",
            "src//x",
            "src/./x",
            "src/x/",
            "././src/x",
        ] {
            assert_eq!(
                parse_entry_name(name.as_bytes(), UNIX),
                Ok(vec![&b"src"[..], b"x"]),
                "{name}"
            );
        }
        assert_eq!(parse_entry_name(b"./", UNIX), Ok(vec![]));
    }

    #[test]
    fn parent_absolute_nul_and_empty_names_are_refused() {
        let cases: &[(&[u8], NameProblem)] = &[
            (b"src/../../escape", NameProblem::ParentDir),
            (b"src/a/../b", NameProblem::ParentDir),
            (b"..", NameProblem::ParentDir),
            (b"src/..", NameProblem::ParentDir),
            (b"/tmp/x", NameProblem::Absolute),
            (b"//tmp/x", NameProblem::Absolute),
            (b"src/ok\0../../x", NameProblem::Nul),
            (b"", NameProblem::Empty),
        ];
        for (name, problem) in cases {
            assert_eq!(
                parse_entry_name(name, UNIX),
                Err(*problem),
                "{}",
                escape_for_display(name)
            );
        }
    }

    #[test]
    fn overlong_components_and_paths_are_refused() {
        let long = vec![b'a'; MAX_COMPONENT + 1];
        assert_eq!(
            parse_entry_name(&long, UNIX),
            Err(NameProblem::ComponentTooLong)
        );
        let deep = b"a/".repeat(MAX_PATH / 2 + 1);
        assert_eq!(parse_entry_name(&deep, UNIX), Err(NameProblem::PathTooLong));
    }

    #[test]
    fn windows_forms_are_literal_on_unix_and_refused_for_windows() {
        for name in [
            "src/C:\\x",
            "src/C:x",
            "src/\\\\?\\C:\\x",
            "src/\\\\srv\\share\\x",
            "src/..\\..\\x",
        ] {
            assert_eq!(
                parse_entry_name(name.as_bytes(), UNIX).map(|p| p.len()),
                Ok(2),
                "{name}"
            );
            assert_eq!(
                parse_entry_name(name.as_bytes(), WIN),
                Err(NameProblem::WindowsUnsafe),
                "{name}"
            );
        }
        for name in [
            "src/CON",
            "src/prn.txt",
            "src/nul.tar.gz",
            "src/COM1",
            "src/lpt9",
            "src/a.",
            "src/a ",
            "src/a::$DATA",
            "src/PROGRA~1",
        ] {
            assert_eq!(
                parse_entry_name(name.as_bytes(), WIN),
                Err(NameProblem::WindowsUnsafe),
                "{name}"
            );
            assert!(parse_entry_name(name.as_bytes(), UNIX).is_ok(), "{name}");
        }
        assert!(parse_entry_name(b"src/console.log", WIN).is_ok());
    }

    #[test]
    fn prefix_matches_whole_components_only() {
        let src: &[&[u8]] = &[b"src"];
        let name = |s: &'static str| parse_entry_name(s.as_bytes(), UNIX).unwrap_or_default();
        assert_eq!(
            strip_components(&name("src/a/b"), src),
            Some(&[&b"a"[..], b"b"][..])
        );
        assert_eq!(strip_components(&name("src"), src), Some(&[][..]));
        assert_eq!(strip_components(&name("srcX/evil"), src), None);
        assert_eq!(strip_components(&name("src.bak/x"), src), None);
        assert_eq!(strip_components(&name("other/x"), src), None);
    }

    #[test]
    fn link_targets_must_be_nonempty_without_nul_and_bounded() {
        assert_eq!(check_link_target(b""), Err(NameProblem::Empty));
        assert_eq!(check_link_target(b"a\0b"), Err(NameProblem::Nul));
        assert_eq!(
            check_link_target(&vec![b'a'; MAX_LINK_TARGET + 1]),
            Err(NameProblem::PathTooLong)
        );
        assert_eq!(check_link_target(b"/etc/passwd"), Ok(()));
    }

    fn comps(s: &str) -> Vec<Vec<u8>> {
        s.split('/').map(|c| c.as_bytes().to_vec()).collect()
    }

    #[test]
    fn two_link_chain_is_resolved_link_by_link() {
        // CVE-2019-11251: x looks inside, y looks inside lexically but escapes through x.
        let links = [
            (comps("a/b/c/x"), b"../../..".to_vec()),
            (comps("y"), b"a/b/c/x/../../..".to_vec()),
        ];
        let mut lookup = |p: &[Vec<u8>]| links.iter().find(|(l, _)| l == p).map(|(_, t)| t.clone());
        assert_eq!(
            classify_link(&comps("a/b/c/x"), b"../../..", &mut lookup),
            LinkReach::Inside
        );
        assert_eq!(
            classify_link(&comps("y"), b"a/b/c/x/../../..", &mut lookup),
            LinkReach::Escapes
        );
    }

    #[test]
    fn absolute_and_parent_targets_escape_and_loops_stop() {
        let mut none = |_: &[Vec<u8>]| None;
        assert_eq!(
            classify_link(&comps("l"), b"/etc", &mut none),
            LinkReach::Escapes
        );
        assert_eq!(
            classify_link(&comps("l"), b"..", &mut none),
            LinkReach::Escapes
        );
        assert_eq!(
            classify_link(&comps("d/l"), b"../f", &mut none),
            LinkReach::Inside
        );
        assert_eq!(
            classify_link(&comps("l"), b".", &mut none),
            LinkReach::Inside
        );
        let links = [(comps("a"), b"b".to_vec()), (comps("b"), b"a".to_vec())];
        let mut lookup = |p: &[Vec<u8>]| links.iter().find(|(l, _)| l == p).map(|(_, t)| t.clone());
        assert_eq!(
            classify_link(&comps("a"), b"b", &mut lookup),
            LinkReach::Loop
        );
    }

    #[test]
    fn display_escapes_controls_bidi_and_invalid_utf8() {
        assert_eq!(escape_for_display(b"a b/c.txt"), "a b/c.txt");
        assert_eq!(escape_for_display(b"x\ny\r\x1b[31m"), "x\\ny\\r\\x1b[31m");
        assert_eq!(
            escape_for_display("evil\u{202e}txt".as_bytes()),
            "evil\\u{202e}txt"
        );
        assert_eq!(escape_for_display(b"caf\xe9"), "caf\\xe9");
        assert_eq!(escape_for_display("café\\".as_bytes()), "café\\\\");
    }
}
