//! `dfimage diff`: the unified diff of two recovered Dockerfiles, and a per-position table
//! of which layers two images share (same diff_id).
//!
//! Pure functions over the two texts and the two `rootfs.diff_ids` lists; the diff itself is
//! computed by the `similar` crate. No I/O.

use similar::TextDiff;

/// Lines of context around each change, as `diff -u` uses.
pub const CONTEXT_LINES: usize = 3;

/// The unified diff of two Dockerfile texts, with `--- a_label` / `+++ b_label` headers;
/// empty when the texts are identical.
pub fn render_dockerfile_diff(a_label: &str, a: &str, b_label: &str, b: &str) -> String {
    if a == b {
        return String::new();
    }
    TextDiff::from_lines(a, b)
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .header(a_label, b_label)
        .to_string()
}

/// How the layers at one position compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LayerMatch {
    /// Both images have the same diff_id here.
    Identical,
    /// Both have a layer here, with different content.
    Different,
    /// Only image A has a layer at this position.
    OnlyInA,
    /// Only image B has a layer at this position.
    OnlyInB,
}

/// One position of the layer table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerRow {
    /// Zero-based layer position.
    pub index: usize,
    /// A's diff_id at this position.
    pub a: Option<String>,
    /// B's diff_id at this position.
    pub b: Option<String>,
    /// The comparison.
    pub status: LayerMatch,
    /// When A's layer differs here but B has it at another position: that position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a_found_in_b_at: Option<usize>,
    /// When B's layer differs here but A has it at another position: that position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b_found_in_a_at: Option<usize>,
}

/// The layer table of two images.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LayerComparison {
    /// One row per position, up to the longer image.
    pub rows: Vec<LayerRow>,
    /// How many leading layers are identical: the base the two images share.
    pub shared_prefix: usize,
}

/// Compares two diff_id lists position by position.
pub fn compare_layers(a: &[String], b: &[String]) -> LayerComparison {
    let len = a.len().max(b.len());
    let rows: Vec<LayerRow> = (0..len)
        .map(|index| {
            let (left, right) = (a.get(index), b.get(index));
            let status = match (left, right) {
                (Some(x), Some(y)) if x == y => LayerMatch::Identical,
                (Some(_), Some(_)) => LayerMatch::Different,
                (Some(_), None) => LayerMatch::OnlyInA,
                _ => LayerMatch::OnlyInB,
            };
            let elsewhere = |id: Option<&String>, other: &[String]| {
                id.filter(|_| status != LayerMatch::Identical)
                    .and_then(|id| other.iter().position(|o| o == id))
            };
            LayerRow {
                index,
                a: left.cloned(),
                b: right.cloned(),
                status,
                a_found_in_b_at: elsewhere(left, b),
                b_found_in_a_at: elsewhere(right, a),
            }
        })
        .collect();
    let shared_prefix = rows
        .iter()
        .take_while(|r| r.status == LayerMatch::Identical)
        .count();
    LayerComparison {
        rows,
        shared_prefix,
    }
}

/// Renders the table as text lines (no trailing newlines).
pub fn render_layer_table(comparison: &LayerComparison) -> Vec<String> {
    let mut lines = vec![format!(
        "{:<6} {:<19} {:<19} {}",
        "layer", "A", "B", "match"
    )];
    for row in &comparison.rows {
        let mut status = match row.status {
            LayerMatch::Identical => "identical".to_owned(),
            LayerMatch::Different => "different".to_owned(),
            LayerMatch::OnlyInA => "only in A".to_owned(),
            LayerMatch::OnlyInB => "only in B".to_owned(),
        };
        if let Some(at) = row.a_found_in_b_at {
            status.push_str(&format!(" (A's is B's layer {at})"));
        }
        if let Some(at) = row.b_found_in_a_at {
            status.push_str(&format!(" (B's is A's layer {at})"));
        }
        lines.push(format!(
            "{:<6} {:<19} {:<19} {status}",
            row.index,
            short(row.a.as_deref()),
            short(row.b.as_deref())
        ));
    }
    let total = comparison.rows.len();
    lines.push(match comparison.shared_prefix {
        0 => "no shared base layers".to_owned(),
        n if n == total => format!("all {n} layers are identical"),
        n => format!("the first {n} of {total} layers are identical (a shared base)"),
    });
    lines
}

