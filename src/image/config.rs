//! Parse an image config blob into [`ImageConfig`]: the OCI fields through `oci-spec`, plus the
//! Docker-only keys (`Healthcheck`, `OnBuild`, `Shell`, `ArgsEscaped`) and the BuildKit
//! buildinfo key through a small serde struct of our own.
//!
//! Owns the size cap and the typed view the rest of `image` reads. Does not interpret history.

use std::collections::BTreeMap;

use oci_spec::image::ImageConfiguration;
use serde::Deserialize;

use super::error::ImageError;

/// Largest config blob we parse. Real configs are a few KiB; long histories reach hundreds.
pub const MAX_CONFIG_BYTES: usize = 8 * 1024 * 1024;

/// One `history[]` entry, every field as the config has it (`empty_layer` absent = `false`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// RFC 3339 creation time.
    pub created: Option<String>,
    /// The command text the builder recorded.
    pub created_by: Option<String>,
    /// The author (`MAINTAINER`, `docker commit -a`, a tool name).
    pub author: Option<String>,
    /// A free comment (`buildkit.dockerfile.v0`, `FROM <ref>`, a commit message).
    pub comment: Option<String>,
    /// Whether the step created no layer.
    pub empty_layer: bool,
}

/// A Docker `Healthcheck` object; durations in nanoseconds as Docker stores them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthConfig {
    /// `["CMD", arg…]`, `["CMD-SHELL", cmd]` or `["NONE"]`.
    #[serde(default)]
    pub test: Option<Vec<String>>,
    /// `--interval`, nanoseconds (0 = default).
    #[serde(default)]
    pub interval: Option<i64>,
    /// `--timeout`, nanoseconds.
    #[serde(default)]
    pub timeout: Option<i64>,
    /// `--start-period`, nanoseconds.
    #[serde(default)]
    pub start_period: Option<i64>,
    /// `--start-interval`, nanoseconds.
    #[serde(default)]
    pub start_interval: Option<i64>,
    /// `--retries` (0 = default).
    #[serde(default)]
    pub retries: Option<i64>,
}

/// The container defaults of the final image (`config` in the blob).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RuntimeConfig {
    /// `User`.
    pub user: Option<String>,
    /// `ExposedPorts` keys, sorted.
    pub exposed_ports: Vec<String>,
    /// `Env` as `KEY=value` strings, in order.
    pub env: Vec<String>,
    /// `Entrypoint`.
    pub entrypoint: Option<Vec<String>>,
    /// `Cmd`.
    pub cmd: Option<Vec<String>>,
    /// `Volumes` keys, sorted.
    pub volumes: Vec<String>,
    /// `WorkingDir`.
    pub working_dir: Option<String>,
    /// `Labels`.
    pub labels: BTreeMap<String, String>,
    /// `StopSignal`.
    pub stop_signal: Option<String>,
    /// `Healthcheck` (Docker only).
    pub healthcheck: Option<HealthConfig>,
    /// `OnBuild` triggers (Docker only).
    pub on_build: Vec<String>,
    /// `Shell` (Docker only).
    pub shell: Option<Vec<String>>,
    /// `ArgsEscaped` (Docker only, Windows).
    pub args_escaped: bool,
}

impl RuntimeConfig {
    /// The value of environment variable `key`, if set.
    pub fn env_value(&self, key: &str) -> Option<&str> {
        self.env.iter().find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
            (k == key).then_some(v)
        })
    }
}

/// A parsed image config: what every later step of `image` reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImageConfig {
    /// `os` (`linux`, `windows`).
    pub os: String,
    /// `architecture`.
    pub architecture: String,
    /// `variant`.
    pub variant: Option<String>,
    /// `os.version` (Windows build number).
    pub os_version: Option<String>,
    /// Top-level `created`.
    pub created: Option<String>,
    /// Top-level `author` (last `MAINTAINER`).
    pub author: Option<String>,
    /// `docker_version`, written by the Docker daemon (weak hint: BuildKit copies it through).
    pub docker_version: Option<String>,
    /// The container defaults.
    pub runtime: RuntimeConfig,
    /// `rootfs.diff_ids`, oldest first.
    pub diff_ids: Vec<String>,
    /// `history`, oldest first; empty when the key is absent or `[]`.
    pub history: Vec<HistoryEntry>,
    /// `moby.buildkit.buildinfo.v1`: base64 JSON written by BuildKit 0.10–0.11.
    pub buildinfo: Option<String>,
}

impl ImageConfig {
    /// `os/arch[/variant]` as registries and `--platform` spell it.
    pub fn platform(&self) -> String {
        match &self.variant {
            Some(v) if !v.is_empty() => format!("{}/{}/{}", self.os, self.architecture, v),
            _ => format!("{}/{}", self.os, self.architecture),
        }
    }

    /// Whether the image targets Windows (default shell `cmd /S /C`).
    pub fn is_windows(&self) -> bool {
        self.os.eq_ignore_ascii_case("windows")
    }
}

