//! Candidates for kubectl's plugin completion protocol (pure over the clap command).
//!
//! kubectl (≥ 1.26) runs `kubectl_complete-dfimage WORDS…` for `kubectl dfimage …<TAB>`, the
//! last word being the one under the cursor, and reads one candidate per line
//! (`candidate<TAB>description`) followed by `:<cobra directive>`: 4 = no file completion,
//! 0 = default (files allowed).

/// cobra's ShellCompDirectiveNoFileComp.
const NO_FILES: u8 = 4;
/// cobra's ShellCompDirectiveDefault.
const DEFAULT: u8 = 0;

/// The completion answer: candidates and the directive line.
pub fn complete(root: &clap::Command, words: &[String]) -> String {
    let (current, before) = match words.split_last() {
        Some((c, b)) => (c.as_str(), b),
        None => ("", &[][..]),
    };
    // Walk into subcommands named by earlier words.
    let mut cmd = root;
    for w in before {
        if let Some(sub) = cmd.find_subcommand(w) {
            cmd = sub;
        }
    }
    let mut out = String::new();
    // A flag waiting for its value: offer the value's possible values.
    if let Some(prev) = before.last()
        && let Some(arg) = find_flag(root, cmd, prev)
        && arg.get_action().takes_values()
    {
        let values = arg.get_possible_values();
        for v in values.iter().filter(|v| !v.is_hide_set()) {
            if v.get_name().starts_with(current) {
                line(&mut out, v.get_name(), v.get_help().map(|h| h.to_string()));
            }
        }
        let directive = if values.is_empty() { DEFAULT } else { NO_FILES };
        out.push_str(&format!(":{directive}\n"));
        return out;
    }
    if current.starts_with('-') {
        for arg in cmd
            .get_arguments()
            .chain(root.get_arguments().filter(|a| a.is_global_set()))
        {
            if arg.is_hide_set() {
                continue;
            }
            if let Some(long) = arg.get_long() {
                let flag = format!("--{long}");
                if flag.starts_with(current) {
                    line(&mut out, &flag, arg.get_help().map(|h| h.to_string()));
                }
            }
        }
        out.push_str(&format!(":{NO_FILES}\n"));
        return out;
    }
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name().starts_with(current) {
            line(
                &mut out,
                sub.get_name(),
                sub.get_about().map(|h| h.to_string()),
            );
        }
    }
    // SOURCE and cp paths may be files: let the shell complete them too.
    out.push_str(&format!(":{DEFAULT}\n"));
    out
}

fn find_flag<'a>(
    root: &'a clap::Command,
    cmd: &'a clap::Command,
    word: &str,
) -> Option<&'a clap::Arg> {
    let matches = |a: &&clap::Arg| {
        word.strip_prefix("--")
            .is_some_and(|l| a.get_long() == Some(l))
            || (word.len() == 2
                && word.starts_with('-')
                && a.get_short().is_some_and(|s| word.ends_with(s)))
    };
    cmd.get_arguments()
        .find(matches)
        .or_else(|| root.get_arguments().find(matches))
}

fn line(out: &mut String, candidate: &str, help: Option<String>) {
    out.push_str(candidate);
    if let Some(h) = help {
        let first = h.lines().next().unwrap_or_default().trim_end_matches('.');
        out.push('\t');
        out.push_str(first);
    }
    out.push('\n');
}

/// The `kubectl_complete-dfimage` shim kubectl runs for plugin completion.
pub fn kubectl_shim() -> String {
    "#!/bin/sh\n# Installed by `kubectl dfimage completion kubectl-shim`: kubectl runs this for\n# `kubectl dfimage <TAB>`.\nexec kubectl-dfimage __complete \"$@\"\n".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn subcommands_complete_at_the_first_word() {
        let out = complete(&crate::cli::command("kubectl dfimage"), &words(&["com"]));
        assert!(out.starts_with("completion\t"), "{out}");
        assert!(out.ends_with(":0\n"), "{out}");
    }

    #[test]
    fn value_enums_complete_after_their_flag_without_files() {
        let out = complete(&crate::cli::command("kubectl dfimage"), &words(&["-o", ""]));
        assert!(out.contains("dockerfile") && out.contains("json"), "{out}");
        assert!(out.ends_with(":4\n"), "{out}");
    }

    #[test]
    fn long_flags_complete_from_a_dash_prefix_including_globals() {
        let out = complete(&crate::cli::command("kubectl dfimage"), &words(&["--na"]));
        assert!(out.starts_with("--namespace\t"), "{out}");
        let out = complete(&crate::cli::command("kubectl dfimage"), &words(&["--pla"]));
        assert!(
            out.contains("--platform") && out.contains("--plain-http"),
            "{out}"
        );
    }
}