/// `sha256:0123456789ab` (12 hex digits), or `-` for no layer.
fn short(digest: Option<&str>) -> String {
    match digest {
        None => "-".to_owned(),
        Some(d) => {
            let (algorithm, hex) = d.split_once(':').unwrap_or(("", d));
            let hex: String = hex.chars().take(12).collect();
            if algorithm.is_empty() {
                hex
            } else {
                format!("{algorithm}:{hex}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(names: &[&str]) -> Vec<String> {
        names
            .iter()
            .map(|n| format!("sha256:{}", n.repeat(64 / n.len())))
            .collect()
    }

    #[test]
    fn identical_texts_have_an_empty_diff() {
        assert_eq!(render_dockerfile_diff("a", "FROM x\n", "b", "FROM x\n"), "");
    }

    #[test]
    fn a_changed_instruction_shows_as_a_unified_hunk_with_headers() {
        let a = "FROM debian\nRUN apt-get update\nCOPY app /app\nCMD [\"/app\"]\n";
        let b = "FROM debian\nRUN apt-get update\nCOPY app /srv/app\nCMD [\"/app\"]\n";
        assert_eq!(
            render_dockerfile_diff("fluent-bit:arc", a, "fluent-bit:hub", b),
            "--- fluent-bit:arc\n+++ fluent-bit:hub\n@@ -1,4 +1,4 @@\n FROM debian\n RUN apt-get update\n-COPY app /app\n+COPY app /srv/app\n CMD [\"/app\"]\n"
        );
    }

    #[test]
    fn layers_are_compared_by_position_with_the_shared_base_counted() {
        let a = ids(&["a", "b", "c", "d"]);
        let b = ids(&["a", "b", "e"]);
        let table = compare_layers(&a, &b);
        let statuses: Vec<LayerMatch> = table.rows.iter().map(|r| r.status).collect();
        assert_eq!(
            statuses,
            vec![
                LayerMatch::Identical,
                LayerMatch::Identical,
                LayerMatch::Different,
                LayerMatch::OnlyInA
            ]
        );
        assert_eq!(table.shared_prefix, 2);
        assert_eq!(
            render_layer_table(&table),
            vec![
                "layer  A                   B                   match",
                "0      sha256:aaaaaaaaaaaa sha256:aaaaaaaaaaaa identical",
                "1      sha256:bbbbbbbbbbbb sha256:bbbbbbbbbbbb identical",
                "2      sha256:cccccccccccc sha256:eeeeeeeeeeee different",
                "3      sha256:dddddddddddd -                   only in A",
                "the first 2 of 4 layers are identical (a shared base)",
            ]
        );
    }

    #[test]
    fn a_layer_at_another_position_is_pointed_out() {
        let a = ids(&["a", "b"]);
        let b = ids(&["c", "a", "b"]);
        let table = compare_layers(&a, &b);
        assert_eq!(table.shared_prefix, 0);
        assert_eq!(table.rows[0].a_found_in_b_at, Some(1));
        assert_eq!(table.rows[1].b_found_in_a_at, Some(0));
        assert_eq!(table.rows[2].status, LayerMatch::OnlyInB);
        assert_eq!(
            render_layer_table(&table).last().map(String::as_str),
            Some("no shared base layers")
        );
        let same = compare_layers(&a, &a);
        assert_eq!(
            render_layer_table(&same).last().map(String::as_str),
            Some("all 2 layers are identical")
        );
    }
}
