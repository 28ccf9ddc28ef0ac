//! SOURCE → the images to recover: an image source as is, or the containers of a pod or
//! workload, with the pod's pull secrets and its node's platform; and the end of a
//! multi-container run whose images did not all recover.

use super::exit::ExitStatus;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::recover::ImageJob;
use crate::cli::request::{ClusterSettings, ExtractRequest, RecoverRequest};
use crate::cli::target::{Target, WorkloadKind};
use crate::cluster::pod::{ContainerImage, Defaulting, choose_container};
use crate::cluster::secrets::fetch_pull_secrets;
use crate::cluster::workload::{self, Kind, Resolved, resolve};
use crate::cluster::{ClusterError, connect};
use crate::error::Error;
use crate::report::Reporter;

fn kind(k: WorkloadKind) -> Kind {
    match k {
        WorkloadKind::Pod => Kind::Pod,
        WorkloadKind::Deployment => Kind::Deployment,
        WorkloadKind::StatefulSet => Kind::StatefulSet,
        WorkloadKind::DaemonSet => Kind::DaemonSet,
        WorkloadKind::ReplicaSet => Kind::ReplicaSet,
        WorkloadKind::Job => Kind::Job,
        WorkloadKind::CronJob => Kind::CronJob,
    }
}

/// What names the images to read: the SOURCE, kubectl's container choice, the cluster.
pub(crate) struct TargetQuery<'a> {
    pub target: &'a Target,
    /// `-c`.
    pub container: Option<&'a str>,
    /// `--all-containers`.
    pub all_containers: bool,
    pub cluster: &'a ClusterSettings,
}

impl<'a> From<&'a RecoverRequest> for TargetQuery<'a> {
    fn from(r: &'a RecoverRequest) -> Self {
        Self {
            target: &r.target,
            container: r.container.as_deref(),
            all_containers: r.all_containers,
            cluster: &r.cluster,
        }
    }
}

impl<'a> From<&'a ExtractRequest> for TargetQuery<'a> {
    fn from(r: &'a ExtractRequest) -> Self {
        Self {
            target: &r.target,
            container: r.container.as_deref(),
            all_containers: false,
            cluster: &r.cluster,
        }
    }
}

/// The images SOURCE names, each with a label for multi-image output.
pub(crate) async fn jobs_for(
    r: &TargetQuery<'_>,
    printer: &Printer,
    reporter: &TerminalReporter,
) -> Result<Vec<(String, ImageJob)>, Error> {
    let image_job = |source: &str| ImageJob {
        source: source.to_owned(),
        platform: None,
        extra_auth: Vec::new(),
        tag_check: None,
    };
    match r.target {
        Target::Image(source) => {
            if let Some(c) = r.container {
                reporter.warn(&format_args!(
                    "-c {c} is ignored: {source} is an image, not a pod or workload"
                ));
            }
            Ok(vec![(source.clone(), image_job(source))])
        }
        Target::Workload { kind: k, name } => {
            workload_jobs(r, kind(*k), name, printer, reporter).await
        }
        Target::PodOrImage(name) => {
            match workload_jobs(r, Kind::Pod, name, printer, reporter).await {
                Ok(jobs) => Ok(jobs),
                // No cluster configured, or no such pod: the name is a Docker Hub image.
                Err(Error::Cluster(
                    e @ (ClusterError::NotFound { .. } | ClusterError::NoConfig(_)),
                )) => {
                    let why = match e {
                        ClusterError::NoConfig(_) => "no cluster is configured".to_owned(),
                        _ => format!("no pod named {name}"),
                    };
                    printer.notice(&format_args!(
                        "{why}: treating {name} as the image docker.io/library/{name}:latest"
                    ));
                    Ok(vec![(name.clone(), image_job(name))])
                }
                Err(e) => Err(e),
            }
        }
    }
}

