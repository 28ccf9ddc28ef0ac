//! Applies what only the config knows to the parsed steps (created-by-formats.md §4 step 4,
//! §5): final CMD/ENTRYPOINT as exec arrays, HEALTHCHECK with options, SHELL with exact
//! argument boundaries, ENV/LABEL values, USER/WORKDIR/STOPSIGNAL, EXPOSE/VOLUME the history
//! lost, ONBUILD; after the cross-step notes of `notes.rs`.
//!
//! History keeps the order and intermediate values; the config wins for the final state.

use super::builder::Builder;
use super::config::ImageConfig;
use super::flag::{Flag, FlagCode};
use super::instruction::{CommandForm, Health, Instruction};
use super::notes;
use super::recover::{Step, Trailer};

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Labels builders add on their own.
const AUTO_LABELS: [&str; 1] = ["io.buildah.version"];

/// Mutates `steps` in place and returns the instructions only the config knows.
pub(crate) fn apply(config: &ImageConfig, steps: &mut [Step]) -> Vec<Trailer> {
    notes::arg_evidence(steps);
    notes::once_notes(steps);
    notes::one_layer_notes(steps);
    let origin = if steps.iter().any(|s| s.builder == Builder::Kaniko) {
        FlagCode::KanikoMetadata
    } else {
        FlagCode::FromConfig
    };
    let mut out = Vec::new();
    let mut push = |instruction: Instruction, code: FlagCode| {
        out.push(Trailer {
            instruction,
            flags: vec![Flag::new(code)],
        })
    };
    let rt = &config.runtime;
    let shell = rt.shell.clone().unwrap_or_else(|| {
        let s: &[&str] = if config.is_windows() {
            &["cmd", "/S", "/C"]
        } else {
            &["/bin/sh", "-c"]
        };
        s.iter().map(|x| (*x).to_owned()).collect()
    });

    if let Some(shell_cfg) = &rt.shell {
        match last(steps, "SHELL") {
            Some(i) => replace_if_structured(&mut steps[i], Instruction::Shell(shell_cfg.clone())),
            None => push(Instruction::Shell(shell_cfg.clone()), origin),
        }
    }
    for (keyword, value) in [("ENTRYPOINT", &rt.entrypoint), ("CMD", &rt.cmd)] {
        let Some(argv) = value.as_ref().filter(|v| !v.is_empty()) else {
            continue;
        };
        let make = |f: CommandForm| {
            if keyword == "CMD" {
                Instruction::Cmd(f)
            } else {
                Instruction::Entrypoint(f)
            }
        };
        match last(steps, keyword) {
            Some(i) if steps[i].in_base && !same_command(&steps[i].instruction, argv, &shell) => {
                push(make(CommandForm::Exec(argv.clone())), origin);
            }
            Some(i) if !same_command(&steps[i].instruction, argv, &shell) => {
                replace_if_structured(&mut steps[i], make(CommandForm::Exec(argv.clone())));
            }
            Some(_) => {}
            None => push(make(CommandForm::Exec(argv.clone())), origin),
        }
    }
    if let Some(h) = rt
        .healthcheck
        .as_ref()
        .filter(|h| h.test.as_ref().is_some_and(|t| !t.is_empty()))
    {
        let health = Instruction::Healthcheck(Health::from_config(h));
        match last(steps, "HEALTHCHECK") {
            Some(i) if steps[i].in_base && steps[i].instruction.as_ref() != Some(&health) => {
                push(health, origin)
            }
            Some(i) => {
                if matches!(steps[i].instruction, Some(Instruction::Healthcheck(_))) {
                    steps[i]
                        .flags
                        .retain(|f| f.code != FlagCode::ArgvBoundariesGuessed);
                }
                replace_if_structured(&mut steps[i], health);
            }
            None => push(health, origin),
        }
    }
    let scalars = [
        (
            "USER",
            rt.user.as_deref().filter(|u| !u.is_empty()),
            Instruction::User as fn(String) -> Instruction,
        ),
        (
            "WORKDIR",
            rt.working_dir
                .as_deref()
                .filter(|w| !w.is_empty() && *w != "/"),
            Instruction::Workdir,
        ),
        (
            "STOPSIGNAL",
            rt.stop_signal.as_deref().filter(|s| !s.is_empty()),
            Instruction::Stopsignal,
        ),
    ];
    for (keyword, value, make) in scalars {
        let Some(v) = value else { continue };
        let wanted = make(v.to_owned());
        match last(steps, keyword) {
            Some(i) if steps[i].instruction.as_ref() == Some(&wanted) => {}
            Some(i) if !steps[i].in_base => replace_if_structured(&mut steps[i], wanted),
            _ => push(wanted, origin),
        }
    }
    let env: Vec<(String, String)> = rt
        .env
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map_or((kv.clone(), String::new()), |(k, v)| {
                    (k.to_owned(), v.to_owned())
                })
        })
        .collect();
    let missing = final_pairs(steps, "ENV", &env);
    let missing: Vec<_> = missing
        .into_iter()
        .filter(|(k, v)| !(k == "PATH" && v == DEFAULT_PATH))
        .collect();
    if !missing.is_empty() {
        push(Instruction::Env(missing), origin);
    }
    let labels: Vec<(String, String)> = rt
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let missing: Vec<_> = final_pairs(steps, "LABEL", &labels)
        .into_iter()
        .filter(|(k, _)| !AUTO_LABELS.contains(&k.as_str()))
        .collect();
    if !missing.is_empty() {
        push(Instruction::Label(missing), origin);
    }
    let ports = missing_ports(steps, &rt.exposed_ports);
    if !ports.is_empty() {
        push(Instruction::Expose(ports), origin);
    }
    let volumes = missing_volumes(steps, &rt.volumes);
    if !volumes.is_empty() {
        push(Instruction::Volume(volumes), origin);
    }
    for trigger in &rt.on_build {
        let recorded = steps.iter().any(|s| match &s.instruction {
            Some(Instruction::Onbuild(t)) => t == trigger,
            Some(Instruction::Verbatim { keyword, text }) => {
                keyword == "ONBUILD" && text == trigger
            }
            _ => false,
        });
        if !recorded {
            push(
                Instruction::Onbuild(trigger.clone()),
                FlagCode::OnbuildFromConfig,
            );
        }
    }
    out
}

