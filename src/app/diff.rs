//! `kubectl dfimage diff A B`: both recovered Dockerfiles as a unified diff, then which
//! layers the two images share (same diff_id).

use std::sync::Arc;

use super::exit::ExitStatus;
use super::printer::Printer;
use super::progress::TerminalReporter;
use super::recover::{ImageJob, fetch_options};
use crate::cli::request::{DiffRequest, RegistrySettings};
use crate::error::Error;
use crate::image::diff::{compare_layers, render_dockerfile_diff, render_layer_table};
use crate::image::{self, RecoverInput};
use crate::registry::{SourceSpec, open_image};

async fn recover_text(
    source: &str,
    registry: &RegistrySettings,
    reporter: &Arc<TerminalReporter>,
) -> Result<(String, Vec<String>, String), Error> {
    let job = ImageJob {
        source: source.to_owned(),
        platform: None,
        extra_auth: Vec::new(),
        tag_check: None,
    };
    let opened = open_image(
        &SourceSpec::parse(source)?,
        &fetch_options(registry, &job)?,
        reporter.as_ref(),
    )
    .await?;
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

/// Runs a comparison. Exit 0 either way: a difference is a result, not an error.
pub async fn run(r: DiffRequest, printer: &Printer) -> Result<ExitStatus, Error> {
    let reporter = Arc::new(TerminalReporter::new(*printer));
    let (a, b) = tokio::join!(
        recover_text(&r.a, &r.registry, &reporter),
        recover_text(&r.b, &r.registry, &reporter)
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
    Ok(ExitStatus::Complete)
}
