//! Platforms (`os/arch[/variant]`) and the choice of one entry from an image index.
//!
//! Pure: parsing, normalisation and selection over in-memory values. It never asks the
//! machine anything except the compile-time host architecture in [`Platform::host`].
//! Selection follows containerd's matcher: names are normalised (`x86_64` → `amd64`,
//! `aarch64` → `arm64`), `arm64` without a variant means `v8`, `arm` without one means `v7`,
//! and an exact variant wins over a compatible lower one (`arm/v7` can run `arm/v6`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Annotation that marks BuildKit attestation manifests inside an index.
pub const REFERENCE_TYPE_ANNOTATION: &str = "vnd.docker.reference.type";

/// An operating system, CPU architecture and optional variant, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Platform {
    /// Operating system, lowercase (`linux`, `windows`).
    pub os: String,
    /// Architecture in GOARCH spelling (`amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`).
    pub architecture: String,
    /// CPU variant (`v7`, `v8`), if any.
    pub variant: Option<String>,
}

/// Why a platform string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parse platform `{input}`: expected os/arch[/variant], e.g. linux/arm64/v8")]
pub struct ParsePlatformError {
    /// The text that was given.
    pub input: String,
}

impl Platform {
    /// Builds a normalised platform from its parts (empty variant means none).
    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Self {
        let os = os.trim().to_ascii_lowercase();
        let arch = architecture.trim().to_ascii_lowercase();
        let variant = variant
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty());
        let (architecture, variant) = normalise_arch(&arch, variant);
        Platform {
            os,
            architecture,
            variant,
        }
    }

    /// linux and the architecture this binary was built for (the default when none is asked).
    pub fn host() -> Self {
        let arch = match std::env::consts::ARCH {
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Platform::new("linux", arch, None)
    }

    /// The variant that applies when none is written: `v8` for arm64, `v7` for arm.
    pub fn effective_variant(&self) -> Option<&str> {
        match (self.architecture.as_str(), self.variant.as_deref()) {
            ("amd64", Some("v1")) => None,
            (_, Some(v)) => Some(v),
            ("arm64", None) => Some("v8"),
            ("arm", None) => Some("v7"),
            _ => None,
        }
    }

    /// True for the `unknown/unknown` placeholder BuildKit writes for attestations.
    pub fn is_unknown(&self) -> bool {
        self.os == "unknown" || self.architecture == "unknown"
    }
}

/// Maps architecture aliases onto GOARCH names, moving variant hints into the variant.
/// Variants are kept as written (`arm64/v8` stays), comparison applies the defaults.
fn normalise_arch(arch: &str, variant: Option<String>) -> (String, Option<String>) {
    // A bare number is a variant written without its `v` (`arm/7`).
    let variant = variant.map(|v| {
        if v.starts_with('v') {
            v
        } else {
            format!("v{v}")
        }
    });
    match arch {
        "x86_64" | "x86-64" | "amd64" => ("amd64".into(), variant),
        "i386" | "i686" | "386" => ("386".into(), variant),
        "aarch64" | "arm64" => ("arm64".into(), variant),
        "armhf" => ("arm".into(), Some("v7".into())),
        "armel" => ("arm".into(), Some("v6".into())),
        other => (other.to_string(), variant),
    }
}

