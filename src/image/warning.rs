//! Non-fatal problems found while recovering a Dockerfile. The lead prints them on stderr
//! through the reporter; they never change the exit code (DESIGN.md §7).

use std::fmt;

/// Which end history entries were aligned to when they were fewer than the layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Alignment {
    /// Entry *i* owns layer *i* (Docker's own rule).
    Start,
    /// The last entry owns the last layer (Windows: the foreign base OS layers come first).
    End,
}

/// A non-fatal problem with the image's history or layers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Warning {
    /// The config has no history at all.
    NoHistory {
        /// Layers in the image.
        layers: usize,
    },
    /// Fewer non-empty entries than layers (created-by-formats.md §6 P4).
    HistoryShorter {
        /// Non-empty entries.
        entries: usize,
        /// Layers.
        layers: usize,
        /// Layer indexes (0-based) without an entry.
        unpaired: Vec<usize>,
        /// How the entries were aligned.
        aligned: Alignment,
    },
    /// More non-empty entries than layers (§6 P5).
    HistoryLonger {
        /// Non-empty entries.
        entries: usize,
        /// Layers.
        layers: usize,
        /// History indexes (0-based) that claim a layer but got none.
        surplus: Vec<usize>,
    },
    /// The manifest and `rootfs.diff_ids` disagree on the number of layers.
    LayerCountMismatch {
        /// `rootfs.diff_ids` length.
        diff_ids: usize,
        /// Manifest layers.
        manifest_layers: usize,
    },
    /// Some entries were not recognised and are shown raw as comments.
    UnknownEntries {
        /// History indexes (0-based).
        entries: Vec<usize>,
    },
}

fn ranges(v: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        while i + 1 < v.len() && v[i + 1] == end + 1 {
            i += 1;
            end = v[i];
        }
        parts.push(if start == end {
            format!("{}", start + 1)
        } else {
            format!("{}-{}", start + 1, end + 1)
        });
        i += 1;
    }
    parts.join(", ")
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoHistory { layers } => {
                write!(
                    f,
                    "the image config has no history: {layers} layers, instructions unknown"
                )
            }
            Self::HistoryShorter {
                entries,
                layers,
                unpaired,
                aligned,
            } => write!(
                f,
                "history lists {entries} non-empty entries for {layers} layers; {} {} {} no entry (paired from the {})",
                if unpaired.len() == 1 {
                    "layer"
                } else {
                    "layers"
                },
                ranges(unpaired),
                if unpaired.len() == 1 { "has" } else { "have" },
                match aligned {
                    Alignment::Start => "start",
                    Alignment::End => "end",
                }
            ),
            Self::HistoryLonger {
                entries,
                layers,
                surplus,
            } => write!(
                f,
                "history lists {entries} non-empty entries for {layers} layers; entries {} have no layer",
                ranges(surplus)
            ),
            Self::LayerCountMismatch {
                diff_ids,
                manifest_layers,
            } => write!(
                f,
                "the config lists {diff_ids} diff_ids but the manifest {manifest_layers} layers: the image is inconsistent"
            ),
            Self::UnknownEntries { entries } => {
                write!(
                    f,
                    "history entries {} were not recognised and are shown as comments",
                    ranges(entries)
                )
            }
        }
    }
}
