//! The reference grammar of the Go distribution library (`reference/regexp.go`), checked by
//! hand instead of by oci-spec's regex: that regex spells the tag as a Unicode `\w` repeated
//! 128 times, and compiling it took about half of a whole Dockerfile recovery's CPU time.
//! Pure; the same accept/reject decisions as the Go grammar (whose `\w` is ASCII), plus
//! bracketed IPv6 hosts (`[::1]:5000/repo`), which it lacks.

use oci_spec::distribution::ParseError;

const DOCKER_HUB: &str = "docker.io";
const DOCKER_HUB_LEGACY: &str = "index.docker.io";
/// The Go library's NAME_TOTAL_LENGTH_MAX, applied to the repository path.
const NAME_MAX: usize = 255;
const TAG_MAX: usize = 128;

/// A reference split and normalised the way docker does it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Parts {
    pub(super) registry: String,
    pub(super) repository: String,
    pub(super) tag: Option<String>,
    pub(super) digest: Option<String>,
}

/// Parses `s`; the default tag `latest` is filled in when neither tag nor digest is given.
pub(super) fn parse(s: &str) -> Result<Parts, ParseError> {
    if s.is_empty() {
        return Err(ParseError::NameEmpty);
    }
    let (rest, digest) = match s.split_once('@') {
        Some((rest, d)) => (rest, Some(check_digest(d)?)),
        None => (s, None),
    };
    // A tag is a `:` after the last `/`; earlier colons belong to a host's port.
    let (name, tag) = match rest.rfind(':') {
        Some(i) if rest[i..].find('/').is_none() => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if let Some(t) = tag {
        check_tag(t)?;
    }
    let (registry, repository) = split_name(name)?;
    if repository.len() > NAME_MAX {
        return Err(ParseError::NameTooLong);
    }
    if repository.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(ParseError::NameContainsUppercase);
    }
    let tag = match (tag, &digest) {
        (Some(t), _) => Some(t.to_string()),
        (None, None) => Some("latest".to_string()),
        (None, Some(_)) => None,
    };
    Ok(Parts {
        registry,
        repository,
        tag,
        digest,
    })
}

/// Validates the name and splits off the registry. Valid: an optional host component and
/// then path components (the first component may be read either way). Split like docker: the
/// first component is the host when it has a `.` or `:`, is `localhost`, or is bracketed;
/// otherwise the name is on Docker Hub (single names under `library/`).
fn split_name(name: &str) -> Result<(String, String), ParseError> {
    let (first, rest) = match name.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (name, None),
    };
    let first_ok = if rest.is_some() {
        is_path_component(first) || check_host(first).is_ok()
    } else {
        is_path_component(first)
    };
    let rest_ok = rest.is_none_or(|r| r.split('/').all(is_path_component));
    if !first_ok || !rest_ok {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    let is_host = first.contains(['.', ':', '[']) || first == "localhost";
    let (registry, path) = match rest {
        Some(rest) if is_host => (first.to_string(), rest),
        _ => (DOCKER_HUB.to_string(), name),
    };
    let registry = if registry == DOCKER_HUB_LEGACY {
        DOCKER_HUB.to_string()
    } else {
        registry
    };
    let repository = if registry == DOCKER_HUB && !path.contains('/') {
        format!("library/{path}")
    } else {
        path.to_string()
    };
    Ok((registry, repository))
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
fn is_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-')) {
            return false;
        }
    }
    true
}

/// A host: dot-separated labels of letters, digits and inner `-`, or a bracketed IPv6
/// address; then an optional `:port`.
fn check_host(host: &str) -> Result<(), ParseError> {
    let (addr, port) = if let Some(inner) = host.strip_prefix('[') {
        let (ip, after) = inner
            .split_once(']')
            .ok_or(ParseError::ReferenceInvalidFormat)?;
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(ParseError::ReferenceInvalidFormat);
        }
        match after {
            "" => (None, None),
            p => (
                None,
                Some(
                    p.strip_prefix(':')
                        .ok_or(ParseError::ReferenceInvalidFormat)?,
                ),
            ),
        }
    } else {
        match host.split_once(':') {
            Some((a, p)) => (Some(a), Some(p)),
            None => (Some(host), None),
        }
    };
    if let Some(a) = addr
        && !is_host_text(a)
    {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    if let Some(p) = port
        && (p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    Ok(())
}

/// Dot-separated labels `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`.
fn is_host_text(a: &str) -> bool {
    a.split('.').all(|label| {
        let b = label.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|x| x.is_ascii_alphanumeric() || *x == b'-')
    })
}

/// `[\w][\w.-]{0,127}` with an ASCII `\w`.
fn check_tag(t: &str) -> Result<(), ParseError> {
    let word = |x: u8| x.is_ascii_alphanumeric() || x == b'_';
    let b = t.as_bytes();
    if b.is_empty()
        || b.len() > TAG_MAX
        || !word(b[0])
        || !b.iter().all(|x| word(*x) || *x == b'.' || *x == b'-')
    {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    Ok(())
}

/// `algorithm:hex`, with the hex length the algorithm implies (sha256/384/512 only).
fn check_digest(d: &str) -> Result<String, ParseError> {
    let (algo, hex) = d
        .split_once(':')
        .ok_or(ParseError::ReferenceInvalidFormat)?;
    let algo_ok = algo.split(['-', '_', '+', '.']).all(|part| {
        let b = part.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    });
    if !algo_ok || hex.len() < 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ParseError::ReferenceInvalidFormat);
    }
    let want = match algo {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(ParseError::DigestUnsupported),
    };
    if hex.len() != want {
        return Err(ParseError::DigestInvalidLength);
    }
    Ok(d.to_string())
}

#[cfg(test)]
mod tests;
