//! The file-by-file download for containers with a shell but no tar (pure): the remote
//! script, its argv, and the probe that decides whether the fallback can run.
//!
//! The script is a constant; every path reaches it as an argument (`"$2"`, `"$4"`) or as a
//! name `find` hands to `-exec sh -c SCRIPT sh {} +`, where it is only ever quoted
//! (`"$f"`): no remote path is interpolated into shell code. For each name it writes one
//! record on stdout (`filewise_stream.rs` reads them and synthesises a tar stream, so the
//! download goes through the same safe unpack as a real tar):
//!
//! ```text
//! NONCE f|l|n MODE_HEX SIZE MTIME UID GID DEV INO NLINK \n NAME \0 PAYLOAD
//! NONCE p \n NAME \0        the user cannot read this file (permission denied)
//! NONCE v \n NAME \0        it vanished before it could be stat'ed
//! NONCE end STATUS \n       the walk is over (find's exit status)
//! ```
//!
//! `f` (regular file) carries `cat`'s output then `\nNONCE x CAT_STATUS\n`; `l` (symlink)
//! carries `readlink`'s output (the target and one newline) then `\0`; `n` (directory,
//! FIFO, device, socket) carries nothing. The nonce is random per copy, so file contents
//! cannot be mistaken for a trailer by accident: a file that shrank or grew between `stat`
//! and `cat` is detected by where the trailer really is. Needs `sh`, `find` (with
//! `-exec {} +`), `stat -c`, `cat` and `readlink`: busybox and GNU coreutils both have them.
//! Hardlinks: `filewise_stream.rs` turns a second name of an inode it already delivered into
//! a tar hardlink (from the record's DEV INO NLINK).
//!
//! Resume: a continuation runs the same walk with the completed names on stdin, one per line
//! (POSIX `sh` cannot split its input on NUL: dash drops NUL bytes in `read`), each
//! `-NAME` when the name holds no newline or backslash, else `=` and the name with `\` and
//! newline written `\\` and `\n`, decoded by `printf %b`. Names are data, never code.

use std::collections::HashSet;

use super::plan::{DownloadPlan, Selection};
use super::resume::{Continuation, ResumeStrategy};
use super::unpack::UnpackSummary;

