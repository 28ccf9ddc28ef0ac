//! BuildKit's SLSA provenance statements (base-image-detection.md §2.3): in-toto statement
//! bytes → [`Provenance`] (materials, frontend, target, build args, the original Dockerfile
//! of a mode=max build), and from that the base of the built stage.
//!
//! Pure: bytes in, values out. Every field is optional and checked for its type, because an
//! attestation is untrusted input: a field of the wrong shape is ignored, never a panic, and a
//! statement that says nothing about this image is refused with a [`ProvenanceError`].

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::Value;

use super::error::ProvenanceError;
use super::purl::{ImagePurl, parse_image_purl};
use super::stages::final_from;

/// SLSA provenance v0.2.
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
/// SLSA provenance v1.
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
const V02_METADATA: &str = "https://mobyproject.org/buildkit@v1#metadata";
/// Frontend images BuildKit lists among the materials when a `# syntax=` line names one.
const FRONTENDS: [&str; 2] = ["docker/dockerfile", "docker/dockerfile-upstream"];

/// `min` (materials only) or `max` (also the build definition and the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Materials, frontend and target only.
    Min,
    /// Build config, source files, build args too.
    Max,
}

/// A source file a mode=max statement carries (`source.infos[]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceFile {
    /// File name as the frontend saw it (`Dockerfile`).
    pub filename: String,
    /// The file's text.
    pub text: String,
}

/// An image material: its package URL read, and the sha256 digest the statement pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageMaterial {
    /// The material's `uri`, as written.
    pub uri: String,
    /// The image it names.
    pub image: ImagePurl,
    /// `sha256:…` from the material's digest set (or the URL), when given.
    pub digest: Option<String>,
}

/// What a provenance statement says about the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The statement blob's digest (for messages).
    pub statement_digest: String,
    /// `https://slsa.dev/provenance/v0.2` or `…/v1`.
    pub predicate_type: String,
    /// min or max.
    pub mode: Mode,
    /// Image materials, frontend images included.
    pub images: Vec<ImageMaterial>,
    /// Materials that are not images (git, HTTP), by URI.
    pub other_materials: Vec<String>,
    /// `gateway.v0` or `dockerfile.v0`.
    pub frontend: Option<String>,
    /// The frontend image (`args.source`).
    pub frontend_image: Option<String>,
    /// The stage that was built (`args.target`).
    pub target: Option<String>,
    /// `build-arg:NAME` values (mode=max only).
    pub build_args: BTreeMap<String, String>,
    /// Dockerfiles among the source files.
    pub dockerfiles: Vec<SourceFile>,
    /// Fields that were present but unusable (bad base64, not UTF-8).
    pub notes: Vec<String>,
}

fn path<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().try_fold(v, |v, k| v.get(k))
}

fn string(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn sha256_of(digest_set: Option<&Value>) -> Option<String> {
    let hex = digest_set?.get("sha256")?.as_str()?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| format!("sha256:{}", hex.to_ascii_lowercase()))
}

