//! Secret rules on the image history and config: ENV, ARG and LABEL values, and RUN
//! commands (passwords on command lines, credentials in URLs, tokens in build args).
//!
//! Takes plain strings so it does not depend on how the history parser models steps; the
//! caller passes each step's index and fields. Pure.

use super::content::{self, Match, SECRET_WORDS, ValueStyle, is_literal};
use super::finding::{HistoryField, Location, Rule, SecretFinding, SecretValue, mask};

/// Scans an ENV variable of history step `step`.
pub fn scan_env(step: usize, name: &str, value: &str) -> Vec<SecretFinding> {
    scan_config_value(step, HistoryField::Env(name.to_owned()), name, value)
}

/// Scans a LABEL of history step `step`.
pub fn scan_label(step: usize, name: &str, value: &str) -> Vec<SecretFinding> {
    scan_config_value(step, HistoryField::Label(name.to_owned()), name, value)
}

/// Scans a build argument (an ARG default, or BuildKit's `|N name=value` RUN prefix).
pub fn scan_arg(step: usize, name: &str, value: Option<&str>) -> Vec<SecretFinding> {
    match value {
        Some(value) => scan_config_value(step, HistoryField::Arg(name.to_owned()), name, value),
        None => Vec::new(),
    }
}

/// Scans a RUN command's text.
pub fn scan_run(step: usize, command: &str) -> Vec<SecretFinding> {
    let mut matches = content::scan_text(command, ValueStyle::Bare);
    for m in command_line_secrets(command) {
        if !matches.iter().any(|known| known.value == m.value) {
            matches.push(m);
        }
    }
    findings(step, &HistoryField::Run, matches)
}

fn scan_config_value(
    step: usize,
    field: HistoryField,
    name: &str,
    value: &str,
) -> Vec<SecretFinding> {
    let mut matches = content::scan_text(value, ValueStyle::Bare);
    if name_says_secret(name) && is_literal(value) && !matches.iter().any(|m| m.value == value) {
        matches.push(Match {
            rule: Rule::SecretInConfig,
            value: value.to_owned(),
        });
    }
    findings(step, &field, matches)
}

fn findings(step: usize, field: &HistoryField, matches: Vec<Match>) -> Vec<SecretFinding> {
    matches
        .into_iter()
        .map(|m| SecretFinding {
            location: Location::History {
                step,
                field: field.clone(),
            },
            rule: m.rule,
            masked: Some(mask(&m.value)),
            value: Some(SecretValue::new(m.value)),
        })
        .collect()
}

/// True when a variable name ends in a secret word (`DB_PASSWORD`, `NPM_TOKEN`), so
/// `PASSWORD_FILE` and `TOKEN_URL` are not secrets themselves.
fn name_says_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|word| lower.ends_with(word))
}

/// Long options whose value is a secret; options naming a file, stdin or an id are not.
fn option_is_secret(option: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "token",
        "secret",
        "api-key",
        "apikey",
        "access-key",
        "auth-key",
    ];
    const NOT: &[&str] = &[
        "file", "stdin", "env", "path", "dir", "name", "id", "type", "ref", "mount",
    ];
    let lower = option.to_ascii_lowercase();
    WORDS.iter().any(|w| lower.contains(w)) && !NOT.iter().any(|n| lower.ends_with(n))
}

/// `curl -u user:pass`, `--password x`, `--token=x`, `docker login -p x`, `sshpass -p x`,
/// `mysql -pSECRET`.
fn command_line_secrets(command: &str) -> Vec<Match> {
    let mut out = Vec::new();
    for segment in segments(command) {
        let program = segment
            .iter()
            .map(String::as_str)
            .find(|t| {
                !t.contains('=') && !matches!(*t, "sudo" | "env" | "exec" | "time" | "command")
            })
            .unwrap_or("");
        let program = program.rsplit('/').next().unwrap_or(program);
        let is_login = segment.iter().any(|t| t == "login");
        let mut push = |value: &str| {
            if is_literal(value) {
                out.push(Match {
                    rule: Rule::CommandLineSecret,
                    value: value.to_owned(),
                });
            }
        };
        for (i, token) in segment.iter().enumerate() {
            let next = segment
                .get(i + 1)
                .map(String::as_str)
                .filter(|n| !n.starts_with('-'));
            match token.as_str() {
                "-u" | "--user" | "--proxy-user" if program == "curl" => {
                    if let Some((_, password)) = next.and_then(|n| n.split_once(':')) {
                        push(password);
                    }
                }
                "-p" if program == "sshpass" || is_login => {
                    if let Some(value) = next {
                        push(value);
                    }
                }
                t if t.starts_with("--user=") && program == "curl" => {
                    if let Some((_, password)) = t["--user=".len()..].split_once(':') {
                        push(password);
                    }
                }
                t if t.starts_with("-p")
                    && t.len() > 2
                    && !t.starts_with("--")
                    && matches!(program, "mysql" | "mysqldump" | "mysqladmin" | "mariadb") =>
                {
                    push(&t[2..]);
                }
                t if t.starts_with("--") => {
                    let (option, inline) = match t.split_once('=') {
                        Some((o, v)) => (o, Some(v)),
                        None => (t, None),
                    };
                    if option_is_secret(&option[2..])
                        && let Some(value) = inline.or(next)
                        && !value.contains("id=")
                        && !value.contains("src=")
                    {
                        push(value);
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Splits a shell command into simple commands (on `&&`, `||`, `;`, `|`, newlines) of
/// words, with quotes removed. Rough on purpose: enough to find options and their values.
fn segments(command: &str) -> Vec<Vec<String>> {
    let mut segments = vec![Vec::new()];
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = command.chars().peekable();
    let end_word = |word: &mut String, in_word: &mut bool, segments: &mut Vec<Vec<String>>| {
        if *in_word {
            if let Some(last) = segments.last_mut() {
                last.push(std::mem::take(word));
            }
            *in_word = false;
        }
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\')
                if chars
                    .peek()
                    .is_some_and(|n| matches!(n, '"' | '\\' | '$' | '`')) =>
            {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '\\') => {
                if let Some(next) = chars.next()
                    && next != '\n'
                {
                    word.push(next);
                    in_word = true;
                }
            }
            (None, ';' | '&' | '|' | '\n') => {
                end_word(&mut word, &mut in_word, &mut segments);
                if segments.last().is_some_and(|s| !s.is_empty()) {
                    segments.push(Vec::new());
                }
            }
            (None, c) if c.is_whitespace() => end_word(&mut word, &mut in_word, &mut segments),
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut segments);
    segments.retain(|s| !s.is_empty());
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_commands_split_into_words_and_segments() {
        let got = segments("apt-get update && curl -u 'a b:c' \"x\\\"y\" | sh; echo ok");
        assert_eq!(
            got,
            vec![
                vec!["apt-get".to_owned(), "update".to_owned()],
                vec![
                    "curl".to_owned(),
                    "-u".to_owned(),
                    "a b:c".to_owned(),
                    "x\"y".to_owned()
                ],
                vec!["sh".to_owned()],
                vec!["echo".to_owned(), "ok".to_owned()],
            ]
        );
    }
}