/// The one image SOURCE names when a single container is chosen (no `--all-containers`).
pub(crate) async fn one_job(
    r: &TargetQuery<'_>,
    printer: &Printer,
    reporter: &TerminalReporter,
) -> Result<ImageJob, Error> {
    match jobs_for(r, printer, reporter).await?.into_iter().next() {
        Some((_, job)) => Ok(job),
        None => unreachable!("without --all-containers one container is chosen, or an error"),
    }
}

async fn workload_jobs(
    r: &TargetQuery<'_>,
    k: Kind,
    name: &str,
    printer: &Printer,
    reporter: &TerminalReporter,
) -> Result<Vec<(String, ImageJob)>, Error> {
    let conn = connect(&super::connect_options(r.cluster)).await?;
    let resolved = resolve(&conn.client, &conn.namespace, k, name).await?;
    if let Some(n) = &resolved.notice {
        printer.notice(n);
    }
    let chosen = pick_containers(r, &resolved)?;
    // The node (for the platform) and the pull secrets both need only the pod: one round
    // trip for both instead of one after the other.
    let (node_platform, secrets) = tokio::join!(
        async {
            match &resolved.node {
                Some(node) => workload::node_platform(&conn.client, node).await,
                None => None,
            }
        },
        async {
            match &resolved.pod {
                Some(pod) => Some(fetch_pull_secrets(&conn.client, &conn.namespace, pod).await),
                None => None,
            }
        }
    );
    let mut extra_auth = Vec::new();
    if let Some(secrets) = secrets {
        let secrets = secrets?;
        if secrets.forbidden {
            reporter.warn(&format_args!(
                "not allowed to read secrets in namespace {}: using local registry credentials only",
                conn.namespace
            ));
        }
        if !secrets.missing.is_empty() {
            reporter.warn(&format_args!(
                "pull secret(s) {} named by pod {} do not exist in namespace {}: skipped",
                secrets.missing.join(", "),
                resolved.pod_name,
                conn.namespace
            ));
        }
        if !secrets.used.is_empty() {
            printer.detail(&format_args!(
                "using pull secrets: {}",
                secrets.used.join(", ")
            ));
        }
        extra_auth = secrets.configs;
    }
    Ok(chosen
        .into_iter()
        .map(|c| {
            let label = format!(
                "{}/{} container {}: {}",
                conn.namespace, resolved.pod_name, c.name, c.image.reference
            );
            (
                label,
                ImageJob {
                    source: format!("docker://{}", c.image.reference),
                    platform: node_platform.clone(),
                    extra_auth: extra_auth.clone(),
                    // A tag (not a digest) in the spec can move after the pod started.
                    tag_check: c
                        .image
                        .digest
                        .clone()
                        .filter(|_| !c.image.spec_image.contains('@'))
                        .map(|d| (c.image.spec_image.clone(), d)),
                },
            )
        })
        .collect())
}

fn pick_containers(r: &TargetQuery<'_>, resolved: &Resolved) -> Result<Vec<ContainerImage>, Error> {
    if r.all_containers {
        return Ok(resolved.containers.clone());
    }
    let chosen = choose_container(
        &resolved.pod_name,
        Some(&resolved.annotations),
        &resolved.containers,
        r.container,
        Defaulting::Unique,
    )?;
    Ok(vec![chosen.container])
}

/// The end of a multi-container run in which some images failed: prints what worked, then
/// each failure (which container, which image, why) on stderr. Partial when something was
/// recovered, failure when nothing was.
pub(crate) fn finish_containers(
    printer: &Printer,
    product: &str,
    failed: &[(String, Error)],
    total: usize,
) -> Result<ExitStatus, Error> {
    let recovered = total - failed.len();
    if recovered > 0 && !printer.product(product)? {
        // stdout closed: the reader went away, nothing more to say.
        return Ok(ExitStatus::Complete);
    }
    printer.stderr_line(format_args!(
        "recovered {recovered} of {total} container image(s); {} failed:",
        failed.len()
    ));
    for (label, e) in failed {
        printer.stderr_line(format_args!(
            "failed: {label}: {}",
            super::recover::chain(e)
        ));
    }
    Ok(if recovered > 0 {
        ExitStatus::Partial
    } else {
        ExitStatus::Failure
    })
}
