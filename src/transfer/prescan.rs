//! The quick remote pre-scan before a download, so the progress bar knows its total (pure).
//!
//! One constant script over the same selection as the copy (`filewise.rs`'s prelude: paths
//! are arguments, never code) uses the best tool the container has, and says which:
//! - `mode=find`: GNU find's `-printf '%s\n'` for every non-directory (exact bytes, and
//!   one line per file, so the file count too);
//! - `mode=du UNIT`: `du -sb` (apparent bytes; `-sk` and UNIT 1024 where `-b` is missing)
//!   per member, plus `files=N` from `find | wc -l` when `wc` exists;
//! - `mode=none`: neither exists; the bar becomes a spinner.
//!
//! The caller bounds it in time and output and treats any failure as "no total": a pre-scan
//! is never fatal.

use super::filewise::{select_prelude, selection_args};
use super::plan::DownloadPlan;

/// The pre-scan script; arguments as for `select_prelude`.
pub const PRESCAN_SCRIPT: &str = concat!(
    select_prelude!(),
    "fx= dx=
if [ \"$xd\" = 1 ]; then fx=-xdev dx=-x; fi
if find . -maxdepth 0 -printf '' >/dev/null 2>&1; then
  echo mode=find
  find \"$@\" $fx ! -type d -printf '%s\\n' 2>/dev/null
  exit 0
fi
if ! command -v du >/dev/null 2>&1; then echo mode=none; exit 0; fi
if du -sb . >/dev/null 2>&1; then echo mode=du 1; du -sb $dx \"$@\" 2>/dev/null
else echo mode=du 1024; du -sk $dx \"$@\" 2>/dev/null; fi
if command -v wc >/dev/null 2>&1; then
  printf 'files=%s\\n' \"$(find \"$@\" $fx ! -type d 2>/dev/null | wc -l)\"
fi
exit 0"
);

/// The pre-scan command for `plan`.
pub fn prescan_argv(plan: &DownloadPlan) -> Vec<String> {
    let mut argv = vec!["sh".into(), "-c".into(), PRESCAN_SCRIPT.into(), "sh".into()];
    argv.extend(selection_args(plan, "prescan"));
    argv
}

/// What the pre-scan found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreScan {
    /// Bytes to expect (exact with find, an estimate with du).
    pub bytes: u64,
    /// Non-directory entries, when the tool could count them.
    pub files: Option<u64>,
}

/// Reads the pre-scan's stdout; `None` when it found no tool or the output makes no sense.
pub fn parse_prescan(stdout: &[u8]) -> Option<PreScan> {
    let text = std::str::from_utf8(stdout).ok()?;
    let mut lines = text.lines();
    let mode = lines.next()?.strip_prefix("mode=")?;
    match mode {
        "find" => {
            let (mut bytes, mut files) = (0u64, 0u64);
            for line in lines {
                bytes = bytes.checked_add(line.trim().parse::<u64>().ok()?)?;
                files += 1;
            }
            Some(PreScan {
                bytes,
                files: Some(files),
            })
        }
        _ => {
            let unit: u64 = mode.strip_prefix("du ")?.parse().ok()?;
            let (mut bytes, mut files, mut any) = (0u64, None, false);
            for line in lines {
                if let Some(n) = line.strip_prefix("files=") {
                    files = Some(n.trim().parse().ok()?);
                    continue;
                }
                let size: u64 = line.split('\t').next()?.trim().parse().ok()?;
                bytes = bytes.checked_add(size.checked_mul(unit)?)?;
                any = true;
            }
            any.then_some(PreScan { bytes, files })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gnu_find_sizes_sum_to_bytes_and_count_files() {
        let out = b"mode=find\n6\n5\n0\n1048576\n";
        assert_eq!(
            parse_prescan(out),
            Some(PreScan {
                bytes: 1_048_587,
                files: Some(4)
            })
        );
        assert_eq!(
            parse_prescan(b"mode=find\n"),
            Some(PreScan {
                bytes: 0,
                files: Some(0)
            })
        );
    }

    /// `du -sb` / `-sk` lines as GNU coreutils and busybox print them (tab-separated).
    #[test]
    fn du_lines_in_bytes_or_kib_add_up_per_member() {
        let bytes = b"mode=du 1\n12295\t./data\n40\t./x y\nfiles=7\n";
        assert_eq!(
            parse_prescan(bytes),
            Some(PreScan {
                bytes: 12_335,
                files: Some(7)
            })
        );
        let kib = b"mode=du 1024\n16\t./data\n";
        assert_eq!(
            parse_prescan(kib),
            Some(PreScan {
                bytes: 16_384,
                files: None
            })
        );
    }

    #[test]
    fn no_tool_or_nonsense_gives_no_total() {
        for out in [
            &b"mode=none\n"[..],
            b"",
            b"sh: find: not found\n",
            b"mode=du 1\n",
            b"mode=du x\n5\t.\n",
            b"mode=find\n5\nnot-a-size\n",
            b"mode=find\n18446744073709551615\n1\n",
            b"mode=du 1024\n18446744073709551615\t.\n",
        ] {
            assert_eq!(parse_prescan(out), None, "{}", String::from_utf8_lossy(out));
        }
    }
}
