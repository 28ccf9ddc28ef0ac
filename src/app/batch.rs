//! `--all`: recover every distinct image a namespace runs, once per digest, concurrently,
//! into `DIR/<registry>/<repo>/<tag-or-digest>/Dockerfile` plus `DIR/index.json`.
//!
//! One image that fails does not stop the others; the summary names each failure and the
//! exit code says partial.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;

use super::batch_refs::{
    FailedReference, describe, distinct_references, recover_any, reference_of,
};
use super::exit::ExitStatus;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::recover::ImageJob;
use crate::cli::request::{BatchSettings, Format, RecoverRequest};
use crate::cluster::connect;
use crate::cluster::inventory::{InventoryRow, fetch_node_platforms, fetch_pods, rows};
use crate::cluster::secrets::fetch_pull_secrets;
use crate::error::Error;
use crate::image::reference::ImageRef;
use crate::report::{Reporter, TaskId};

/// Images recovered at once. Each mostly waits on the registry (a single image is about a
/// third CPU), so the pool is sized for latency, not for cores; 8 covers a typical namespace
/// in one wave.
const IMAGE_CONCURRENCY: usize = 8;
/// Service-account/secret reads in flight at once.
const SECRETS_CONCURRENCY: usize = 8;

/// What decides a pod's pull secrets: its service account and its own `imagePullSecrets`.
type SecretsKey = (String, Vec<String>);

/// The [`SecretsKey`] of `pod`.
fn secrets_key(pod: &Pod) -> SecretsKey {
    let spec = pod.spec.as_ref();
    let account = spec
        .and_then(|s| s.service_account_name.clone())
        .unwrap_or_else(|| "default".to_owned());
    let own = spec
        .and_then(|s| s.image_pull_secrets.as_ref())
        .into_iter()
        .flatten()
        .map(|r| r.name.clone())
        .collect();
    (account, own)
}

/// One distinct image and who runs it.
#[derive(Debug, Clone, serde::Serialize)]
struct IndexEntry {
    /// The reference recovered through (or, when all failed, the first one tried).
    reference: String,
    /// Every distinct reference the pods name for this digest, in the order tried.
    references: Vec<String>,
    digest: Option<String>,
    /// The Dockerfile, relative to the output folder (absent when the image failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// References that failed, with why (before one worked, or all of them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    failed_references: Vec<FailedReference>,
    used_by: Vec<InventoryRow>,
}

/// Groups rows by what they run: the digest when the node told it, else the reference.
fn group(rows: Vec<InventoryRow>) -> BTreeMap<String, Vec<InventoryRow>> {
    let mut groups: BTreeMap<String, Vec<InventoryRow>> = BTreeMap::new();
    for row in rows {
        let key = row.digest.clone().unwrap_or_else(|| row.reference.clone());
        groups.entry(key).or_default().push(row);
    }
    groups
}

/// Every named pod's pull-secret configs, each once, in pod order.
fn pull_auth(
    pods: &[String],
    by_name: &BTreeMap<String, Pod>,
    cache: &BTreeMap<SecretsKey, Vec<(String, Vec<u8>)>>,
) -> Vec<(String, Vec<u8>)> {
    let mut auth: Vec<(String, Vec<u8>)> = Vec::new();
    let sets = pods
        .iter()
        .filter_map(|p| by_name.get(p))
        .filter_map(|pod| cache.get(&secrets_key(pod)));
    for entry in sets.flatten() {
        if !auth.contains(entry) {
            auth.push(entry.clone());
        }
    }
    auth
}

/// `DIR/<registry>/<repo>/<tag>/<digest>` (`<digest>` alone without a tag), each component
/// made safe for a file name.
fn output_path(dir: &Path, reference: &str, spec_image: &str) -> PathBuf {
    let parsed = reference.parse::<ImageRef>().ok();
    let tag_source = spec_image.parse::<ImageRef>().ok();
    let mut path = dir.to_path_buf();
    match &parsed {
        Some(r) => {
            path.push(safe(r.registry()));
            for part in r.repository().split('/') {
                path.push(safe(part));
            }
            let leaf = tag_source
                .as_ref()
                .and_then(|t| t.tag().map(str::to_owned))
                .or_else(|| r.digest().map(|d| d.replace(':', "-")))
                .or_else(|| r.tag().map(str::to_owned))
                .unwrap_or_else(|| "latest".to_owned());
            path.push(safe(&leaf));
            if let (Some(_), Some(d)) = (tag_source.as_ref().and_then(|t| t.tag()), r.digest()) {
                // Two digests under one tag (a tag moved between pods) must not collide.
                path.push(safe(&d.replace(':', "-")));
            }
        }
        None => path.push(safe(reference)),
    }
    path
}

