//! `--secrets` masks in the product too: every value a history or config finding matched is
//! replaced by its mask wherever the rendered text repeats it (the Dockerfile, its base-image
//! comments, the JSON document, an original Dockerfile from provenance). Pure text in, text
//! out.
//!
//! Text replacement, not re-rendering: whatever printed the value (an instruction, a
//! comment, a JSON string) prints the mask instead. Values are matched as written and in
//! their JSON-escaped form; a value the renderer re-quoted differently would be missed.

use super::finding::{SecretFinding, mask};

/// Values shorter than this are never secrets to the scanner (`is_literal`), and replacing
/// them everywhere could change unrelated text.
const MIN_LEN: usize = 4;

/// `text` with each finding's value replaced by its mask.
pub fn redact(text: &str, findings: &[SecretFinding]) -> String {
    let mut values: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.value.as_ref().map(|v| v.expose()))
        .filter(|v| v.chars().count() >= MIN_LEN)
        .collect();
    // Longest first, so a value that contains another is masked whole.
    values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    values.dedup();
    let mut out = text.to_owned();
    for value in values {
        let masked = mask(value);
        out = out.replace(value, &masked);
        // Inside a JSON string both the value and its mask are escaped (the mask keeps the
        // first characters, which may need escaping themselves).
        let (escaped, escaped_mask) = (json_inner(value), json_inner(&masked));
        if escaped != value {
            out = out.replace(&escaped, &escaped_mask);
        }
    }
    out
}

/// `s` as it reads between the quotes of a JSON string.
fn json_inner(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(s)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::secrets::{HistoryField, Location, Rule, SecretValue};

    fn finding(value: &str) -> SecretFinding {
        SecretFinding {
            location: Location::History {
                step: 0,
                field: HistoryField::Run,
            },
            rule: Rule::CommandLineSecret,
            masked: Some(mask(value)),
            value: Some(SecretValue::new(value)),
        }
    }

    #[test]
    fn every_occurrence_is_masked_longest_value_first_and_in_json_strings() {
        let text = "ENV DB_PASSWORD=hunter2hunter2\n# ENV DB_PASSWORD=hunter2hunter2\nRUN curl -u admin:hunter2hunter2x https://x\n{\"t\": \"pa\\\"ss\\\"word1\"}\n";
        let out = redact(
            text,
            &[
                finding("hunter2hunter2"),
                finding("hunter2hunter2x"),
                finding("pa\"ss\"word1"),
            ],
        );
        assert_eq!(
            out,
            "ENV DB_PASSWORD=hunt****\n# ENV DB_PASSWORD=hunt****\nRUN curl -u admin:hunt**** https://x\n{\"t\": \"pa\\\"s****\"}\n"
        );
    }

    #[test]
    fn short_values_and_file_findings_leave_the_text_alone() {
        let mut file = finding("abcdefgh");
        file.value = None;
        let text = "FROM abc\nRUN echo abcdefgh\n";
        assert_eq!(redact(text, &[finding("abc"), file]), text);
    }
}
