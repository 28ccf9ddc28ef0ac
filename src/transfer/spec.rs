//! `SRC`/`DEST` arguments of `cp`: a local path or `[namespace/]pod:path` (pure).
//!
//! Owns kubectl's file-spec syntax with its known traps fixed (kubectl-cp-behaviour.md §2): an
//! argument is remote only when the part before the first `:` is a valid `pod` or `ns/pod`
//! (RFC 1123), so Windows drive letters (`C:\x`, `C:/x`), `./a:b`, `/a:b` and `~/a:b` stay
//! local. Records trailing slashes, which change cp semantics (see `plan.rs`). No I/O.

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use super::error::TransferError;

/// One side of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSpec {
    /// A path on this machine.
    Local(LocalSpec),
    /// A path inside a pod's container.
    Remote(RemoteSpec),
}

/// A local path as given, with its trailing-slash flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSpec {
    /// The path exactly as typed (OS separators, may be non-UTF-8).
    pub path: PathBuf,
    /// The argument ended in a separator: it must name a directory.
    pub trailing_slash: bool,
}

/// `[namespace/]pod:path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSpec {
    /// The namespace from the spec; `None` means `-n` or the context's.
    pub namespace: Option<String>,
    /// The pod name.
    pub pod: String,
    /// The path inside the container.
    pub path: RemotePath,
}

/// A path inside the container: trailing slashes removed (`/` stays `/`), backslashes kept
/// literally (they are ordinary name bytes on Linux).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePath {
    path: String,
    trailing_slash: bool,
}

impl RemotePath {
    /// Parses the part after the colon.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if raw.is_empty() {
            return Err("filepath can not be empty");
        }
        if raw.contains('\0') {
            return Err("remote path contains NUL");
        }
        let trimmed = raw.trim_end_matches('/');
        let path = if trimmed.is_empty() { "/" } else { trimmed };
        Ok(Self {
            path: path.to_owned(),
            trailing_slash: raw.len() > 1 && raw.ends_with('/'),
        })
    }
    /// The normalised path.
    pub fn as_str(&self) -> &str {
        &self.path
    }
    /// Whether the argument ended in `/` (the source must be a directory).
    pub fn trailing_slash(&self) -> bool {
        self.trailing_slash
    }
    /// Whether the last component holds shell glob characters (`*`, `?`, `[`).
    pub fn is_glob(&self) -> bool {
        self.name().contains(['*', '?', '['])
    }
    /// The directory holding the last component (`.` for a bare relative name).
    pub fn parent(&self) -> &str {
        match self.path.rfind('/') {
            Some(0) => "/",
            Some(i) => &self.path[..i],
            None => ".",
        }
    }
    /// The last component (`/` for the root itself).
    pub fn name(&self) -> &str {
        if self.path == "/" {
            return "/";
        }
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// Reads one `cp` argument.
pub fn parse_file_spec(arg: &OsStr) -> Result<FileSpec, TransferError> {
    let invalid = |problem| TransferError::InvalidSpec {
        spec: arg.to_string_lossy().into_owned(),
        problem,
    };
    let bytes = arg.as_encoded_bytes();
    if bytes.is_empty() {
        return Err(invalid("empty path"));
    }
    if let Some((pod_part, rest)) = split_remote(bytes) {
        let rest = std::str::from_utf8(rest).map_err(|_| invalid("remote path is not UTF-8"))?;
        let path = RemotePath::parse(rest).map_err(invalid)?;
        let (namespace, pod) = match pod_part.split_once('/') {
            Some((ns, pod)) => (Some(ns.to_owned()), pod.to_owned()),
            None => (None, pod_part.to_owned()),
        };
        return Ok(FileSpec::Remote(RemoteSpec {
            namespace,
            pod,
            path,
        }));
    }
    let trailing_slash =
        bytes.len() > 1 && (bytes.ends_with(b"/") || cfg!(windows) && bytes.ends_with(b"\\"));
    Ok(FileSpec::Local(LocalSpec {
        path: PathBuf::from(OsString::from(arg)),
        trailing_slash,
    }))
}

/// The two sides of a copy, in the one order that makes sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopySpecs {
    /// `pod:path LOCAL`.
    Download {
        /// The remote source.
        from: RemoteSpec,
        /// The local destination.
        to: LocalSpec,
    },
    /// `LOCAL pod:path`.
    Upload {
        /// The local source.
        from: LocalSpec,
        /// The remote destination.
        to: RemoteSpec,
    },
}

/// Reads `SRC DEST`; exactly one side must be remote (kubectl's messages).
pub fn parse_copy_specs(src: &OsStr, dest: &OsStr) -> Result<CopySpecs, TransferError> {
    match (parse_file_spec(src)?, parse_file_spec(dest)?) {
        (FileSpec::Remote(from), FileSpec::Local(to)) => Ok(CopySpecs::Download { from, to }),
        (FileSpec::Local(from), FileSpec::Remote(to)) => Ok(CopySpecs::Upload { from, to }),
        (FileSpec::Remote(_), FileSpec::Remote(_)) => Err(TransferError::InvalidPlan {
            problem: "one of src or dest must be a local file specification",
        }),
        (FileSpec::Local(_), FileSpec::Local(_)) => Err(TransferError::InvalidPlan {
            problem: "one of src or dest must be a remote file specification",
        }),
    }
}

