//! `--all`: the references one digest group can be fetched through. Pods that run the same
//! digest may name it through different registries (a mirror, a second registry); each
//! distinct reference is a way to the same bytes, tried in turn until one works.
//!
//! Owns only the choice of references and their order; the batch's request flow and its
//! summary stay in `batch.rs`.

use std::sync::Arc;

use super::printer::Printer;
use super::progress::TerminalReporter;
use super::recover::{ImageJob, Recovered, chain, recover_image};
use crate::cli::request::RecoverRequest;
use crate::cluster::inventory::InventoryRow;
use crate::report::Reporter;

/// One reference of a group and the pods whose pull secrets go with it (pure): the distinct
/// references in the order the rows name them, each with every pod that names it (pods
/// with different pull secrets may run one image: any of their credentials may be the one).
pub(crate) fn distinct_references(users: &[InventoryRow]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for row in users {
        match out.iter_mut().find(|(r, _)| *r == row.reference) {
            Some((_, pods)) => {
                if !pods.contains(&row.pod) {
                    pods.push(row.pod.clone());
                }
            }
            None => out.push((row.reference.clone(), vec![row.pod.clone()])),
        }
    }
    out
}

/// A reference that failed, and why (the error with its causes, on one line).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct FailedReference {
    /// The reference tried.
    pub reference: String,
    /// Why it failed.
    pub error: String,
}

/// How a group's recovery went.
#[derive(Debug)]
pub(crate) struct GroupOutcome {
    /// The index in the group's jobs of the reference that worked, and what it recovered;
    /// `None` when every reference failed.
    pub recovered: Option<(usize, Recovered)>,
    /// The references that failed before one worked (or all of them), with why.
    pub failures: Vec<FailedReference>,
}

/// Recovers the group's image through its first working reference. A reference that fails
/// is remembered and the next one tried; a fallback that works is named on stderr.
pub(crate) async fn recover_any(
    jobs: &[ImageJob],
    r: &RecoverRequest,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> GroupOutcome {
    let mut failures = Vec::new();
    for (i, job) in jobs.iter().enumerate() {
        match recover_image(job, r, printer, reporter).await {
            Ok(rec) => {
                if !failures.is_empty() {
                    reporter.warn(&format_args!(
                        "recovered {} after the same image failed through {} other reference(s): {}",
                        reference_of(job),
                        failures.len(),
                        describe(&failures)
                    ));
                }
                return GroupOutcome {
                    recovered: Some((i, rec)),
                    failures,
                };
            }
            Err(e) => failures.push(FailedReference {
                reference: reference_of(job).to_owned(),
                error: chain(&e),
            }),
        }
    }
    GroupOutcome {
        recovered: None,
        failures,
    }
}

/// The registry reference a job fetches.
pub(crate) fn reference_of(job: &ImageJob) -> &str {
    job.source.trim_start_matches("docker://")
}

/// `ref: why; ref: why` (pure).
pub(crate) fn describe(failures: &[FailedReference]) -> String {
    failures
        .iter()
        .map(|f| format!("{}: {}", f.reference, f.error))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::pod::ContainerKind;

    fn row(pod: &str, reference: &str) -> InventoryRow {
        InventoryRow {
            namespace: "ns".into(),
            pod: pod.into(),
            container: "c".into(),
            kind: ContainerKind::Regular,
            image: reference.into(),
            reference: reference.into(),
            digest: Some("sha256:0".into()),
            platform: None,
        }
    }

    #[test]
    fn every_distinct_reference_of_a_group_is_kept_in_order_with_all_its_pods() {
        let rows = [
            row("a", "mirror/app@sha256:0"),
            row("b", "origin/app@sha256:0"),
            row("c", "mirror/app@sha256:0"),
            row("d", "third/app@sha256:0"),
        ];
        assert_eq!(
            distinct_references(&rows),
            vec![
                (
                    "mirror/app@sha256:0".to_owned(),
                    vec!["a".to_owned(), "c".to_owned()]
                ),
                ("origin/app@sha256:0".to_owned(), vec!["b".to_owned()]),
                ("third/app@sha256:0".to_owned(), vec!["d".to_owned()]),
            ]
        );
    }

    #[test]
    fn failures_are_described_with_their_references() {
        let failed = |reference: &str, error: &str| FailedReference {
            reference: reference.into(),
            error: error.into(),
        };
        let f = [
            failed("m/app", "connect: refused"),
            failed("o/app", "unauthorized"),
        ];
        assert_eq!(describe(&f), "m/app: connect: refused; o/app: unauthorized");
    }
}
