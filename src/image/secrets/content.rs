//! Secret rules on text: file contents of small text files, and history values and commands.
//!
//! Our own rules, written as small hand matchers (no regex engine in `image/`): PEM private
//! key blocks, provider tokens recognised by their documented prefixes and lengths, JWTs,
//! URLs with passwords, and `name = value` assignments whose name ends in a secret word and
//! whose value is a literal (not a `$VAR`, a path, a placeholder or an expression). Pure.

use super::finding::Rule;

/// At most this many matches per text; a file full of keys needs no more to be noticed.
const MAX_MATCHES: usize = 32;

/// Names that end in one of these words hold secrets (compared lowercase).
pub(crate) const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "access_key",
    "accesskey",
    "secret_key",
    "private_key",
    "authtoken",
];

/// How values are written in a text: code needs quotes around a literal, config does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueStyle {
    /// Config files, env files, shell: `PASSWORD=hunter2` is a literal.
    Bare,
    /// Source code: only quoted values are literals (`password = os.getenv(…)` is not).
    QuotedOnly,
}

impl ValueStyle {
    /// The style for a file, from its extension.
    pub fn for_path(path: &[u8]) -> Self {
        const CODE: &[&str] = &[
            "py", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "java", "kt", "scala", "rb", "php",
            "rs", "c", "h", "cc", "cpp", "hpp", "cs", "swift", "lua", "pl", "pm", "groovy", "dart",
        ];
        let name = path.rsplit(|b| *b == b'/').next().unwrap_or(path);
        let ext = name
            .rsplit(|b| *b == b'.')
            .next()
            .filter(|e| e.len() < name.len());
        match ext {
            Some(ext) if CODE.iter().any(|c| c.as_bytes().eq_ignore_ascii_case(ext)) => {
                Self::QuotedOnly
            }
            _ => Self::Bare,
        }
    }
}

/// One match: the rule and the unmasked value (the caller masks it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The rule.
    pub rule: Rule,
    /// The matched secret text.
    pub value: String,
}

/// A token recognised by a literal prefix and a body of known characters and length.
struct TokenRule {
    rule: Rule,
    prefixes: &'static [&'static str],
    body: fn(u8) -> bool,
    min: usize,
    /// `Some(n)`: the body is exactly `n` characters.
    exact: Option<usize>,
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn alnum_underscore(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}
fn webhook_path(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'/'
}

const TOKENS: &[TokenRule] = &[
    TokenRule {
        rule: Rule::AwsAccessKeyId,
        prefixes: &["AKIA", "ASIA", "ABIA", "ACCA"],
        body: upper_digit,
        min: 16,
        exact: Some(16),
    },
    TokenRule {
        rule: Rule::GithubToken,
        prefixes: &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        body: alnum,
        min: 36,
        exact: None,
    },
    TokenRule {
        rule: Rule::GithubToken,
        prefixes: &["github_pat_"],
        body: alnum_underscore,
        min: 40,
        exact: None,
    },
    TokenRule {
        rule: Rule::GitlabToken,
        prefixes: &["glpat-"],
        body: base64url,
        min: 20,
        exact: None,
    },
    TokenRule {
        rule: Rule::SlackToken,
        prefixes: &["xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxr-", "xoxs-"],
        body: base64url,
        min: 10,
        exact: None,
    },
    TokenRule {
        rule: Rule::SlackToken,
        prefixes: &["https://hooks.slack.com/services/"],
        body: webhook_path,
        min: 20,
        exact: None,
    },
    TokenRule {
        rule: Rule::GoogleApiKey,
        prefixes: &["AIza"],
        body: base64url,
        min: 35,
        exact: Some(35),
    },
    TokenRule {
        rule: Rule::StripeKey,
        prefixes: &["sk_live_", "rk_live_"],
        body: alnum,
        min: 20,
        exact: None,
    },
    TokenRule {
        rule: Rule::NpmToken,
        prefixes: &["npm_"],
        body: alnum,
        min: 36,
        exact: Some(36),
    },
];

