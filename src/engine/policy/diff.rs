//! Suggested changes as edits of a workflow file's text and a unified diff of them: the
//! person reads exactly what would change in the file they own, and applies it themselves.
//! Edits keep every other line (comments included) as it is.

use std::ops::Range;

/// Lines of context around a change, as `diff -u` gives.
const CONTEXT: usize = 3;

/// A unified diff of `old` → `new` labelled `path`: one hunk around the lines that differ
/// (edits here change one region); empty when the texts are the same.
pub fn unified(path: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if prefix == a.len() && prefix == b.len() {
        return String::new();
    }
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let start = prefix.saturating_sub(CONTEXT);
    let (a_end, b_end) = (a.len() - suffix, b.len() - suffix);
    let tail = suffix.min(CONTEXT);
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    out.push_str(&format!(
        "@@ -{},{} +{},{} @@\n",
        start + 1,
        a_end + tail - start,
        start + 1,
        b_end + tail - start
    ));
    for line in &a[start..prefix] {
        out.push_str(&format!(" {line}\n"));
    }
    for line in &a[prefix..a_end] {
        out.push_str(&format!("-{line}\n"));
    }
    for line in &b[prefix..b_end] {
        out.push_str(&format!("+{line}\n"));
    }
    for line in &a[a_end..a_end + tail] {
        out.push_str(&format!(" {line}\n"));
    }
    out
}

/// The lines of the `[[rules]]` table named `rule` (header to the line before the next table).
fn rule_block(lines: &[&str], rule: &str) -> Option<Range<usize>> {
    let mut start = None;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            if let Some(s) = start
                && block_names(&lines[s..i], rule)
            {
                return Some(s..i);
            }
            start = (trimmed == "[[rules]]").then_some(i);
        }
    }
    start
        .filter(|&s| block_names(&lines[s..], rule))
        .map(|s| s..lines.len())
}

fn block_names(block: &[&str], rule: &str) -> bool {
    block.iter().any(|l| key_value(l, "name") == Some(rule))
}

/// The string value of `key = "value"` on a line, comments after it ignored.
fn key_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line
        .trim()
        .strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    rest.split_once('"').map(|(value, _)| value)
}

fn rejoin(lines: &[String], old: &str) -> String {
    let mut text = lines.join("\n");
    if old.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// `text` with rule `rule`'s condition replaced by `when`; `None` when the file has no such
/// rule with a `when` line.
pub fn set_rule_when(text: &str, rule: &str, when: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let block = rule_block(&lines, rule)?;
    let at = block
        .clone()
        .find(|&i| key_value(lines[i], "when").is_some())?;
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    let old = key_value(lines[at], "when")?;
    out[at] = lines[at].replacen(&format!("\"{old}\""), &format!("\"{when}\""), 1);
    Some(rejoin(&out, text))
}

/// `text` with rule `rule` approving instead of routing (its `chain` line dropped).
pub fn route_to_approve(text: &str, rule: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let block = rule_block(&lines, rule)?;
    let at = block
        .clone()
        .find(|&i| key_value(lines[i], "outcome") == Some("route"))?;
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if block.contains(&i) && key_value(line, "chain").is_some() {
            continue;
        }
        if i == at {
            out.push(line.replacen("\"route\"", "\"approve\"", 1));
        } else {
            out.push(line.to_string());
        }
    }
    Some(rejoin(&out, text))
}

/// `text` with `approver` (an inline table, `{ person = "S001" }`) added to the approvers of
/// step `step` of chain `chain`, written one step per line as the demo's files are.
pub fn add_approver(text: &str, chain: &str, step: &str, approver: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let header = format!("[chains.{chain}]");
    let start = lines.iter().position(|l| l.trim() == header)?;
    let at = (start + 1..lines.len())
        .take_while(|&i| !lines[i].trim().starts_with('[') || i == start + 1)
        .find(|&i| {
            lines[i].contains("approvers") && lines[i].contains(&format!("name = \"{step}\""))
        })?;
    let line = lines[at];
    let open = line.find("approvers")? + line[line.find("approvers")?..].find('[')?;
    let mut depth = 0;
    let close = line[open..].char_indices().find_map(|(i, c)| {
        match c {
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(open + i);
                }
            }
            _ => {}
        }
        None
    })?;
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    out[at] = format!("{}, {approver}{}", &line[..close], &line[close..]);
    Some(rejoin(&out, text))
}

/// `text` with `block` (a whole `[[rules]]` table, lines without a trailing newline) inserted
/// before rule `before`, where the decision table would try it just before that row.
pub fn insert_rule(text: &str, before: &str, block: &str) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let at = rule_block(&lines, before)?.start;
    let mut out: Vec<String> = lines[..at].iter().map(|l| l.to_string()).collect();
    out.extend(block.lines().map(String::from));
    out.push(String::new());
    out.extend(lines[at..].iter().map(|l| l.to_string()));
    Some(rejoin(&out, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# head\n[[rules]]\nname = \"small\"\nwhen = \"request.amount <= 2500.0\"\noutcome = \"approve\"\n\n[[rules]]\nname = \"large\"\nwhen = \"request.amount > 25000.0\"\noutcome = \"route\"\nchain = \"cfo\"\nreason = \"x\"\n\n[chains.cfo]\nsteps = [\n  { name = \"CFO\", quorum = \"any\", approvers = [{ role = \"cfo\" }] },\n]\n";

    #[test]
    fn a_threshold_edit_changes_only_that_rule_and_diffs_one_line() {
        let new = set_rule_when(FILE, "small", "request.amount <= 5000.0").unwrap();
        assert!(new.contains("when = \"request.amount <= 5000.0\""));
        assert!(new.contains("when = \"request.amount > 25000.0\""));
        let diff = unified("workflows/x.toml", FILE, &new);
        assert!(diff.contains("@@ -1,7 +1,7 @@"), "{diff}");
        assert!(diff.contains(
            "-when = \"request.amount <= 2500.0\"\n+when = \"request.amount <= 5000.0\""
        ));
        assert_eq!(unified("x", FILE, FILE), "");
        assert!(set_rule_when(FILE, "missing", "true").is_none());
    }

    #[test]
    fn a_routing_rule_becomes_an_approving_one_without_its_chain() {
        let new = route_to_approve(FILE, "large").unwrap();
        assert!(
            new.contains("outcome = \"approve\"\nreason = \"x\""),
            "{new}"
        );
        assert!(!new.contains("chain = \"cfo\""));
        assert!(route_to_approve(FILE, "small").is_none());
    }

    #[test]
    fn a_new_rule_goes_just_before_the_named_one() {
        let new = insert_rule(FILE, "large", "[[rules]]\nname = \"new\"").unwrap();
        assert!(
            new.contains("[[rules]]\nname = \"new\"\n\n[[rules]]\nname = \"large\""),
            "{new}"
        );
        let diff = unified("x", FILE, &new);
        assert!(diff.contains("@@ -5,6 +5,9 @@\n"), "{diff}");
        assert_eq!(
            diff.lines()
                .filter(|l| l.starts_with('+') && !l.starts_with("++"))
                .count(),
            3
        );
    }

    #[test]
    fn an_approver_joins_the_named_step() {
        let new = add_approver(FILE, "cfo", "CFO", "{ person = \"S001\" }").unwrap();
        assert!(
            new.contains("approvers = [{ role = \"cfo\" }, { person = \"S001\" }] },"),
            "{new}"
        );
    }
}
