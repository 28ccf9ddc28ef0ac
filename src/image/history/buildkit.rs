//! BuildKit's Dockerfile frontend (`comment: buildkit.dockerfile.v0`) and kaniko, whose
//! entries are `KEYWORD args` text (created-by-formats.md §3.3, §3.5).
//!
//! BuildKit appends ` # buildkit` to RUN/COPY/ADD only; RUN keeps the shell prefix and a
//! `|N` build-arg prefix after the keyword; metadata payloads are Go-formatted. kaniko writes
//! the Dockerfile line as written.

use super::payload::{self};
use super::{Parsed, State, keyword_and_payload, run_command};
use crate::image::instruction::Instruction;

const SUFFIX: &str = " # buildkit";

/// Parses one BuildKit entry.
pub(super) fn parse(created_by: &str, state: &mut State) -> Parsed {
    let text = created_by.strip_suffix(SUFFIX).unwrap_or(created_by);
    let (keyword, payload) = keyword_and_payload(text);
    if keyword == "RUN" {
        return run_command(payload, state, false);
    }
    let decoded = payload::go_metadata(&keyword, payload, state.known());
    if let Some(Instruction::Shell(argv)) = &decoded.instruction {
        state.set_shell(argv);
    }
    Parsed::from_decoded(decoded)
}

/// Parses one kaniko entry: the instruction as the Dockerfile spelled it.
pub(super) fn parse_text(created_by: &str, state: &mut State) -> Parsed {
    let (keyword, payload) = keyword_and_payload(created_by);
    let decoded = match keyword.as_str() {
        "ARG" | "ENV" | "LABEL" if !payload.contains(['"', '\'']) => {
            payload::go_metadata(&keyword, payload, state.known())
        }
        _ => payload::dockerfile_text(&keyword, payload),
    };
    Parsed::from_decoded(decoded)
}