/// Parses one in-toto statement. `manifest_digest` is the image manifest the index
/// attached it to: a statement whose subjects name other digests is refused.
pub fn parse_provenance(
    bytes: &[u8],
    statement_digest: &str,
    manifest_digest: Option<&str>,
) -> Result<Provenance, ProvenanceError> {
    let not = |detail: &str| ProvenanceError::NotAStatement {
        digest: statement_digest.to_owned(),
        detail: detail.to_owned(),
    };
    let v: Value = serde_json::from_slice(bytes).map_err(|e| not(&e.to_string()))?;
    if !v.is_object() {
        return Err(not("not a JSON object"));
    }
    let predicate_type = string(v.get("predicateType")).ok_or_else(|| not("no predicateType"))?;
    if predicate_type != SLSA_V02 && predicate_type != SLSA_V1 {
        return Err(ProvenanceError::WrongPredicate {
            digest: statement_digest.to_owned(),
            predicate_type,
        });
    }
    let predicate = v
        .get("predicate")
        .filter(|p| p.is_object())
        .ok_or_else(|| not("no predicate object"))?;
    if let Some(m) = manifest_digest {
        let subjects = v.get("subject").and_then(Value::as_array);
        let named = subjects.is_some_and(|s| {
            s.iter()
                .any(|s| sha256_of(s.get("digest")).as_deref() == Some(m))
        });
        if !named {
            return Err(ProvenanceError::SubjectMismatch {
                digest: statement_digest.to_owned(),
                manifest: m.to_owned(),
            });
        }
    }
    let v1 = predicate_type == SLSA_V1;
    let (materials, request, metadata, build_config) = if v1 {
        (
            path(predicate, &["buildDefinition", "resolvedDependencies"]),
            path(
                predicate,
                &["buildDefinition", "externalParameters", "request"],
            ),
            path(predicate, &["runDetails", "metadata", "buildkit_metadata"]),
            path(
                predicate,
                &["buildDefinition", "internalParameters", "buildConfig"],
            ),
        )
    } else {
        (
            predicate.get("materials"),
            path(predicate, &["invocation", "parameters"]),
            path(predicate, &["metadata", V02_METADATA]),
            predicate.get("buildConfig"),
        )
    };
    let mut out = Provenance {
        statement_digest: statement_digest.to_owned(),
        predicate_type,
        mode: Mode::Min,
        images: Vec::new(),
        other_materials: Vec::new(),
        frontend: string(request.and_then(|r| r.get("frontend"))),
        frontend_image: None,
        target: None,
        build_args: BTreeMap::new(),
        dockerfiles: Vec::new(),
        notes: Vec::new(),
    };
    for m in materials.and_then(Value::as_array).into_iter().flatten() {
        let Some(uri) = string(m.get("uri")) else {
            continue;
        };
        match parse_image_purl(&uri) {
            Some(image) => {
                let digest = sha256_of(m.get("digest")).or_else(|| image.digest.clone());
                out.images.push(ImageMaterial { uri, image, digest });
            }
            None => out.other_materials.push(uri),
        }
    }
    if let Some(args) = request
        .and_then(|r| r.get("args"))
        .and_then(Value::as_object)
    {
        for (k, val) in args {
            let Some(val) = val.as_str() else { continue };
            match k.as_str() {
                "source" => out.frontend_image = Some(val.to_owned()),
                "target" if !val.is_empty() => out.target = Some(val.to_owned()),
                _ => {
                    if let Some(name) = k.strip_prefix("build-arg:") {
                        out.build_args.insert(name.to_owned(), val.to_owned());
                    }
                }
            }
        }
    }
    let infos = metadata
        .and_then(|m| path(m, &["source", "infos"]))
        .and_then(Value::as_array);
    for info in infos.into_iter().flatten() {
        let filename = string(info.get("filename")).unwrap_or_else(|| "Dockerfile".to_owned());
        let language = string(info.get("language"));
        if language.as_deref().is_some_and(|l| l != "Dockerfile") {
            continue;
        }
        let Some(data) = info.get("data").and_then(Value::as_str) else {
            continue;
        };
        let decoded = base64::engine::general_purpose::STANDARD.decode(data.trim());
        match decoded.map(String::from_utf8) {
            Ok(Ok(text)) => out.dockerfiles.push(SourceFile { filename, text }),
            Ok(Err(_)) => out
                .notes
                .push(format!("source {filename} is not UTF-8 text")),
            Err(_) => out
                .notes
                .push(format!("source {filename} is not valid base64")),
        }
    }
    if build_config.is_some_and(|b| !b.is_null()) || infos.is_some() {
        out.mode = Mode::Max;
    }
    Ok(out)
}

