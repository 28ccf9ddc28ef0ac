//! What the remote destination of an upload is, asked before anything is sent (pure).
//!
//! Owns the cp(1) refusals of an upload: a directory never replaces an existing
//! non-directory ("cannot overwrite non-directory with directory"), a file never replaces a
//! directory, a missing or unwritable landing directory is an error up front (nothing is
//! sent, exit 2) instead of one remote error per entry. The container answers one fixed
//! `sh` script whose operands are argv elements (`"$1"`…), never spliced into the code;
//! the exit status is the answer. Never runs anything: the caller execs [`probe_argv`] and
//! passes the status to [`decide`].

use super::error::TransferError;
use super::plan::DestCheck;
use super::safe_path::escape_for_display;

/// The probe. `$1` destination, `$2` its parent, `$3` the name the source lands as inside
/// the destination when that is a directory (empty: its contents land there), `$4` `d` when
/// the source is a directory. Exit 10 a writable directory (where the entries land);
/// 11 the destination directory is not writable; 13 `$1/$3`, an existing directory, is
/// not writable; 12 `$1/$3` is a non-directory and the source a directory; 14 `$1/$3` is a
/// directory and the source is not; 20 the destination exists and is no directory;
/// 30 missing with a writable parent directory; 31 missing, parent not writable;
/// 32 missing and its parent is no directory.
pub const PROBE_SCRIPT: &str = r#"d=$1 p=$2 n=$3 k=$4
if [ -d "$d" ]; then
  w=$d
  if [ -n "$n" ]; then
    c=$d/$n
    if [ "$k" = d ]; then
      if [ ! -d "$c" ] && { [ -e "$c" ] || [ -h "$c" ]; }; then exit 12; fi
      if [ -d "$c" ]; then w=$c; fi
    elif [ -d "$c" ] && [ ! -h "$c" ]; then exit 14
    fi
  fi
  if [ -w "$w" ]; then exit 10; fi
  if [ "$w" = "$d" ]; then exit 11; fi
  exit 13
fi
if [ -e "$d" ] || [ -h "$d" ]; then exit 20; fi
if [ -d "$p" ]; then
  if [ -w "$p" ]; then exit 30; fi
  exit 31
fi
exit 32"#;

/// Which of the directories an upload sends already exist in the container as something
/// else (GNU tar would silently replace them). `$1` the directory tar extracts in; stdin
/// the directories' member names, one per line; prints the clashing ones, one per line.
pub const CLASH_SCRIPT: &str = r#"cd -- "$1" || exit 3
while IFS= read -r n; do
  if [ ! -d "$n" ] && { [ -e "$n" ] || [ -h "$n" ]; }; then printf '%s\n' "$n"; fi
done
exit 0"#;

/// The clash check's argv for extracting in `dir`.
pub fn clash_argv(dir: &str) -> Vec<String> {
    ["sh", "-c", CLASH_SCRIPT, "sh", dir]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

/// The clash check's stdin: each directory member name (raw bytes) on its own line; names
/// holding a newline cannot be asked this way and are left out.
pub fn clash_stdin<'a>(names: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for n in names
        .into_iter()
        .filter(|n| !n.contains(&b'\n') && !n.is_empty())
    {
        out.extend_from_slice(n);
        out.push(b'\n');
    }
    out
}

/// The error for the first clash the check printed, if any.
pub fn clash_error(dir: &str, stdout: &[u8]) -> Option<TransferError> {
    let first = stdout.split(|b| *b == b'\n').find(|l| !l.is_empty())?;
    let name = escape_for_display(first);
    Some(TransferError::UploadOverNonDir {
        path: join(dir, &name),
    })
}

/// What the upload sends and where, for the probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeInput<'a> {
    /// The remote destination as given (without a trailing slash).
    pub dest: &'a str,
    /// Its parent directory.
    pub parent: &'a str,
    /// The root entry's name when landing inside `dest` (`.` for the contents).
    pub landing_name: &'a str,
    /// The local source is a directory (not a symlink to one).
    pub source_is_dir: bool,
    /// The destination must be a directory (trailing slash, `/`, `.`, `..`).
    pub must_be_dir: bool,
}

