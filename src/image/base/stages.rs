//! The final stage's base in a Dockerfile's text (the original source a mode=max provenance
//! attestation carries): parser directives, line continuations, comments, heredocs, global
//! `ARG`s substituted into `FROM`, `--target`, and `FROM <stage>` chains followed to the
//! external image they start from.
//!
//! Pure text reading, just enough to find `FROM`; it is not a Dockerfile parser and never
//! evaluates anything else.

use std::collections::BTreeMap;

/// The image the built stage starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalFrom {
    /// The image as written, with global ARGs substituted (`scratch` included).
    pub image: String,
    /// Stages followed to reach it, built stage first (`FROM build` → `["build"]`).
    pub via: Vec<String>,
    /// Whether a `$` is left that no ARG could fill.
    pub unresolved: bool,
}

struct Stage {
    name: Option<String>,
    image: String,
}

/// Logical lines: continuations joined, comments and blank lines dropped, heredoc bodies
/// skipped.
fn logical_lines(text: &str) -> Vec<String> {
    let mut escape = '\\';
    let mut lines = text.lines().peekable();
    // Parser directives: `# key=value` lines before anything else.
    while let Some(l) = lines.peek() {
        let Some(d) = l.trim().strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = d.split_once('=') else {
            break;
        };
        if k.trim().eq_ignore_ascii_case("escape") {
            escape = v.trim().chars().next().unwrap_or('\\');
        }
        lines.next();
    }
    let mut out = Vec::new();
    let mut current = String::new();
    let mut heredoc: Vec<String> = Vec::new();
    for raw in lines {
        if let Some(end) = heredoc.first() {
            if raw.trim_start_matches('\t') == end || raw.trim() == end {
                heredoc.remove(0);
            }
            continue;
        }
        let t = raw.trim();
        if t.starts_with('#') || (t.is_empty() && !current.is_empty()) {
            continue;
        }
        if let Some(body) = raw.trim_end().strip_suffix(escape) {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        current.push_str(raw);
        let line = std::mem::take(&mut current);
        if !line.trim().is_empty() {
            heredoc = heredoc_ends(&line);
            out.push(line);
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// Terminators of `<<EOF`, `<<-EOF`, `<<"EOF"` words on an instruction line.
fn heredoc_ends(line: &str) -> Vec<String> {
    line.split_whitespace()
        .filter_map(|w| w.strip_prefix("<<"))
        .map(|w| w.trim_start_matches('-').trim_matches(['"', '\'']))
        .filter(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_owned)
        .collect()
}

/// `$X`, `${X}`, `${X:-word}`, `${X:+word}` from `vars`; the flag says whether some `$` was
/// left unfilled.
fn substitute(s: &str, vars: &BTreeMap<String, String>) -> (String, bool) {
    let mut out = String::new();
    let mut unresolved = false;
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        let (expr, after) = if let Some(r) = rest.strip_prefix('{') {
            match r.find('}') {
                Some(end) => (&r[..end], &r[end + 1..]),
                None => {
                    unresolved = true;
                    out.push('$');
                    continue;
                }
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        let (name, op, word) = match expr.find(":-").or_else(|| expr.find(":+")) {
            Some(p) => (&expr[..p], &expr[p..p + 2], &expr[p + 2..]),
            None => (expr, "", ""),
        };
        let value = vars.get(name).filter(|v| !v.is_empty());
        match (op, value) {
            (":-", None) => out.push_str(word),
            (":+", Some(_)) => out.push_str(word),
            (":+", None) => {}
            (_, Some(v)) => out.push_str(v),
            (_, None) => unresolved = true,
        }
        rest = after;
    }
    out.push_str(rest);
    (out, unresolved)
}

/// The base of the stage that was built: `target` (BuildKit's `args.target`) or the last.
/// `build_args` (BuildKit's `build-arg:NAME` values) override the global ARG defaults.
pub fn final_from(
    text: &str,
    target: Option<&str>,
    build_args: &BTreeMap<String, String>,
) -> Option<FinalFrom> {
    let mut globals: BTreeMap<String, String> = BTreeMap::new();
    let mut stages: Vec<Stage> = Vec::new();
    let mut unresolved = Vec::new();
    for line in logical_lines(text) {
        let mut words = line.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        if keyword.eq_ignore_ascii_case("ARG") && stages.is_empty() {
            for decl in words {
                let (name, default) = decl.split_once('=').unwrap_or((decl, ""));
                let default = default.trim_matches(['"', '\'']);
                let value = build_args
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| default.to_owned());
                globals.insert(name.to_owned(), value);
            }
        } else if keyword.eq_ignore_ascii_case("FROM") {
            let rest: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
            let Some(image) = rest.first() else {
                continue;
            };
            let (image, missing) = substitute(image, &globals);
            let name = match rest.get(1..3) {
                Some([as_kw, n]) if as_kw.eq_ignore_ascii_case("AS") => Some(n.to_lowercase()),
                _ => None,
            };
            stages.push(Stage { name, image });
            unresolved.push(missing);
        }
    }
    let mut i = match target {
        Some(t) => stages
            .iter()
            .position(|s| s.name.as_deref() == Some(t.to_lowercase().as_str()))?,
        None => stages.len().checked_sub(1)?,
    };
    let mut via = Vec::new();
    // FROM <stage> can only name an earlier stage, so this walk ends.
    while let Some(j) = stages[..i]
        .iter()
        .rposition(|s| s.name.as_deref() == Some(stages[i].image.to_lowercase().as_str()))
    {
        via.push(stages[i].image.clone());
        i = j;
    }
    Some(FinalFrom {
        image: stages[i].image.clone(),
        via,
        unresolved: unresolved[i],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn last_stage_with_global_arg_default_and_stage_chain() {
        let text = "# syntax=docker/dockerfile:1\nARG BASE=alpine:3.19\nFROM ${BASE} AS build\nRUN make\n\
                    FROM golang:1.22 AS tools\nFROM build AS final\nCOPY --from=tools /go /go\n";
        let f = final_from(text, None, &BTreeMap::new()).unwrap();
        assert_eq!(f.image, "alpine:3.19");
        assert_eq!(f.via, vec!["build".to_owned()]);
        assert!(!f.unresolved);
    }

    #[test]
    fn build_args_and_target_choose_the_stage_and_image() {
        let text = "ARG BASE=alpine\nARG TAG\nFROM --platform=$BUILDPLATFORM golang AS build\n\
                    FROM $BASE:${TAG:-3.18} AS runtime\nFROM scratch AS tiny\n";
        let f = final_from(text, Some("Runtime"), &args(&[("TAG", "3.20")])).unwrap();
        assert_eq!(f.image, "alpine:3.20");
        let f = final_from(text, None, &BTreeMap::new()).unwrap();
        assert_eq!(f.image, "scratch");
        let f = final_from(text, Some("runtime"), &BTreeMap::new()).unwrap();
        assert_eq!(f.image, "alpine:3.18");
        assert_eq!(final_from(text, Some("missing"), &BTreeMap::new()), None);
    }

    #[test]
    fn continuations_comments_escape_directive_and_heredocs_are_not_instructions() {
        let text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022 `\n  AS base\n\
                    RUN <<EOF\nFROM evil:inside-heredoc\nEOF\n# FROM commented:out\n";
        let f = final_from(text, None, &BTreeMap::new()).unwrap();
        assert_eq!(f.image, "mcr.microsoft.com/windows/servercore:ltsc2022");
    }

    #[test]
    fn an_unfillable_variable_is_flagged_and_no_from_is_none() {
        let f = final_from("FROM ${NOPE}/x\n", None, &BTreeMap::new()).unwrap();
        assert!(f.unresolved);
        assert_eq!(final_from("RUN true\n", None, &BTreeMap::new()), None);
        assert_eq!(final_from("", None, &BTreeMap::new()), None);
    }
}
