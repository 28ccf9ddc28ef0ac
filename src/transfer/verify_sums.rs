//! `cp --verify`, the pure part: the constant script that lists and hashes the copied files in
//! the container, and the parser of its output into "compare this name with this sum" or
//! "this file cannot be compared, and why".
//!
//! No I/O here: the app runs the script and hashes the local files. Every remote name stays
//! data (an argument, a NUL-terminated record), never shell code.
//!
//! The script's output has three sections:
//! 1. every regular file (`find -print0`), NUL-terminated, ended by an empty record;
//! 2. `sha256sum` lines (busybox, or a GNU without `-z`: names without a newline; GNU escapes
//!    a name holding `\` or a newline with a leading `\`), ended by an empty line;
//! 3. NUL-terminated `HEX  NAME` records: GNU `sha256sum -z` (unescaped), or, without `-z`,
//!    the names holding a newline hashed one by one through stdin.
//!
//! A listed file without a sum could not be read in the container; it is reported, not
//! dropped.

use std::collections::HashMap;

use super::safe_path::{NamePolicy, escape_for_display, parse_entry_name};

/// Lists and hashes every regular file at or under `$1` (see the module header for the
/// output). Without `sha256sum` it exits 127, so a container without it is "not verified"
/// rather than "0 files compared". A single file is named `.`.
pub const SUMS_SCRIPT: &str = r#"command -v sha256sum >/dev/null 2>&1 || exit 127
if [ ! -d "$1" ]; then
  printf '.\0\0\n'
  h=$(sha256sum < "$1") && printf '%s  .\0' "${h%% *}"
  exit 0
fi
cd -- "$1" || exit 2
find . -type f -print0
printf '\0'
if printf '' | sha256sum -z >/dev/null 2>&1; then
  echo
  find . -type f -exec sha256sum -z -- {} +
else
  nl='
'
  find . -type f ! -path "*$nl*" -exec sha256sum -- {} +
  echo
  find . -type f -path "*$nl*" -exec sh -c 'for f; do h=$(sha256sum < "$f") && printf "%s  %s\0" "${h%% *}" "$f"; done' sh {} +
fi
exit 0"#;

/// The argv that runs [`SUMS_SCRIPT`] over `remote_path`.
pub fn sums_argv(remote_path: &str) -> Vec<String> {
    vec![
        "sh".into(),
        "-c".into(),
        SUMS_SCRIPT.into(),
        "sh".into(),
        remote_path.into(),
    ]
}

/// Why a remote regular file cannot be compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uncomparable {
    /// Listed, but the container printed no sum for it (unreadable, vanished).
    NoRemoteSum,
    /// Its name is not a safe relative path (never looked up locally).
    UnsafeName,
    /// The listing was cut short (output cap reached), so this file's sum never arrived.
    ListingCut,
}

impl std::fmt::Display for Uncomparable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NoRemoteSum => "no sha256 from the container (it could not read the file)",
            Self::UnsafeName => "its name is not a safe relative path",
            Self::ListingCut => "the container's listing was cut short",
        })
    }
}

/// One file of the verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumCheck {
    /// Compare the local file at these components (empty: the root itself) with `hex`.
    Compare {
        /// Path components below the local root.
        components: Vec<Vec<u8>>,
        /// The name as listed, escaped for display.
        display: String,
        /// Lowercase hex sha256 from the container.
        hex: String,
    },
    /// Cannot be compared; counted and named.
    Skip {
        /// The name as listed, escaped for display.
        display: String,
        /// Why.
        why: Uncomparable,
    },
}

/// Splits `buf` at the first `sep`: (record, rest), or `None` without one.
fn take_record(buf: &[u8], sep: u8) -> Option<(&[u8], &[u8])> {
    let at = buf.iter().position(|b| *b == sep)?;
    Some((&buf[..at], &buf[at + 1..]))
}

/// `HEX  NAME` or `HEX *NAME` (binary mode): the lowercase hex and the raw name.
fn split_sum(record: &[u8]) -> Option<(String, &[u8])> {
    if record.len() < 66 {
        return None;
    }
    let (hex, rest) = record.split_at(64);
    if !hex.iter().all(u8::is_ascii_hexdigit)
        || !(rest.starts_with(b"  ") || rest.starts_with(b" *"))
    {
        return None;
    }
    let hex = String::from_utf8_lossy(hex).to_ascii_lowercase();
    Some((hex, &rest[2..]))
}