/// The base of the built stage according to a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceBase {
    /// The base, `name[:tag]` as the build named it (`scratch` included); `None` when the
    /// statement leaves it open.
    pub name: Option<String>,
    /// Its pinned digest, when a material gives one.
    pub digest: Option<String>,
    /// Whether the name comes from the original Dockerfile (mode=max), not from materials.
    pub from_dockerfile: bool,
    /// Image materials that could be the base when the statement cannot tell (`name@digest`).
    pub candidates: Vec<String>,
    /// What was read, for the evidence.
    pub detail: String,
}

fn same_image(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> String {
        let s = s.strip_prefix("docker.io/").unwrap_or(s);
        let s = s.strip_prefix("library/").unwrap_or(s);
        let s = s.split('@').next().unwrap_or(s);
        // `name` means `name:latest`, as for the engine.
        let last = s.rsplit('/').next().unwrap_or(s);
        if last.contains(':') {
            s.to_owned()
        } else {
            format!("{s}:latest")
        }
    }
    norm(a) == norm(b)
}

fn is_frontend(m: &ImageMaterial, p: &Provenance) -> bool {
    FRONTENDS.contains(&m.image.name.as_str())
        || p.frontend_image
            .as_deref()
            .is_some_and(|f| same_image(f, &m.image.reference()))
}

fn pinned(m: &ImageMaterial) -> String {
    match &m.digest {
        Some(d) => format!("{}@{d}", m.image.reference()),
        None => m.image.reference(),
    }
}

/// Decides the base from a statement. `platform` is the image's (`linux/amd64`): materials
/// for another platform (a build stage on the build machine's) are not its base.
pub fn provenance_base(p: &Provenance, platform: Option<&str>) -> ProvenanceBase {
    let mode = match p.mode {
        Mode::Min => "mode=min",
        Mode::Max => "mode=max",
    };
    let images: Vec<&ImageMaterial> = p.images.iter().filter(|m| !is_frontend(m, p)).collect();
    let here: Vec<&ImageMaterial> = images
        .iter()
        .copied()
        .filter(|m| match (&m.image.platform, platform) {
            (Some(mp), Some(ip)) => mp == ip,
            _ => true,
        })
        .collect();
    let pool = if here.is_empty() { &images } else { &here };
    if let Some(df) = p.dockerfiles.first()
        && let Some(f) = final_from(&df.text, p.target.as_deref(), &p.build_args)
        && !f.unresolved
    {
        let via = if f.via.is_empty() {
            String::new()
        } else {
            format!(" via stage {}", f.via.join(" → "))
        };
        let detail = format!("{mode}: {} says FROM {}{via}", df.filename, f.image);
        if f.image.eq_ignore_ascii_case("scratch") {
            return ProvenanceBase {
                name: Some("scratch".to_owned()),
                digest: None,
                from_dockerfile: true,
                candidates: Vec::new(),
                detail,
            };
        }
        let material = pool
            .iter()
            .chain(images.iter())
            .find(|m| same_image(&m.image.reference(), &f.image));
        return ProvenanceBase {
            name: Some(f.image.clone()),
            digest: material.and_then(|m| m.digest.clone()),
            from_dockerfile: true,
            candidates: Vec::new(),
            detail,
        };
    }
    match pool.as_slice() {
        [] => ProvenanceBase {
            name: None,
            digest: None,
            from_dockerfile: false,
            candidates: Vec::new(),
            detail: format!("{mode}: no image among the materials"),
        },
        [one] => ProvenanceBase {
            name: Some(one.image.reference()),
            digest: one.digest.clone(),
            from_dockerfile: false,
            candidates: Vec::new(),
            detail: format!("{mode}: material {}", one.uri),
        },
        several => ProvenanceBase {
            name: None,
            digest: None,
            from_dockerfile: false,
            candidates: several.iter().map(|m| pinned(m)).collect(),
            detail: format!(
                "{mode}: {} image materials could be the base (compare them with --base)",
                several.len()
            ),
        },
    }
}

#[cfg(test)]
#[path = "provenance_tests.rs"]
mod tests;
