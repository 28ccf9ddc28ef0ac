//! Notes that depend on several steps: ARG values seen in later RUN `|N` prefixes (L9),
//! the once-per-image BuildKit notes (L6, L7) and one layer for several steps (L20, P6).

use super::builder::Builder;
use super::flag::{Flag, FlagCode};
use super::instruction::Instruction;
use super::recover::Step;

/// ARG values: what later RUN `|N` prefixes saw (created-by-formats.md L9).
pub(crate) fn arg_evidence(steps: &mut [Step]) {
    let run_args: Vec<Vec<(String, String)>> = steps.iter().map(|s| s.build_args.clone()).collect();
    for i in 0..steps.len() {
        if steps[i].in_base {
            continue;
        }
        let buildkit = steps[i].builder == Builder::Buildkit;
        let Some(Instruction::Arg(args)) = &mut steps[i].instruction else {
            continue;
        };
        let mut details = Vec::new();
        let mut from_history = false;
        for (name, value) in args.iter_mut() {
            let seen = run_args[i + 1..]
                .iter()
                .flatten()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone());
            match (value.as_ref(), seen) {
                (None, Some(v)) => {
                    details.push(format!("{name}={v}"));
                    *value = Some(v);
                }
                (Some(v), Some(s)) if *v != s => details.push(format!(
                    "later RUN steps saw {name}={s}, a --build-arg override"
                )),
                (Some(_), None) if buildkit => from_history = true,
                _ => {}
            }
        }
        if !details.is_empty() {
            steps[i].flags.push(Flag::with(
                FlagCode::ArgValueFromRunPrefix,
                details.join("; "),
            ));
        }
        if from_history {
            steps[i]
                .flags
                .push(Flag::new(FlagCode::ArgValueFromHistory));
        }
    }
}

/// BuildKit drops COPY and RUN flags: say so once, at the first such step of the build.
pub(crate) fn once_notes(steps: &mut [Step]) {
    let first = |steps: &[Step], kinds: &[&str]| {
        steps.iter().position(|s| {
            !s.in_base
                && s.builder == Builder::Buildkit
                && s.instruction
                    .as_ref()
                    .is_some_and(|i| kinds.contains(&i.keyword()))
        })
    };
    if let Some(i) = first(steps, &["COPY", "ADD"]) {
        steps[i]
            .flags
            .push(Flag::new(FlagCode::CopyFlagsNotRecorded));
    }
    if let Some(i) = first(steps, &["RUN"]) {
        steps[i]
            .flags
            .push(Flag::new(FlagCode::RunFlagsNotRecorded));
    }
}

/// One layer for several steps (buildah default builds, squash): mark the owning step.
pub(crate) fn one_layer_notes(steps: &mut [Step]) {
    let mut pending = 0;
    for s in steps.iter_mut() {
        let makes_files = s
            .instruction
            .as_ref()
            .is_some_and(|i| matches!(i.keyword(), "COPY" | "ADD" | "RUN"));
        if s.entry.empty_layer {
            if makes_files {
                pending += 1;
            }
            continue;
        }
        if pending > 0
            && (!makes_files || s.builder == Builder::DockerSquash || s.builder == Builder::Buildah)
        {
            s.flags.push(Flag::with(
                FlagCode::OneLayerForSteps,
                format!("{} earlier steps", pending),
            ));
        }
        pending = 0;
    }
}
