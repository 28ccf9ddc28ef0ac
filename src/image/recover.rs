//! The pure core: config + manifest layers + annotations → [`Recovery`] (steps with their
//! instructions, flags and layers; the base; builders; warnings). Rendering is `render`'s job.
//!
//! Order: detect the builder per entry, parse entries with the dialect state, pair with
//! layers, detect the base, then apply the config's final values (`finals`).

use std::collections::BTreeMap;

use super::base::{self, BaseImage, EntryView};
use super::builder::{self, Builder, BuilderSummary, ImageHints};
use super::config::{HistoryEntry, ImageConfig, RuntimeConfig};
use super::descriptor::LayerDescriptor;
use super::finals;
use super::flag::{Flag, FlagCode};
use super::history::{self, Parsed, State};
use super::instruction::{CopyArgs, Instruction};
use super::pairing;
use super::warning::{Alignment, Warning};

/// What `recover` reads.
#[derive(Debug, Clone, Copy)]
pub struct RecoverInput<'a> {
    /// The parsed config.
    pub config: &'a ImageConfig,
    /// Manifest layers, oldest first; empty when the source had no manifest (raw config).
    pub layers: &'a [LayerDescriptor],
    /// Manifest annotations (base-name/base-digest are read from here).
    pub annotations: &'a BTreeMap<String, String>,
    /// Whether `layers` came from a manifest (false for a raw config).
    pub has_layers: bool,
}

/// One history entry and what it became.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    /// 0-based index in `history`.
    pub index: usize,
    /// The raw entry.
    pub entry: HistoryEntry,
    /// Who wrote it.
    pub builder: Builder,
    /// The recovered instruction; `None` for entries that are only a comment.
    pub instruction: Option<Instruction>,
    /// Notes for this line (`# dfimage: …`).
    pub flags: Vec<Flag>,
    /// 0-based index of the layer this entry owns.
    pub layer: Option<usize>,
    /// That layer's manifest descriptor, when the source had a manifest.
    pub descriptor: Option<LayerDescriptor>,
    /// That layer's `diff_id`.
    pub diff_id: Option<String>,
    /// Whether the entry belongs to the base image (rendered as a comment under FROM).
    pub in_base: bool,
    /// Build-arg values from a RUN `|N k=v` prefix (secret scans read these, L27).
    pub build_args: Vec<(String, String)>,
}

/// An instruction rebuilt from the config alone, appended after the last step.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Trailer {
    /// The instruction.
    pub instruction: Instruction,
    /// Why it is there.
    pub flags: Vec<Flag>,
}

/// A layer no history entry owns.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnpairedLayer {
    /// 0-based layer index.
    pub index: usize,
    /// Its descriptor, when known.
    pub descriptor: Option<LayerDescriptor>,
    /// Its `diff_id`, when known.
    pub diff_id: Option<String>,
}

/// Everything recovered from one image.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Recovery {
    /// One step per history entry, oldest first.
    pub steps: Vec<Step>,
    /// The FROM line.
    pub base: BaseImage,
    /// Which builders wrote the history.
    pub builders: BuilderSummary,
    /// Instructions only the config knows (final CMD without history, ONBUILD, …).
    pub trailing: Vec<Trailer>,
    /// Layers without an entry.
    pub unpaired_layers: Vec<UnpairedLayer>,
    /// Non-fatal problems.
    pub warnings: Vec<Warning>,
    /// `os/arch[/variant]` of the config.
    pub platform: String,
    /// The config's container defaults (for the `-v` header).
    pub runtime: RuntimeConfig,
}

/// Recovers the Dockerfile steps of one image.
pub fn recover(input: &RecoverInput<'_>) -> Recovery {
    recover_aligned(input, None)
}

