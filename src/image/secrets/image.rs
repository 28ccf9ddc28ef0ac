//! Secret scan over a recovered image: every history step's instruction (ENV, ARG, LABEL,
//! RUN and its `|N k=v` build args, CMD, ENTRYPOINT, HEALTHCHECK, ONBUILD, ADD/COPY
//! sources) and the config's final runtime settings. Pure: values in, findings out.
//!
//! A config value that a history step already showed with the same finding is not repeated.

use super::content::{self, ValueStyle};
use super::finding::{HistoryField, Location, SecretFinding, SecretValue, mask};
use super::history::{scan_arg, scan_env, scan_label, scan_run};
use crate::image::config::RuntimeConfig;
use crate::image::instruction::{CommandForm, Instruction};
use crate::image::recover::Step;

/// Scans the recovered steps and the final config.
pub fn scan_image(steps: &[Step], runtime: &RuntimeConfig) -> Vec<SecretFinding> {
    let mut findings: Vec<SecretFinding> = steps.iter().flat_map(scan_step).collect();
    for finding in scan_runtime(runtime) {
        let Location::Config { field } = &finding.location else {
            continue;
        };
        let shown = findings.iter().any(|f| {
            matches!(&f.location, Location::History { field: h, .. } if h == field)
                && f.rule == finding.rule
                && f.masked == finding.masked
        });
        if !shown {
            findings.push(finding);
        }
    }
    findings
}

/// Scans one history step.
pub fn scan_step(step: &Step) -> Vec<SecretFinding> {
    let i = step.index;
    let mut out: Vec<SecretFinding> = step
        .build_args
        .iter()
        .flat_map(|(k, v)| scan_arg(i, k, Some(v)))
        .collect();
    let Some(instruction) = &step.instruction else {
        // Not understood: scan the raw text so nothing escapes the scan.
        if let Some(text) = &step.entry.created_by {
            out.extend(retag(
                scan_run(i, text),
                i,
                HistoryField::Instruction("history".into()),
            ));
        }
        return out;
    };
    match instruction {
        Instruction::Env(pairs) => out.extend(pairs.iter().flat_map(|(k, v)| scan_env(i, k, v))),
        Instruction::Label(pairs) => {
            out.extend(pairs.iter().flat_map(|(k, v)| scan_label(i, k, v)));
        }
        Instruction::Arg(args) => {
            out.extend(args.iter().flat_map(|(k, v)| scan_arg(i, k, v.as_deref())));
        }
        Instruction::Run(command) => out.extend(scan_run(i, &command_text(command))),
        Instruction::Cmd(command) | Instruction::Entrypoint(command) => {
            let field = HistoryField::Instruction(instruction.keyword().to_owned());
            out.extend(retag(scan_run(i, &command_text(command)), i, field));
        }
        Instruction::Healthcheck(health) => {
            let field = HistoryField::Instruction("HEALTHCHECK".to_owned());
            out.extend(retag(scan_run(i, &health.test.join(" ")), i, field));
        }
        Instruction::Onbuild(text) | Instruction::Verbatim { text, .. } => {
            let field = HistoryField::Instruction(instruction.keyword().to_owned());
            out.extend(retag(scan_run(i, text), i, field));
        }
        Instruction::Copy(args) | Instruction::Add(args) => {
            // `ADD https://user:pass@host/file` keeps the credentials in the history.
            let field = HistoryField::Instruction(instruction.keyword().to_owned());
            for source in &args.sources {
                out.extend(
                    content::scan_text(source, ValueStyle::Bare)
                        .into_iter()
                        .map(|m| SecretFinding {
                            location: Location::History {
                                step: i,
                                field: field.clone(),
                            },
                            rule: m.rule,
                            masked: Some(mask(&m.value)),
                            value: Some(SecretValue::new(m.value)),
                        }),
                );
            }
        }
        Instruction::Expose(_)
        | Instruction::Volume(_)
        | Instruction::User(_)
        | Instruction::Workdir(_)
        | Instruction::Stopsignal(_)
        | Instruction::Maintainer(_)
        | Instruction::Shell(_) => {}
    }
    out
}

/// Scans the config's final settings.
pub fn scan_runtime(runtime: &RuntimeConfig) -> Vec<SecretFinding> {
    let mut out = Vec::new();
    let to_config = |findings: Vec<SecretFinding>, field: HistoryField| {
        findings.into_iter().map(move |f| SecretFinding {
            location: Location::Config {
                field: field.clone(),
            },
            ..f
        })
    };
    for pair in &runtime.env {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.extend(to_config(
            scan_env(0, k, v),
            HistoryField::Env(k.to_owned()),
        ));
    }
    for (k, v) in &runtime.labels {
        out.extend(to_config(
            scan_label(0, k, v),
            HistoryField::Label(k.to_owned()),
        ));
    }
    for (keyword, argv) in [("CMD", &runtime.cmd), ("ENTRYPOINT", &runtime.entrypoint)] {
        if let Some(argv) = argv {
            let field = HistoryField::Instruction(keyword.to_owned());
            out.extend(to_config(scan_run(0, &argv.join(" ")), field));
        }
    }
    out
}

/// The command as one text, exec-form words joined by spaces.
fn command_text(command: &CommandForm) -> String {
    match command {
        CommandForm::Shell(text) => text.clone(),
        CommandForm::Exec(words) => words.join(" "),
    }
}

/// Moves RUN-scanned findings to another field of the same step.
fn retag(findings: Vec<SecretFinding>, step: usize, field: HistoryField) -> Vec<SecretFinding> {
    findings
        .into_iter()
        .map(|f| SecretFinding {
            location: Location::History {
                step,
                field: field.clone(),
            },
            ..f
        })
        .collect()
}