impl FromStr for Platform {
    type Err = ParsePlatformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParsePlatformError {
            input: s.to_string(),
        };
        let parts: Vec<&str> = s.split('/').collect();
        if parts.iter().any(|p| p.trim().is_empty()) {
            return Err(err());
        }
        match parts.as_slice() {
            [os, arch] => Ok(Platform::new(os, arch, None)),
            [os, arch, variant] => Ok(Platform::new(os, arch, Some(variant))),
            _ => Err(err()),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// One entry of an image index as far as platform selection cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The entry's platform, when the index states one.
    pub platform: Option<Platform>,
    /// The entry's annotations (to spot attestation manifests).
    pub annotations: BTreeMap<String, String>,
}

impl IndexEntry {
    /// True when the entry is a BuildKit attestation (or an `unknown/unknown` placeholder).
    pub fn is_attestation(&self) -> bool {
        self.annotations
            .get(REFERENCE_TYPE_ANNOTATION)
            .is_some_and(|t| t == "attestation-manifest")
            || self.platform.as_ref().is_some_and(Platform::is_unknown)
    }
}

/// The platforms an index offers, in index order, attestations left out.
pub fn available(entries: &[IndexEntry]) -> Vec<Platform> {
    entries
        .iter()
        .filter(|e| !e.is_attestation())
        .filter_map(|e| e.platform.clone())
        .collect()
}

/// Chooses the entry for `wanted`: the first exact match (variant defaults applied), else the
/// best compatible lower variant (`arm/v7` accepts `v6`, `v5`; `amd64/v3` accepts `v2`, plain).
/// Attestation entries and entries without a platform are never chosen, except that an index
/// with exactly one entry and no platform at all is taken as that image. `None` when nothing fits.
pub fn select(entries: &[IndexEntry], wanted: &Platform) -> Option<usize> {
    let candidates: Vec<usize> = (0..entries.len())
        .filter(|&i| !entries[i].is_attestation())
        .collect();
    if let [only] = candidates.as_slice()
        && entries[*only].platform.is_none()
    {
        return Some(*only);
    }
    let mut best: Option<(u32, usize)> = None;
    for i in candidates {
        let Some(p) = &entries[i].platform else {
            continue;
        };
        if let Some(rank) = compatibility(wanted, p)
            && best.is_none_or(|(r, _)| rank < r)
        {
            best = Some((rank, i));
        }
    }
    best.map(|(_, i)| i)
}

/// 0 for an exact match, larger for a less preferred compatible variant, `None` if unusable.
fn compatibility(wanted: &Platform, offered: &Platform) -> Option<u32> {
    if wanted.os != offered.os || wanted.architecture != offered.architecture {
        return None;
    }
    let w = wanted.effective_variant();
    let o = offered.effective_variant();
    if w == o {
        return Some(0);
    }
    let level = |v: Option<&str>| -> Option<u32> {
        match v {
            None => Some(1),
            Some(v) => v.strip_prefix('v')?.parse().ok(),
        }
    };
    match wanted.architecture.as_str() {
        "arm" | "amd64" => {
            let (wl, ol) = (level(w)?, level(o)?);
            (ol < wl).then(|| wl - ol)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(p: &str) -> IndexEntry {
        IndexEntry {
            platform: Some(p.parse().unwrap()),
            annotations: BTreeMap::new(),
        }
    }

    fn attestation() -> IndexEntry {
        IndexEntry {
            platform: Some(Platform::new("unknown", "unknown", None)),
            annotations: [(
                REFERENCE_TYPE_ANNOTATION.to_string(),
                "attestation-manifest".to_string(),
            )]
            .into(),
        }
    }

    #[test]
    fn parse_and_display_round_trip_with_normalisation() {
        assert_eq!(
            "linux/amd64".parse::<Platform>().unwrap().to_string(),
            "linux/amd64"
        );
        assert_eq!(
            "linux/x86_64".parse::<Platform>().unwrap().to_string(),
            "linux/amd64"
        );
        assert_eq!(
            "Linux/aarch64/8".parse::<Platform>().unwrap().to_string(),
            "linux/arm64/v8"
        );
        assert_eq!(
            "linux/arm/v6".parse::<Platform>().unwrap().to_string(),
            "linux/arm/v6"
        );
        assert_eq!(
            "linux/armhf".parse::<Platform>().unwrap().to_string(),
            "linux/arm/v7"
        );
        assert_eq!("windows/amd64".parse::<Platform>().unwrap().os, "windows");
    }

    #[test]
    fn parse_rejects_malformed_platforms() {
        for bad in [
            "",
            "linux",
            "linux/",
            "/amd64",
            "linux/arm/v7/x",
            "linux//v7",
        ] {
            assert!(bad.parse::<Platform>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn host_is_linux_with_a_goarch_name() {
        let host = Platform::host();
        assert_eq!(host.os, "linux");
        assert_ne!(host.architecture, "x86_64");
        assert_ne!(host.architecture, "aarch64");
    }

    #[test]
    fn select_prefers_exact_platform_and_skips_attestations() {
        let entries = vec![
            entry("linux/amd64"),
            attestation(),
            entry("linux/arm64"),
            entry("linux/arm/v7"),
        ];
        assert_eq!(select(&entries, &"linux/amd64".parse().unwrap()), Some(0));
        assert_eq!(select(&entries, &"linux/arm64".parse().unwrap()), Some(2));
        assert_eq!(select(&entries, &"linux/arm".parse().unwrap()), Some(3));
        assert_eq!(select(&entries, &"linux/s390x".parse().unwrap()), None);
        assert_eq!(
            available(&entries),
            vec![
                "linux/amd64".parse().unwrap(),
                "linux/arm64".parse().unwrap(),
                "linux/arm/v7".parse().unwrap()
            ]
        );
    }

    #[test]
    fn select_treats_arm64_without_variant_as_v8() {
        let entries = vec![entry("linux/amd64"), entry("linux/arm64/v8")];
        assert_eq!(select(&entries, &"linux/arm64".parse().unwrap()), Some(1));
        let entries = vec![entry("linux/arm64")];
        assert_eq!(
            select(&entries, &"linux/arm64/v8".parse().unwrap()),
            Some(0)
        );
    }

    #[test]
    fn select_falls_back_to_the_closest_lower_arm_variant() {
        let entries = vec![entry("linux/arm/v5"), entry("linux/arm/v6")];
        assert_eq!(select(&entries, &"linux/arm/v7".parse().unwrap()), Some(1));
        // A higher variant cannot run on a lower CPU.
        let entries = vec![entry("linux/arm/v7")];
        assert_eq!(select(&entries, &"linux/arm/v6".parse().unwrap()), None);
    }

    #[test]
    fn select_never_picks_an_attestation_even_when_alone() {
        assert_eq!(select(&[attestation()], &Platform::host()), None);
    }

    #[test]
    fn select_takes_a_single_entry_without_platform() {
        let lone = IndexEntry {
            platform: None,
            annotations: BTreeMap::new(),
        };
        assert_eq!(
            select(std::slice::from_ref(&lone), &Platform::host()),
            Some(0)
        );
        assert_eq!(select(&[lone.clone(), lone], &Platform::host()), None);
    }
}
