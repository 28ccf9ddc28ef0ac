//! The Dockerfile instructions we can recover, and their canonical text.
//!
//! `Display` is the one place that spells an instruction: exec forms as JSON arrays, ENV/LABEL
//! values re-quoted when needed, shell text laid out by `runtext` without changing a byte.
//! Does not know where a value came from; `history` and `recover` decide that.

use std::fmt;

use super::gofmt::format_duration;
use super::runtext::{self, Layout};

/// The argument of RUN, CMD, ENTRYPOINT: exec form (argv) or shell form (one text).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CommandForm {
    /// `["a", "b"]`.
    Exec(Vec<String>),
    /// `a b`, run by the current SHELL.
    Shell(String),
}

/// COPY/ADD arguments as recorded: flags, sources (names or content hashes), destination.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CopyArgs {
    /// `--chown=…`, `--chmod=…`, `--link`, as recorded.
    pub flags: Vec<String>,
    /// Source names, or one `file:<hex>`/`dir:<hex>`/`multi:<hex>` hash (classic, buildah).
    pub sources: Vec<String>,
    /// Destination path.
    pub dest: String,
}

impl CopyArgs {
    /// Whether the sources are a content hash rather than names (created-by-formats.md L4).
    pub fn sources_are_hash(&self) -> bool {
        self.sources.iter().any(|s| is_source_hash(s))
    }
}

/// `file:<hex>`, `dir:<hex>`, `multi:<hex>`, `tarsum.v1+sha256:<hex>`: any `<word>:<hex>`.
pub(crate) fn is_source_hash(s: &str) -> bool {
    s.rsplit_once(':').is_some_and(|(word, hex)| {
        !word.is_empty()
            && !word.contains('/')
            && hex.len() >= 32
            && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// A HEALTHCHECK: the test plus options (durations in Go spelling, `None` = default).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Health {
    /// `["CMD", …]`, `["CMD-SHELL", text]` or `["NONE"]`.
    pub test: Vec<String>,
    /// `--interval`.
    pub interval: Option<String>,
    /// `--timeout`.
    pub timeout: Option<String>,
    /// `--start-period`.
    pub start_period: Option<String>,
    /// `--start-interval`.
    pub start_interval: Option<String>,
    /// `--retries`.
    pub retries: Option<i64>,
}

impl Health {
    /// Builds the options from Docker's nanosecond config values (0 = default).
    pub fn from_config(h: &super::config::HealthConfig) -> Self {
        let d = |v: Option<i64>| v.filter(|n| *n != 0).map(format_duration);
        Self {
            test: h.test.clone().unwrap_or_default(),
            interval: d(h.interval),
            timeout: d(h.timeout),
            start_period: d(h.start_period),
            start_interval: d(h.start_interval),
            retries: h.retries.filter(|r| *r != 0),
        }
    }
}

/// One Dockerfile instruction (FROM is rendered by `render` from the base detection).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "keyword", content = "args", rename_all = "UPPERCASE")]
pub enum Instruction {
    /// `RUN`.
    Run(CommandForm),
    /// `COPY`.
    Copy(CopyArgs),
    /// `ADD`.
    Add(CopyArgs),
    /// `ENV k=v …`.
    Env(Vec<(String, String)>),
    /// `LABEL k=v …`.
    Label(Vec<(String, String)>),
    /// `ARG name[=value] …`.
    Arg(Vec<(String, Option<String>)>),
    /// `EXPOSE port[/proto] …`.
    Expose(Vec<String>),
    /// `VOLUME ["/a", …]`.
    Volume(Vec<String>),
    /// `USER`.
    User(String),
    /// `WORKDIR`.
    Workdir(String),
    /// `STOPSIGNAL`.
    Stopsignal(String),
    /// `MAINTAINER` (deprecated, but what the history says).
    Maintainer(String),
    /// `CMD`.
    Cmd(CommandForm),
    /// `ENTRYPOINT`.
    Entrypoint(CommandForm),
    /// `SHELL ["…"]`.
    Shell(Vec<String>),
    /// `HEALTHCHECK`.
    Healthcheck(Health),
    /// `ONBUILD <instruction text>`.
    Onbuild(String),
    /// An instruction kept as the builder wrote it (buildah metadata): keyword + text.
    Verbatim {
        /// Upper-case keyword.
        keyword: String,
        /// Everything after the keyword, untouched.
        text: String,
    },
}

impl Instruction {
    /// The upper-case keyword.
    pub fn keyword(&self) -> &str {
        match self {
            Self::Run(_) => "RUN",
            Self::Copy(_) => "COPY",
            Self::Add(_) => "ADD",
            Self::Env(_) => "ENV",
            Self::Label(_) => "LABEL",
            Self::Arg(_) => "ARG",
            Self::Expose(_) => "EXPOSE",
            Self::Volume(_) => "VOLUME",
            Self::User(_) => "USER",
            Self::Workdir(_) => "WORKDIR",
            Self::Stopsignal(_) => "STOPSIGNAL",
            Self::Maintainer(_) => "MAINTAINER",
            Self::Cmd(_) => "CMD",
            Self::Entrypoint(_) => "ENTRYPOINT",
            Self::Shell(_) => "SHELL",
            Self::Healthcheck(_) => "HEALTHCHECK",
            Self::Onbuild(_) => "ONBUILD",
            Self::Verbatim { keyword, .. } => keyword,
        }
    }
}

/// The Dockerfile escape character: `\\` by default, `` ` `` after `# escape=`` ` (Windows).
pub(crate) const DEFAULT_ESCAPE: char = '\\';

/// Quotes an ENV/LABEL/ARG word when the Dockerfile would otherwise split or expand it.
pub(crate) fn quote_word(v: &str, escape: char) -> String {
    let plain = !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '$' | '`') || c == escape);
    if plain {
        return v.to_owned();
    }
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        if matches!(c, '"' | '$') || c == escape {
            out.push(escape);
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn json_array(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}")))
        .collect();
    format!("[{}]", quoted.join(", "))
}

impl Instruction {
    /// The instruction as Dockerfile text for a file whose escape character is `escape`.
    pub fn to_dockerfile(&self, escape: char) -> String {
        let mut w = Writer {
            out: String::new(),
            escape,
        };
        w.instruction(self);
        w.out
    }
}

impl fmt::Display for Instruction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_dockerfile(DEFAULT_ESCAPE))
    }
}

