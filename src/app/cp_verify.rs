//! `cp --verify`: sha256 sums computed in the container (GNU or busybox `sha256sum`) compared
//! with the downloaded files. The script and its parser live in `transfer::verify_sums`;
//! this file runs it, hashes the local files and reports. Every regular file the container
//! lists is either compared or counted and named as not comparable, never dropped.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::printer::Printer;
use super::remote::{Target, capture};
use crate::error::Error;
use crate::transfer::RemoteSpec;
use crate::transfer::safe_path::escape_for_display;
use crate::transfer::verify_sums::{SumCheck, parse_sums_output, sums_argv};

/// How much of the listing is read; beyond it the remaining files are "cut", not compared.
const SUMS_OUTPUT_CAP: usize = 256 << 20;

/// What `--verify` found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct VerifyReport {
    /// Files whose local sha256 was compared with the container's.
    pub compared: u64,
    /// Of those, the ones that differ or are missing locally.
    pub mismatches: u64,
    /// Regular files in the container that could not be compared (each named on stderr).
    pub uncomparable: u64,
}

fn local_sha256(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// `root` joined with `components`, refusing a path through a local symlink (the copy keeps
/// symlinks; a file "below" one is not the file that was copied) or to a non-file.
fn local_file(root: &Path, components: &[Vec<u8>]) -> Result<PathBuf, String> {
    let mut path = root.to_path_buf();
    if components.is_empty() && !path.is_file() {
        return Err("not a regular file locally".into());
    }
    for (i, c) in components.iter().enumerate() {
        path.push(os_name(c));
        let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
        if meta.file_type().is_symlink() {
            return Err("a symlink locally".into());
        }
        if i + 1 == components.len() && !meta.is_file() {
            return Err("not a regular file locally".into());
        }
    }
    Ok(path)
}

#[cfg(unix)]
fn os_name(c: &[u8]) -> &std::ffi::OsStr {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(c)
}

#[cfg(not(unix))]
fn os_name(c: &[u8]) -> std::ffi::OsString {
    String::from_utf8_lossy(c).into_owned().into()
}

/// One line per problem (`NAME: what`) and the counts.
fn compare_all(root: &Path, checks: Vec<SumCheck>) -> (VerifyReport, Vec<String>) {
    let mut report = VerifyReport::default();
    let mut lines = Vec::new();
    for check in checks {
        match check {
            SumCheck::Compare {
                components,
                display,
                hex,
            } => {
                report.compared += 1;
                let got = local_file(root, &components)
                    .and_then(|p| local_sha256(&p).map_err(|e| e.to_string()));
                match got {
                    Ok(h) if h == hex => {}
                    Ok(_) => {
                        report.mismatches += 1;
                        lines.push(format!("{display}: content differs"));
                    }
                    Err(e) => {
                        report.mismatches += 1;
                        lines.push(format!("{display}: {e}"));
                    }
                }
            }
            SumCheck::Skip { display, why } => {
                report.uncomparable += 1;
                lines.push(format!("{display}: not compared: {why}"));
            }
        }
    }
    (report, lines)
}

/// Compares; `None` when nothing could be verified (globs, `/`, no `sha256sum`), each case
/// said on stderr.
pub(crate) async fn verify_download(
    target: &Target,
    from: &RemoteSpec,
    local_root: &Path,
    printer: &Printer,
) -> Result<Option<VerifyReport>, Error> {
    if from.path.is_glob() || from.path.as_str() == "/" {
        printer.warn(&"--verify supports a single file or directory, not globs or /: not verified");
        return Ok(None);
    }
    let argv = sums_argv(from.path.as_str());
    let sums = capture(&target.patient(), &argv, None, SUMS_OUTPUT_CAP).await?;
    if sums.not_found() {
        printer.warn(&format_args!(
            "the container has no {}: not verified",
            missing_tool(&sums)
        ));
        return Ok(None);
    }
    let checks = parse_sums_output(&sums.stdout);
    let root = local_root.to_owned();
    let (report, lines) = tokio::task::spawn_blocking(move || compare_all(&root, checks))
        .await
        .map_err(|_| Error::CopyIncomplete)?;
    for line in &lines {
        printer.stderr_line(format_args!("verify: {line}"));
    }
    printer.notice(&format_args!(
        "verify: {} file(s) compared with sha256 sums from the container, {} mismatch(es), {} not comparable",
        report.compared, report.mismatches, report.uncomparable
    ));
    Ok(Some(report))
}

/// Which tool of the sums script the container lacks: `sh` when the exec could not start
/// it, `find` when the shell said so, else `sha256sum` (the script's own check exits 127
/// without a word).
fn missing_tool(sums: &super::remote::Captured) -> &'static str {
    if !matches!(sums.status, crate::cluster::status::ExecStatus::Exit(_)) {
        return "sh";
    }
    let err = String::from_utf8_lossy(&sums.stderr);
    if err
        .lines()
        .any(|l| l.contains("find: not found") || l.contains("find: command not found"))
    {
        "find"
    } else {
        "sha256sum"
    }
}

/// The relative name of a check (`.` for a single file), escaped, `./` dropped.
fn check_name(check: &SumCheck) -> String {
    match check {
        SumCheck::Compare { components, .. } if components.is_empty() => ".".to_owned(),
        SumCheck::Compare { components, .. } => escape_for_display(&components.join(&b'/')),
        SumCheck::Skip { display, .. } => {
            crate::transfer::upload_result::normal(display).to_owned()
        }
    }
}

/// After an upload: sums computed in the container at `remote_root` (where the source
/// landed) compared with the local source `local_root`, for the files in `landed` only
/// (relative names as [`check_name`] spells them; other files there were not sent, and
/// refused ones were already reported). `None` when nothing could be verified.
pub(crate) async fn verify_upload(
    target: &Target,
    remote_root: &str,
    local_root: &Path,
    landed: std::collections::HashSet<String>,
    printer: &Printer,
) -> Result<Option<VerifyReport>, Error> {
    let sums = capture(
        &target.patient(),
        &sums_argv(remote_root),
        None,
        SUMS_OUTPUT_CAP,
    )
    .await?;
    if sums.not_found() {
        printer.warn(&"the container has no sh/find/sha256sum: not verified");
        return Ok(None);
    }
    let mut checks = parse_sums_output(&sums.stdout);
    checks.retain(|c| landed.contains(&check_name(c)));
    let missing = landed.len().saturating_sub(checks.len()) as u64;
    let root = local_root.to_owned();
    let (mut report, lines) = tokio::task::spawn_blocking(move || compare_all(&root, checks))
        .await
        .map_err(|_| Error::CopyIncomplete)?;
    for line in &lines {
        printer.stderr_line(format_args!("verify: {line}"));
    }
    if missing > 0 {
        // sent and not refused, yet the container lists no such regular file
        report.mismatches += missing;
        printer.stderr_line(format_args!(
            "verify: {missing} uploaded file(s) are not regular files in the container"
        ));
    }
    printer.notice(&format_args!(
        "verify: {} file(s) compared with sha256 sums from the container, {} mismatch(es), {} not comparable",
        report.compared, report.mismatches, report.uncomparable
    ));
    Ok(Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_symlink_on_the_way_is_never_followed() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("real"), b"x").unwrap_or_else(|e| panic!("{e}"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("real", dir.path().join("link"))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(local_file(dir.path(), &[b"link".to_vec()]).is_err());
        }
        assert!(local_file(dir.path(), &[b"real".to_vec()]).is_ok());
        assert!(local_file(dir.path(), &[b"missing".to_vec()]).is_err());
    }
}
