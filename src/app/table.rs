//! Plain-text tables like kubectl's: upper-case headers, columns padded with three spaces.

/// Renders rows under headers; every row must have as many cells as there are headers.
pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push_row = |cells: &mut dyn Iterator<Item = &str>| {
        let mut line = String::new();
        for (i, cell) in cells.enumerate() {
            if i + 1 < widths.len() {
                line.push_str(&format!("{cell:<width$}   ", width = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    };
    push_row(&mut headers.iter().copied());
    for row in rows {
        push_row(&mut row.iter().map(String::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_to_the_widest_cell() {
        let t = render_table(
            &["POD", "IMAGE"],
            &[
                vec!["jumpstart-sql-0".into(), "a".into()],
                vec!["x".into(), "bb".into()],
            ],
        );
        assert_eq!(
            t,
            "POD               IMAGE\njumpstart-sql-0   a\nx                 bb\n"
        );
    }
}
