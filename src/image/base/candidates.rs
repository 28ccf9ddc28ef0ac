//! `--base REF` candidates compared with the image (base-image-detection.md §2.5): the
//! candidate's diff_ids a prefix of the image's (strong), its history entries equal to the
//! image's first entries (weaker, or agreeing), and the best of several.
//!
//! Pure: two configs in, a verdict out. Opening the candidates is the caller's job.

use super::super::config::{HistoryEntry, ImageConfig};

/// A candidate as opened: what the user named, its digest, its config.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// The reference as given.
    pub reference: &'a str,
    /// Its index digest when it is an index, else its manifest digest.
    pub digest: Option<&'a str>,
    /// Its config.
    pub config: &'a ImageConfig,
}

/// How a candidate relates to the image, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strength {
    /// Not a base of the image.
    None,
    /// Its history entries are the image's first ones, but its layers are not (a rebuilt base?).
    History,
    /// Its layers are the image's first layers.
    Layers,
    /// Layers and history both agree.
    LayersAndHistory,
}

/// The comparison of one candidate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CandidateMatch {
    /// The reference as given.
    pub reference: String,
    /// Its digest.
    pub digest: Option<String>,
    /// The verdict.
    pub strength: Strength,
    /// The candidate's layer count.
    pub layers: usize,
    /// Leading layers (diff_ids) it shares with the image.
    pub shared_layers: usize,
    /// The candidate's history length.
    pub history: usize,
    /// Leading history entries equal to the image's.
    pub shared_history: usize,
    /// In words, for comments and `-o json`.
    pub detail: String,
}

impl CandidateMatch {
    /// `reference@digest` (the reference alone when it already pins one).
    pub fn pinned(&self) -> String {
        match &self.digest {
            Some(d) if !self.reference.contains('@') => format!("{}@{d}", self.reference),
            _ => self.reference.clone(),
        }
    }
}

fn same_entry(a: &HistoryEntry, b: &HistoryEntry) -> bool {
    let text = |e: &HistoryEntry| e.created_by.as_deref().unwrap_or("").trim().to_owned();
    text(a) == text(b) && a.empty_layer == b.empty_layer
}

fn leading<T>(a: &[T], b: &[T], eq: impl Fn(&T, &T) -> bool) -> usize {
    a.iter().zip(b).take_while(|(x, y)| eq(x, y)).count()
}

/// Compares one candidate with the image's config.
pub fn compare(image: &ImageConfig, c: &Candidate<'_>) -> CandidateMatch {
    let (cl, il) = (&c.config.diff_ids, &image.diff_ids);
    let (ch, ih) = (&c.config.history, &image.history);
    let shared_layers = leading(cl, il, |a, b| a == b);
    let shared_history = leading(ch, ih, same_entry);
    let layers_prefix = !cl.is_empty() && shared_layers == cl.len();
    let history_prefix = !ch.is_empty() && shared_history == ch.len();
    let itself = layers_prefix && cl.len() == il.len() && ch.len() == ih.len();
    let strength = match (layers_prefix, history_prefix) {
        _ if itself => Strength::None,
        (true, true) => Strength::LayersAndHistory,
        (true, false) => Strength::Layers,
        (false, true) => Strength::History,
        (false, false) => Strength::None,
    };
    let layers = format!("layers: {shared_layers}/{} are the image's first", cl.len());
    let history = if history_prefix {
        format!("history: its {} entries match", ch.len())
    } else if ch.is_empty() {
        "history: none".to_owned()
    } else {
        format!("history: differs at entry {}", shared_history + 1)
    };
    let detail = if itself {
        "same layers and history as the image: a copy of it, not its base".to_owned()
    } else {
        format!("{layers}; {history}")
    };
    CandidateMatch {
        reference: c.reference.to_owned(),
        digest: c.digest.map(str::to_owned),
        strength,
        layers: cl.len(),
        shared_layers,
        history: ch.len(),
        shared_history,
        detail,
    }
}

/// The outcome over all candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice<'a> {
    /// No candidate is a base.
    None,
    /// One candidate is best (others with the same digest are the same image).
    Best(&'a CandidateMatch),
    /// Several different images match equally well.
    Tie(Vec<&'a CandidateMatch>),
}

/// The longest, strongest match; equal matches of different images are a tie.
pub fn choose(matches: &[CandidateMatch]) -> Choice<'_> {
    let key = |m: &CandidateMatch| (m.strength, m.shared_layers, m.shared_history);
    let Some(top) = matches
        .iter()
        .filter(|m| m.strength != Strength::None)
        .max_by_key(|m| key(m))
    else {
        return Choice::None;
    };
    let mut tied: Vec<&CandidateMatch> = Vec::new();
    for m in matches.iter().filter(|m| key(m) == key(top)) {
        let known = tied
            .iter()
            .any(|t| t.digest.is_some() && t.digest == m.digest);
        if !known {
            tied.push(m);
        }
    }
    match tied.as_slice() {
        [one] => Choice::Best(one),
        _ => Choice::Tie(tied),
    }
}

#[cfg(test)]
#[path = "candidates_tests.rs"]
mod tests;
