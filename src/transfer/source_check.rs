//! Whether a download failed because its source is not there (pure): the container's tar
//! (or the glob script in `plan.rs`) names the operand itself as missing. That is the
//! user's mistake, not a per-path skip and not a broken connection: it must end the copy
//! at once, with exit 2 and no retry. Never looks at anything but the classified lines.

use super::error::TransferError;
use super::plan::{DownloadPlan, Selection};
use super::remote_stderr::RemoteMessage;
use super::safe_path::escape_for_display;

/// The error for a source that does not exist in the container, when `messages` (the
/// classified stderr of the attempt) say so about the plan's operand; `shown` is the remote
/// path as the user gave it. `None` when the operand was found (names below it may still
/// have vanished: those are skips).
pub fn missing_source(
    plan: &DownloadPlan,
    messages: &[RemoteMessage],
    shown: &str,
) -> Option<TransferError> {
    let names = operand_names(plan);
    if !messages.iter().any(|m| names_operand(m, &names)) {
        return None;
    }
    let shown = super::glob_match::shown_path(shown);
    Some(match plan.selection {
        Selection::Glob { .. } => TransferError::RemoteNoMatch { pattern: shown },
        _ => TransferError::RemoteSourceMissing { path: shown },
    })
}

/// How the container's tar (or the selection script) names the plan's operand when it is
/// missing, escaped like [`RemoteMessage`] paths; empty for a copy of `/`.
pub fn operand_names(plan: &DownloadPlan) -> Vec<String> {
    let esc = |s: &str| escape_for_display(s.as_bytes());
    match &plan.selection {
        Selection::Named { parent, name } => {
            let mut names = vec![esc(parent)];
            if name != "." {
                names.extend([esc(&format!("./{name}")), esc(name)]);
            }
            names
        }
        Selection::Glob { parent, pattern } => vec![esc(pattern), esc(parent)],
        Selection::Root { .. } => Vec::new(),
    }
}

/// Whether `message` says one of `names` (from [`operand_names`]) does not exist.
pub fn names_operand(message: &RemoteMessage, names: &[String]) -> bool {
    matches!(message, RemoteMessage::Vanished { path } if names.iter().any(|n| n == path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::remote_stderr::classify_line;
    use crate::transfer::{
        DownloadOptions, LocalKind, TarCapabilities, parse_file_spec, plan_download,
    };

    fn plan(remote: &str) -> DownloadPlan {
        let from = match parse_file_spec(std::ffi::OsStr::new(&format!("pod:{remote}"))) {
            Ok(crate::transfer::FileSpec::Remote(r)) => r,
            other => panic!("{other:?}"),
        };
        let to = match parse_file_spec(std::ffi::OsStr::new("out")) {
            Ok(crate::transfer::FileSpec::Local(l)) => l,
            other => panic!("{other:?}"),
        };
        plan_download(
            &from,
            &to,
            LocalKind::Missing,
            &TarCapabilities::MINIMAL,
            &DownloadOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn lines(ls: &[&str]) -> Vec<RemoteMessage> {
        ls.iter().map(|l| classify_line(l.as_bytes())).collect()
    }

    #[test]
    fn gnu_and_busybox_reports_of_a_missing_operand_are_a_missing_source() {
        let p = plan("/nonexistent");
        for stderr in [
            &[
                "tar: ./nonexistent: Cannot stat: No such file or directory",
                "tar: Exiting with failure status due to previous errors",
            ][..],
            &["tar: ./nonexistent: No such file or directory"][..],
        ] {
            let e = missing_source(&p, &lines(stderr), "/nonexistent");
            assert!(
                matches!(&e, Some(TransferError::RemoteSourceMissing { path }) if path == "/nonexistent"),
                "{stderr:?}: {e:?}"
            );
        }
    }

    #[test]
    fn a_missing_parent_directory_is_a_missing_source() {
        let p = plan("/gone/dir/.");
        let e = missing_source(
            &p,
            &lines(&["tar: /gone/dir/.: Cannot open: No such file or directory"]),
            "/gone/dir/.",
        );
        assert!(
            matches!(e, Some(TransferError::RemoteSourceMissing { .. })),
            "{e:?}"
        );
    }

    #[test]
    fn names_vanishing_below_the_operand_are_skips_not_a_missing_source() {
        let p = plan("/data");
        let got = missing_source(
            &p,
            &lines(&["tar: ./data/tmp.1: Cannot stat: No such file or directory"]),
            "/data",
        );
        assert!(got.is_none(), "{got:?}");
        assert!(
            missing_source(
                &p,
                &lines(&["tar: ./data/x: Cannot open: Permission denied"]),
                "/data"
            )
            .is_none()
        );
    }

    #[test]
    fn a_glob_matching_nothing_is_no_match() {
        let p = plan("/var/log/*.nomatch");
        let e = missing_source(
            &p,
            &lines(&["tar: *.nomatch: Cannot stat: No such file or directory"]),
            "/var/log/*.nomatch",
        );
        assert!(
            matches!(&e, Some(TransferError::RemoteNoMatch { pattern }) if pattern == "/var/log/*.nomatch"),
            "{e:?}"
        );
        assert!(
            missing_source(
                &p,
                &lines(&["tar: ./a.nomatchx: Cannot stat: No such file or directory"]),
                "x"
            )
            .is_none()
        );
    }
}
