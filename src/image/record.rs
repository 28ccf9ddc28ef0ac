//! `-o json`: one record per history step (raw `created_by`, comment, author, created,
//! `empty_layer`, the paired layer, the builder, the rendered instruction and its notes),
//! plus the base, builders, config-only instructions, unpaired layers and warnings.

use serde_json::{Value, json};

use super::flag::Flag;
use super::recover::{Recovery, Step};

fn flags(f: &[Flag]) -> Value {
    Value::Array(
        f.iter()
            .map(|f| json!({ "code": f.code.code(), "text": f.to_string(), "detail": f.detail }))
            .collect(),
    )
}

fn step(s: &Step) -> Value {
    let layer = s.layer.map(|index| {
        json!({
            "index": index,
            "digest": s.descriptor.as_ref().map(|d| d.digest.clone()),
            "size": s.descriptor.as_ref().map(|d| d.size),
            "media_type": s.descriptor.as_ref().map(|d| d.media_type.clone()),
            "diff_id": s.diff_id,
        })
    });
    json!({
        "index": s.index,
        "created_by": s.entry.created_by,
        "comment": s.entry.comment,
        "author": s.entry.author,
        "created": s.entry.created,
        "empty_layer": s.entry.empty_layer,
        "layer": layer,
        "builder": s.builder,
        "builder_name": s.builder.to_string(),
        "instruction": s.instruction.as_ref().map(ToString::to_string),
        "flags": flags(&s.flags),
        "in_base": s.in_base,
        "build_args": s.build_args.iter().map(|(k, v)| json!({ "name": k, "value": v })).collect::<Vec<_>>(),
    })
}

/// Renders the recovery as one JSON document.
pub fn render_json(recovery: &Recovery) -> Value {
    let b = &recovery.base;
    json!({
        "platform": recovery.platform,
        "builders": recovery.builders.counts.iter()
            .map(|(builder, n)| json!({ "builder": builder, "name": builder.to_string(), "entries": n }))
            .collect::<Vec<_>>(),
        "base": {
            "from": b.from_argument(),
            "name": b.name,
            "digest": b.digest,
            "confidence": b.confidence,
            "source": b.code,
            "boundary": b.boundary,
            "boundary_reason": b.boundary_reason,
            "evidence": b.evidence,
            "alternatives": b.alternatives,
            "candidates": b.candidates,
            "notes": b.notes,
        },
        "steps": recovery.steps.iter().map(step).collect::<Vec<_>>(),
        "trailing": recovery.trailing.iter()
            .map(|t| json!({ "instruction": t.instruction.to_string(), "flags": flags(&t.flags) }))
            .collect::<Vec<_>>(),
        "unpaired_layers": recovery.unpaired_layers,
        "warnings": recovery.warnings.iter()
            .map(|w| { let mut v = json!(w); v["message"] = json!(w.to_string()); v })
            .collect::<Vec<_>>(),
    })
}
