//! `SourceSpec`: what the SOURCE argument names, parsed without touching the network.
//!
//! The rule for ambiguous strings, in order:
//! 1. `-` is standard input.
//! 2. An explicit transport wins: `docker://REF`, `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`,
//!    `docker-archive:FILE[:REF]`. The path ends at the first `:` (so paths with a colon need
//!    the plain-path form), except a leading Windows drive (`C:\x`, `C:/x`), and except when
//!    the whole remainder exists on disk.
//! 3. A string with explicit path syntax (`/…`, `./…`, `../…`, `~/…`, `.`, `..`, a drive
//!    letter, a backslash) is a local path, whether or not it exists.
//! 4. A string that exists on disk is a local path (so `image.tar` in the current directory
//!    is the file, not `docker.io/library/image.tar`). Use `docker://` to force a registry.
//! 5. A missing name ending in `.tar`, `.json`, `.tgz` or `.tar.gz` is reported as a missing
//!    file rather than tried as a registry reference.
//! 6. Anything else is a registry reference (`host:port/repo` is a reference, never a
//!    transport, because transports are the four names above).
//!
//! [`SourceSpec::parse`] asks the filesystem whether a path exists; [`SourceSpec::parse_with`]
//! takes that answer as a function, so the rules are tested without files.

use std::path::{Path, PathBuf};

use super::error::RegistryError;
use crate::image::reference::ImageRef;

/// Where image bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A registry reference, normalised.
    Registry(ImageRef),
    /// An OCI image layout directory and an optional `org.opencontainers.image.ref.name`.
    OciLayout {
        /// The layout directory.
        dir: PathBuf,
        /// The tag (ref name) to select.
        tag: Option<String>,
    },
    /// A tar of an OCI image layout and an optional ref name.
    OciArchive {
        /// The tar file.
        file: PathBuf,
        /// The tag (ref name) to select.
        tag: Option<String>,
    },
    /// A `docker save` archive (legacy or Docker ≥ 25) and an optional image reference.
    DockerArchive {
        /// The tar file.
        file: PathBuf,
        /// The `RepoTags` entry to select, as written.
        reference: Option<String>,
    },
    /// A local path whose format is detected when opened.
    Path(PathBuf),
    /// Standard input: an image config JSON or an archive.
    Stdin,
}

const TRANSPORTS: [&str; 3] = ["oci:", "oci-archive:", "docker-archive:"];

impl SourceSpec {
    /// Parses SOURCE, checking the filesystem only for whether a path exists.
    pub fn parse(s: &str) -> Result<SourceSpec, RegistryError> {
        SourceSpec::parse_with(s, |p| p.exists())
    }

    /// Parses SOURCE with `exists` answering whether a path is present (pure given `exists`).
    pub fn parse_with(
        s: &str,
        exists: impl Fn(&Path) -> bool,
    ) -> Result<SourceSpec, RegistryError> {
        let bad = |reason: &str| RegistryError::BadSource {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        if s == "-" {
            return Ok(SourceSpec::Stdin);
        }
        if let Some(rest) = s.strip_prefix("docker://") {
            return parse_reference(s, rest);
        }
        for transport in TRANSPORTS {
            let Some(rest) = s.strip_prefix(transport) else {
                continue;
            };
            let (path, suffix) = split_path(rest, &exists);
            if path.is_empty() {
                return Err(bad("the path after the transport is empty"));
            }
            let path = PathBuf::from(path);
            let suffix = suffix.filter(|t| !t.is_empty()).map(str::to_string);
            return Ok(match transport {
                "oci:" => SourceSpec::OciLayout {
                    dir: path,
                    tag: suffix,
                },
                "oci-archive:" => SourceSpec::OciArchive {
                    file: path,
                    tag: suffix,
                },
                _ => SourceSpec::DockerArchive {
                    file: path,
                    reference: suffix,
                },
            });
        }
        if has_path_syntax(s) || exists(Path::new(s)) {
            return Ok(SourceSpec::Path(PathBuf::from(s)));
        }
        let lower = s.to_ascii_lowercase();
        if [".tar", ".json", ".tgz", ".tar.gz"]
            .iter()
            .any(|ext| lower.ends_with(ext))
        {
            return Err(bad(
                "no such file (to read a registry image of that name, write docker://…)",
            ));
        }
        parse_reference(s, s)
    }

    /// A short human name for messages.
    pub fn describe(&self) -> String {
        match self {
            SourceSpec::Registry(r) => r.to_string(),
            SourceSpec::OciLayout { dir, tag } => with_suffix("oci:", dir, tag.as_deref()),
            SourceSpec::OciArchive { file, tag } => {
                with_suffix("oci-archive:", file, tag.as_deref())
            }
            SourceSpec::DockerArchive { file, reference } => {
                with_suffix("docker-archive:", file, reference.as_deref())
            }
            SourceSpec::Path(p) => p.display().to_string(),
            SourceSpec::Stdin => "-".to_string(),
        }
    }
}

fn with_suffix(prefix: &str, path: &Path, suffix: Option<&str>) -> String {
    match suffix {
        Some(t) => format!("{prefix}{}:{t}", path.display()),
        None => format!("{prefix}{}", path.display()),
    }
}

fn parse_reference(input: &str, text: &str) -> Result<SourceSpec, RegistryError> {
    text.parse::<ImageRef>()
        .map(SourceSpec::Registry)
        .map_err(|cause| RegistryError::BadReference {
            input: input.to_string(),
            cause,
        })
}

/// Splits `PATH[:SUFFIX]` at the first colon after an optional drive letter, unless the whole
/// string names something that exists.
fn split_path<'a>(rest: &'a str, exists: &impl Fn(&Path) -> bool) -> (&'a str, Option<&'a str>) {
    if exists(Path::new(rest)) {
        return (rest, None);
    }
    let skip = if has_drive_letter(rest) { 2 } else { 0 };
    match rest[skip..].find(':') {
        Some(i) => (&rest[..skip + i], Some(&rest[skip + i + 1..])),
        None => (rest, None),
    }
}

