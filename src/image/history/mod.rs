//! `created_by` (and `comment`/`author`) → an instruction, one function per dialect
//! (created-by-formats.md §3–§4). The walk over the history keeps a little state: the current
//! SHELL prefix and the ARG names declared so far.
//!
//! Pure. Does not pair layers, choose a base or apply final config values (`recover` does).

mod argprefix;
mod buildkit;
mod classic;
mod other;
mod payload;

use std::collections::HashSet;

use crate::image::builder::Builder;
use crate::image::config::{HistoryEntry, ImageConfig};
use crate::image::flag::{Flag, FlagCode};
use crate::image::instruction::{CommandForm, Instruction};

pub(crate) use payload::{KEYWORDS, KnownKeys, command_form};

/// What one entry became.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Parsed {
    /// The instruction, or `None` for entries that are only a comment (LLB file ops, commits).
    pub instruction: Option<Instruction>,
    /// Notes for this line.
    pub flags: Vec<Flag>,
    /// Build-arg values from a RUN `|N` prefix.
    pub run_args: Vec<(String, String)>,
    /// For layer-owning entries without an instruction (Jib, ko, nix, …): where an equivalent
    /// `COPY layer-N/ <dest>` would put the files; `recover` fills in N after pairing.
    pub layer_copy: Option<LayerCopy>,
}

/// An equivalent COPY/ADD for a layer that has no Dockerfile instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LayerCopy {
    /// `ADD` for imported tarballs, else `COPY`.
    pub add: bool,
    /// Destination directory.
    pub dest: String,
}

impl Parsed {
    fn from_decoded(d: payload::Decoded) -> Self {
        Self {
            instruction: d.instruction,
            flags: d.flags,
            ..Self::default()
        }
    }
}

/// State carried from entry to entry while walking one image's history.
#[derive(Debug, Clone)]
pub(crate) struct State {
    /// The current SHELL prefix text (`/bin/sh -c`, `cmd /S /C`, or what a SHELL set).
    shell: String,
    default_shell: String,
    config_shell: Option<String>,
    /// ARG names declared so far, in order.
    args: Vec<String>,
    /// buildah records the accumulated ARG name list; the previous one.
    buildah_args: Vec<String>,
    env_keys: HashSet<String>,
    label_keys: HashSet<String>,
}

impl State {
    /// The starting state for `config` (default shell by OS; config keys for splitting).
    pub(crate) fn new(config: &ImageConfig) -> Self {
        let default_shell = if config.is_windows() {
            "cmd /S /C"
        } else {
            "/bin/sh -c"
        }
        .to_owned();
        Self {
            shell: default_shell.clone(),
            default_shell,
            config_shell: config.runtime.shell.as_ref().map(|s| s.join(" ")),
            args: Vec::new(),
            buildah_args: Vec::new(),
            env_keys: config
                .runtime
                .env
                .iter()
                .map(|kv| kv.split('=').next().unwrap_or("").to_owned())
                .collect(),
            label_keys: config.runtime.labels.keys().cloned().collect(),
        }
    }

    fn known(&self) -> KnownKeys<'_> {
        KnownKeys {
            env: &self.env_keys,
            labels: &self.label_keys,
        }
    }

    /// Shell prefixes a RUN may start with, most likely first.
    fn shells(&self) -> Vec<String> {
        let mut out = vec![self.shell.clone()];
        for s in [
            self.config_shell.clone(),
            Some(self.default_shell.clone()),
            Some("/bin/sh -c".to_owned()),
        ]
        .into_iter()
        .flatten()
        {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        out
    }

    fn note_args(&mut self, instruction: Option<&Instruction>) {
        if let Some(Instruction::Arg(args)) = instruction {
            for (name, _) in args {
                if !self.args.contains(name) {
                    self.args.push(name.clone());
                }
            }
        }
    }

    fn set_shell(&mut self, argv: &[String]) {
        if !argv.is_empty() {
            self.shell = argv.join(" ");
        }
    }
}

/// Parses one entry written by `builder`, updating `state`.
pub(crate) fn parse_entry(entry: &HistoryEntry, builder: Builder, state: &mut State) -> Parsed {
    let created_by = entry.created_by.as_deref().unwrap_or("");
    let parsed = match builder {
        Builder::Buildkit => buildkit::parse(created_by, state),
        Builder::Kaniko => buildkit::parse_text(created_by, state),
        Builder::Classic | Builder::Buildah => {
            classic::parse(created_by, builder == Builder::Buildah, state)
        }
        Builder::Bazel if created_by.contains("#(nop)") => classic::parse(created_by, false, state),
        Builder::Unknown if looks_like_instruction(created_by) => {
            buildkit::parse(created_by, state)
        }
        _ => other::parse(entry, builder),
    };
    state.note_args(parsed.instruction.as_ref());
    parsed
}

fn looks_like_instruction(text: &str) -> bool {
    text.split_once(' ')
        .is_some_and(|(k, _)| KEYWORDS.contains(&k))
}

/// Splits `KEYWORD payload` (keyword upper-cased; buildah keeps the user's case).
fn keyword_and_payload(text: &str) -> (String, &str) {
    let (k, p) = text.split_once(' ').unwrap_or((text, ""));
    (k.to_ascii_uppercase(), p)
}

/// A RUN command after any `|N` prefix and the shell prefix: shell form when a known shell
/// prefix is there, exec form (boundaries guessed) otherwise.
fn run_command(text: &str, state: &State, json_exec: bool) -> Parsed {
    let mut parsed = Parsed::default();
    let mut rest = text;
    if let Some(prefix) = argprefix::strip(text, &state.args, &state.shells()) {
        if prefix.ambiguous {
            let raw = &text[..text.len() - prefix.rest.len()];
            parsed
                .flags
                .push(Flag::with(FlagCode::ArgPrefixAmbiguous, raw.trim_end()));
        }
        parsed.run_args = prefix.pairs;
        rest = prefix.rest;
    }
    let form = state.shells().iter().find_map(|shell| {
        if rest == shell {
            Some(String::new())
        } else {
            rest.strip_prefix(shell.as_str())
                .and_then(|r| r.strip_prefix(' '))
                .map(str::to_owned)
        }
    });
    let form = match form {
        Some(cmd) if json_exec && cmd.trim_start().starts_with('[') => command_form(&cmd),
        Some(cmd) => CommandForm::Shell(cmd),
        None => {
            parsed.flags.push(Flag::with(
                FlagCode::ArgvBoundariesGuessed,
                "exec-form RUN (or docker commit)",
            ));
            CommandForm::Exec(rest.split_whitespace().map(str::to_owned).collect())
        }
    };
    if let CommandForm::Shell(cmd) = &form {
        if cmd.starts_with("/dev/pipes/") {
            parsed
                .flags
                .push(Flag::new(FlagCode::HeredocBodyNotRecorded));
        } else if cmd.contains('\n') {
            parsed.flags.push(Flag::new(FlagCode::Heredoc));
        }
    }
    parsed.instruction = Some(Instruction::Run(form));
    parsed
}

#[cfg(test)]
mod tests;
