//! Lays out shell-form command text (RUN, CMD, ENTRYPOINT, HEALTHCHECK) as Dockerfile lines
//! without changing a single character of the command.
//!
//! The Dockerfile parser deletes a trailing `\` and the newline after it and keeps every other
//! byte, including the next line's indentation. So a break is inserted only as `\` + newline,
//! never with added indentation, and only between commands (before a top-level `&&`/`||`,
//! after a top-level `;`). Text with real newlines (heredoc scripts) becomes a heredoc. Whaler
//! collapses whitespace here and corrupts scripts (anchors.md §1.1); this must not.

/// Width above which a command is broken between commands.
const WIDTH: usize = 80;

/// How shell text is laid out: the first line follows the keyword; later lines stand alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    /// One or more lines joined by `\` continuations; rejoining them gives the text back.
    Lines(Vec<String>),
    /// Text that already is a Dockerfile heredoc (`cat <<EOF > f`, body, `EOF`): as is.
    Raw(Vec<String>),
    /// A heredoc: `<<TERM` after the keyword, then the body lines, then `TERM`.
    Heredoc {
        terminator: String,
        body: Vec<String>,
    },
}

/// Lays out `text` for `KEYWORD <text>`.
pub(crate) fn layout(text: &str, escape: char) -> Layout {
    // A last line ending in `\` would swallow the next instruction as a continuation.
    if let Some(lines) = own_heredoc(text) {
        return Layout::Raw(lines);
    }
    if text.contains('\n') || text.trim_end_matches([' ', '\t']).ends_with(escape) {
        return heredoc(text);
    }
    // The source's own line breaks left a trace: the space before its `\` and the tab that
    // indented the next line (` \t`). Breaking there restores the author's layout.
    let traces = trace_points(text);
    if !traces.is_empty() {
        return Layout::Lines(split(text, traces.into_iter().map(|p| (p, true)), escape));
    }
    if text.len() <= WIDTH {
        return Layout::Lines(vec![text.to_owned()]);
    }
    Layout::Lines(split(text, break_points(text).into_iter(), escape))
}

fn split(text: &str, points: impl Iterator<Item = (usize, bool)>, escape: char) -> Vec<String> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (point, always) in points {
        let rest = &text[point..];
        // A continuation line that starts with `#` is dropped by the parser; one that is blank
        // is an empty continuation. Never create either.
        if point <= start || rest.trim_start().starts_with('#') || rest.trim().is_empty() {
            continue;
        }
        if always || point - start > WIDTH {
            lines.push(format!("{}{escape}", &text[start..point]));
            start = point;
        }
    }
    lines.push(text[start..].to_owned());
    lines
}

/// Offsets just after each ` ` that is followed by a tab, and after the first of three or
/// more spaces before `&&`/`||` (space-indented continuation lines).
fn trace_points(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut points: Vec<usize> = b
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w == b" \t")
        .map(|(i, _)| i + 1)
        .collect();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b' ' && (i == 0 || b[i - 1] != b' ') {
            let run = b[i..].iter().take_while(|c| **c == b' ').count();
            let after = &b[i + run..];
            if run >= 3 && (after.starts_with(b"&&") || after.starts_with(b"||")) {
                points.push(i + 1);
            }
            i += run;
        } else {
            i += 1;
        }
    }
    points.sort_unstable();
    points
}

