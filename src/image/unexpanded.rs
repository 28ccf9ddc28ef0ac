//! ENV/LABEL text kept as written (buildah) whose values still hold `$VAR`/`${VAR}`
//! references: the config has the values the build resolved, so the step gets those, with a
//! note keeping the original text. Pure; only steps of the build (not the base) that are the
//! last setter of a key are changed, since the config holds final values only.

use super::flag::{Flag, FlagCode};
use super::instruction::Instruction;
use super::recover::Step;

/// Dockerfile words of `text`: split on unquoted whitespace, quotes removed, `\` escapes
/// outside single quotes honoured.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => cur.push(c),
            (_, '\\') => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            (_, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// `k=v` pairs of ENV/LABEL text (the legacy `ENV key value` form too); `None` when the text
/// does not read as pairs.
pub(crate) fn pairs(text: &str) -> Option<Vec<(String, String)>> {
    let w = words(text);
    let first = w.first()?;
    if !first.contains('=') {
        let (key, value) = text.trim().split_once(char::is_whitespace)?;
        return Some(vec![(key.to_owned(), value.trim().to_owned())]);
    }
    w.iter()
        .map(|x| {
            x.split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
        })
        .collect()
}

fn has_reference(value: &str) -> bool {
    value.match_indices('$').any(|(i, _)| {
        value[i + 1..].starts_with(|c: char| c == '{' || c == '_' || c.is_ascii_alphabetic())
    })
}

/// Keys each step sets (decoded pairs or verbatim text), for "is this the last setter".
fn keys_of(step: &Step, keyword: &str) -> Vec<String> {
    match &step.instruction {
        Some(i @ (Instruction::Env(p) | Instruction::Label(p))) if i.keyword() == keyword => {
            p.iter().map(|(k, _)| k.clone()).collect()
        }
        Some(Instruction::Verbatim { keyword: k, text }) if k == keyword => pairs(text)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, _)| k)
            .collect(),
        _ => Vec::new(),
    }
}

/// Replaces verbatim `keyword` (ENV or LABEL) steps holding unexpanded references with the
/// config's values (`config` = the final key/value pairs).
pub(crate) fn resolve(steps: &mut [Step], keyword: &str, config: &[(String, String)]) {
    let lookup = |k: &str| {
        config
            .iter()
            .find(|(ck, _)| ck == k)
            .map(|(_, v)| v.clone())
    };
    for i in 0..steps.len() {
        if steps[i].in_base {
            continue;
        }
        let Some(Instruction::Verbatim { keyword: k, text }) = &steps[i].instruction else {
            continue;
        };
        if k != keyword || !has_reference(text) {
            continue;
        }
        let Some(parsed) = pairs(text) else { continue };
        let later: Vec<String> = steps[i + 1..]
            .iter()
            .flat_map(|s| keys_of(s, keyword))
            .collect();
        let mut changed = false;
        let resolved: Vec<(String, String)> = parsed
            .into_iter()
            .map(|(key, value)| {
                match lookup(&key).filter(|_| has_reference(&value) && !later.contains(&key)) {
                    Some(v) => {
                        changed = true;
                        (key, v)
                    }
                    None => (key, value),
                }
            })
            .collect();
        if !changed {
            continue;
        }
        let original = format!("history: {keyword} {text}");
        steps[i].instruction = Some(if keyword == "ENV" {
            Instruction::Env(resolved)
        } else {
            Instruction::Label(resolved)
        });
        steps[i]
            .flags
            .push(Flag::with(FlagCode::QuotingFromConfig, original));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_words_drop_quotes_and_keep_quoted_spaces() {
        assert_eq!(
            pairs(
                r#"APP_HOME=/app     APP_MODE="production mode"     GREETING='hello "quoted" world'"#
            ),
            Some(vec![
                ("APP_HOME".into(), "/app".into()),
                ("APP_MODE".into(), "production mode".into()),
                ("GREETING".into(), r#"hello "quoted" world"#.into()),
            ])
        );
        assert_eq!(
            pairs("GREETING hello  world"),
            Some(vec![("GREETING".into(), "hello  world".into())])
        );
        assert_eq!(pairs("=x"), None);
    }

    #[test]
    fn references_are_dollar_names_not_lone_dollars() {
        assert!(has_reference("${TARGETPLATFORM}"));
        assert!(has_reference("v$VERSION"));
        assert!(!has_reference("costs 5$"));
        assert!(!has_reference("$1"));
    }
}
