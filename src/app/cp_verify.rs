//! `cp --verify`: sha256 sums computed in the container (GNU or busybox `sha256sum`) compared
//! with the downloaded files.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::printer::Printer;
use super::remote::{Target, capture};
use crate::error::Error;
use crate::transfer::RemoteSpec;

/// Lists `<sha256>  ./<relative path>` for every regular file at or under `$1`.
/// Without `sha256sum` it exits 127, so a tar-less shell container is "not verified" rather
/// than "0 files compared".
const SUMS_SCRIPT: &str = "command -v sha256sum >/dev/null 2>&1 || exit 127; if [ -d \"$1\" ]; then cd -- \"$1\" && find . -type f -exec sha256sum -- {} +; \
else cd -- \"$(dirname -- \"$1\")\" && sha256sum -- \"./$(basename -- \"$1\")\"; fi";

/// One `sha256sum` line: (hex, path relative to the copied root). Escaped lines (names with
/// a newline or backslash, marked by a leading `\`) are not comparable and are skipped.
pub(crate) fn parse_sum_line(line: &str, single_file: bool) -> Option<(String, String)> {
    if line.starts_with('\\') {
        return None;
    }
    let (hex, name) = line.split_once("  ").or_else(|| line.split_once(" *"))?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let name = name.strip_prefix("./").unwrap_or(name);
    let rel = if single_file {
        String::new()
    } else {
        name.to_owned()
    };
    Some((hex.to_ascii_lowercase(), rel))
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

/// Compares; `Ok(false)` when any file differs or is missing locally (each named on stderr).
pub(crate) async fn verify_download(
    target: &Target,
    from: &RemoteSpec,
    local_root: &Path,
    printer: &Printer,
) -> Result<bool, Error> {
    if from.path.is_glob() || from.path.as_str() == "/" {
        printer.warn(&"--verify supports a single file or directory, not globs or /: not verified");
        return Ok(true);
    }
    let argv: Vec<String> = vec![
        "sh".into(),
        "-c".into(),
        SUMS_SCRIPT.into(),
        "sh".into(),
        from.path.as_str().to_owned(),
    ];
    let sums = capture(target, &argv, None, 256 << 20).await?;
    if sums.not_found() {
        printer.warn(&"the container has no sh/find/sha256sum: not verified");
        return Ok(true);
    }
    let single = std::fs::metadata(local_root)
        .map(|m| m.is_file())
        .unwrap_or(false);
    let text = String::from_utf8_lossy(&sums.stdout).into_owned();
    let root = local_root.to_owned();
    let lines: Vec<(String, String)> = text
        .lines()
        .filter_map(|l| parse_sum_line(l, single))
        .collect();
    let checked = lines.len();
    let bad = tokio::task::spawn_blocking(move || {
        let mut bad = Vec::new();
        for (hex, rel) in lines {
            let path = if rel.is_empty() {
                root.clone()
            } else {
                root.join(&rel)
            };
            match local_sha256(&path) {
                Ok(h) if h == hex => {}
                Ok(_) => bad.push(format!("{rel}: content differs")),
                Err(e) => bad.push(format!("{rel}: {e}")),
            }
        }
        bad
    })
    .await
    .unwrap_or_default();
    for b in &bad {
        printer.stderr_line(format_args!("verify: {b}"));
    }
    printer.notice(&format_args!(
        "verify: {checked} file(s) compared with sha256 sums from the container, {} mismatch(es)",
        bad.len()
    ));
    Ok(bad.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gnu_and_busybox_sum_lines_parse_and_escaped_ones_are_skipped() {
        let h = "a".repeat(64);
        assert_eq!(
            parse_sum_line(&format!("{h}  ./dir/a b"), false),
            Some((h.clone(), "dir/a b".into()))
        );
        assert_eq!(
            parse_sum_line(&format!("{h}  ./f"), true),
            Some((h.clone(), String::new()))
        );
        assert_eq!(parse_sum_line(&format!("\\{h}  ./a\\nb"), false), None);
        assert_eq!(
            parse_sum_line("sha256sum: ./x: Permission denied", false),
            None
        );
    }
}