/// `Some((pod part, path))` when `arg` is remote by the rules in the header.
fn split_remote(arg: &[u8]) -> Option<(&str, &[u8])> {
    if matches!(arg.first(), Some(b'.' | b'/' | b'~' | b'\\')) {
        return None;
    }
    let colon = arg.iter().position(|b| *b == b':')?;
    let (head, rest) = (&arg[..colon], &arg[colon + 1..]);
    // A one-letter head followed by `\` is a drive (`c:\x`); `c:/x` only on Windows, since `c`
    // is a valid pod name. Uppercase drives never pass the RFC 1123 check below.
    if head.len() == 1
        && (rest.first() == Some(&b'\\') || cfg!(windows) && rest.first() == Some(&b'/'))
    {
        return None;
    }
    let head = std::str::from_utf8(head).ok()?;
    let valid = match head.split_once('/') {
        Some((ns, pod)) => is_dns_label(ns) && is_dns_subdomain(pod),
        None => is_dns_subdomain(head),
    };
    valid.then_some((head, rest))
}

/// RFC 1123 label: 1-63 of `[a-z0-9-]`, alphanumeric at both ends (namespaces).
fn is_dns_label(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// RFC 1123 subdomain: dot-separated labels, at most 253 bytes (pod names).
fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(arg: &str) -> Option<(Option<String>, String, String, bool)> {
        match parse_file_spec(OsStr::new(arg)).ok()? {
            FileSpec::Remote(r) => Some((
                r.namespace,
                r.pod,
                r.path.as_str().to_owned(),
                r.path.trailing_slash(),
            )),
            FileSpec::Local(_) => None,
        }
    }

    #[test]
    fn pod_and_namespace_specs_are_remote() {
        let table = [
            ("mypod:/tmp/x", None, "mypod", "/tmp/x", false),
            ("ns/mypod:/tmp/x/", Some("ns"), "mypod", "/tmp/x", true),
            ("web-0.svc:/", None, "web-0.svc", "/", false),
            ("p:rel/dir", None, "p", "rel/dir", false),
            ("c:/tmp", None, "c", "/tmp", false),
            ("p:/a:b", None, "p", "/a:b", false),
            ("p:/a\\b", None, "p", "/a\\b", false),
        ];
        for (arg, ns, pod, path, slash) in table {
            if cfg!(windows) && arg.starts_with("c:/") {
                continue;
            }
            let want = (
                ns.map(str::to_owned),
                pod.to_owned(),
                path.to_owned(),
                slash,
            );
            assert_eq!(remote(arg), Some(want), "{arg}");
        }
    }

    #[test]
    fn drive_letters_dot_paths_and_invalid_pod_names_are_local() {
        for arg in [
            "C:\\Users\\x",
            "C:/Users/x",
            "c:\\x",
            "./a:b",
            "/a:b",
            "~/a:b",
            "A:rel",
            "My File:1.txt",
            "a/b/c:d",
            "-pod:/x",
            "pod_1:/x",
            "local",
            "dir/file.txt",
            "..:x",
        ] {
            let spec = parse_file_spec(OsStr::new(arg)).map_err(|e| e.to_string());
            assert!(matches!(spec, Ok(FileSpec::Local(_))), "{arg}: {spec:?}");
        }
    }

    #[test]
    fn empty_remote_path_is_refused() {
        assert!(matches!(
            parse_file_spec(OsStr::new("pod:")),
            Err(TransferError::InvalidSpec {
                problem: "filepath can not be empty",
                ..
            })
        ));
    }

    #[test]
    fn local_trailing_slash_is_recorded() {
        let Ok(FileSpec::Local(l)) = parse_file_spec(OsStr::new("out/")) else {
            panic!("not local")
        };
        assert!(l.trailing_slash);
        let Ok(FileSpec::Local(l)) = parse_file_spec(OsStr::new("out")) else {
            panic!("not local")
        };
        assert!(!l.trailing_slash);
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_local_paths_are_accepted() {
        use std::os::unix::ffi::OsStrExt;
        let arg = OsStr::from_bytes(b"caf\xe9/x");
        assert!(
            matches!(parse_file_spec(arg), Ok(FileSpec::Local(l)) if l.path.as_os_str() == arg)
        );
    }

    #[test]
    fn exactly_one_side_must_be_remote() {
        let p = |a: &str, b: &str| parse_copy_specs(OsStr::new(a), OsStr::new(b));
        assert!(matches!(p("pod:/x", "out"), Ok(CopySpecs::Download { .. })));
        assert!(matches!(p("in", "ns/pod:/x"), Ok(CopySpecs::Upload { .. })));
        assert!(matches!(
            p("a:/x", "b:/y"),
            Err(TransferError::InvalidPlan { .. })
        ));
        assert!(matches!(
            p("a", "b"),
            Err(TransferError::InvalidPlan { .. })
        ));
    }

    #[test]
    fn remote_path_parts_follow_the_last_component() {
        let parts = |s: &str| {
            let p = RemotePath::parse(s).unwrap_or_else(|e| panic!("{e}"));
            (p.parent().to_owned(), p.name().to_owned(), p.is_glob())
        };
        assert_eq!(parts("/a/dir/"), ("/a".into(), "dir".into(), false));
        assert_eq!(parts("/dir"), ("/".into(), "dir".into(), false));
        assert_eq!(parts("dir"), (".".into(), "dir".into(), false));
        assert_eq!(parts("/"), ("/".into(), "/".into(), false));
        assert_eq!(parts("///"), ("/".into(), "/".into(), false));
        assert_eq!(
            parts("/var/log/*.log"),
            ("/var/log".into(), "*.log".into(), true)
        );
    }
}
