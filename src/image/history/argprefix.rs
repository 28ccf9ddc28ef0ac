//! The `|N K=V …` build-arg prefix that the classic builder and BuildKit put before a RUN
//! command (created-by-formats.md §3.1 `prependEnvOnCmd`, §3.3 `runCommandString`).
//!
//! Values are unquoted, so a value with spaces is ambiguous: pairs are split at tokens that
//! start with a known ARG name and `=`, and the region ends where a known shell prefix starts.

/// A stripped prefix: the pairs in order, the command after them, and whether the split was
/// a guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArgPrefix<'a> {
    pub pairs: Vec<(String, String)>,
    pub rest: &'a str,
    pub ambiguous: bool,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Splits `A=1 B=x y C=3` into pairs. A new pair starts at a space followed by `NAME=`, where
/// NAME is one of `known` when `known` is not empty. Returns `None` without a leading `NAME=`.
pub(crate) fn split_pairs(region: &str, known: &[String]) -> Option<Vec<(String, String)>> {
    let starts_pair = |s: &str| {
        s.split_once('=').is_some_and(|(name, _)| {
            is_name(name) && (known.is_empty() || known.iter().any(|k| k == name))
        })
    };
    if !starts_pair(region) {
        return None;
    }
    let mut cuts = vec![0];
    for (i, _) in region.match_indices(' ') {
        if starts_pair(&region[i + 1..]) {
            cuts.push(i + 1);
        }
    }
    cuts.push(region.len() + 1);
    let pairs = cuts
        .windows(2)
        .map(|w| {
            let seg = &region[w[0]..w[1] - 1];
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    Some(pairs)
}

/// Strips a `|N` prefix from `text`. `shells` are the shell prefixes that may follow the pairs
/// (`/bin/sh -c`, the tracked SHELL); `known` the ARG names declared so far.
pub(crate) fn strip<'a>(
    text: &'a str,
    known: &[String],
    shells: &[String],
) -> Option<ArgPrefix<'a>> {
    let after_bar = text.strip_prefix('|')?;
    let (count, body) = after_bar.split_once(' ')?;
    let n: usize = count.parse().ok()?;
    if n == 0 {
        return Some(ArgPrefix {
            pairs: Vec::new(),
            rest: body,
            ambiguous: false,
        });
    }
    // The pairs end where a shell prefix starts; take the first such position that leaves
    // exactly n pairs, else the first one at all.
    let mut fallback = None;
    for shell in shells.iter().filter(|s| !s.is_empty()) {
        let needle = format!(" {shell} ");
        // Bounded: a hostile entry may repeat the shell prefix many times.
        for (pos, _) in body.match_indices(&needle).take(64) {
            let region = &body[..pos];
            let rest = &body[pos + 1..];
            for names in [known, &[][..]] {
                if let Some(pairs) = split_pairs(region, names) {
                    if pairs.len() == n {
                        return Some(ArgPrefix {
                            pairs,
                            rest,
                            ambiguous: false,
                        });
                    }
                    fallback.get_or_insert(ArgPrefix {
                        pairs,
                        rest,
                        ambiguous: true,
                    });
                }
            }
        }
    }
    if fallback.is_some() {
        return fallback;
    }
    // No shell prefix follows: an exec-form RUN. Assume values without spaces.
    let mut rest = body;
    let mut pairs = Vec::with_capacity(n);
    for _ in 0..n {
        let (pair, r) = rest.split_once(' ').unwrap_or((rest, ""));
        let (k, v) = pair.split_once('=')?;
        pairs.push((k.to_owned(), v.to_owned()));
        rest = r;
    }
    Some(ArgPrefix {
        pairs,
        rest,
        ambiguous: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh() -> Vec<String> {
        vec!["/bin/sh -c".to_owned()]
    }

    #[test]
    fn classic_sorted_pairs_are_stripped() {
        let p = strip("|2 A=1 B=2 /bin/sh -c make", &[], &sh()).unwrap();
        assert_eq!(
            p.pairs,
            [("A".into(), "1".into()), ("B".into(), "2".into())]
        );
        assert_eq!(p.rest, "/bin/sh -c make");
        assert!(!p.ambiguous);
    }

    #[test]
    fn values_with_spaces_split_at_known_names() {
        let known = vec!["MSG".to_owned(), "pkg".to_owned()];
        let p = strip(
            "|2 MSG=hello x=y world pkg=curl /bin/sh -c apk add $pkg",
            &known,
            &sh(),
        )
        .unwrap();
        assert_eq!(
            p.pairs,
            [
                ("MSG".into(), "hello x=y world".into()),
                ("pkg".into(), "curl".into())
            ]
        );
        assert_eq!(p.rest, "/bin/sh -c apk add $pkg");
    }

    #[test]
    fn a_shell_prefix_inside_a_value_is_skipped_when_counts_disagree() {
        let p = strip("|2 CMD=run /bin/sh -c now B=1 /bin/sh -c echo", &[], &sh()).unwrap();
        assert_eq!(
            p.pairs,
            [
                ("CMD".into(), "run /bin/sh -c now".into()),
                ("B".into(), "1".into())
            ]
        );
        assert_eq!(p.rest, "/bin/sh -c echo");
    }

    #[test]
    fn exec_form_runs_take_the_first_n_tokens() {
        let p = strip("|1 V=2 make all", &[], &sh()).unwrap();
        assert_eq!(p.pairs, [("V".into(), "2".into())]);
        assert_eq!(p.rest, "make all");
    }

    #[test]
    fn custom_shells_end_the_region() {
        let shells = vec!["/bin/bash -o pipefail -c".to_owned()];
        let p = strip("|1 a=b /bin/bash -o pipefail -c curl x | sh", &[], &shells).unwrap();
        assert_eq!(p.rest, "/bin/bash -o pipefail -c curl x | sh");
    }

    #[test]
    fn text_without_a_prefix_is_left_alone() {
        assert_eq!(strip("/bin/sh -c |1 x", &[], &sh()), None);
        assert_eq!(strip("|x A=1 ls", &[], &sh()), None);
    }
}
