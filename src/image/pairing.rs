//! Pairs history entries with layers (created-by-formats.md §6): the *i*-th non-empty entry
//! owns layer *i*; `empty_layer` is the only truth. On a count mismatch it pairs from the
//! start or from the end (the caller may ask for either after scoring both, see
//! [`super::alignment`]) and warns, never guesses silently, never panics.

use super::config::HistoryEntry;
use super::warning::{Alignment, Warning};

/// The result: per history entry, the owned layer index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pairing {
    /// `layer_of[i]` is the layer owned by history entry `i`.
    pub layer_of: Vec<Option<usize>>,
    /// Layers no entry owns, in order.
    pub unpaired_layers: Vec<usize>,
    /// What did not add up.
    pub warnings: Vec<Warning>,
}

/// Pairs `history` with `layers` layers. Fewer entries than layers align to the start,
/// or to the end on Windows, where base OS layers may lack entries (§6 P4).
pub fn pair(history: &[HistoryEntry], layers: usize, windows: bool) -> Pairing {
    let default = if windows {
        Alignment::End
    } else {
        Alignment::Start
    };
    pair_aligned(history, layers, default)
}

/// Pairs with an explicit alignment for a count mismatch: `Start` gives layer *k* to the
/// *k*-th non-empty entry (surplus layers or entries at the end stay unpaired); `End` pairs
/// the newest entries with the newest layers (the oldest are left over).
pub fn pair_aligned(history: &[HistoryEntry], layers: usize, alignment: Alignment) -> Pairing {
    let end = alignment == Alignment::End;
    let owners: Vec<usize> = history
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.empty_layer)
        .map(|(i, _)| i)
        .collect();
    let mut p = Pairing {
        layer_of: vec![None; history.len()],
        ..Pairing::default()
    };
    if history.is_empty() {
        p.unpaired_layers = (0..layers).collect();
        p.warnings.push(Warning::NoHistory { layers });
        return p;
    }
    let ne = owners.len();
    if ne <= layers {
        let offset = if end { layers - ne } else { 0 };
        for (k, &entry) in owners.iter().enumerate() {
            p.layer_of[entry] = Some(k + offset);
        }
        p.unpaired_layers = (0..offset).chain(offset + ne..layers).collect();
        if ne < layers {
            p.warnings.push(Warning::HistoryShorter {
                entries: ne,
                layers,
                unpaired: p.unpaired_layers.clone(),
                aligned: alignment,
            });
        }
    } else {
        // From the end, the oldest surplus entries are the ones without a layer.
        let skip = if end { ne - layers } else { 0 };
        for (k, &entry) in owners.iter().skip(skip).enumerate().take(layers) {
            p.layer_of[entry] = Some(k);
        }
        let surplus = if end {
            owners[..skip].to_vec()
        } else {
            owners[layers..].to_vec()
        };
        p.warnings.push(Warning::HistoryLonger {
            entries: ne,
            layers,
            surplus,
        });
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(empty: &[bool]) -> Vec<HistoryEntry> {
        empty
            .iter()
            .map(|e| HistoryEntry {
                empty_layer: *e,
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn empty_entries_before_the_first_layer_own_nothing() {
        let p = pair(&h(&[true, true, false, true, false]), 2, false);
        assert_eq!(p.layer_of, [None, None, Some(0), None, Some(1)]);
        assert!(p.warnings.is_empty() && p.unpaired_layers.is_empty());
    }

    #[test]
    fn short_history_pairs_from_the_start_and_warns() {
        let p = pair(&h(&[false, true]), 3, false);
        assert_eq!(p.layer_of, [Some(0), None]);
        assert_eq!(p.unpaired_layers, [1, 2]);
        assert_eq!(
            p.warnings[0].to_string(),
            "history lists 1 non-empty entries for 3 layers; layers 2-3 have no entry (paired from the start)"
        );
    }

    #[test]
    fn short_windows_history_pairs_from_the_end() {
        let p = pair(&h(&[false, false]), 3, true);
        assert_eq!(p.layer_of, [Some(1), Some(2)]);
        assert_eq!(p.unpaired_layers, [0]);
    }

    #[test]
    fn long_history_leaves_the_newest_surplus_without_a_layer() {
        let p = pair(&h(&[false, false, true, false]), 2, false);
        assert_eq!(p.layer_of, [Some(0), Some(1), None, None]);
        assert!(
            matches!(&p.warnings[0], Warning::HistoryLonger { surplus, .. } if surplus == &[3])
        );
    }

    #[test]
    fn end_alignment_of_a_long_history_leaves_the_oldest_surplus_without_a_layer() {
        let p = pair_aligned(&h(&[false, false, false]), 2, Alignment::End);
        assert_eq!(p.layer_of, [None, Some(0), Some(1)]);
        assert!(
            matches!(&p.warnings[0], Warning::HistoryLonger { surplus, .. } if surplus == &[0])
        );
    }

    #[test]
    fn no_history_leaves_every_layer_unpaired() {
        let p = pair(&[], 2, false);
        assert_eq!(p.unpaired_layers, [0, 1]);
        assert_eq!(p.warnings, [Warning::NoHistory { layers: 2 }]);
    }
}