/// The probe's argv (`sh -c SCRIPT sh DEST PARENT NAME KIND`).
pub fn probe_argv(input: &ProbeInput<'_>) -> Vec<String> {
    let name = if input.landing_name == "." {
        ""
    } else {
        input.landing_name
    };
    [
        "sh",
        "-c",
        PROBE_SCRIPT,
        "sh",
        input.dest,
        input.parent,
        name,
        if input.source_is_dir { "d" } else { "f" },
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// Turns the probe's exit status into the plan's choice, or the error that stops the
/// upload before anything is sent.
pub fn decide(input: &ProbeInput<'_>, status: Option<i32>) -> Result<DestCheck, TransferError> {
    let esc = |s: &str| escape_for_display(s.as_bytes());
    let dest = esc(input.dest);
    let child = || esc(&join(input.dest, input.landing_name));
    let missing = || TransferError::UploadDirMissing { path: dest.clone() };
    match status {
        Some(10) => Ok(DestCheck::IsDir),
        Some(11) => Err(TransferError::UploadDirNotWritable { path: dest }),
        Some(13) => Err(TransferError::UploadDirNotWritable { path: child() }),
        Some(12) => Err(TransferError::UploadOverNonDir { path: child() }),
        Some(14) => Err(TransferError::UploadOverDir { path: child() }),
        Some(20) if input.must_be_dir => Err(TransferError::UploadNotADir { path: dest }),
        Some(20) if input.source_is_dir => Err(TransferError::UploadOverNonDir { path: dest }),
        Some(20) => Ok(DestCheck::NotDir),
        Some(30..=32) if input.must_be_dir => Err(missing()),
        Some(30) => Ok(DestCheck::NotDir),
        Some(31) => Err(TransferError::UploadDirNotWritable {
            path: esc(input.parent),
        }),
        Some(32) => Err(TransferError::UploadDirMissing {
            path: esc(input.parent),
        }),
        other => Err(TransferError::UploadProbeFailed {
            path: dest,
            status: other.map_or_else(|| "no status".to_owned(), |c| c.to_string()),
        }),
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(source_is_dir: bool, must_be_dir: bool) -> ProbeInput<'static> {
        ProbeInput {
            dest: "/tmp/precious.conf",
            parent: "/tmp",
            landing_name: "src",
            source_is_dir,
            must_be_dir,
        }
    }

    #[test]
    fn operands_are_arguments_never_part_of_the_script() {
        let mut i = input(true, false);
        i.dest = "/tmp/$(reboot)'x";
        let argv = probe_argv(&i);
        assert_eq!(argv[..4], ["sh", "-c", PROBE_SCRIPT, "sh"]);
        assert_eq!(argv[4..], ["/tmp/$(reboot)'x", "/tmp", "src", "d"]);
        assert!(!PROBE_SCRIPT.contains("reboot"));
        i.landing_name = ".";
        i.source_is_dir = false;
        assert_eq!(probe_argv(&i)[6..], ["", "f"]);
    }

    #[test]
    fn a_directory_never_replaces_an_existing_file() {
        let e = decide(&input(true, false), Some(20));
        assert!(
            matches!(&e, Err(TransferError::UploadOverNonDir { path }) if path == "/tmp/precious.conf"),
            "{e:?}"
        );
        let e = decide(&input(true, false), Some(12));
        assert!(
            matches!(&e, Err(TransferError::UploadOverNonDir { path }) if path == "/tmp/precious.conf/src"),
            "{e:?}"
        );
    }

    #[test]
    fn a_file_replaces_a_file_and_lands_inside_a_directory() {
        assert_eq!(
            decide(&input(false, false), Some(20)).ok(),
            Some(DestCheck::NotDir)
        );
        assert_eq!(
            decide(&input(false, false), Some(30)).ok(),
            Some(DestCheck::NotDir)
        );
        assert_eq!(
            decide(&input(true, false), Some(10)).ok(),
            Some(DestCheck::IsDir)
        );
        assert!(matches!(
            decide(&input(false, false), Some(14)),
            Err(TransferError::UploadOverDir { .. })
        ));
    }

    #[test]
    fn missing_or_unwritable_landing_directories_are_errors_up_front() {
        let e = decide(&input(true, false), Some(32));
        assert!(
            matches!(&e, Err(TransferError::UploadDirMissing { path }) if path == "/tmp"),
            "{e:?}"
        );
        let e = decide(&input(true, true), Some(30));
        assert!(
            matches!(&e, Err(TransferError::UploadDirMissing { path }) if path == "/tmp/precious.conf"),
            "{e:?}"
        );
        let e = decide(&input(true, false), Some(31));
        assert!(
            matches!(&e, Err(TransferError::UploadDirNotWritable { path }) if path == "/tmp"),
            "{e:?}"
        );
        assert!(matches!(
            decide(&input(false, true), Some(20)),
            Err(TransferError::UploadNotADir { .. })
        ));
        assert!(matches!(
            decide(&input(false, false), Some(11)),
            Err(TransferError::UploadDirNotWritable { .. })
        ));
    }

    #[test]
    fn clashes_are_asked_by_name_on_stdin_and_the_first_is_the_error() {
        let argv = clash_argv("/data/$(x)");
        assert_eq!(argv[..4], ["sh", "-c", CLASH_SCRIPT, "sh"]);
        assert_eq!(argv[4], "/data/$(x)");
        let names: [&[u8]; 3] = [b"t", b"t/new\nline", b"t/sub"];
        assert_eq!(clash_stdin(names), b"t\nt/sub\n");
        let e = clash_error("/data", b"t/sub\nt/sub/x\n");
        assert!(
            matches!(&e, Some(TransferError::UploadOverNonDir { path }) if path == "/data/t/sub"),
            "{e:?}"
        );
        assert!(clash_error("/data", b"").is_none());
    }

    #[test]
    fn an_unknown_answer_is_a_failed_check_never_a_guess() {
        for status in [None, Some(0), Some(1), Some(127)] {
            assert!(
                matches!(
                    decide(&input(true, false), status),
                    Err(TransferError::UploadProbeFailed { .. })
                ),
                "{status:?}"
            );
        }
    }
}
