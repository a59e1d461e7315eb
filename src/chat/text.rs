//! Text every platform shows the same way: cut to a platform's limit saying so, and an Ask
//! keel answer as plain text (the sentence, the table in a code block, how it was computed).

use crate::domain::ShownTable;

/// `text` cut to `max` characters, saying so. A cut never ends in the middle of a backslash
/// escape, which would escape the mark instead.
pub fn fit(text: &str, max: usize) -> String {
    const MARK: &str = "… (cut)";
    if text.chars().count() <= max {
        return text.to_string();
    }
    let keep = max.saturating_sub(MARK.chars().count());
    let mut cut: String = text.chars().take(keep).collect();
    let backslashes = cut.chars().rev().take_while(|c| *c == '\\').count();
    if backslashes % 2 == 1 {
        cut.pop();
    }
    cut.push_str(MARK);
    cut
}

/// An answer as plain text: the sentence, the table (monospace, in a code block that its cells
/// cannot close), and how it was computed. `escape` is the platform's escaping of what is not
/// code.
pub fn answer_text(
    text: &str,
    table: Option<&ShownTable>,
    how: &str,
    escape: impl Fn(&str) -> String,
) -> String {
    match table {
        Some(table) => {
            let table = table.monospace().replace("```", "'''");
            format!("{}\n```\n{table}\n```\n{}", escape(text), escape(how))
        }
        None => format!("{}\n{}", escape(text), escape(how)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_to_its_limit_saying_so_and_never_inside_an_escape() {
        let cut = fit(&"x".repeat(300), 256);
        assert_eq!(cut.chars().count(), 256);
        assert!(cut.ends_with("(cut)"));
        assert_eq!(fit("short", 10), "short");
        let escapes = fit(&"\\".repeat(20), 10);
        let before_mark = escapes.chars().rev().skip(7);
        let backslashes = before_mark.take_while(|c| *c == '\\').count();
        assert_eq!(backslashes % 2, 0, "{escapes}");
    }

    #[test]
    fn an_answers_table_is_a_code_block_its_cells_cannot_close() {
        let table = ShownTable {
            columns: vec!["Vendor".into()],
            numeric: vec![false],
            rows: vec![vec!["a```b".into()]],
        };
        let shown = answer_text("*Top*", Some(&table), "How.", |t| t.replace('*', "\\*"));
        assert!(shown.starts_with("\\*Top\\*\n```\nVendor"), "{shown}");
        assert!(shown.contains("a'''b"), "{shown}");
        assert!(shown.ends_with("```\nHow."), "{shown}");
    }
}