/// Keys `oci-spec` does not model, read from the same bytes.
#[derive(Deserialize, Default)]
struct Extras {
    #[serde(default)]
    architecture: Option<String>,
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    docker_version: Option<String>,
    #[serde(default, rename = "moby.buildkit.buildinfo.v1")]
    buildinfo: Option<String>,
    #[serde(default)]
    config: Option<DockerOnly>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct DockerOnly {
    #[serde(default)]
    healthcheck: Option<HealthConfig>,
    #[serde(default)]
    on_build: Option<Vec<String>>,
    #[serde(default)]
    shell: Option<Vec<String>>,
    #[serde(default)]
    args_escaped: Option<bool>,
}

/// Parses config bytes (as `crane config` prints them) into an [`ImageConfig`].
///
/// # Errors
/// [`ImageError::ConfigTooLarge`] above [`MAX_CONFIG_BYTES`], [`ImageError::ConfigJson`] when
/// the bytes are not an image configuration.
pub fn parse_config(bytes: &[u8]) -> Result<ImageConfig, ImageError> {
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(ImageError::ConfigTooLarge {
            size: bytes.len(),
            limit: MAX_CONFIG_BYTES,
        });
    }
    let oci: ImageConfiguration =
        serde_json::from_slice(bytes).map_err(|source| ImageError::ConfigJson { source })?;
    let extras: Extras =
        serde_json::from_slice(bytes).map_err(|source| ImageError::ConfigJson { source })?;
    let docker = extras.config.unwrap_or_default();

    let mut runtime = RuntimeConfig::default();
    if let Some(c) = oci.config() {
        runtime.user = c.user().clone();
        runtime.exposed_ports = sorted(c.exposed_ports().clone().unwrap_or_default());
        runtime.env = c.env().clone().unwrap_or_default();
        runtime.entrypoint = c.entrypoint().clone();
        runtime.cmd = c.cmd().clone();
        runtime.volumes = sorted(c.volumes().clone().unwrap_or_default());
        runtime.working_dir = c.working_dir().clone();
        runtime.labels = c.labels().clone().unwrap_or_default().into_iter().collect();
        runtime.stop_signal = c.stop_signal().clone();
    }
    runtime.healthcheck = docker.healthcheck;
    runtime.on_build = docker.on_build.unwrap_or_default();
    runtime.shell = docker.shell.filter(|s| !s.is_empty());
    runtime.args_escaped = docker.args_escaped.unwrap_or(false);

    let history = oci
        .history()
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|h| HistoryEntry {
            created: h.created().clone(),
            created_by: h.created_by().clone(),
            author: h.author().clone(),
            comment: h.comment().clone(),
            empty_layer: h.empty_layer().unwrap_or(false),
        })
        .collect();

    Ok(ImageConfig {
        os: extras.os.unwrap_or_else(|| oci.os().to_string()),
        architecture: extras
            .architecture
            .unwrap_or_else(|| oci.architecture().to_string()),
        variant: oci.variant().clone(),
        os_version: oci.os_version().clone(),
        created: oci.created().clone(),
        author: oci.author().clone(),
        docker_version: extras.docker_version.filter(|v| !v.is_empty()),
        runtime,
        diff_ids: oci.rootfs().diff_ids().clone(),
        history,
        buildinfo: extras.buildinfo,
    })
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_only_keys_are_read_next_to_the_oci_fields() {
        let json = br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:aa"]},
            "config":{"Env":["A=1"],"ExposedPorts":{"80/tcp":{},"53/udp":{}},"Shell":["/bin/bash","-c"],
            "OnBuild":["RUN make"],"Healthcheck":{"Test":["CMD-SHELL","curl -f x"],"Interval":30000000000,"Retries":3},
            "Labels":{"b":"2","a":"1"}},
            "history":[{"created_by":"x","empty_layer":true},{"created_by":"y"}]}"#;
        let c = parse_config(json).unwrap();
        assert_eq!(c.runtime.exposed_ports, ["53/udp", "80/tcp"]);
        assert_eq!(
            c.runtime.shell.as_deref(),
            Some(&["/bin/bash".to_owned(), "-c".to_owned()][..])
        );
        assert_eq!(c.runtime.on_build, ["RUN make"]);
        let hc = c.runtime.healthcheck.clone().unwrap();
        assert_eq!(hc.interval, Some(30_000_000_000));
        assert_eq!(hc.retries, Some(3));
        assert_eq!(c.runtime.labels.keys().collect::<Vec<_>>(), ["a", "b"]);
        assert!(c.history[0].empty_layer);
        assert!(!c.history[1].empty_layer);
        assert_eq!(c.platform(), "linux/amd64");
    }

    #[test]
    fn nulls_and_missing_history_are_accepted() {
        let json = br#"{"architecture":"arm64","os":"linux","variant":"v8","rootfs":{"type":"layers","diff_ids":[]},
            "config":{"Cmd":null,"Volumes":null,"OnBuild":null,"Labels":null}}"#;
        let c = parse_config(json).unwrap();
        assert!(c.history.is_empty());
        assert_eq!(c.runtime.cmd, None);
        assert_eq!(c.platform(), "linux/arm64/v8");
    }

    #[test]
    fn oversized_and_malformed_configs_are_typed_errors() {
        let big = vec![b' '; MAX_CONFIG_BYTES + 1];
        assert!(matches!(
            parse_config(&big),
            Err(ImageError::ConfigTooLarge { .. })
        ));
        assert!(matches!(
            parse_config(b"{\"os\":"),
            Err(ImageError::ConfigJson { .. })
        ));
        assert!(matches!(
            parse_config(b"[]"),
            Err(ImageError::ConfigJson { .. })
        ));
    }
}
