//! Decodes the argument text of one instruction into an [`Instruction`], for the two ways
//! builders record it: Go-formatted (classic `#(nop)  `, BuildKit) and Dockerfile text
//! (buildah metadata, kaniko). Also COPY/ADD argument shapes (content hash or names).
//!
//! Pure; no builder state. Final values from the config are applied later by `recover`.

use std::collections::HashSet;

use crate::image::flag::{Flag, FlagCode};
use crate::image::gofmt;
use crate::image::instruction::{CommandForm, CopyArgs, Health, Instruction, is_source_hash};

/// An instruction (or none) plus the notes its decoding produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub instruction: Option<Instruction>,
    pub flags: Vec<Flag>,
}

impl Decoded {
    pub(crate) fn of(i: Instruction) -> Self {
        Self {
            instruction: Some(i),
            flags: Vec::new(),
        }
    }
    pub(crate) fn flag(mut self, f: Flag) -> Self {
        self.flags.push(f);
        self
    }
}

/// Keys the config knows, to split unquoted `k=v k2=v w` text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KnownKeys<'a> {
    pub env: &'a HashSet<String>,
    pub labels: &'a HashSet<String>,
}

fn is_key(s: &str, label: bool) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && chars.all(|c| {
            c.is_ascii_alphanumeric() || c == '_' || (label && matches!(c, '.' | '-' | '/'))
        })
        && (label || !s.starts_with(|c: char| c.is_ascii_digit()))
}

