//! Choosing how to pair history with layers when their numbers disagree
//! (created-by-formats.md §6 P4/P5): both alignments are scored by whether the layer each
//! COPY/ADD step gets holds paths under that step's destination. Pure: the caller lists the
//! layers and passes their paths in.

use super::instruction::Instruction;
use super::layer::LayerEntry;
use super::recover::Recovery;
use super::warning::{Alignment, Warning};

/// The default alignment for a count mismatch: from the end on Windows (foreign base layers
/// without history come first), else from the start (Docker's own rule).
pub fn default_alignment(windows: bool) -> Alignment {
    if windows {
        Alignment::End
    } else {
        Alignment::Start
    }
}

/// The other alignment.
pub fn other(a: Alignment) -> Alignment {
    match a {
        Alignment::Start => Alignment::End,
        Alignment::End => Alignment::Start,
    }
}

/// How the alignment reads in a message.
pub fn name(a: Alignment) -> &'static str {
    match a {
        Alignment::Start => "start",
        Alignment::End => "end",
    }
}

/// Whether the pairing had to pick an alignment (history and layers differ in number).
pub fn is_ambiguous(r: &Recovery) -> bool {
    r.warnings.iter().any(|w| {
        matches!(
            w,
            Warning::HistoryShorter { .. } | Warning::HistoryLonger { .. }
        )
    })
}

/// How well a pairing's COPY/ADD steps fit their layers' contents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fit {
    /// Steps whose layer holds paths under the destination.
    pub matched: u32,
    /// Steps whose listed layer holds nothing under it.
    pub missed: u32,
}

impl Fit {
    fn value(self) -> i64 {
        i64::from(self.matched) - i64::from(self.missed)
    }
}

/// Scores `r`: every COPY/ADD step with an absolute destination whose layer was listed
/// counts as matched (it adds something at or under the destination) or missed; steps without a listing or with a relative destination
/// (relative to an unknown WORKDIR) are neutral.
pub fn fit<'a>(r: &Recovery, entries: impl Fn(usize) -> Option<&'a [LayerEntry]>) -> Fit {
    let mut f = Fit::default();
    for step in &r.steps {
        let (Some(layer), Some(dest)) = (step.layer, step.instruction.as_ref().and_then(dest_of))
        else {
            continue;
        };
        let Some(listed) = entries(layer) else {
            continue;
        };
        let dest = dest.trim_matches('/');
        if dest.is_empty() {
            continue;
        }
        if listed
            .iter()
            .any(|e| !e.is_deletion() && under(e.path.as_bytes(), dest.as_bytes()))
        {
            f.matched += 1;
        } else {
            f.missed += 1;
        }
    }
    f
}

/// Picks the alternative only when it fits clearly better (a tie keeps the default).
pub fn prefer_alternative(default: Fit, alternative: Fit) -> bool {
    alternative.value() > default.value()
}

/// The absolute destination of a COPY/ADD, if the step is one.
fn dest_of(i: &Instruction) -> Option<&str> {
    let dest = match i {
        Instruction::Copy(a) | Instruction::Add(a) => a.dest.as_str(),
        Instruction::Verbatim { keyword, text } if keyword == "COPY" || keyword == "ADD" => {
            text.split_whitespace().last()?
        }
        _ => return None,
    };
    dest.starts_with('/').then_some(dest)
}

/// `path` is `dest` or inside it (both without leading or trailing slashes).
fn under(path: &[u8], dest: &[u8]) -> bool {
    path == dest || (path.starts_with(dest) && path.get(dest.len()) == Some(&b'/'))
}

#[cfg(test)]
mod tests;