/// Index of the last step whose instruction has `keyword`.
fn last(steps: &[Step], keyword: &str) -> Option<usize> {
    steps.iter().rposition(|s| {
        s.instruction
            .as_ref()
            .is_some_and(|i| i.keyword() == keyword)
    })
}

/// Replaces a decoded instruction with the config's value; buildah's verbatim text is exact
/// already and stays.
fn replace_if_structured(step: &mut Step, wanted: Instruction) {
    if matches!(step.instruction, Some(Instruction::Verbatim { .. }))
        || step.instruction.as_ref() == Some(&wanted)
    {
        return;
    }
    step.instruction = Some(wanted);
    step.flags.push(Flag::new(FlagCode::QuotingFromConfig));
}

fn same_command(i: &Option<Instruction>, argv: &[String], shell: &[String]) -> bool {
    let form = match i {
        Some(Instruction::Cmd(f) | Instruction::Entrypoint(f)) => f,
        Some(Instruction::Verbatim { .. }) => return true,
        _ => return false,
    };
    match form {
        CommandForm::Exec(v) => v == argv,
        CommandForm::Shell(s) => {
            argv.len() == shell.len() + 1
                && argv[..shell.len()] == *shell
                && argv[shell.len()] == *s
        }
    }
}

/// Gives the last setter of each key the config's value; returns config pairs no step sets.
fn final_pairs(
    steps: &mut [Step],
    keyword: &str,
    config: &[(String, String)],
) -> Vec<(String, String)> {
    let mut missing = Vec::new();
    // The last step setting each key, found in one pass (configs may hold many keys).
    let mut last_setter: std::collections::HashMap<String, (usize, usize)> =
        std::collections::HashMap::new();
    let mut verbatim = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        match &s.instruction {
            Some(ins @ (Instruction::Env(p) | Instruction::Label(p)))
                if ins.keyword() == keyword =>
            {
                for (j, (k, _)) in p.iter().enumerate() {
                    last_setter.insert(k.clone(), (i, j));
                }
            }
            Some(Instruction::Verbatim { keyword: k, text }) if k == keyword => {
                verbatim.push((i, text.as_str()))
            }
            _ => {}
        }
    }
    // (step, pair) of the last setter; a verbatim (buildah) step counts without a pair.
    let setters: Vec<Option<(usize, Option<usize>)>> = config
        .iter()
        .map(|(key, _)| {
            let v = verbatim
                .iter()
                .rev()
                .find(|(_, t)| t.contains(key.as_str()))
                .map(|(i, _)| (*i, None));
            let s = last_setter.get(key).map(|&(i, j)| (i, Some(j)));
            match (s, v) {
                (Some(s), Some(v)) => Some(if v.0 > s.0 { v } else { s }),
                (s, v) => s.or(v),
            }
        })
        .collect();
    for ((key, value), setter) in config.iter().zip(setters) {
        let Some((i, j)) = setter else {
            missing.push((key.clone(), value.clone()));
            continue;
        };
        let in_base = steps[i].in_base;
        if let Some(Instruction::Env(pairs) | Instruction::Label(pairs)) = &mut steps[i].instruction
            && let Some(pair) = j.and_then(|j| pairs.get_mut(j))
            && pair.1 != *value
        {
            if in_base {
                // Changed after the base without a history entry (a rebase, `--change`).
                missing.push((key.clone(), value.clone()));
            } else {
                pair.1 = value.clone();
                steps[i]
                    .flags
                    .push(Flag::with(FlagCode::QuotingFromConfig, key.clone()));
            }
        }
    }
    missing
}