/// Scans a text for every rule.
pub fn scan_text(text: &str, style: ValueStyle) -> Vec<Match> {
    let mut matches = Vec::new();
    private_keys(text, &mut matches);
    tokens(text, &mut matches);
    jwts(text, &mut matches);
    url_credentials(text, &mut matches);
    for line in text.lines() {
        assignments(line, style, &mut matches);
        if matches.len() >= MAX_MATCHES {
            break;
        }
    }
    let mut unique: Vec<Match> = Vec::new();
    for m in matches {
        // The same value found by two rules is reported once, under the more specific one.
        if !unique.iter().any(|u| {
            u.value == m.value || (u.value.contains(&m.value) && m.rule == Rule::SecretAssignment)
        }) {
            unique.push(m);
        }
    }
    unique.truncate(MAX_MATCHES);
    unique
}

/// Scans a file's bytes when they look like text (no NUL byte).
pub fn scan_file_content(path: &[u8], data: &[u8]) -> Vec<Match> {
    if data.contains(&0) {
        return Vec::new();
    }
    scan_text(&String::from_utf8_lossy(data), ValueStyle::for_path(path))
}

fn private_keys(text: &str, out: &mut Vec<Match>) {
    for (start, _) in text.match_indices("-----BEGIN ") {
        let rest = &text[start + "-----BEGIN ".len()..];
        let Some(end) = rest.find("-----") else {
            continue;
        };
        let label = &rest[..end];
        if label.len() > 40 || !(label.ends_with("PRIVATE KEY") || label == "PGP PRIVATE KEY BLOCK")
        {
            continue;
        }
        // The body follows, possibly after JSON's literal `\n` escapes.
        let body = rest[end + 5..]
            .trim_start_matches(|c: char| c.is_whitespace() || c == '\\' || c == 'n');
        let body: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
            .collect();
        out.push(Match {
            rule: Rule::PrivateKeyBlock,
            value: if body.is_empty() {
                label.to_owned()
            } else {
                body
            },
        });
    }
}

fn tokens(text: &str, out: &mut Vec<Match>) {
    let bytes = text.as_bytes();
    for rule in TOKENS {
        for prefix in rule.prefixes {
            for (start, _) in text.match_indices(prefix) {
                if start > 0 && base64url(bytes[start - 1]) {
                    continue;
                }
                let body_start = start + prefix.len();
                let body_len = bytes[body_start..]
                    .iter()
                    .take_while(|b| (rule.body)(**b))
                    .count();
                let ok = match rule.exact {
                    Some(n) => body_len == n,
                    None => body_len >= rule.min,
                };
                if ok {
                    out.push(Match {
                        rule: rule.rule,
                        value: text[start..body_start + body_len].to_owned(),
                    });
                }
            }
        }
    }
}

fn jwts(text: &str, out: &mut Vec<Match>) {
    let bytes = text.as_bytes();
    for (start, _) in text.match_indices("eyJ") {
        if start > 0 && base64url(bytes[start - 1]) {
            continue;
        }
        let mut end = start;
        let mut segments = 0;
        loop {
            let len = bytes[end..].iter().take_while(|b| base64url(**b)).count();
            if len < 10 {
                break;
            }
            end += len;
            segments += 1;
            if segments == 3 || bytes.get(end) != Some(&b'.') {
                break;
            }
            end += 1;
        }
        if segments == 3
            && text[start..]
                .split('.')
                .nth(1)
                .is_some_and(|p| p.starts_with("eyJ"))
        {
            out.push(Match {
                rule: Rule::Jwt,
                value: text[start..end].to_owned(),
            });
        }
    }
}

fn url_credentials(text: &str, out: &mut Vec<Match>) {
    for (sep, _) in text.match_indices("://") {
        let authority_end = text[sep + 3..]
            .find(|c: char| {
                c == '/' || c.is_whitespace() || c == '"' || c == '\'' || c == '?' || c == '#'
            })
            .map_or(text.len(), |i| sep + 3 + i);
        let authority = &text[sep + 3..authority_end];
        let Some(at) = authority.rfind('@') else {
            continue;
        };
        let userinfo = &authority[..at];
        match userinfo.split_once(':') {
            Some((_, password)) if is_literal(password) => {
                out.push(Match {
                    rule: Rule::UrlCredentials,
                    value: password.to_owned(),
                });
            }
            // A long token as the user name (`https://<token>@github.com/…`).
            None if userinfo.len() >= 20 && userinfo.bytes().all(base64url) => {
                out.push(Match {
                    rule: Rule::UrlCredentials,
                    value: userinfo.to_owned(),
                });
            }
            _ => {}
        }
    }
}

