//! `kubectl dfimage images`: the seed's jsonpath one-liner, done right.

use super::exit::ExitStatus;
use super::printer::Printer;
use super::table::render_table;
use crate::cli::request::ImagesRequest;
use crate::cluster::inventory::{InventoryRow, fetch_inventory};
use crate::cluster::pod::ContainerKind;
use crate::error::Error;

/// Lists the images of the requested pods.
pub async fn run(r: ImagesRequest, printer: &Printer) -> Result<ExitStatus, Error> {
    let conn = crate::cluster::connect(&super::connect_options(&r.cluster)).await?;
    let ns = (!r.all_namespaces).then_some(conn.namespace.as_str());
    let rows = fetch_inventory(&conn.client, ns, r.selector.as_deref()).await?;
    let text = if r.json {
        let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
        s.push('\n');
        s
    } else if rows.is_empty() {
        printer.notice(&format_args!(
            "no pods found in {}",
            ns.map(|n| format!("namespace {n}"))
                .unwrap_or_else(|| "any namespace".into())
        ));
        String::new()
    } else {
        render_rows(&rows, r.all_namespaces)
    };
    printer.product(&text)?;
    Ok(ExitStatus::Complete)
}

/// The table text (pure).
pub fn render_rows(rows: &[InventoryRow], with_namespace: bool) -> String {
    let mut headers = vec!["POD", "CONTAINER", "IMAGE", "DIGEST", "PLATFORM"];
    if with_namespace {
        headers.insert(0, "NAMESPACE");
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let container = match r.kind {
                ContainerKind::Regular => r.container.clone(),
                ContainerKind::Init => format!("{} (init)", r.container),
                ContainerKind::Ephemeral => format!("{} (ephemeral)", r.container),
            };
            let mut row = vec![
                r.pod.clone(),
                container,
                r.image.clone(),
                r.digest.clone().unwrap_or_else(|| "-".into()),
                r.platform.clone().unwrap_or_else(|| "-".into()),
            ];
            if with_namespace {
                row.insert(0, r.namespace.clone());
            }
            row
        })
        .collect();
    render_table(&headers, &cells)
}
