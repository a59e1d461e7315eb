//! Ask keel's answers as Block Kit: the sentence, the page of the table as monospace text (Slack
//! has no table block, and ten two-line fields cannot hold a table's rows), and how it was
//! computed in a context line. Each text is kept within Slack's limits, saying what was cut.

use super::blocks::{MAX_BLOCKS, escape, fit};
use crate::domain::ShownTable;
use serde_json::{Value, json};

/// Slack's limit on a section's text and on a context element's.
const MAX_TEXT: usize = 3_000;

/// The answer as plain text, for Slack's notification and any client without blocks (escaped
/// where it is posted).
pub fn answer_text(text: &str, table: Option<&ShownTable>, how: &str) -> String {
    crate::chat::text::answer_text(text, table, how, str::to_string)
}

/// The answer's blocks: at most three, each within its limit.
pub fn answer_blocks(text: &str, table: Option<&ShownTable>, how: &str) -> Vec<Value> {
    let mut blocks = vec![section(&escape(text))];
    if let Some(table) = table {
        blocks.push(section(&format!("```{}```", escape(&fitted(table)))));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": fit(&escape(how), MAX_TEXT) }],
    }));
    blocks.truncate(MAX_BLOCKS);
    blocks
}

/// A section of mrkdwn `text` (already escaped), cut to Slack's limit.
pub fn section(text: &str) -> Value {
    json!({ "type": "section", "text": { "type": "mrkdwn", "text": fit(text, MAX_TEXT) } })
}

/// The table as monospace text within a section's limit: as many whole rows as fit (after the
/// escaping and the code fence), and a line saying how many were left out.
fn fitted(table: &ShownTable) -> String {
    let room = MAX_TEXT - 100;
    let whole = table.monospace();
    if escape(&whole).chars().count() <= room {
        return whole;
    }
    let mut rows = table.rows.clone();
    while !rows.is_empty() {
        rows.pop();
        let shorter = ShownTable {
            rows: rows.clone(),
            ..table.clone()
        };
        let text = shorter.monospace();
        if escape(&text).chars().count() <= room {
            let left = table.rows.len() - rows.len();
            return format!("{text}\n({left} more rows do not fit here; `keel ask` shows them)");
        }
    }
    fit(&whole, room)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: usize, width: usize) -> ShownTable {
        ShownTable {
            columns: vec!["Vendor".into(), "Invoice total".into()],
            numeric: vec![false, true],
            rows: (0..rows)
                .map(|n| vec![format!("{n:0width$}"), "$1,000.00".into()])
                .collect(),
        }
    }

    #[test]
    fn an_answer_is_a_sentence_a_monospace_table_and_how_within_slacks_limits() {
        let blocks = answer_blocks(
            "Apex has the most.",
            Some(&table(3, 4)),
            "How I got this: …",
        );
        assert_eq!(blocks.len(), 3);
        let shown = blocks[1]["text"]["text"].as_str().unwrap();
        assert!(shown.starts_with("```Vendor  Invoice total\n"), "{shown}");
        assert!(shown.contains("\n0001        $1,000.00\n"), "{shown}");
        assert_eq!(blocks[2]["type"], "context");
        // Rows too wide for one section are left out whole, and the answer says so.
        let blocks = answer_blocks("Many.", Some(&table(15, 400)), "How.");
        let shown = blocks[1]["text"]["text"].as_str().unwrap();
        assert!(shown.chars().count() <= MAX_TEXT, "{}", shown.len());
        assert!(shown.contains("more rows do not fit here"), "{shown}");
        for block in &blocks {
            let text = block["text"]["text"]
                .as_str()
                .or(block["elements"][0]["text"].as_str())
                .unwrap();
            assert!(text.chars().count() <= MAX_TEXT);
        }
    }
}
