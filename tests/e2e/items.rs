//! Turns parsed Dockerfile instructions into comparable meanings: ENV/LABEL as maps, EXPOSE and
//! VOLUME as sets, CMD/ENTRYPOINT as argv, RUN as normalised shell text, COPY/ADD as their
//! destination and flags, HEALTHCHECK as options in nanoseconds plus its command. Variables in
//! ENV/LABEL/WORKDIR values are expanded from a scope the caller gives (the source
//! Dockerfile's ARG and ENV values), so `${BUILD_VERSION}` and `1.2.3` compare equal.

use std::collections::{BTreeMap, BTreeSet};

use crate::dockerfile::{Instruction, json_array, normalise_shell, words};

/// The meaning of one instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// ARG names with their values (if given).
    Arg(BTreeMap<String, Option<String>>),
    /// ENV pairs.
    Env(BTreeMap<String, String>),
    /// LABEL pairs.
    Label(BTreeMap<String, String>),
    /// RUN shell text (exec form `["/bin/sh","-c",X]` taken as X), whitespace-normalised.
    Run(String),
    /// COPY or ADD: keyword, destination (no trailing slash), `--chown`, `--from`.
    Copy {
        /// `COPY` or `ADD`.
        keyword: String,
        /// Destination path, trailing `/` removed.
        dest: String,
        /// `--chown` value.
        chown: Option<String>,
        /// `--from` value.
        from: Option<String>,
    },
    /// WORKDIR path.
    Workdir(String),
    /// SHELL argv.
    Shell(Vec<String>),
    /// EXPOSE ports, `port/proto` with tcp as default.
    Expose(BTreeSet<String>),
    /// VOLUME paths.
    Volume(BTreeSet<String>),
    /// USER.
    User(String),
    /// STOPSIGNAL.
    StopSignal(String),
    /// HEALTHCHECK options (nanoseconds, retries as a count) and test command.
    Healthcheck {
        /// Option name -> value.
        options: BTreeMap<String, u64>,
        /// The command as argv (`CMD-SHELL` text becomes the shell argv).
        command: Vec<String>,
    },
    /// CMD argv.
    Cmd(Vec<String>),
    /// ENTRYPOINT argv.
    Entrypoint(Vec<String>),
    /// ONBUILD with its inner instruction.
    Onbuild(Box<Item>),
    /// Anything else: keyword and normalised arguments.
    Other(String, String),
}

/// Variables for expansion, plus the shell in effect (for shell-form CMD/ENTRYPOINT).
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// Variable values.
    pub vars: BTreeMap<String, String>,
    /// SHELL in effect.
    pub shell: Vec<String>,
}

impl Scope {
    /// A scope with the given variables and the default `/bin/sh -c`.
    pub(crate) fn new(vars: BTreeMap<String, String>) -> Self {
        Scope {
            vars,
            shell: vec!["/bin/sh".into(), "-c".into()],
        }
    }

    /// Expands `$NAME`, `${NAME}` and `${NAME:-default}`; unknown names stay as written.
    pub(crate) fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(body) = after.strip_prefix('{')
                && let Some(end) = body.find('}')
            {
                let inner = &body[..end];
                let (name, default) = match inner.split_once(":-") {
                    Some((n, d)) => (n, Some(d)),
                    None => (inner, None),
                };
                match (self.vars.get(name), default) {
                    (Some(v), _) => out.push_str(v),
                    (None, Some(d)) => out.push_str(d),
                    (None, None) => out.push_str(&rest[pos..pos + 2 + end + 1]),
                }
                rest = &body[end + 1..];
                continue;
            }
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            match self.vars.get(&after[..len]) {
                Some(v) if len > 0 => out.push_str(v),
                _ => out.push_str(&rest[pos..pos + 1 + len]),
            }
            rest = &after[len..];
        }
        out.push_str(rest);
        out
    }
}

/// Interprets one instruction. `scope.shell` is updated by SHELL.
pub(crate) fn item(ins: &Instruction, scope: &mut Scope) -> Item {
    let args = ins.args.as_str();
    match ins.keyword.as_str() {
        "ARG" => Item::Arg(
            words(args)
                .into_iter()
                .map(|w| match w.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (w, None),
                })
                .collect(),
        ),
        "ENV" => Item::Env(pairs(args, scope)),
        "LABEL" => Item::Label(pairs(args, scope)),
        "RUN" => Item::Run(run_text(args)),
        "COPY" | "ADD" => copy_item(&ins.keyword, args),
        "WORKDIR" => Item::Workdir(scope.expand(args.trim())),
        "SHELL" => {
            let argv = json_array(args).unwrap_or_else(|| words(args));
            scope.shell = argv.clone();
            Item::Shell(argv)
        }
        "EXPOSE" => Item::Expose(
            args.split_whitespace()
                .map(|p| {
                    let p = scope.expand(p).to_lowercase();
                    if p.contains('/') {
                        p
                    } else {
                        format!("{p}/tcp")
                    }
                })
                .collect(),
        ),
        "VOLUME" => Item::Volume(
            json_array(args)
                .unwrap_or_else(|| words(args))
                .into_iter()
                .collect(),
        ),
        "USER" => Item::User(scope.expand(args.trim())),
        "STOPSIGNAL" => Item::StopSignal(args.trim().to_string()),
        "HEALTHCHECK" => healthcheck(args, scope),
        "CMD" => Item::Cmd(argv(args, scope)),
        "ENTRYPOINT" => Item::Entrypoint(argv(args, scope)),
        "ONBUILD" => {
            let inner = crate::dockerfile::parse(args);
            match inner.first() {
                Some(first) => Item::Onbuild(Box::new(item(first, &mut scope.clone()))),
                None => Item::Other("ONBUILD".into(), String::new()),
            }
        }
        other => Item::Other(other.to_string(), normalise_shell(args)),
    }
}

