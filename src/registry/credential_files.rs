//! Reading the local credential files (docker `config.json`, containers `auth.json`): a size
//! cap, and a warning when a file exists but cannot be used (unreadable, too large, not a
//! JSON object), given once per file and process so a namespace-wide run says it once.
//!
//! Never puts file contents into a message: serde_json's errors name only a line and column.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Largest credentials document we read.
const DOC_LIMIT: u64 = 4 << 20;

/// Files already warned about in this process.
static WARNED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// What reading one credential file gave.
#[derive(Debug, Default)]
pub(crate) struct FileRead {
    /// The document, when it exists and is usable.
    pub bytes: Option<Vec<u8>>,
    /// Why an existing file is not used; only the first time this process reads it.
    pub warning: Option<String>,
}

/// Why a credential document cannot be used, if it cannot (pure).
pub(crate) fn document_problem(bytes: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Err(e) => Some(format!("it is not valid JSON ({e})")),
        Ok(v) if !v.is_object() => Some("it is not a JSON object".to_owned()),
        Ok(_) => None,
    }
}

/// Reads the credential file at `path`, described as `label` (`docker config`,
/// `containers auth`) in the warning. A missing file is normal and says nothing.
pub(crate) async fn read_credential_file(path: &Path, label: &str) -> FileRead {
    let problem = match tokio::fs::metadata(path).await {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return FileRead::default(),
        Err(e) => format!("it cannot be read ({e})"),
        Ok(meta) if !meta.is_file() => "it is not a regular file".to_owned(),
        Ok(meta) if meta.len() > DOC_LIMIT => {
            format!("it is larger than {} MiB", DOC_LIMIT >> 20)
        }
        Ok(_) => match tokio::fs::read(path).await {
            Err(e) => format!("it cannot be read ({e})"),
            Ok(bytes) => match document_problem(&bytes) {
                None => {
                    return FileRead {
                        bytes: Some(bytes),
                        warning: None,
                    };
                }
                Some(p) => p,
            },
        },
    };
    let first = WARNED
        .lock()
        .map(|mut w| w.insert(path.to_owned()))
        .unwrap_or(true);
    FileRead {
        bytes: None,
        warning: first.then(|| {
            format!(
                "ignoring {label} {}: {problem}; fix or remove it to use its credentials",
                path.display()
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_documents_are_named_with_the_parse_error_and_good_ones_pass() {
        let p = document_problem(b"{\"auths\": {,}}").unwrap_or_default();
        assert!(p.contains("not valid JSON") && p.contains("line 1"), "{p}");
        assert_eq!(
            document_problem(b"[1]").as_deref(),
            Some("it is not a JSON object")
        );
        assert_eq!(document_problem(br#"{"auths":{}}"#), None);
    }

    #[tokio::test]
    async fn a_broken_file_is_warned_about_once_and_a_missing_one_never() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("config.json");
        assert!(
            read_credential_file(&path, "docker config")
                .await
                .warning
                .is_none()
        );
        std::fs::write(&path, b"{ not json").unwrap_or_else(|e| panic!("{e}"));
        let first = read_credential_file(&path, "docker config").await;
        assert!(first.bytes.is_none());
        let w = first.warning.unwrap_or_default();
        assert!(
            w.contains(&path.display().to_string()) && w.contains("not valid JSON"),
            "{w}"
        );
        assert!(
            read_credential_file(&path, "docker config")
                .await
                .warning
                .is_none()
        );
    }
}