/// Splits `A=1 B=x y` into pairs. When the first key is known, only known keys start a pair.
pub(crate) fn split_kv(text: &str, known: &HashSet<String>, label: bool) -> Vec<(String, String)> {
    let key_of = |s: &str| {
        s.split_once('=')
            .map(|(k, _)| k.to_owned())
            .filter(|k| is_key(k, label))
    };
    let restrict = key_of(text).is_some_and(|k| known.contains(&k));
    let starts = |s: &str| key_of(s).is_some_and(|k| !restrict || known.contains(&k));
    let mut cuts = vec![0];
    for (i, _) in text.match_indices(' ') {
        if starts(&text[i + 1..]) {
            cuts.push(i + 1);
        }
    }
    cuts.push(text.len() + 1);
    cuts.windows(2)
        .map(|w| {
            let seg = &text[w[0]..w[1] - 1];
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (k.to_owned(), v.to_owned())
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// `ARG a`, `ARG a=1 b=x y`.
pub(crate) fn split_args(text: &str) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    for token in text.split(' ') {
        let (name, value) = match token.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (token, None),
        };
        let new_arg =
            is_key(name, false) && (value.is_some() || out.last().is_none_or(|(_, v)| v.is_none()));
        match out.last_mut() {
            Some((_, Some(v))) if !new_arg => {
                v.push(' ');
                v.push_str(token);
            }
            _ if token.is_empty() => {}
            _ => out.push((name.to_owned(), value.map(str::to_owned))),
        }
    }
    out
}

fn json_list(text: &str) -> Option<Vec<String>> {
    let t = text.trim();
    if !t.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

/// Exec form from JSON or Go `%q`, else shell form.
pub(crate) fn command_form(text: &str) -> CommandForm {
    json_list(text)
        .or_else(|| gofmt::parse_quoted_list(text))
        .map_or_else(|| CommandForm::Shell(text.to_owned()), CommandForm::Exec)
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// Decodes a Go-formatted payload (classic metadata after `#(nop)  `, BuildKit entries).
pub(crate) fn go_metadata(keyword: &str, payload: &str, known: KnownKeys<'_>) -> Decoded {
    let i = match keyword {
        "ENV" => Instruction::Env(split_kv(payload, known.env, false)),
        "LABEL" => Instruction::Label(split_kv(payload, known.labels, true)),
        "ARG" => Instruction::Arg(split_args(payload)),
        "CMD" => Instruction::Cmd(command_form(payload)),
        "ENTRYPOINT" => Instruction::Entrypoint(command_form(payload)),
        "EXPOSE" => {
            let ports = gofmt::parse_map_keys(payload)
                .or_else(|| gofmt::parse_plain_list(payload))
                .or_else(|| (!payload.contains(['{', '&', '['])).then(|| words(payload)));
            return match ports {
                Some(p) => Decoded::of(Instruction::Expose(p)),
                None => Decoded::of(Instruction::Expose(Vec::new())).flag(Flag::with(
                    FlagCode::ExposeFromConfig,
                    format!("recorded as {payload:?}"),
                )),
            };
        }
        "VOLUME" => Instruction::Volume(
            json_list(payload)
                .or_else(|| gofmt::parse_plain_list(payload))
                .unwrap_or_else(|| words(payload)),
        ),
        "SHELL" => Instruction::Shell(
            json_list(payload)
                .or_else(|| gofmt::parse_plain_list(payload))
                .unwrap_or_else(|| words(payload)),
        ),
        "HEALTHCHECK" => return healthcheck(payload),
        "USER" => Instruction::User(payload.to_owned()),
        "WORKDIR" => Instruction::Workdir(payload.to_owned()),
        "STOPSIGNAL" => Instruction::Stopsignal(payload.to_owned()),
        "MAINTAINER" => Instruction::Maintainer(payload.to_owned()),
        "ONBUILD" => Instruction::Onbuild(payload.to_owned()),
        "COPY" | "ADD" => return copy(keyword, payload),
        "RUN" => Instruction::Run(command_form(payload)),
        _ => return unknown(keyword, payload),
    };
    Decoded::of(i)
}

fn healthcheck(payload: &str) -> Decoded {
    if payload.trim() == "NONE" {
        return Decoded::of(Instruction::Healthcheck(Health {
            test: vec!["NONE".into()],
            ..Health::default()
        }));
    }
    match gofmt::parse_health_dump(payload) {
        Some(d) => {
            let decoded = Decoded::of(Instruction::Healthcheck(Health {
                test: d.test,
                interval: d.interval,
                timeout: d.timeout,
                start_period: d.start_period,
                start_interval: d.start_interval,
                retries: d.retries,
            }));
            if d.exact {
                decoded
            } else {
                decoded.flag(Flag::new(FlagCode::ArgvBoundariesGuessed))
            }
        }
        None => Decoded::of(Instruction::Verbatim {
            keyword: "HEALTHCHECK".into(),
            text: payload.to_owned(),
        }),
    }
}

/// Decodes Dockerfile text as written (buildah metadata, kaniko): kept verbatim except the
/// forms we can structure without loss.
pub(crate) fn dockerfile_text(keyword: &str, payload: &str) -> Decoded {
    match keyword {
        "RUN" => Decoded::of(Instruction::Run(text_form(payload))),
        "CMD" if json_list(payload).is_some() => Decoded::of(Instruction::Cmd(text_form(payload))),
        "ENTRYPOINT" if json_list(payload).is_some() => {
            Decoded::of(Instruction::Entrypoint(text_form(payload)))
        }
        "COPY" | "ADD" => copy(keyword, payload),
        k if KEYWORDS.contains(&k) => Decoded::of(Instruction::Verbatim {
            keyword: k.to_owned(),
            text: payload.to_owned(),
        }),
        _ => unknown(keyword, payload),
    }
}

/// Instruction keywords a history entry can carry (FROM never appears).
pub(crate) const KEYWORDS: [&str; 17] = [
    "RUN",
    "COPY",
    "ADD",
    "ENV",
    "LABEL",
    "ARG",
    "EXPOSE",
    "VOLUME",
    "USER",
    "WORKDIR",
    "STOPSIGNAL",
    "MAINTAINER",
    "CMD",
    "ENTRYPOINT",
    "SHELL",
    "HEALTHCHECK",
    "ONBUILD",
];

/// Not an instruction we know: keep the raw text as a note, never as a made-up instruction.
fn unknown(keyword: &str, payload: &str) -> Decoded {
    let raw = if payload.is_empty() {
        keyword.to_owned()
    } else {
        format!("{keyword} {payload}")
    };
    Decoded::default().flag(Flag::with(FlagCode::UnknownEntry, raw))
}

fn text_form(payload: &str) -> CommandForm {
    json_list(payload).map_or_else(|| CommandForm::Shell(payload.to_owned()), CommandForm::Exec)
}

const HASH_WORDS: [&str; 4] = ["file:", "dir:", "multi:", "tarsum"];

/// COPY/ADD arguments: the classic/buildah `[flags] <hash> in <dest>` shape, else names.
pub(crate) fn copy(keyword: &str, payload: &str) -> Decoded {
    let args = hash_copy(payload).unwrap_or_else(|| named_copy(payload));
    // `COPY <<EOF /x`: the body is not recorded (only the file in the layer), and a heredoc
    // marker without its body would swallow the following lines.
    if args.sources.iter().any(|s| s.starts_with("<<")) {
        return Decoded::default().flag(Flag::with(
            FlagCode::HeredocBodyNotRecorded,
            format!("{keyword} {payload}"),
        ));
    }
    let hashed = args.sources_are_hash();
    let from_elsewhere = !args.flags.iter().any(|f| f.starts_with("--from"))
        && args.sources.iter().any(|s| s.starts_with('/'));
    let i = if keyword == "ADD" {
        Instruction::Add(args)
    } else {
        Instruction::Copy(args)
    };
    let d = Decoded::of(i);
    if hashed {
        d.flag(Flag::new(FlagCode::CopySourcesFromLayer))
    } else if from_elsewhere {
        d.flag(Flag::with(
            FlagCode::CopySourceUnknown,
            "an absolute source path suggests COPY --from=<stage or image>",
        ))
    } else {
        d
    }
}

fn hash_copy(payload: &str) -> Option<CopyArgs> {
    let tokens: Vec<&str> = payload.trim_end().split(' ').collect();
    let mut flags = Vec::new();
    let mut idx = 0;
    let mut source = None;
    while let Some(flag) = tokens.get(idx).and_then(|t| t.strip_prefix("--")) {
        idx += 1;
        // Before Docker 25 `--chown=X` is glued to the hash: `--chown=101:101file:<hex>`.
        if let Some(pos) = HASH_WORDS
            .iter()
            .filter_map(|w| flag.find(w))
            .filter(|p| *p > 0)
            .min()
        {
            flags.push(format!("--{}", &flag[..pos]));
            source = Some(flag[pos..].to_owned());
            break;
        }
        flags.push(format!("--{flag}"));
    }
    let source = match source {
        Some(s) => s,
        None => {
            idx += 1;
            (*tokens.get(idx - 1)?).to_owned()
        }
    };
    if !is_source_hash(&source) || tokens.get(idx) != Some(&"in") {
        return None;
    }
    let dest = tokens[idx + 1..].join(" ");
    Some(CopyArgs {
        flags,
        sources: vec![source],
        dest,
    })
}

fn named_copy(payload: &str) -> CopyArgs {
    if let Some(mut list) = json_list(payload).filter(|l| l.len() >= 2) {
        let dest = list.pop().unwrap_or_default();
        return CopyArgs {
            flags: Vec::new(),
            sources: list,
            dest,
        };
    }
    let mut tokens: Vec<String> = words(payload);
    let flag_count = tokens.iter().take_while(|t| t.starts_with("--")).count();
    let flags: Vec<String> = tokens.drain(..flag_count).collect();
    let dest = tokens.pop().unwrap_or_default();
    CopyArgs {
        flags,
        sources: tokens,
        dest,
    }
}

#[cfg(test)]
mod tests;
