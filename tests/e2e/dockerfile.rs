//! A small Dockerfile reader for the e2e tests: splits a Dockerfile into instructions
//! (keyword + raw arguments, continuation lines joined, comments kept next to the instruction
//! they surround) and splits argument text into words the way the Dockerfile's ENV/LABEL/ARG
//! syntax does. It does not interpret instructions; `compare.rs` does that.

/// One instruction of a Dockerfile.
#[derive(Debug, Clone)]
pub(crate) struct Instruction {
    /// Upper-case keyword (`RUN`, `COPY`, ...).
    pub keyword: String,
    /// Everything after the keyword, continuation lines joined (`\` + newline removed), trimmed.
    pub args: String,
    /// Comment lines (without `#`) between the previous instruction and this one.
    pub comments_before: Vec<String>,
    /// Comment lines between this instruction and the next one.
    pub comments_after: Vec<String>,
}

impl Instruction {
    /// Every comment next to this instruction, lower-cased, for "is this flagged" checks.
    pub(crate) fn nearby_comments(&self) -> String {
        self.comments_before
            .iter()
            .chain(&self.comments_after)
            .map(|c| c.to_lowercase())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Parses a Dockerfile. Parser directives and comments are not instructions; a comment line
/// inside a continuation is dropped like Docker does.
pub(crate) fn parse(text: &str) -> Vec<Instruction> {
    let mut out: Vec<Instruction> = Vec::new();
    let mut pending_comments = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(comment) = trimmed.strip_prefix('#') {
            if current.is_none() {
                pending_comments.push(comment.trim().to_string());
            }
            continue;
        }
        if current.is_none() && trimmed.is_empty() {
            continue;
        }
        let (body, continues) = match line.strip_suffix('\\') {
            Some(body) => (body, true),
            None => (line, false),
        };
        let joined = match current.take() {
            Some(mut acc) => {
                acc.push_str(body);
                acc
            }
            None => body.trim_start().to_string(),
        };
        if continues {
            current = Some(joined);
        } else {
            push_instruction(&mut out, &joined, &mut pending_comments);
        }
    }
    if let Some(rest) = current {
        push_instruction(&mut out, &rest, &mut pending_comments);
    }
    if let Some(last) = out.last_mut() {
        last.comments_after.append(&mut pending_comments);
    }
    out
}

fn push_instruction(out: &mut Vec<Instruction>, line: &str, comments: &mut Vec<String>) {
    let line = line.trim();
    let (keyword, args) = match line.find(char::is_whitespace) {
        Some(i) => (&line[..i], line[i..].trim()),
        None => (line, ""),
    };
    if let Some(prev) = out.last_mut() {
        prev.comments_after.extend(comments.iter().cloned());
    }
    out.push(Instruction {
        keyword: keyword.to_uppercase(),
        args: args.to_string(),
        comments_before: std::mem::take(comments),
        comments_after: Vec::new(),
    });
}

/// The instructions of the last stage, without its FROM, plus that FROM (if any).
pub(crate) fn final_stage(all: &[Instruction]) -> (Option<&Instruction>, &[Instruction]) {
    match all.iter().rposition(|i| i.keyword == "FROM") {
        Some(pos) => (Some(&all[pos]), &all[pos + 1..]),
        None => (None, all),
    }
}

/// Splits text into words like the Dockerfile's ENV/LABEL/ARG syntax: whitespace separates,
/// single quotes are literal, double quotes allow `\"`, `\\` and `\$`, a backslash outside
/// quotes escapes the next character.
pub(crate) fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"' | '\\' | '$')) => {
                            word.extend(chars.next());
                        }
                        c => word.push(c),
                    }
                }
            }
            '\\' => {
                in_word = true;
                word.extend(chars.next());
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// Collapses whitespace outside quotes to one space, so shell text compares by meaning of its
/// layout while every quoted string keeps its exact bytes.
pub(crate) fn normalise_shell(text: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut pending_space = false;
    let mut escaped = false;
    for c in text.trim().chars() {
        if quote.is_none() && !escaped && c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(c);
        if escaped {
            escaped = false;
        } else if c == '\\' && quote != Some('\'') {
            escaped = true;
        } else if quote == Some(c) {
            quote = None;
        } else if quote.is_none() && (c == '"' || c == '\'') {
            quote = Some(c);
        }
    }
    out
}

/// A JSON array of strings (`["a", "b"]`), if the text is one.
pub(crate) fn json_array(text: &str) -> Option<Vec<String>> {
    let text = text.trim();
    if !text.starts_with('[') {
        return None;
    }
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuations_keeping_inner_whitespace_and_attaches_comments() {
        let df = "# top\nFROM x\nRUN a   &&  b \\\n    && c\n# after run\nENV K=v\n";
        let all = parse(df);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].comments_before, vec!["top"]);
        assert_eq!(all[1].args, "a   &&  b     && c");
        assert_eq!(all[1].comments_after, vec!["after run"]);
        assert_eq!(all[2].comments_before, vec!["after run"]);
    }

    #[test]
    fn words_follow_dockerfile_quoting() {
        assert_eq!(
            words(r#"A=/app  B="production mode" C='hello "q" world' D=a\ b"#),
            vec![
                "A=/app",
                "B=production mode",
                r#"C=hello "q" world"#,
                "D=a b"
            ]
        );
    }

    #[test]
    fn shell_normalisation_keeps_quoted_spaces() {
        assert_eq!(
            normalise_shell(r#"echo  "two  spaces"   &&  echo 'x  y' "#),
            r#"echo "two  spaces" && echo 'x  y'"#
        );
    }
}
