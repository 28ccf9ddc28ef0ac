//! The krew manifest obeys krew-index's validation rules, and `scripts/release.sh` produces
//! archives and a rendered manifest that agree (checked for the host target).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Plugin {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Spec {
    version: String,
    short_description: String,
    homepage: Option<String>,
    description: Option<String>,
    caveats: Option<String>,
    platforms: Vec<Platform>,
}

#[derive(Debug, Deserialize)]
struct Platform {
    selector: Selector,
    uri: String,
    sha256: String,
    bin: String,
    files: Option<Vec<FileOp>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Selector {
    match_labels: Option<std::collections::BTreeMap<String, String>>,
    match_expressions: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Deserialize)]
struct FileOp {
    from: String,
    to: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cargo_version() -> String {
    let toml = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap_or_default();
    toml.lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .map(str::to_owned)
        .unwrap_or_default()
}

fn load(path: &Path) -> Plugin {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const KREW_PLATFORMS: &[(&str, &[&str])] = &[
    ("windows", &["386", "amd64", "arm64"]),
    ("linux", &["386", "amd64", "arm", "arm64", "ppc64le"]),
    ("darwin", &["386", "amd64", "arm64"]),
];

/// Checks every rule of krew's `validate-krew-manifest` that can be checked offline.
/// `rendered` adds the rules that only a rendered manifest can meet (sha256, URI).
fn validate(plugin: &Plugin, file_stem: &str, rendered: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut fail = |p: String| problems.push(p);
    if plugin.api_version != "krew.googlecontainertools.github.com/v1alpha2" {
        fail(format!("apiVersion {}", plugin.api_version));
    }
    if plugin.kind != "Plugin" {
        fail(format!("kind {}", plugin.kind));
    }
    let name = &plugin.metadata.name;
    if name != file_stem {
        fail(format!(
            "metadata.name {name} differs from file name {file_stem}"
        ));
    }
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        fail(format!("metadata.name {name} does not match ^[\\w-]+$"));
    }
    let reserved = ["con", "prn", "aux", "nul"];
    let lower = name.to_ascii_lowercase();
    if reserved.contains(&lower.as_str())
        || ((lower.starts_with("com") || lower.starts_with("lpt"))
            && lower.len() == 4
            && lower.as_bytes()[3].is_ascii_digit())
    {
        fail(format!("metadata.name {name} is a Windows reserved name"));
    }
    if plugin.spec.short_description.trim().is_empty()
        || plugin.spec.short_description.contains('\n')
    {
        fail("shortDescription empty or multi-line".into());
    }
    if plugin.spec.platforms.is_empty() {
        fail("no platforms".into());
    }
    if rendered {
        let v = &plugin.spec.version;
        let semver_ok = v.strip_prefix('v').is_some_and(|rest| {
            let core = rest.split(['-', '+']).next().unwrap_or_default();
            let parts: Vec<_> = core.split('.').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
        if !semver_ok {
            fail(format!("version {v} is not v-prefixed semver"));
        }
        if v != &format!("v{}", cargo_version()) {
            fail(format!(
                "version {v} differs from Cargo.toml {}",
                cargo_version()
            ));
        }
    }
    let mut claimed = BTreeSet::new();
    for p in &plugin.spec.platforms {
        let labels = p.selector.match_labels.clone().unwrap_or_default();
        if labels.is_empty()
            && p.selector
                .match_expressions
                .as_ref()
                .is_none_or(Vec::is_empty)
        {
            fail(format!("platform {} has an empty selector", p.bin));
        }
        if labels.keys().any(|k| k != "os" && k != "arch") {
            fail(format!("selector keys other than os/arch: {labels:?}"));
        }
        let matched: Vec<(String, String)> = KREW_PLATFORMS
            .iter()
            .flat_map(|(os, arches)| arches.iter().map(move |a| (os.to_string(), a.to_string())))
            .filter(|(os, arch)| {
                labels.get("os").is_none_or(|v| v == os)
                    && labels.get("arch").is_none_or(|v| v == arch)
            })
            .collect();
        if matched.is_empty() {
            fail(format!("selector {labels:?} matches no krew platform"));
        }
        for m in matched {
            if !claimed.insert(m.clone()) {
                fail(format!("two platforms match {}/{}", m.0, m.1));
            }
            if m.0 == "windows" && !p.bin.ends_with(".exe") {
                fail(format!("windows bin {} lacks .exe", p.bin));
            }
        }
        if p.bin.is_empty() || p.bin.starts_with('/') {
            fail(format!("bin {:?} is not a relative path", p.bin));
        }
        if let Some(files) = &p.files
            && (files.is_empty() || files.iter().any(|f| f.from.is_empty() || f.to.is_empty()))
        {
            fail("files present but empty or incomplete".into());
        }
        if rendered {
            if !(p.uri.ends_with(".tar.gz") || p.uri.ends_with(".zip")) {
                fail(format!("uri {} is neither .tar.gz nor .zip", p.uri));
            }
            if p.sha256.len() != 64
                || !p
                    .sha256
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            {
                fail(format!(
                    "sha256 {} is not 64 lowercase hex digits",
                    p.sha256
                ));
            }
        }
    }
    problems
}

#[test]
fn manifest_template_follows_krew_rules_for_all_six_platforms() {
    let plugin = load(&repo().join("plugin-manifest/dfimage.yaml"));
    assert_eq!(validate(&plugin, "dfimage", false), Vec::<String>::new());
    assert_eq!(plugin.spec.platforms.len(), 6);
    assert!(plugin.spec.homepage.is_some() && plugin.spec.description.is_some());
    assert!(
        plugin
            .spec
            .caveats
            .as_deref()
            .is_some_and(|c| c.contains("completion"))
    );
}

#[test]
fn validator_rejects_what_krew_rejects() {
    let text =
        std::fs::read_to_string(repo().join("plugin-manifest/dfimage.yaml")).unwrap_or_default();
    let bad = text
        .replacen("os: darwin", "os: linux", 1)
        .replace("@VERSION@", "0.1.0")
        .replace("kubectl-dfimage.exe", "kubectl-dfimage");
    let plugin: Plugin = serde_saphyr::from_str(&bad).unwrap_or_else(|e| panic!("{e}"));
    let problems = validate(&plugin, "other", true);
    let all = problems.join("\n");
    for needle in [
        "differs from file name",
        "not v-prefixed",
        "two platforms match",
        "lacks .exe",
        "lowercase hex",
    ] {
        assert!(all.contains(needle), "missing {needle:?} in:\n{all}");
    }
}

#[test]
fn release_script_archive_and_rendered_manifest_agree_for_the_host_target() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let status = Command::new("bash")
        .arg(repo().join("scripts/release.sh"))
        .args([
            "--partial",
            "--bin",
            env!("CARGO_BIN_EXE_kubectl-dfimage"),
            "--out",
        ])
        .arg(out.path())
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    let manifest = out.path().join("dfimage.yaml");
    let plugin = load(&manifest);
    assert_eq!(validate(&plugin, "dfimage", true), Vec::<String>::new());
    let archives: Vec<PathBuf> = std::fs::read_dir(out.path())
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .collect();
    assert_eq!(archives.len(), 1, "{archives:?}");
    let archive = &archives[0];
    let name = archive
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    assert!(
        name.starts_with(&format!("kubectl-dfimage-v{}-", cargo_version())),
        "{name}"
    );
    let sha = Command::new("sha256sum")
        .arg(archive)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let sha = String::from_utf8_lossy(&sha.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let platform = plugin
        .spec
        .platforms
        .iter()
        .find(|p| p.uri.ends_with(&name))
        .unwrap_or_else(|| panic!("no platform serves {name}"));
    assert_eq!(platform.sha256, sha);
    let listing = Command::new("tar")
        .arg("tzf")
        .arg(archive)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let members: BTreeSet<String> = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(
        members.contains(&platform.bin),
        "{members:?} lacks {}",
        platform.bin
    );
    let license_names = [
        "license",
        "license.txt",
        "license.md",
        "licenses",
        "licenses.txt",
        "licenses.md",
        "copying",
        "copying.txt",
    ];
    assert!(
        members
            .iter()
            .any(|m| license_names.contains(&m.to_ascii_lowercase().as_str())),
        "{members:?}"
    );
}
