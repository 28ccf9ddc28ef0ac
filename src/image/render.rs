//! Recovery → Dockerfile text. Every line is an instruction or a `#` comment, so stdout stays
//! a Dockerfile: notes go on their own comment line directly above the instruction they
//! qualify (a Dockerfile has no trailing comments), listings as comments below it.
//!
//! Pure text building; `app/printer.rs` writes it. JSON and the `-v` header live in
//! `record.rs` and `header.rs`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::base::BaseImage;
use super::flag::{Flag, FlagCode};
use super::instruction::DEFAULT_ESCAPE;
use super::recover::{Recovery, Step, UnpairedLayer};

pub use super::header::{HeaderMeta, render_header};
pub use super::record::render_json;

/// Extra material for the Dockerfile.
#[derive(Debug, Clone, Copy)]
pub struct RenderOptions<'a> {
    /// Comment lines (without `#`) to print under the step owning layer index N (0-based).
    pub listings: &'a BTreeMap<usize, Vec<String>>,
}

fn comment(out: &mut String, prefix: &str, text: &str) {
    for line in text.split('\n') {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(prefix.trim_end());
        } else {
            out.push_str(prefix);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn listing(out: &mut String, layer: Option<usize>, options: &RenderOptions<'_>) {
    let Some(lines) = layer.and_then(|l| options.listings.get(&l)) else {
        return;
    };
    for l in lines {
        comment(out, "# ", l);
    }
}

fn entries(n: usize) -> String {
    format!("{n} history {}", if n == 1 { "entry" } else { "entries" })
}

fn from_note(base: &BaseImage) -> String {
    let what = match base.code {
        "annotation" => "named by the manifest's base-image annotations".to_owned(),
        "buildinfo" if base.name.is_none() => {
            "BuildKit buildinfo lists several images; see the evidence".to_owned()
        }
        "buildinfo" => "named by BuildKit's buildinfo in the config".to_owned(),
        "buildah-comment" => "named by buildah's FROM comment in the history".to_owned(),
        "label" => {
            "named by a base-name label in the config (weaker than an annotation)".to_owned()
        }
        "scratch" if base.name.is_some() && base.confidence.word() == "declared" => {
            "declared as scratch".to_owned()
        }
        "scratch" => "no base layers: the first layer is this build's own COPY/ADD".to_owned(),
        "provenance" if base.name.as_deref() == Some("scratch") => {
            "the original Dockerfile in the provenance attestation builds FROM scratch".to_owned()
        }
        "provenance" if base.name.is_none() => {
            "several images in the provenance attestation could be the base".to_owned()
        }
        "provenance" => "named by the BuildKit provenance attestation".to_owned(),
        "layers" if base.name.is_none() => {
            "several --base candidates match the image's layers equally".to_owned()
        }
        "layers" => "a --base candidate whose layers are the image's first ones".to_owned(),
        "history-match" => {
            "a --base candidate whose history (not its layers) starts the image's".to_owned()
        }
        _ => "the base image is not recorded in the image".to_owned(),
    };
    let boundary = match (base.boundary, base.boundary_reason) {
        (Some(b), Some(r)) => format!(
            "; the base's {} {} shown as comments below (boundary: {r})",
            entries(b + 1),
            if b == 0 { "is" } else { "are" }
        ),
        (None, _) if base.name.as_deref() == Some("scratch") => String::new(),
        _ => "; where the base ends is unknown, so every history entry is shown".to_owned(),
    };
    format!(
        "dfimage: from-{}: {} ({}){boundary}",
        base.code,
        what,
        base.confidence.word()
    )
}

/// Evidence lines for the FROM note: the strongest evidence, alternatives, candidates that
/// are not the base, extra notes.
fn from_details(base: &BaseImage) -> Vec<String> {
    let mut out = Vec::new();
    if matches!(base.code, "provenance" | "layers" | "history-match")
        && let Some(e) = base.evidence.iter().rev().find(|e| {
            e.source
                == if base.code == "provenance" {
                    "provenance"
                } else {
                    "candidate"
                }
        })
    {
        out.push(format!("dfimage: from-evidence: {}", e.detail));
    }
    if !base.alternatives.is_empty() {
        out.push(format!(
            "dfimage: from-alternatives: one of {}",
            base.alternatives.join(", ")
        ));
    }
    let chosen = base.from_argument();
    for c in &base.candidates {
        if c.candidate == chosen || base.alternatives.contains(&c.candidate) {
            continue;
        }
        let what = if c.verdict == "unopened" {
            "could not be opened"
        } else {
            "not the base"
        };
        out.push(format!(
            "dfimage: base-candidate: {} {what}: {}",
            c.candidate, c.detail
        ));
    }
    out.extend(base.notes.iter().map(|n| format!("dfimage: {n}")));
    out
}

fn step(out: &mut String, s: &Step, options: &RenderOptions<'_>, escape: char) {
    for f in &s.flags {
        comment(out, "# ", &f.to_string());
    }
    match &s.instruction {
        Some(i) => {
            out.push_str(&i.to_dockerfile(escape));
            out.push('\n');
        }
        None if s.flags.is_empty() => {
            comment(
                out,
                "# ",
                &format!(
                    "dfimage: unknown-entry: {}",
                    s.entry.created_by.as_deref().unwrap_or("")
                ),
            );
        }
        None => {}
    }
    listing(out, s.layer, options);
}

fn base_step(out: &mut String, s: &Step, escape: char) {
    match &s.instruction {
        Some(i) => comment(out, "#   ", &i.to_dockerfile(escape)),
        None => match s.flags.first() {
            // Free text reads best as itself: `#   busybox-static rootfs`.
            Some(
                f @ Flag {
                    code: FlagCode::FreeText,
                    detail: Some(text),
                },
            ) => comment(
                out,
                "#   ",
                &format!("{text}  # dfimage: {}", f.code.code()),
            ),
            first => {
                let what = first.map_or_else(
                    || s.entry.created_by.clone().unwrap_or_default(),
                    ToString::to_string,
                );
                comment(out, "#   ", &format!("({what})"));
            }
        },
    }
}

fn unpaired(out: &mut String, u: &UnpairedLayer, options: &RenderOptions<'_>) {
    let digest = u
        .descriptor
        .as_ref()
        .map(|d| d.digest.as_str())
        .or(u.diff_id.as_deref())
        .unwrap_or("");
    comment(
        out,
        "# ",
        format!("layer {} (no history entry) {digest}", u.index + 1).trim_end(),
    );
    listing(out, Some(u.index), options);
}

/// Renders the recovered Dockerfile.
pub fn render_dockerfile(recovery: &Recovery, options: &RenderOptions<'_>) -> String {
    let mut out = String::new();
    // Windows paths end in `\`, which would read as a line continuation: use the backtick,
    // as Windows Dockerfiles do. The directive must be the very first line.
    let escape = if recovery.platform.starts_with("windows") {
        '`'
    } else {
        DEFAULT_ESCAPE
    };
    if escape != DEFAULT_ESCAPE {
        out.push_str(&format!("# escape={escape}\n"));
    }
    comment(
        &mut out,
        "# ",
        &format!(
            "Recovered by kubectl-dfimage from the image history; builders: {}",
            recovery.builders
        ),
    );
    let dockerfile_built = recovery
        .builders
        .counts
        .iter()
        .any(|(b, _)| b.is_dockerfile_builder());
    if !dockerfile_built && !recovery.builders.counts.is_empty() {
        comment(
            &mut out,
            "# ",
            "dfimage: built-by: not built from a Dockerfile; this is an equivalent, not the source",
        );
    }
    for w in &recovery.warnings {
        comment(&mut out, "# ", &format!("dfimage: warning: {w}"));
    }
    out.push('\n');

    let base = &recovery.base;
    comment(&mut out, "# ", &from_note(base));
    for line in from_details(base) {
        comment(&mut out, "# ", &line);
    }
    let _ = writeln!(out, "FROM {}", base.from_argument());
    let base_steps: Vec<&Step> = recovery.steps.iter().filter(|s| s.in_base).collect();
    if !base_steps.is_empty() {
        comment(
            &mut out,
            "# ",
            &format!("--- base image: {} ---", entries(base_steps.len())),
        );
        for s in &base_steps {
            base_step(&mut out, s, escape);
        }
        comment(&mut out, "# ", "--- end of base image ---");
    }
    let first_paired = recovery
        .steps
        .iter()
        .filter(|s| !s.in_base)
        .find_map(|s| s.layer);
    let (early, late): (Vec<&UnpairedLayer>, Vec<&UnpairedLayer>) = recovery
        .unpaired_layers
        .iter()
        .partition(|u| first_paired.is_some_and(|f| u.index < f));
    for s in &base_steps {
        listing(&mut out, s.layer, options);
    }
    out.push('\n');
    for u in early {
        unpaired(&mut out, u, options);
    }
    for s in recovery.steps.iter().filter(|s| !s.in_base) {
        step(&mut out, s, options, escape);
    }
    for u in late {
        unpaired(&mut out, u, options);
    }
    for t in &recovery.trailing {
        for f in &t.flags {
            comment(&mut out, "# ", &f.to_string());
        }
        out.push_str(&t.instruction.to_dockerfile(escape));
        out.push('\n');
    }
    out
}