fn has_drive_letter(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

fn has_path_syntax(s: &str) -> bool {
    s == "."
        || s == ".."
        || s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("~/")
        || s.contains('\\')
        || has_drive_letter(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> SourceSpec {
        SourceSpec::parse_with(s, |_| false).unwrap()
    }

    fn reg(s: &str) -> String {
        match parse(s) {
            SourceSpec::Registry(r) => r.to_string(),
            other => panic!("{s} parsed as {other:?}"),
        }
    }

    #[test]
    fn bare_and_docker_references_normalise() {
        assert_eq!(reg("alpine:3.20"), "docker.io/library/alpine:3.20");
        assert_eq!(reg("docker://alpine"), "docker.io/library/alpine:latest");
        assert_eq!(reg("localhost:5000/app"), "localhost:5000/app:latest");
        let d = format!("sha256:{}", "c".repeat(64));
        assert_eq!(
            reg(&format!("127.0.0.1:5000/a/b@{d}")),
            format!("127.0.0.1:5000/a/b@{d}")
        );
        assert_eq!(reg("docker://[::1]:5000/app:1"), "[::1]:5000/app:1");
    }

    #[test]
    fn transports_split_path_and_tag_at_the_first_colon() {
        assert_eq!(
            parse("oci:/tmp/lay:v1"),
            SourceSpec::OciLayout {
                dir: "/tmp/lay".into(),
                tag: Some("v1".into())
            }
        );
        assert_eq!(
            parse("oci:lay"),
            SourceSpec::OciLayout {
                dir: "lay".into(),
                tag: None
            }
        );
        assert_eq!(
            parse("oci-archive:img.tar:"),
            SourceSpec::OciArchive {
                file: "img.tar".into(),
                tag: None
            }
        );
        assert_eq!(
            parse("docker-archive:save.tar:localhost:5000/app:1"),
            SourceSpec::DockerArchive {
                file: "save.tar".into(),
                reference: Some("localhost:5000/app:1".into())
            }
        );
    }

    #[test]
    fn windows_drive_letters_are_part_of_the_path() {
        assert_eq!(
            parse(r"oci:C:\images\lay:v2"),
            SourceSpec::OciLayout {
                dir: r"C:\images\lay".into(),
                tag: Some("v2".into())
            }
        );
        assert_eq!(
            parse("C:/x/img.tar"),
            SourceSpec::Path("C:/x/img.tar".into())
        );
    }

    #[test]
    fn an_existing_path_wins_even_with_colons_or_reference_shape() {
        let exists = |p: &Path| p == Path::new("image.tar") || p == Path::new("odd:name");
        assert_eq!(
            SourceSpec::parse_with("image.tar", exists).unwrap(),
            SourceSpec::Path("image.tar".into())
        );
        assert_eq!(
            SourceSpec::parse_with("oci:odd:name", exists).unwrap(),
            SourceSpec::OciLayout {
                dir: "odd:name".into(),
                tag: None
            }
        );
        // Forcing the registry still works.
        assert!(matches!(
            SourceSpec::parse_with("docker://image.tar", exists).unwrap(),
            SourceSpec::Registry(_)
        ));
    }

    #[test]
    fn path_syntax_is_a_path_even_when_missing() {
        assert_eq!(parse("./lay"), SourceSpec::Path("./lay".into()));
        assert_eq!(parse("/no/such"), SourceSpec::Path("/no/such".into()));
        assert_eq!(parse("-"), SourceSpec::Stdin);
    }

    #[test]
    fn missing_archive_names_and_garbage_are_errors() {
        assert!(matches!(
            SourceSpec::parse_with("missing.tar", |_| false),
            Err(RegistryError::BadSource { .. })
        ));
        assert!(matches!(
            SourceSpec::parse_with("Not A Ref", |_| false),
            Err(RegistryError::BadReference { .. })
        ));
        assert!(SourceSpec::parse_with("", |_| false).is_err());
        assert!(SourceSpec::parse_with("oci:", |_| false).is_err());
    }
}
