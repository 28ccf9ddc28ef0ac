//! `kubectl dfimage diff A B`: both recovered Dockerfiles as a unified diff, then which
//! layers the two images share (same diff_id). A side may be a pod or workload: the image
//! its container runs (`resolve_target.rs`), so what runs can be compared with a release.
//!
//! Exit codes follow diff(1): 0 when the two images are the same (identical recovered
//! Dockerfiles and the same diff_ids), 1 when they differ, 2 when either cannot be read. `diff`
//! renders no file listings, so it has no partial outcome and 1 means only "they differ".

use std::sync::Arc;

use super::exit::ExitStatus;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::recover::open_job;
use super::resolve_target::{TargetQuery, one_job};
use crate::cli::request::{DiffRequest, RegistrySettings};
use crate::error::Error;
use crate::image::diff::{compare_layers, render_dockerfile_diff, render_layer_table};
use crate::image::{self, RecoverInput};

async fn recover_text(
    side: &TargetQuery<'_>,
    registry: &RegistrySettings,
    printer: &Printer,
    reporter: &Arc<TerminalReporter>,
) -> Result<(String, Vec<String>, String), Error> {
    let job = one_job(side, printer, reporter).await?;
    let (opened, _) = open_job(&job, registry, printer, reporter).await?;
    let config = image::parse_config(&opened.config_bytes)?;
    let recovery = image::recover(&RecoverInput {
        config: &config,
        layers: &opened.layers,
        annotations: &opened.manifest_annotations,
        has_layers: opened.has_layers,
    });
    let listings = std::collections::BTreeMap::new();
    let text = image::render_dockerfile(
        &recovery,
        &image::RenderOptions {
            listings: &listings,
        },
    );
    Ok((text, config.diff_ids.clone(), opened.display_ref))
}

/// diff(1)'s exit code: complete (0) when nothing differs, else 1 ("they differ").
fn outcome(a_text: &str, b_text: &str, a_ids: &[String], b_ids: &[String]) -> ExitStatus {
    if a_text == b_text && a_ids == b_ids {
        ExitStatus::Complete
    } else {
        // `Partial` is the code 1; for `diff` it means "the images differ" (module docs).
        ExitStatus::Partial
    }
}

/// Runs a comparison: exit 0 when the images are the same, 1 when they differ.
pub async fn run(r: DiffRequest, printer: &Printer) -> Result<ExitStatus, Error> {
    let reporter = Arc::new(TerminalReporter::new(*printer));
    let side = |target| TargetQuery {
        target,
        container: r.container.as_deref(),
        all_containers: false,
        cluster: &r.cluster,
    };
    let (side_a, side_b) = (side(&r.a), side(&r.b));
    let (a, b) = tokio::join!(
        recover_text(&side_a, &r.registry, printer, &reporter),
        recover_text(&side_b, &r.registry, printer, &reporter)
    );
    let (a_text, a_ids, a_name) = a?;
    let (b_text, b_ids, b_name) = b?;
    let mut out = render_dockerfile_diff(&a_name, &a_text, &b_name, &b_text);
    out.push('\n');
    for line in render_layer_table(&compare_layers(&a_ids, &b_ids)) {
        out.push_str(&line);
        out.push('\n');
    }
    printer.product(&out)?;
    Ok(outcome(&a_text, &b_text, &a_ids, &b_ids))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_exits_0_only_when_dockerfiles_and_layers_are_the_same() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let same = ids(&["sha256:a", "sha256:b"]);
        assert_eq!(
            outcome("FROM x\n", "FROM x\n", &same, &same),
            ExitStatus::Complete
        );
        assert_eq!(
            outcome("FROM x\n", "FROM y\n", &same, &same) as u8,
            1,
            "other Dockerfile"
        );
        assert_eq!(
            outcome(
                "FROM x\n",
                "FROM x\n",
                &same,
                &ids(&["sha256:a", "sha256:c"])
            ) as u8,
            1,
            "same history, other layer content"
        );
        assert_eq!(
            outcome("FROM x\n", "FROM x\n", &same, &ids(&["sha256:a"])) as u8,
            1,
            "one layer fewer"
        );
    }
}