/// Undoes GNU's name escaping (`\\` and `\n`, `\r` in coreutils 9) of a line that starts
/// with `\`; `None` for an escape GNU never writes.
fn unescape_gnu(name: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(name.len());
    let mut it = name.iter();
    while let Some(&b) = it.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match it.next() {
            Some(b'\\') => out.push(b'\\'),
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            _ => return None,
        }
    }
    Some(out)
}

/// One `sha256sum` text line (section 2): (hex, raw name).
fn parse_sum_line(line: &[u8]) -> Option<(String, Vec<u8>)> {
    match line.strip_prefix(b"\\") {
        Some(escaped) => {
            let (hex, name) = split_sum(escaped)?;
            Some((hex, unescape_gnu(name)?))
        }
        None => split_sum(line).map(|(hex, name)| (hex, name.to_vec())),
    }
}

/// `./a/b` → `a/b`; `.` (the single-file case) stays `.`.
fn relative(name: &[u8]) -> &[u8] {
    name.strip_prefix(b"./").unwrap_or(name)
}

/// Parses the script's whole output into one check per listed regular file, in listing
/// order, then one per sum for a name that was not listed (a `find` without `-print0`
/// lists nothing: its files are still compared, never dropped), in name order.
pub fn parse_sums_output(out: &[u8]) -> Vec<SumCheck> {
    let mut listed: Vec<Vec<u8>> = Vec::new();
    let mut rest = out;
    let mut list_done = false;
    while let Some((record, tail)) = take_record(rest, 0) {
        rest = tail;
        if record.is_empty() {
            list_done = true;
            break;
        }
        listed.push(record.to_vec());
    }
    let mut sums: HashMap<Vec<u8>, String> = HashMap::new();
    let mut cut = !list_done;
    if list_done {
        let mut lines_done = false;
        while let Some((line, tail)) = take_record(rest, b'\n') {
            rest = tail;
            if line.is_empty() {
                lines_done = true;
                break;
            }
            if let Some((hex, name)) = parse_sum_line(line) {
                sums.insert(name, hex);
            }
        }
        cut = !lines_done;
        if lines_done {
            while let Some((record, tail)) = take_record(rest, 0) {
                rest = tail;
                if let Some((hex, name)) = split_sum(record) {
                    sums.insert(name.to_vec(), hex);
                }
            }
            // a last record without its NUL was cut
            cut = !rest.is_empty();
        }
    }
    let mut checks: Vec<SumCheck> = listed
        .into_iter()
        .map(|name| match sums.remove(&name) {
            Some(hex) => check(&name, hex),
            None => SumCheck::Skip {
                display: escape_for_display(relative(&name)),
                why: if cut {
                    Uncomparable::ListingCut
                } else {
                    Uncomparable::NoRemoteSum
                },
            },
        })
        .collect();
    let mut unlisted: Vec<(Vec<u8>, String)> = sums.into_iter().collect();
    unlisted.sort();
    checks.extend(unlisted.into_iter().map(|(name, hex)| check(&name, hex)));
    checks
}

