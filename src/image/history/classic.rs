//! The classic Docker builder and buildah/podman: `<shell> #(nop) <instruction>` for metadata,
//! COPY and ADD; `[|N k=v …] <shell> <command>` for RUN (created-by-formats.md §3.1, §3.4).
//!
//! The prefix before `#(nop)` is whatever SHELL was current (any shell, Windows `cmd /S /C`,
//! powershell), never a literal `/bin/sh -c`. Classic metadata is Go-formatted; buildah keeps
//! the Dockerfile text verbatim and appends `|key=value` build options.

use super::payload::{self, Decoded};
use super::{Parsed, State, keyword_and_payload, run_command};
use crate::image::builder::is_buildah_suffix;
use crate::image::flag::{Flag, FlagCode};
use crate::image::instruction::Instruction;

const NOP: &str = "#(nop) ";

/// Parses one classic or buildah entry.
pub(super) fn parse(created_by: &str, buildah: bool, state: &mut State) -> Parsed {
    let (text, options) = if buildah {
        strip_options(created_by)
    } else {
        (created_by, Vec::new())
    };
    let mut parsed = match text.find(NOP) {
        Some(pos) => nop(&text[..pos], &text[pos + NOP.len()..], buildah, state),
        None => run_command(text, state, buildah),
    };
    if !options.is_empty() {
        parsed
            .flags
            .push(Flag::with(FlagCode::BuildOptions, options.join(" ")));
    }
    parsed
}

/// Drops trailing whitespace and buildah's `|inheritLabels=false`-style tokens.
fn strip_options(text: &str) -> (&str, Vec<String>) {
    let mut rest = text.trim_end();
    let mut options = Vec::new();
    while let Some((head, last)) = rest.rsplit_once(' ') {
        if !is_buildah_suffix(last) {
            break;
        }
        options.insert(0, last.to_owned());
        rest = head.trim_end();
    }
    (rest, options)
}

fn nop(shell: &str, after: &str, buildah: bool, state: &mut State) -> Parsed {
    let shell = shell.trim_end();
    // Every classic `#(nop)` entry carries the current SHELL; learn it for the RUNs that follow.
    // buildah always writes `/bin/sh -c`, so learning from it changes nothing.
    if !shell.is_empty() {
        state.shell = shell.to_owned();
    }
    let instruction_text = after.trim_start();
    let (keyword, payload) = keyword_and_payload(instruction_text);
    let decoded = if buildah {
        match keyword.as_str() {
            "ARG" => buildah_arg(payload, state),
            "COPY" | "ADD" => payload::copy(&keyword, strip_link(payload).0).flag_if(
                strip_link(payload).1,
                Flag::with(FlagCode::BuildOptions, "--link"),
            ),
            _ => payload::dockerfile_text(&keyword, payload),
        }
    } else {
        let payload = if matches!(keyword.as_str(), "COPY" | "ADD") {
            payload
        } else {
            payload.trim_end()
        };
        let d = payload::go_metadata(&keyword, payload, state.known());
        if let Some(Instruction::Shell(argv)) = &d.instruction {
            state.set_shell(argv);
        }
        d
    };
    Parsed::from_decoded(decoded)
}

fn strip_link(payload: &str) -> (&str, bool) {
    match payload.strip_prefix("--link ") {
        Some(rest) => (rest, true),
        None => (payload, false),
    }
}

impl Decoded {
    fn flag_if(self, cond: bool, f: Flag) -> Self {
        if cond { self.flag(f) } else { self }
    }
}

/// buildah writes the accumulated list of ARG names (`ARG A`, then `ARG A B`): emit the new ones.
fn buildah_arg(payload: &str, state: &mut State) -> Decoded {
    let names: Vec<String> = payload.split_whitespace().map(str::to_owned).collect();
    let mut new: Vec<(String, Option<String>)> = names
        .iter()
        .filter(|n| !state.buildah_args.contains(n))
        .map(|n| match n.split_once('=') {
            Some((k, v)) => (k.to_owned(), Some(v.to_owned())),
            None => (n.clone(), None),
        })
        .collect();
    if new.is_empty()
        && let Some(last) = names.last()
    {
        new.push((last.clone(), None));
    }
    state.buildah_args = names;
    Decoded::of(Instruction::Arg(new))
}