struct Writer {
    out: String,
    escape: char,
}

impl Writer {
    fn shell(&mut self, prefix: &str, text: &str) {
        match runtext::layout(text, self.escape) {
            Layout::Lines(lines) => {
                self.out.push_str(prefix);
                self.out.push_str(&lines.join("\n"));
            }
            Layout::Raw(lines) => {
                self.out.push_str(prefix);
                self.out.push_str(&lines.join("\n"));
            }
            Layout::Heredoc { terminator, body } => {
                self.out.push_str(&format!("{prefix}<<{terminator}"));
                for l in &body {
                    self.out.push('\n');
                    self.out.push_str(l);
                }
                self.out.push('\n');
                self.out.push_str(&terminator);
            }
        }
    }

    fn form(&mut self, keyword: &str, form: &CommandForm) {
        match form {
            CommandForm::Exec(argv) => self
                .out
                .push_str(&format!("{keyword} {}", json_array(argv))),
            CommandForm::Shell(text) => self.shell(&format!("{keyword} "), text),
        }
    }

    fn pairs(&mut self, keyword: &str, pairs: &[(String, String)]) {
        let e = self.escape;
        let words: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", quote_word(k, e), quote_word(v, e)))
            .collect();
        let one_line = format!("{keyword} {}", words.join(" "));
        if words.len() < 2 || one_line.len() <= 80 {
            self.out.push_str(&one_line);
        } else {
            self.out
                .push_str(&format!("{keyword} {}", words.join(&format!(" {e}\n    "))));
        }
    }

    /// A single-line argument (WORKDIR, USER, COPY …) must not end in the escape character,
    /// or the parser would join the next instruction to it.
    fn plain(&mut self, line: String) {
        if line.trim_end().ends_with(self.escape) {
            self.out.push_str(&format!(
                "# dfimage: warning: the next line ends in {:?}, which a Dockerfile parser reads as a line continuation\n",
                self.escape
            ));
        }
        self.out.push_str(&line);
    }

    fn instruction(&mut self, i: &Instruction) {
        match i {
            Instruction::Run(form) => self.form("RUN", form),
            Instruction::Cmd(form) => self.form("CMD", form),
            Instruction::Entrypoint(form) => self.form("ENTRYPOINT", form),
            Instruction::Copy(c) | Instruction::Add(c) => {
                let mut line = i.keyword().to_owned();
                for w in c.flags.iter().chain(&c.sources) {
                    line.push(' ');
                    line.push_str(w);
                }
                line.push(' ');
                line.push_str(&c.dest);
                self.plain(line);
            }
            Instruction::Env(pairs) => self.pairs("ENV", pairs),
            Instruction::Label(pairs) => self.pairs("LABEL", pairs),
            Instruction::Arg(args) => {
                let mut line = String::from("ARG");
                for (name, value) in args {
                    match value {
                        Some(v) => {
                            line.push_str(&format!(" {name}={}", quote_word(v, self.escape)))
                        }
                        None => line.push_str(&format!(" {name}")),
                    }
                }
                self.out.push_str(&line);
            }
            Instruction::Expose(ports) => self.plain(format!("EXPOSE {}", ports.join(" "))),
            Instruction::Volume(v) => self.out.push_str(&format!("VOLUME {}", json_array(v))),
            Instruction::Shell(v) => self.out.push_str(&format!("SHELL {}", json_array(v))),
            Instruction::User(s) => self.plain(format!("USER {s}")),
            Instruction::Workdir(s) => self.plain(format!("WORKDIR {s}")),
            Instruction::Stopsignal(s) => self.plain(format!("STOPSIGNAL {s}")),
            Instruction::Maintainer(s) => self.plain(format!("MAINTAINER {s}")),
            Instruction::Onbuild(s) => self.plain(format!("ONBUILD {s}")),
            Instruction::Verbatim { keyword, text } => self.plain(format!("{keyword} {text}")),
            Instruction::Healthcheck(h) => self.health(h),
        }
    }

    fn health(&mut self, h: &Health) {
        let Some((kind, args)) = h.test.split_first().filter(|(k, _)| *k != "NONE") else {
            self.out.push_str("HEALTHCHECK NONE");
            return;
        };
        let mut prefix = String::from("HEALTHCHECK ");
        let opts = [
            ("interval", &h.interval),
            ("timeout", &h.timeout),
            ("start-period", &h.start_period),
            ("start-interval", &h.start_interval),
        ];
        for (name, value) in opts {
            if let Some(v) = value {
                prefix.push_str(&format!("--{name}={v} "));
            }
        }
        if let Some(r) = h.retries {
            prefix.push_str(&format!("--retries={r} "));
        }
        match kind.as_str() {
            "CMD-SHELL" => self.shell(&format!("{prefix}CMD "), &args.join(" ")),
            _ => self
                .out
                .push_str(&format!("{prefix}CMD {}", json_array(args))),
        }
    }
}

#[cfg(test)]
mod tests;
