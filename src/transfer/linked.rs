//! Which regular files of a download's selection have more than one name (pure).
//!
//! Asked only when a download resumes: tar links a name to an earlier member of the same run
//! only, so a continuation that excludes a completed file would send its other names as
//! separate files, and the copy would no longer equal an uninterrupted one. Completed files
//! listed here are therefore sent again (`ResumeState::continuation_keeping`). One constant
//! script over the same selection as the copy (`filewise.rs`'s prelude: paths are arguments,
//! never code); POSIX `find -links +1`, names NUL-separated (`-print0`, GNU and busybox).
//! Any failure means "none known", which only costs the links.

use super::filewise::{select_prelude, selection_args};
use super::plan::DownloadPlan;

/// The query script; arguments as for `select_prelude`.
pub const LINKED_SCRIPT: &str = concat!(
    select_prelude!(),
    "fx=
if [ \"$xd\" = 1 ]; then fx=-xdev; fi
find \"$@\" $fx -type f -links +1 -print0 2>/dev/null
exit 0"
);

/// The query command for `plan`.
pub fn linked_argv(plan: &DownloadPlan) -> Vec<String> {
    let mut argv = vec!["sh".into(), "-c".into(), LINKED_SCRIPT.into(), "sh".into()];
    argv.extend(selection_args(plan, "linked"));
    argv
}

/// The names in the query's output (`./member/...`, as tar names them).
pub fn parse_linked(stdout: &[u8]) -> Vec<Vec<u8>> {
    stdout
        .split(|&b| b == 0)
        .filter(|n| !n.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_separated_names_keep_newlines_and_drop_the_empty_tail() {
        assert_eq!(
            parse_linked(b"./src/a\0./src/new\nline\0"),
            vec![b"./src/a".to_vec(), b"./src/new\nline".to_vec()]
        );
        assert!(parse_linked(b"").is_empty());
    }
}