fn safe(part: &str) -> String {
    let s: String = part
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s == "." || s == ".." {
        "_".to_owned()
    } else {
        s
    }
}

/// The request each image is recovered with: `r` without the batch settings.
fn per_image_request(r: &RecoverRequest) -> RecoverRequest {
    RecoverRequest {
        batch: None,
        ..r.clone()
    }
}

/// Runs the batch recovery.
pub async fn run(
    r: &RecoverRequest,
    batch: &BatchSettings,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> Result<ExitStatus, Error> {
    let conn = connect(&super::connect_options(&r.cluster)).await?;
    let ns = conn.namespace.clone();
    // Independent requests, so one round trip instead of two.
    let (pods, platforms) = tokio::join!(
        fetch_pods(&conn.client, Some(&ns), batch.selector.as_deref()),
        fetch_node_platforms(&conn.client)
    );
    let pods = pods?;
    let groups = group(rows(&pods, &platforms));
    if groups.is_empty() {
        printer.notice(&format_args!("no pods found in namespace {ns}"));
        return Ok(ExitStatus::Complete);
    }
    printer.notice(&format_args!(
        "recovering {} distinct image(s) used by {} pod(s) in namespace {ns}",
        groups.len(),
        pods.len()
    ));
    let pods_by_name: BTreeMap<String, Pod> = pods
        .into_iter()
        .filter_map(|p| p.metadata.name.clone().map(|n| (n, p)))
        .collect();
    // Pods with the same service account and pull-secret names have the same credentials:
    // read them once per such set, all sets at once (not once per image, one after another).
    let mut wanted_keys: BTreeMap<SecretsKey, &Pod> = BTreeMap::new();
    for user in groups.values().flatten() {
        if let Some(pod) = pods_by_name.get(&user.pod) {
            wanted_keys.entry(secrets_key(pod)).or_insert(pod);
        }
    }
    let fetched = futures_util::stream::iter(wanted_keys)
        .map(|(key, pod)| {
            let (client, ns) = (&conn.client, &ns);
            async move { (key, fetch_pull_secrets(client, ns, pod).await) }
        })
        .buffer_unordered(SECRETS_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut secrets_cache: BTreeMap<SecretsKey, Vec<(String, Vec<u8>)>> = BTreeMap::new();
    let mut forbidden = false;
    let mut missing: Vec<String> = Vec::new();
    for (key, res) in fetched {
        let s = res?;
        forbidden |= s.forbidden;
        for name in s.missing {
            if !missing.contains(&name) {
                missing.push(name);
            }
        }
        secrets_cache.insert(key, s.configs);
    }
    if !missing.is_empty() {
        reporter.warn(&format_args!(
            "pull secret(s) {} named in namespace {ns} do not exist: skipped",
            missing.join(", ")
        ));
    }
    if forbidden {
        reporter.warn(&format_args!(
            "not allowed to read secrets in namespace {ns}: using local registry credentials only"
        ));
    }
    let mut jobs = Vec::new();
    for (key, users) in groups {
        let first = &users[0];
        // Every reference the group's pods name reaches the same digest: when the first one
        // fails (a mirror down, a registry that wants other credentials), the next is tried.
        let group_jobs: Vec<ImageJob> = distinct_references(&users)
            .into_iter()
            .map(|(reference, pods)| ImageJob {
                source: format!("docker://{reference}"),
                platform: first.platform.clone(),
                extra_auth: pull_auth(&pods, &pods_by_name, &secrets_cache),
                // Batch recovery fetches each digest once; the tag check would add fetches.
                tag_check: None,
            })
            .collect();
        jobs.push((key, users, group_jobs));
    }
    let total = jobs.len();
    let overall = TaskId(0);
    reporter.task_started(overall, "images", Some(total as u64));
    // Each image is its own task: opening an image has synchronous stretches (building the
    // registry client loads the system root certificates), and futures polled inside one
    // task would run those one after another on one core.
    let shared = Arc::new(per_image_request(r));
    let results = futures_util::stream::iter(jobs)
        .map(|(_key, users, group_jobs)| {
            let (shared, printer, reporter) = (Arc::clone(&shared), *printer, Arc::clone(reporter));
            let task = tokio::spawn(async move {
                let res = recover_any(&group_jobs, &shared, &printer, &reporter).await;
                reporter.task_advanced(overall, 1);
                (users, group_jobs, res)
            });
            async move {
                match task.await {
                    Ok(done) => done,
                    // Never cancelled; a panic in the task stays a panic.
                    Err(e) => std::panic::resume_unwind(e.into_panic()),
                }
            }
        })
        .buffer_unordered(IMAGE_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    reporter.task_finished(overall);
    let mut index = Vec::new();
    let mut failed = Vec::new();
    let mut partial = false;
    for (users, group_jobs, res) in results {
        let references: Vec<String> = group_jobs
            .iter()
            .map(|j| reference_of(j).to_owned())
            .collect();
        // The reference that worked, else the first one tried.
        let used = res.recovered.as_ref().map_or(0, |(i, _)| *i);
        let reference = references.get(used).cloned().unwrap_or_default();
        let tried = res.failures;
        let digest = users[0].digest.clone();
        let entry = match res.recovered {
            Some((_, rec)) => {
                partial |= rec.partial;
                // Filed under the reference that worked (registry, repository, its tag).
                let user = users
                    .iter()
                    .find(|u| u.reference == reference)
                    .unwrap_or(&users[0]);
                let path = output_path(&batch.output_dir, &user.reference, &user.image);
                // -o json writes the JSON document, named for what it is
                let name = match r.format {
                    Format::Json => "recovery.json",
                    Format::Dockerfile => "Dockerfile",
                };
                let rel = path
                    .strip_prefix(&batch.output_dir)
                    .unwrap_or(&path)
                    .join(name)
                    .display()
                    .to_string();
                let file = path.join(name);
                let written =
                    std::fs::create_dir_all(&path).and_then(|()| std::fs::write(&file, &rec.text));
                match written {
                    Ok(()) => IndexEntry {
                        reference,
                        references,
                        digest,
                        path: Some(rel),
                        status: "ok",
                        error: None,
                        failed_references: tried,
                        used_by: users,
                    },
                    Err(e) => {
                        return Err(Error::WriteFile {
                            path: file,
                            source: e,
                        });
                    }
                }
            }
            None => {
                let message = describe(&tried);
                failed.push(match tried.len() {
                    1 => message.clone(),
                    n => format!("{n} references to the same image: {message}"),
                });
                IndexEntry {
                    reference,
                    references,
                    digest,
                    path: None,
                    status: "failed",
                    error: Some(message),
                    failed_references: tried,
                    used_by: users,
                }
            }
        };
        index.push(entry);
    }
    index.sort_by(|a, b| a.reference.cmp(&b.reference));
    let index_path = batch.output_dir.join("index.json");
    let json = serde_json::to_string_pretty(&index).unwrap_or_default();
    std::fs::create_dir_all(&batch.output_dir)
        .and_then(|()| std::fs::write(&index_path, json + "\n"))
        .map_err(|source| Error::WriteFile {
            path: index_path.clone(),
            source,
        })?;
    printer.notice(&format_args!(
        "recovered {} of {total} image(s) into {} (index: {})",
        total - failed.len(),
        batch.output_dir.display(),
        index_path.display()
    ));
    for f in &failed {
        printer.stderr_line(format_args!("failed: {f}"));
    }
    Ok(if total > 0 && failed.len() == total {
        // like --all-containers: nothing recovered is a failure, not a partial run
        ExitStatus::Failure
    } else if !failed.is_empty() || partial {
        ExitStatus::Partial
    } else {
        ExitStatus::Complete
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_follow_registry_repo_and_tag() {
        let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        let p = output_path(
            Path::new("/o"),
            &format!("127.0.0.1:5000/arcdata/arc-sqlmi@{d}"),
            "127.0.0.1:5000/arcdata/arc-sqlmi:v1",
        );
        assert!(
            p.starts_with("/o/127.0.0.1_5000/arcdata/arc-sqlmi/v1"),
            "{}",
            p.display()
        );
        let p = output_path(
            Path::new("/o"),
            &format!("reg/app@{d}"),
            &format!("reg/app@{d}"),
        );
        assert!(
            p.ends_with(
                "app/sha256-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
            ),
            "{}",
            p.display()
        );
    }

    fn pod(account: Option<&str>, secrets: &[&str]) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "p"},
            "spec": {
                "containers": [{"name": "c", "image": "x"}],
                "serviceAccountName": account,
                "imagePullSecrets": secrets.iter().map(|n| serde_json::json!({"name": n})).collect::<Vec<_>>(),
            }
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn pods_share_pull_secrets_only_with_the_same_account_and_secret_names() {
        assert_eq!(
            secrets_key(&pod(None, &[])),
            secrets_key(&pod(Some("default"), &[]))
        );
        assert_ne!(
            secrets_key(&pod(None, &[])),
            secrets_key(&pod(Some("builder"), &[]))
        );
        assert_ne!(
            secrets_key(&pod(None, &[])),
            secrets_key(&pod(None, &["regcred"]))
        );
        assert_eq!(
            secrets_key(&pod(Some("a"), &["r1", "r2"])),
            ("a".to_owned(), vec!["r1".to_owned(), "r2".to_owned()])
        );
    }

    #[test]
    fn hostile_components_cannot_escape_the_output_dir() {
        assert_eq!(safe(".."), "_");
        assert_eq!(safe("a/b"), "a_b");
    }
}