fn norm_port(p: &str) -> String {
    if p.contains('/') {
        p.to_owned()
    } else {
        format!("{p}/tcp")
    }
}

fn missing_ports(steps: &mut [Step], config: &[String]) -> Vec<String> {
    let recorded: Vec<String> = steps
        .iter()
        .filter_map(|s| match &s.instruction {
            Some(Instruction::Expose(p)) => {
                Some(p.iter().map(|x| norm_port(x)).collect::<Vec<_>>())
            }
            Some(Instruction::Verbatim { keyword, text }) if keyword == "EXPOSE" => {
                Some(text.split_whitespace().map(norm_port).collect())
            }
            _ => None,
        })
        .flatten()
        .collect();
    let missing: Vec<String> = config
        .iter()
        .filter(|p| !recorded.contains(&norm_port(p)))
        .cloned()
        .collect();
    // An undecodable EXPOSE entry (dockerfile 1.18) gets the ports nobody else declared.
    let undecoded = steps.iter_mut().rev().find(|s| {
        s.flags.iter().any(|f| f.code == FlagCode::ExposeFromConfig)
            && matches!(&s.instruction, Some(Instruction::Expose(p)) if p.is_empty())
    });
    match undecoded {
        Some(step) if !missing.is_empty() => {
            step.instruction = Some(Instruction::Expose(missing));
            Vec::new()
        }
        _ => missing,
    }
}

fn missing_volumes(steps: &mut [Step], config: &[String]) -> Vec<String> {
    for s in steps.iter_mut() {
        if let Some(Instruction::Volume(v)) = &mut s.instruction {
            // `%v` lost the boundaries: `[/a b]` may be the one volume "/a b".
            let joined = v.join(" ");
            if v.len() > 1 && !v.iter().all(|x| config.contains(x)) && config.contains(&joined) {
                *v = vec![joined];
                s.flags.push(Flag::new(FlagCode::QuotingFromConfig));
            }
        }
    }
    let recorded: Vec<String> = steps
        .iter()
        .filter_map(|s| match &s.instruction {
            Some(Instruction::Volume(v)) => Some(v.clone()),
            Some(Instruction::Verbatim { keyword, text }) if keyword == "VOLUME" => Some(
                config
                    .iter()
                    .filter(|c| text.contains(c.as_str()))
                    .cloned()
                    .collect(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    config
        .iter()
        .filter(|v| !recorded.contains(v))
        .cloned()
        .collect()
}
