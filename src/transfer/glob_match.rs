//! Expanding a remote glob before the copy (pure): the command that lists its matches, and
//! what its answer means for the plan.
//!
//! cp(1) copies a single source AS a destination that is missing or a file, and only
//! several sources INTO a directory; a glob is known to be one source only once it was
//! expanded in the container. The listing runs the container's `sh` with the directory and
//! the pattern as arguments (never spliced into the script); a name that exists literally
//! (`a.t?t`) is its own single match. A pattern whose glob characters are all
//! backslash-escaped (`\*star`) is a literal name and needs no listing. Never runs
//! anything itself.

use super::spec::RemotePath;

/// Lists what `$2` matches in directory `$1`, NUL-terminated; exit 3 when `$1` is no
/// directory.
pub const MATCH_SCRIPT: &str = "[ -d \"$1\" ] || exit 3
cd -- \"$1\" || exit 4
IFS='
'
p=$2
if [ -e \"$p\" ] || [ -L \"$p\" ]; then printf '%s\\0' \"$p\"; exit 0; fi
for f in $p; do
  if [ -e \"$f\" ] || [ -L \"$f\" ]; then printf '%s\\0' \"$f\"; fi
done";

/// What the glob of a remote path stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GlobSource {
    /// Not a glob at all: plan as usual.
    NotGlob,
    /// Every glob character is escaped: this literal name in the path's directory.
    Literal(String),
    /// Ask the container with this command ([`MATCH_SCRIPT`]).
    List(Vec<String>),
}

/// Classifies `path`'s last component.
pub fn glob_source(path: &RemotePath) -> GlobSource {
    if !path.is_glob() {
        return GlobSource::NotGlob;
    }
    if let Some(lit) = escaped_literal(path.name()) {
        return GlobSource::Literal(lit);
    }
    GlobSource::List(vec![
        "sh".into(),
        "-c".into(),
        MATCH_SCRIPT.into(),
        "sh".into(),
        path.parent().to_owned(),
        path.name().to_owned(),
    ])
}

/// The name a pattern stands for when it has glob characters only backslash-escaped
/// (`\*star` -> `*star`, `a\\b\?` -> `a\b?`); `None` when some glob character is live.
fn escaped_literal(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next().unwrap_or('\\')),
            '*' | '?' | '[' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// A remote path for a message: escaped for display, but its backslashes shown once, as
/// the user typed them.
pub fn shown_path(path: &str) -> String {
    super::safe_path::escape_for_display(path.as_bytes()).replace("\\\\", "\\")
}

/// What the listing said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matches {
    /// The pattern's directory does not exist (or is no directory).
    NoDirectory,
    /// The names matched, in the shell's order.
    Names(Vec<String>),
    /// The listing failed otherwise: let the copy itself report.
    Unknown,
}

/// Reads the listing's exit code and stdout.
pub fn parse_matches(exit_code: Option<i32>, stdout: &[u8]) -> Matches {
    match exit_code {
        Some(3) => Matches::NoDirectory,
        Some(0) => Matches::Names(
            stdout
                .split(|b| *b == 0)
                .filter(|n| !n.is_empty())
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect(),
        ),
        _ => Matches::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> RemotePath {
        RemotePath::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn escaped_glob_characters_make_a_literal_name() {
        assert_eq!(
            glob_source(&path("/d3/\\*star")),
            GlobSource::Literal("*star".into())
        );
        assert_eq!(
            glob_source(&path("/d/a\\\\b\\?")),
            GlobSource::Literal("a\\b?".into())
        );
        assert_eq!(glob_source(&path("/d/plain")), GlobSource::NotGlob);
        match glob_source(&path("/data/a.t?t")) {
            GlobSource::List(argv) => {
                assert_eq!(&argv[4..], ["/data", "a.t?t"], "passed as arguments");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(glob_source(&path("/d/\\**")), GlobSource::List(_)));
    }

    #[test]
    fn the_listing_is_read_by_exit_code_and_nul_separated_names() {
        assert_eq!(parse_matches(Some(3), b""), Matches::NoDirectory);
        assert_eq!(
            parse_matches(Some(0), b"a.txt\0b\nc\0"),
            Matches::Names(vec!["a.txt".into(), "b\nc".into()])
        );
        assert_eq!(parse_matches(Some(0), b""), Matches::Names(Vec::new()));
        assert_eq!(parse_matches(None, b"x\0"), Matches::Unknown);
    }
}