/// `key = value`, `key: value`, `"key": "value"`, `key := value` where the key ends in a
/// secret word.
fn assignments(line: &str, style: ValueStyle, out: &mut Vec<Match>) {
    let lower = line.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    for word in SECRET_WORDS {
        for (start, _) in lower.match_indices(word) {
            let mut i = start + word.len();
            if bytes.get(i).is_some_and(|b| base64url(*b) || *b == b'.') {
                continue; // the word does not end the name (`PASSWORD_FILE`, `tokenizer`)
            }
            if bytes.get(i).is_some_and(|b| *b == b'"' || *b == b'\'') {
                i += 1;
            }
            while bytes.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
                i += 1;
            }
            match (bytes.get(i), bytes.get(i + 1)) {
                (Some(b'='), Some(b'=' | b'~' | b'>')) | (Some(b':'), Some(b':')) => continue,
                (Some(b':'), Some(b'=')) => i += 2,
                (Some(b'=' | b':'), _) => i += 1,
                _ => continue,
            }
            if let Some(value) = value_at(&line[i..], style)
                && is_literal(value)
                && !value.eq_ignore_ascii_case(word)
            {
                out.push(Match {
                    rule: Rule::SecretAssignment,
                    value: value.to_owned(),
                });
            }
        }
    }
}

/// The value starting at `rest` (after the operator), quoted or bare.
fn value_at(rest: &str, style: ValueStyle) -> Option<&str> {
    let rest = rest.trim_start_matches([' ', '\t']);
    let first = rest.chars().next()?;
    if first == '"' || first == '\'' {
        let inner = &rest[1..];
        return inner.find(first).map(|end| &inner[..end]);
    }
    if style == ValueStyle::QuotedOnly {
        return None;
    }
    let end = rest
        .find(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    ';' | ',' | '&' | '|' | ')' | '}' | ']' | '<' | '>' | '"' | '\'' | '`'
                )
        })
        .unwrap_or(rest.len());
    let value = &rest[..end];
    // An expression, not a literal: a call, an index, an attribute chain.
    if value.contains(['(', '[', '{']) || is_attribute_chain(value) {
        return None;
    }
    Some(value)
}

fn is_attribute_chain(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() > 1
        && parts.iter().all(|p| {
            p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        && parts[0].chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

/// True when a value is a literal worth reporting: long enough, not a reference to a
/// variable or file, not a placeholder.
pub(crate) fn is_literal(value: &str) -> bool {
    const PLACEHOLDERS: &[&str] = &[
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "required",
        "optional",
        "string",
        "str",
        "bool",
        "boolean",
        "number",
        "integer",
        "object",
        "empty",
        "example",
        "changeit",
        "placeholder",
        "redacted",
        "hidden",
        "secret",
        "password",
        "token",
        "xxx",
    ];
    let v = value.trim();
    if v.chars().count() < 4 {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    let reference = v.starts_with(['$', '%', '<', '/', '~', '@', '#'])
        || v.starts_with("./")
        || v.starts_with("{{")
        || v.contains("${")
        || v.contains("$(")
        || v.contains("{{");
    let filler = v
        .chars()
        .all(|c| c == v.chars().next().unwrap_or('x') || c == '*');
    let template = lower.starts_with("your")
        || lower.starts_with("my-")
        || lower.starts_with("my_")
        || lower.starts_with("<")
        || lower.starts_with("insert")
        || lower.starts_with("replace")
        || lower.starts_with("change_me")
        || lower.starts_with("env:")
        || lower.starts_with("file:");
    !(reference || filler || template || PLACEHOLDERS.contains(&lower.as_str()))
}