/// The terminator word of the first heredoc on `line` (`<<EOF`, `<<-EOF`, `<<'EOF'`).
pub(crate) fn heredoc_word(line: &str) -> Option<&str> {
    let pos = line.find("<<")?;
    let word = line[pos + 2..]
        .trim_start_matches('-')
        .split([' ', '\t'])
        .next()?;
    let word = word.trim_matches(|c| c == '"' || c == '\'');
    (!word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(word)
}

/// BuildKit and buildah record `RUN cat <<EOF > f` as the command line, the body and the
/// terminator: that is Dockerfile heredoc syntax already.
fn own_heredoc(text: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = text.trim_end_matches('\n').split('\n').collect();
    let word = heredoc_word(lines.first()?)?;
    let last = lines.last()?.trim_start_matches('\t');
    (lines.len() >= 2 && last == word).then(|| lines.iter().map(|l| (*l).to_owned()).collect())
}

fn heredoc(text: &str) -> Layout {
    let mut body: Vec<String> = text.split('\n').map(str::to_owned).collect();
    if body.len() > 1 && body.last().is_some_and(String::is_empty) {
        body.pop();
    }
    let mut terminator = "EOF".to_owned();
    let mut n = 0;
    let taken: std::collections::HashSet<&str> = body.iter().map(|l| l.trim()).collect();
    while taken.contains(terminator.as_str()) {
        n += 1;
        terminator = format!("EOF{n}");
    }
    Layout::Heredoc { terminator, body }
}

/// Byte offsets where a `\`+newline may go, and whether it is a `&&`/`||` (always broken
/// in a long command) rather than a `;` (broken only when the line runs long).
fn break_points(text: &str) -> Vec<(usize, bool)> {
    let bytes = text.as_bytes();
    let mut points = Vec::new();
    let (mut single, mut double, mut escaped) = (false, false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if escaped {
            escaped = false;
        } else if single {
            single = b != b'\'';
        } else if b == b'\\' {
            escaped = true;
        } else if b == b'\'' && !double {
            single = true;
        } else if b == b'"' {
            double = !double;
        } else if !double {
            let next = bytes.get(i + 1).copied();
            if (b == b'&' && next == Some(b'&')) || (b == b'|' && next == Some(b'|')) {
                if i > 0 {
                    points.push((before_operator(bytes, i), true));
                }
                i += 2;
                continue;
            }
            if b == b';' && next != Some(b';') && i > 0 && bytes[i - 1] != b';' {
                let mut p = i + 1;
                if bytes.get(p).is_some_and(|c| *c == b' ' || *c == b'\t') {
                    p += 1;
                }
                points.push((p, false));
            }
        }
        i += 1;
    }
    points.retain(|(p, _)| *p > 0 && *p < text.len());
    points.dedup();
    points
}

/// Where to break before an operator at `op`: after the first blank of the run of blanks
/// before it (so `x \t&& y` becomes `x \` / `\t&& y`, the shape the source most likely had).
fn before_operator(bytes: &[u8], op: usize) -> usize {
    let mut s = op;
    while s > 0 && (bytes[s - 1] == b' ' || bytes[s - 1] == b'\t') {
        s -= 1;
    }
    if s < op { s + 1 } else { op }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What the Dockerfile parser does with continuation lines: drop each trailing `\` and
    /// concatenate, keeping everything else.
    pub(crate) fn rejoin(lines: &[String]) -> String {
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate() {
            if i + 1 < lines.len() {
                out.push_str(
                    l.strip_suffix('\\')
                        .expect("continued lines end in a backslash"),
                );
            } else {
                out.push_str(l);
            }
        }
        out
    }

    fn lines(text: &str) -> Vec<String> {
        match layout(text, '\\') {
            Layout::Lines(l) => l,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn long_chains_break_before_operators_and_rejoin_to_the_same_bytes() {
        let text = "apt-get update \t&& apt-get install -y --no-install-recommends ca-certificates curl \t&& rm -rf /var/lib/apt/lists/*";
        let l = lines(text);
        assert_eq!(l.len(), 3);
        assert_eq!(l[0], "apt-get update \\");
        assert!(l[1].starts_with("\t&& apt-get install"));
        assert_eq!(rejoin(&l), text);
    }

    #[test]
    fn continuation_traces_restore_the_source_layout() {
        let text = "mkdir -p \"$P\" \t&& chown www-data \"$P\"";
        assert_eq!(
            lines(text),
            ["mkdir -p \"$P\" \\", "\t&& chown www-data \"$P\""]
        );
        let deps = "buildDeps=' \t\tbzip2 \t\tgcc \t' \t&& make";
        let l = lines(deps);
        assert_eq!(l.len(), 5, "{l:?}");
        assert_eq!(rejoin(&l), deps);
    }

    #[test]
    fn whitespace_inside_commands_is_never_touched() {
        let text = "printf '%s  &&  %s\\n' a b &&   echo \"x  && y\"   ;  echo done; echo 'tab\there' && true && true && true && true";
        let l = lines(text);
        assert_eq!(rejoin(&l), text);
        assert!(
            l.iter().all(|line| !line.contains("'%s \\")),
            "no break inside quotes: {l:?}"
        );
    }

    #[test]
    fn short_commands_stay_on_one_line() {
        assert_eq!(lines("make && make install"), ["make && make install"]);
    }

    #[test]
    fn no_continuation_line_starts_with_a_comment_marker() {
        let text = format!("{} ; #not a comment to drop && echo x", "a".repeat(90));
        let l = lines(&text);
        assert!(
            l.iter().skip(1).all(|x| !x.trim_start().starts_with('#')),
            "{l:?}"
        );
        assert_eq!(rejoin(&l), text);
    }

    #[test]
    fn a_trailing_backslash_cannot_continue_onto_the_next_instruction() {
        assert!(matches!(layout("echo x \\", '\\'), Layout::Heredoc { .. }));
        assert!(matches!(
            layout("echo x \\  ", '\\'),
            Layout::Heredoc { .. }
        ));
    }

    #[test]
    fn recorded_heredocs_are_kept_as_written() {
        let text = "cat <<EOF > /etc/motd\nhello\nEOF\n";
        assert_eq!(
            layout(text, '\\'),
            Layout::Raw(vec![
                "cat <<EOF > /etc/motd".into(),
                "hello".into(),
                "EOF".into()
            ])
        );
        assert!(matches!(
            layout("<<-'END'\n\techo hi\n\tEND", '\\'),
            Layout::Raw(_)
        ));
        assert!(matches!(
            layout("cat <<EOF\nno terminator", '\\'),
            Layout::Heredoc { .. }
        ));
    }

    #[test]
    fn multi_line_scripts_become_heredocs_with_a_free_terminator() {
        match layout("echo a\nEOF\necho b\n", '\\') {
            Layout::Heredoc { terminator, body } => {
                assert_eq!(terminator, "EOF1");
                assert_eq!(body, ["echo a", "EOF", "echo b"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