fn pairs(args: &str, scope: &Scope) -> BTreeMap<String, String> {
    let ws = words(args);
    // Legacy `ENV key value with spaces`: one pair when the first word has no `=`.
    if let Some(first) = ws.first()
        && !first.contains('=')
    {
        let value = args.trim()[first.len()..].trim();
        let value = words(value).join(" ");
        return BTreeMap::from([(first.clone(), scope.expand(&value))]);
    }
    ws.into_iter()
        .filter_map(|w| {
            w.split_once('=')
                .map(|(k, v)| (k.to_string(), scope.expand(v)))
        })
        .collect()
}

fn run_text(args: &str) -> String {
    // Flags like --mount/--network come first in BuildKit syntax; they are not shell text.
    let mut rest = args.trim();
    while rest.starts_with("--") {
        rest = rest
            .split_once(char::is_whitespace)
            .map_or("", |(_, r)| r.trim_start());
    }
    match json_array(rest) {
        Some(argv) if argv.len() == 3 && argv[1] == "-c" && argv[0].ends_with("sh") => {
            normalise_shell(&argv[2])
        }
        Some(argv) => format!("exec:{argv:?}"),
        None => normalise_shell(rest),
    }
}

fn copy_item(keyword: &str, args: &str) -> Item {
    let mut chown = None;
    let mut from = None;
    let mut rest = args.trim();
    while rest.starts_with("--") {
        let (flag, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if let Some(v) = flag.strip_prefix("--chown=") {
            chown = Some(v.to_string());
        } else if let Some(v) = flag.strip_prefix("--from=") {
            from = Some(v.to_string());
        }
        rest = tail.trim_start();
    }
    let parts = json_array(rest).unwrap_or_else(|| words(rest));
    let dest = parts.last().cloned().unwrap_or_default();
    let dest = match dest.trim_end_matches('/') {
        "" => dest.clone(),
        d => d.to_string(),
    };
    Item::Copy {
        keyword: keyword.to_string(),
        dest,
        chown,
        from,
    }
}

fn argv(args: &str, scope: &Scope) -> Vec<String> {
    match json_array(args) {
        Some(v) => v,
        None => {
            let mut v = scope.shell.clone();
            v.push(args.trim().to_string());
            v
        }
    }
}

/// Go-style duration (`1m30s`, `5s`, `500ms`) in nanoseconds.
pub(crate) fn duration_ns(text: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut rest = text.trim();
    if rest == "0" {
        return Some(0);
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3_600e9,
            "m" => 60e9,
            "s" => 1e9,
            "ms" => 1e6,
            "us" | "µs" => 1e3,
            "ns" => 1.0,
            _ => return None,
        };
        total += (number * factor) as u64;
        rest = &rest[unit_len..];
    }
    Some(total)
}

fn healthcheck(args: &str, scope: &Scope) -> Item {
    let mut options = BTreeMap::new();
    let mut rest = args.trim();
    while rest.starts_with("--") {
        let (flag, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        if let Some((name, value)) = flag.trim_start_matches("--").split_once('=') {
            let parsed = if name == "retries" {
                value.parse().ok()
            } else {
                duration_ns(value)
            };
            options.insert(name.to_string(), parsed.unwrap_or(u64::MAX));
        }
        rest = tail.trim_start();
    }
    let command = if let Some(cmd) = rest.strip_prefix("CMD") {
        match json_array(cmd) {
            Some(v) if v.first().is_some_and(|f| f == "CMD-SHELL") => {
                let mut sh = scope.shell.clone();
                sh.push(v[1..].join(" "));
                sh
            }
            Some(v) if v.first().is_some_and(|f| f == "CMD") => v[1..].to_vec(),
            Some(v) => v,
            None => argv(cmd, scope),
        }
    } else {
        vec![rest.to_string()]
    };
    let command = command.into_iter().map(|a| normalise_shell(&a)).collect();
    Item::Healthcheck { options, command }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Item {
        let ins = crate::dockerfile::parse(text).remove(0);
        item(
            &ins,
            &mut Scope::new(BTreeMap::from([("V".into(), "1.2".into())])),
        )
    }

    #[test]
    fn shell_and_exec_forms_of_cmd_mean_the_same_argv() {
        assert_eq!(
            one(r#"CMD echo "$X""#),
            one(r#"CMD ["/bin/sh", "-c", "echo \"$X\""]"#)
        );
    }

    #[test]
    fn healthcheck_options_compare_as_durations() {
        assert_eq!(
            one("HEALTHCHECK --interval=30s --retries=3 CMD wget x || exit 1"),
            one(
                r#"HEALTHCHECK --interval=30000ms --retries=3 CMD ["CMD-SHELL", "wget x || exit 1"]"#
            )
        );
    }

    #[test]
    fn labels_expand_variables_and_ignore_quoting() {
        assert_eq!(
            one(r#"LABEL a="${V}" b='x y'"#),
            one(r#"LABEL b="x y" a=1.2"#)
        );
    }

    #[test]
    fn different_run_text_differs() {
        assert_ne!(one(r#"RUN echo "a  b""#), one(r#"RUN echo "a b""#));
    }
}
