//! An answer to a question asking for several numbers ("how many and how much", "spend" with
//! every status beside the approved): each number is computed by its own plan over the same
//! records and groups, and the answers are put side by side, one column per number.

use super::{Answer, Header};
use serde_json::Value;

/// The answers of a question's plans as one: the first answer's groups, each answer's number in
/// its own column (headed by its heading, when given), every sentence, and the notes added to
/// how it was computed.
pub fn merge(parts: Vec<(Answer, Option<String>)>, notes: &[String]) -> Option<Answer> {
    let mut parts = parts.into_iter();
    let (mut merged, heading) = parts.next()?;
    let groups = merged.columns.len().saturating_sub(1);
    retitle(&mut merged.columns, heading.as_deref());
    if let (Some(last), Some(heading)) = (merged.headers.last_mut(), heading.as_deref()) {
        last.label = format!("{} ({heading})", last.label);
    }
    for (part, heading) in parts {
        let headed = |name: &str| match heading.as_deref() {
            Some(heading) => format!("{name} ({heading})"),
            None => name.to_string(),
        };
        merged
            .columns
            .push(headed(part.columns.last().map_or("", String::as_str)));
        // What people read beside the numbers: each number's own header, as its column has.
        if let Some(header) = part.headers.last() {
            merged.headers.push(Header {
                label: headed(&header.label),
                ..header.clone()
            });
        }
        for row in &mut merged.rows {
            let key = &row[..groups.min(row.len())];
            let value = part
                .rows
                .iter()
                .find(|other| other.get(..groups) == Some(key))
                .and_then(|other| other.last().cloned())
                .unwrap_or(Value::Null);
            row.push(value);
        }
        merged.answer = format!("{} {}", merged.answer, part.answer);
        merged.how = format!("{} {}", merged.how, part.how);
    }
    for note in notes {
        merged.how = format!("{} {note}", merged.how);
    }
    Some(merged)
}

/// Adds `heading` to the name of the measure's column (the last).
fn retitle(columns: &mut [String], heading: Option<&str>) {
    if let (Some(last), Some(heading)) = (columns.last_mut(), heading) {
        *last = format!("{last} ({heading})");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(sentence: &str, columns: &[&str], rows: Vec<Vec<Value>>) -> Answer {
        Answer {
            answer: sentence.into(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            headers: columns
                .iter()
                .map(|c| Header::new(crate::ask::words::capitalised(c), false, "USD"))
                .collect(),
            rows,
            how: format!("How {sentence}"),
            ..Answer::default()
        }
    }

    #[test]
    fn grouped_answers_are_put_side_by_side_by_group() {
        let count = answer(
            "Counts.",
            &["vendor", "count"],
            vec![vec![json!("A"), json!(2)], vec![json!("B"), json!(1)]],
        );
        let sum = answer(
            "Sums.",
            &["vendor", "sum of amount"],
            vec![vec![json!("B"), json!(5.5)], vec![json!("A"), json!(10)]],
        );
        let merged = merge(vec![(count, None), (sum, None)], &["Note.".into()]).unwrap();
        assert_eq!(merged.columns, ["vendor", "count", "sum of amount"]);
        assert_eq!(
            merged.rows,
            [
                vec![json!("A"), json!(2), json!(10)],
                vec![json!("B"), json!(1), json!(5.5)]
            ]
        );
        assert_eq!(merged.answer, "Counts. Sums.");
        let headers: Vec<&str> = merged.headers.iter().map(|h| h.label.as_str()).collect();
        assert_eq!(headers, ["Vendor", "Count", "Sum of amount"]);
        assert_eq!(merged.how, "How Counts. How Sums. Note.");
    }

    #[test]
    fn single_numbers_become_one_row_with_headed_columns() {
        let approved = answer("A.", &["sum of amount"], vec![vec![json!(3)]]);
        let all = answer("B.", &["sum of amount"], vec![vec![json!(4)]]);
        let merged = merge(
            vec![
                (approved, Some("approved".into())),
                (all, Some("every status".into())),
            ],
            &[],
        )
        .unwrap();
        assert_eq!(
            merged.columns,
            ["sum of amount (approved)", "sum of amount (every status)"]
        );
        assert_eq!(merged.rows, [vec![json!(3), json!(4)]]);
    }
}