/// [`recover`] with the alignment used when history and layers disagree in number (`None`:
/// the default, see [`pairing::pair`]); [`super::alignment`] scores the two.
pub fn recover_aligned(input: &RecoverInput<'_>, alignment: Option<Alignment>) -> Recovery {
    let config = input.config;
    let hints = ImageHints::of(config);
    let builders: Vec<Builder> = config
        .history
        .iter()
        .map(|e| builder::detect(e, hints))
        .collect();
    let mut state = State::new(config);
    let mut parsed: Vec<Parsed> = config
        .history
        .iter()
        .zip(&builders)
        .map(|(e, b)| history::parse_entry(e, *b, &mut state))
        .collect();
    if let Some(i) = config.history.iter().position(|e| !e.empty_layer)
        && let Some(text) = free_text(&config.history[i], builders[i])
    {
        parsed[i] = Parsed {
            flags: vec![Flag::with(FlagCode::FreeText, text)],
            ..Parsed::default()
        };
    }

    let mut warnings = Vec::new();
    let layer_count = if input.has_layers {
        input.layers.len()
    } else {
        config.diff_ids.len()
    };
    if input.has_layers
        && !config.diff_ids.is_empty()
        && config.diff_ids.len() != input.layers.len()
    {
        warnings.push(Warning::LayerCountMismatch {
            diff_ids: config.diff_ids.len(),
            manifest_layers: input.layers.len(),
        });
    }
    let pairing = match alignment {
        Some(a) => pairing::pair_aligned(&config.history, layer_count, a),
        None => pairing::pair(&config.history, layer_count, config.is_windows()),
    };
    warnings.extend(pairing.warnings.iter().cloned());

    let views: Vec<EntryView<'_>> = config
        .history
        .iter()
        .zip(&builders)
        .zip(&parsed)
        .map(|((entry, builder), p)| EntryView {
            entry,
            builder: *builder,
            instruction: p.instruction.as_ref(),
            owns_layer_copy: p.layer_copy.is_some(),
        })
        .collect();
    let base = base::detect(config, &views, input.annotations);

    let descriptor = |i: usize| input.layers.get(i).cloned();
    let diff_id = |i: usize| config.diff_ids.get(i).cloned();
    let mut steps: Vec<Step> = parsed
        .into_iter()
        .enumerate()
        .map(|(index, p)| {
            let layer = pairing.layer_of[index];
            let mut instruction = p.instruction;
            if let (None, Some(copy), Some(l)) = (&instruction, &p.layer_copy, layer) {
                let args = CopyArgs {
                    flags: Vec::new(),
                    sources: vec![format!("layer-{}/", l + 1)],
                    dest: copy.dest.clone(),
                };
                instruction = Some(if copy.add {
                    Instruction::Add(args)
                } else {
                    Instruction::Copy(args)
                });
            }
            Step {
                index,
                entry: config.history[index].clone(),
                builder: builders[index],
                instruction,
                flags: p.flags,
                layer,
                descriptor: layer.and_then(descriptor),
                diff_id: layer.and_then(diff_id),
                in_base: base.boundary.is_some_and(|b| index <= b),
                build_args: p.run_args,
            }
        })
        .collect();

    let unknown: Vec<usize> = steps
        .iter()
        .filter(|s| s.flags.iter().any(|f| f.code == FlagCode::UnknownEntry))
        .map(|s| s.index)
        .collect();
    if !unknown.is_empty() {
        warnings.push(Warning::UnknownEntries { entries: unknown });
    }
    let trailing = finals::apply(config, &mut steps);
    let unpaired_layers = pairing
        .unpaired_layers
        .iter()
        .map(|&index| UnpairedLayer {
            index,
            descriptor: descriptor(index),
            diff_id: diff_id(index),
        })
        .collect();

    Recovery {
        builders: BuilderSummary::of(builders.iter().copied()),
        steps,
        base,
        trailing,
        unpaired_layers,
        warnings,
        platform: config.platform(),
        runtime: config.runtime.clone(),
    }
}

/// The text of a first-layer entry that is free text: no shell prefix, no `#(nop)`, no
/// instruction keyword. Nothing existed to run before the first layer, so it is neither an
/// exec-form RUN nor a committed container command.
fn free_text(entry: &HistoryEntry, builder: Builder) -> Option<String> {
    if !matches!(
        builder,
        Builder::Classic | Builder::DockerCommit | Builder::Unknown
    ) {
        return None;
    }
    let text = entry.created_by.as_deref()?.trim();
    let first = text.split_whitespace().next()?;
    let shell = [
        "/bin/sh",
        "/bin/bash",
        "sh",
        "bash",
        "cmd",
        "powershell",
        "pwsh",
    ];
    let instruction = first.chars().all(|c| c.is_ascii_uppercase()) && first.len() > 1;
    let free = !text.contains("#(nop)")
        && !text.starts_with('|')
        && !text.ends_with(" # buildkit")
        && !shell.contains(&first)
        && !instruction;
    free.then(|| text.to_owned())
}

#[cfg(test)]
mod base_shapes;
#[cfg(test)]
mod robustness;
#[cfg(test)]
mod samples;
#[cfg(test)]
mod tests;