/// A name with a sum: compare it, unless the name is no safe relative path.
fn check(name: &[u8], hex: String) -> SumCheck {
    let display = escape_for_display(relative(name));
    let rel = relative(name);
    let parsed = if rel == b"." {
        Ok(Vec::new())
    } else {
        parse_entry_name(rel, NamePolicy::for_host())
    };
    match parsed {
        Ok(parts) if rel == b"." || !parts.is_empty() => SumCheck::Compare {
            components: parts.into_iter().map(<[u8]>::to_vec).collect(),
            display,
            hex,
        },
        _ => SumCheck::Skip {
            display,
            why: Uncomparable::UnsafeName,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(c: char) -> String {
        c.to_string().repeat(64)
    }

    fn compare(parts: &[&[u8]], display: &str, hex: &str) -> SumCheck {
        SumCheck::Compare {
            components: parts.iter().map(|p| p.to_vec()).collect(),
            display: display.into(),
            hex: hex.into(),
        }
    }

    #[test]
    fn gnu_zero_terminated_sums_keep_newlines_and_backslashes_unescaped() {
        let (a, b) = (h('a'), h('b'));
        let out = format!(
            "./dir/x y\0./line\nbreak\0./back\\slash\0\0\n{a}  ./dir/x y\0{b}  ./line\nbreak\0{a}  ./back\\slash\0"
        );
        assert_eq!(
            parse_sums_output(out.as_bytes()),
            vec![
                compare(&[b"dir", b"x y"], "dir/x y", &a),
                compare(&[b"line\nbreak"], &escape_for_display(b"line\nbreak"), &b),
                compare(&[b"back\\slash"], &escape_for_display(b"back\\slash"), &a),
            ]
        );
    }

    #[test]
    fn escaped_gnu_lines_are_decoded_and_busybox_stdin_records_are_matched() {
        let (a, b, c) = (h('a'), h('b'), h('C'));
        // GNU without -z: backslash and newline names escaped; busybox: the newline name
        // hashed through stdin in the NUL section, a backslash name printed raw
        let out =
            format!("./a\\b\0./n\nl\0./raw\\x\0\0\\{a}  ./a\\\\b\n{c}  ./raw\\x\n\n{b}  ./n\nl\0");
        let checks = parse_sums_output(out.as_bytes());
        assert_eq!(
            checks,
            vec![
                compare(&[b"a\\b"], &escape_for_display(b"a\\b"), &a),
                compare(&[b"n\nl"], &escape_for_display(b"n\nl"), &b),
                compare(
                    &[b"raw\\x"],
                    &escape_for_display(b"raw\\x"),
                    &c.to_ascii_lowercase()
                ),
            ]
        );
    }

    #[test]
    fn a_listed_file_without_a_sum_is_named_as_not_comparable() {
        let a = h('a');
        let out = format!("./ok\0./secret\0\0{a}  ./ok\n\n");
        assert_eq!(
            parse_sums_output(out.as_bytes()),
            vec![
                compare(&[b"ok"], "ok", &a),
                SumCheck::Skip {
                    display: "secret".into(),
                    why: Uncomparable::NoRemoteSum
                },
            ]
        );
    }

    #[test]
    fn a_cut_listing_marks_the_missing_sums_as_cut_not_unreadable() {
        let a = h('a');
        let out = format!("./ok\0./late\0\0{a}  ./ok\n{}", &a[..10]);
        assert_eq!(
            parse_sums_output(out.as_bytes())[1],
            SumCheck::Skip {
                display: "late".into(),
                why: Uncomparable::ListingCut
            }
        );
    }

    #[test]
    fn unsafe_names_from_the_container_are_never_looked_up() {
        let a = h('a');
        let out = format!("./../../etc/passwd\0/abs\0\0\n{a}  ./../../etc/passwd\0{a}  /abs\0");
        assert!(parse_sums_output(out.as_bytes()).iter().all(|c| matches!(
            c,
            SumCheck::Skip {
                why: Uncomparable::UnsafeName,
                ..
            }
        )));
    }

    #[test]
    fn sums_for_names_never_listed_are_still_compared() {
        let (a, b) = (h('a'), h('b'));
        let out = format!("\0{b}  ./z\n{a}  ./y\n\n");
        assert_eq!(
            parse_sums_output(out.as_bytes()),
            vec![compare(&[b"y"], "y", &a), compare(&[b"z"], "z", &b)]
        );
    }

    #[test]
    fn a_single_file_is_the_root_itself() {
        let a = h('a');
        let out = format!(".\0\0\n{a}  .\0");
        assert_eq!(
            parse_sums_output(out.as_bytes()),
            vec![compare(&[], ".", &a)]
        );
    }

    #[test]
    fn a_bad_escape_or_a_short_line_is_no_sum() {
        assert_eq!(
            parse_sum_line(format!("\\{}  ./a\\qb", h('a')).as_bytes()),
            None
        );
        assert_eq!(parse_sum_line(b"sha256sum: ./x: Permission denied"), None);
    }
}