/// The start of every script over a download's selection: `$1` a tag (the nonce), `$2`
/// the directory, `$3` `name` or `glob`, `$4` the name or the newline-separated patterns,
/// `$5` top-level names to leave out (`/`-separated), `$6` `1` to stay on one file system.
/// Leaves `m` (the tag), `xd` and the selected members (`./NAME`, or `.`) in `"$@"`. Glob
/// matches are expanded in one `set --` (see `plan::SELECT_SCRIPT`: one at a time is
/// quadratic in the shell).
macro_rules! select_prelude {
    () => {
        "m=$1
cd -- \"$2\" || exit 2
k=$3 p=$4 x=$5 xd=$6
shift 6
if [ \"$k\" = name ]; then
  if [ \"$p\" = . ]; then set -- .; else set -- \"./$p\"; fi
elif [ -e \"$p\" ] || [ -L \"$p\" ]; then set -- \"./$p\"
else
  IFS='
'
  sel_found() { [ -e \"$1\" ] || [ -L \"$1\" ]; }
  if [ -n \"$x\" ]; then
    for f in $p; do
      case \"/$x/\" in *\"/$f/\"*) continue ;; esac
      if sel_found \"$f\"; then set -- \"$@\" \"./$f\"; fi
    done
  else
    g=
    set -f
    for q in $p; do set +f; if sel_found ./$q; then g=\"$g
./$q\"; fi; set -f; done
    set +f
    set -- $g
  fi
  unset IFS
  if [ \"$#\" -eq 0 ]; then printf 'find: %s: No such file or directory\\n' \"$p\" >&2; exit 2; fi
fi
"
    };
}
pub(crate) use select_prelude;

/// The remote script: `select_prelude`, then the walk. Arguments as there; `$RECORDS`
/// holds [`RECORD_SCRIPT`].
pub const WALK_SCRIPT: &str = concat!(
    select_prelude!(),
    "if [ \"$xd\" = 1 ]; then set -- \"$@\" -xdev; fi
find \"$@\" -exec sh -c \"$RECORDS\" sh \"$m\" {} +
s=$?
printf '%s end %s\\n' \"$m\" \"$s\"
exit \"$s\""
);

/// The per-name loop `find` runs through `sh -c`. `$1` is the nonce, then the names.
/// A continuation's stdin lists the names already complete locally, in the order they
/// arrived (see [`walk_continuation`]); `nw` reads the next one into `$w` (as data: it is
/// only ever compared, quoted), and a name equal to it is passed over. The walk meets names
/// in the same order as before, so one look-ahead name suffices; a name met out of order is
/// simply sent again (the unpacker replaces it).
pub const RECORD_SCRIPT: &str = "m=$1
shift
nw() {
  hw=
  IFS= read -r w || return 0
  hw=1
  case $w in
  -*) w=${w#-} ;;
  *) w=$(printf '%bx' \"${w#?}\"); w=${w%x} ;;
  esac
}
nw
for f do
  if [ -n \"$hw\" ] && [ \"$f\" = \"$w\" ]; then nw; continue; fi
  s=$(stat -c '%f %s %Y %u %g %d %i %h' -- \"$f\" 2>/dev/null) || { printf '%s v\\n%s\\0' \"$m\" \"$f\"; continue; }
  case $s in
  8*) if [ -r \"$f\" ]; then
        printf '%s f %s\\n%s\\0' \"$m\" \"$s\" \"$f\"
        cat -- \"$f\" 2>/dev/null
        printf '\\n%s x %s\\n' \"$m\" \"$?\"
      else printf '%s p\\n%s\\0' \"$m\" \"$f\"; fi ;;
  a*) printf '%s l %s\\n%s\\0' \"$m\" \"$s\" \"$f\"; readlink -- \"$f\" 2>/dev/null; printf '\\0' ;;
  *) printf '%s n %s\\n%s\\0' \"$m\" \"$s\" \"$f\" ;;
  esac
done";

/// Asks whether the fallback can run; answers `ok` on stdout when every tool is there,
/// else the names of the missing ones (exit 1). A missing `sh` shows as exit 126/127.
pub fn probe_argv() -> Vec<String> {
    let script = "m=; for t in find stat cat readlink; do command -v \"$t\" >/dev/null 2>&1 || \
                  m=\"$m $t\"; done; if [ -n \"$m\" ]; then echo \"missing:$m\"; exit 1; fi; echo ok";
    vec!["sh".into(), "-c".into(), script.into()]
}

/// What the fallback probe said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkProbe {
    /// Every tool is there.
    Ready,
    /// The shell runs but these tools are missing.
    Missing(Vec<String>),
}

/// Reads [`probe_argv`]'s stdout (`None` for anything unexpected).
pub fn parse_probe(stdout: &str) -> Option<WalkProbe> {
    let line = stdout.lines().next()?.trim();
    if line == "ok" {
        return Some(WalkProbe::Ready);
    }
    let names = line.strip_prefix("missing:")?;
    Some(WalkProbe::Missing(
        names.split_whitespace().map(str::to_owned).collect(),
    ))
}

/// The positional arguments of a [`select_prelude`] script over `plan`'s selection.
pub(crate) fn selection_args(plan: &DownloadPlan, tag: &str) -> Vec<String> {
    let (dir, kind, what, skip) = match &plan.selection {
        Selection::Named { parent, name } => (parent.clone(), "name", name.clone(), String::new()),
        Selection::Glob { parent, pattern } => {
            (parent.clone(), "glob", pattern.clone(), String::new())
        }
        Selection::Root { skip } => (
            "/".to_owned(),
            "glob",
            "*\n.[!.]*\n..?*".into(),
            skip.join("/"),
        ),
    };
    let xdev = if plan.opts.one_file_system { "1" } else { "0" };
    vec![tag.into(), dir, kind.into(), what, skip, xdev.into()]
}

/// The remote command that walks `plan`'s selection, records tagged with `nonce`.
pub fn walk_argv(plan: &DownloadPlan, nonce: &str) -> Vec<String> {
    // The record loop is an argument too: the outer shell keeps it in `$RECORDS` and hands
    // it to each `sh -c` that find starts.
    let mut argv = vec![
        "sh".into(),
        "-c".into(),
        format!("RECORDS=$1; shift; {WALK_SCRIPT}"),
        "sh".into(),
        RECORD_SCRIPT.into(),
    ];
    argv.extend(selection_args(plan, nonce));
    argv
}

/// One completed name as a line of a continuation's stdin (see the module header).
fn encode_completed(name: &[u8], out: &mut Vec<u8>) {
    if name.iter().any(|b| matches!(b, b'\n' | b'\\')) {
        out.push(b'=');
        for &b in name {
            match b {
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\\' => out.extend_from_slice(b"\\\\"),
                _ => out.push(b),
            }
        }
    } else {
        out.push(b'-');
        out.extend_from_slice(name);
    }
    out.push(b'\n');
}

/// The walk again, with the names `summary` records as complete on its stdin, in the order
/// they first arrived, so the walk passes them over (see [`RECORD_SCRIPT`]). Names in
/// `resend` (every name of a multiply-linked file, `FilewiseStream::linked_names`) are left
/// out, so they come again and their names arrive as one inode.
pub fn walk_continuation(
    plan: &DownloadPlan,
    nonce: &str,
    summary: &UnpackSummary,
    resend: &HashSet<Vec<u8>>,
) -> Continuation {
    let mut names: Vec<(u64, &[u8])> = summary
        .completed
        .iter()
        .map(|n| (summary.tally.arrival(n).unwrap_or(u64::MAX), n.as_slice()))
        .collect();
    names.sort();
    names.dedup_by(|a, b| a.1 == b.1);
    let mut stdin = Vec::new();
    let mut resent = 0;
    for (_, name) in names {
        if resend.contains(name) {
            resent += 1;
        } else {
            encode_completed(name, &mut stdin);
        }
    }
    Continuation {
        argv: walk_argv(plan, nonce),
        stdin,
        strategy: ResumeStrategy::SkipCompleted,
        resent,
    }
}

/// A fresh random nonce (32 hex digits) for one copy: std's per-process random hash keys,
/// mixed with the time and pid, so two copies never share one.
pub fn fresh_nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut out = String::with_capacity(32);
    for salt in 0..2u64 {
        let mut h = std::hash::RandomState::new().build_hasher();
        h.write_u128(now);
        h.write_u32(std::process::id());
        h.write_u64(salt);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::{DownloadOptions, LocalKind, LocalSpec, TarCapabilities, plan_download};

    fn plan(remote: &str, one_fs: bool) -> DownloadPlan {
        let specs = crate::transfer::parse_copy_specs(
            std::ffi::OsStr::new(&format!("app:{remote}")),
            std::ffi::OsStr::new("out"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let crate::transfer::CopySpecs::Download { from, .. } = specs else {
            panic!("not a download")
        };
        let to = LocalSpec {
            path: "out".into(),
            trailing_slash: false,
        };
        let opts = DownloadOptions {
            one_file_system: one_fs,
            include_virtual: false,
        };
        plan_download(
            &from,
            &to,
            LocalKind::Missing,
            &TarCapabilities::MINIMAL,
            &opts,
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn paths_travel_as_arguments_and_never_inside_the_scripts() {
        let hostile = "/data/$(touch x)'; rm -rf ~ #\"";
        let argv = walk_argv(&plan(hostile, false), "n0nce");
        assert_eq!(&argv[..2], ["sh", "-c"]);
        assert_eq!(argv[2], format!("RECORDS=$1; shift; {WALK_SCRIPT}"));
        assert_eq!(argv[4], RECORD_SCRIPT);
        assert_eq!(
            &argv[5..],
            [
                "n0nce",
                "/data",
                "name",
                "$(touch x)'; rm -rf ~ #\"",
                "",
                "0"
            ]
        );
    }

    #[test]
    fn globs_root_and_one_file_system_choose_the_walk_mode() {
        let glob = walk_argv(&plan("/var/log/*.log", true), "n");
        assert_eq!(&glob[6..], ["/var/log", "glob", "*.log", "", "1"]);
        let root = walk_argv(&plan("/", false), "n");
        assert_eq!(
            &root[6..],
            ["/", "glob", "*\n.[!.]*\n..?*", "proc/sys/dev", "0"]
        );
        let contents = walk_argv(&plan("/etc/.", false), "n");
        assert_eq!(&contents[6..9], ["/etc/.", "name", "."]);
    }

    #[test]
    fn the_probe_says_ready_or_names_what_is_missing() {
        assert_eq!(parse_probe("ok\n"), Some(WalkProbe::Ready));
        assert_eq!(
            parse_probe("missing: stat readlink\n"),
            Some(WalkProbe::Missing(vec!["stat".into(), "readlink".into()]))
        );
        assert_eq!(parse_probe(""), None);
        assert_eq!(parse_probe("sh: oops\n"), None);
    }

    #[test]
    fn a_continuation_lists_completed_names_in_arrival_order_as_escaped_lines() {
        let mut summary = UnpackSummary::default();
        for n in [&b"./d/link"[..], b"./d/a", b"./d/new\nline", b"./d/b\\s"] {
            summary.tally.arrive(n);
        }
        // the symlink was completed last (links are made after the stream), the file
        // in progress (`./d/partial`) never
        summary.completed = vec![
            b"./d/a".to_vec(),
            b"./d/new\nline".to_vec(),
            b"./d/b\\s".to_vec(),
            b"./d/link".to_vec(),
        ];
        let c = walk_continuation(&plan("/data", false), "n0nce", &summary, &HashSet::new());
        assert_eq!(c.argv, walk_argv(&plan("/data", false), "n0nce"));
        assert_eq!(
            c.stdin,
            b"-./d/link\n-./d/a\n=./d/new\\nline\n=./d/b\\\\s\n".to_vec()
        );
        assert_eq!((c.strategy, c.resent), (ResumeStrategy::SkipCompleted, 0));
        // names of a multiply-linked file come again, so they can arrive as one inode
        let linked = HashSet::from([b"./d/a".to_vec()]);
        let c = walk_continuation(&plan("/data", false), "n0nce", &summary, &linked);
        assert_eq!(
            c.stdin,
            b"-./d/link\n=./d/new\\nline\n=./d/b\\\\s\n".to_vec()
        );
        assert_eq!(c.resent, 1);
    }

    #[test]
    fn nonces_are_32_hex_digits_and_differ() {
        let (a, b) = (fresh_nonce(), fresh_nonce());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
