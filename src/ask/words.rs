//! Naming things in answers the way people do: record types and fields in words ("vendor",
//! not `vendor_id`), measures ("invoice total", not "sum of amount"), counts that agree with
//! their nouns ("1 project", "2 projects") and money with its currency. Pure functions, so
//! that every wording is tested on its own.

use crate::domain::plan::{Aggregate, CheckedMeasure, CheckedQuery, DateCut, FieldPath};
use crate::domain::{FieldType, RecordSchema};

/// A record type in words: `purchase_order` is "purchase order".
pub fn record_words(record: &str) -> String {
    record.replace('_', " ")
}

/// The plural of a noun phrase, on its last word: "time entries", "vendors", "staff".
pub fn plural(noun: &str) -> String {
    let (head, last) = match noun.rsplit_once(' ') {
        Some((head, last)) => (format!("{head} "), last),
        None => (String::new(), noun),
    };
    let uncountable = ["staff", "hours", "data", "people"];
    let last = if uncountable.contains(&last) || last.ends_with("(month)") {
        last.to_string()
    } else if let Some(stem) = last.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else if last.ends_with(['s', 'x']) || last.ends_with("ch") || last.ends_with("sh") {
        format!("{last}es")
    } else {
        format!("{last}s")
    };
    format!("{head}{last}")
}

/// `n` and its noun, agreeing: "1 project", "17 projects", "1,000 invoices".
pub fn count_of(n: usize, noun: &str) -> String {
    let figure = super::figure(&serde_json::json!(n), None);
    if n == 1 {
        format!("{figure} {noun}")
    } else {
        format!("{figure} {}", plural(noun))
    }
}

/// The verb after a count: "1 of 17 projects is", "2 of 17 projects are".
pub fn is_are(n: usize) -> &'static str {
    if n == 1 { "is" } else { "are" }
}

/// The first letter in capitals, for a column header or the start of a sentence.
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A reference field in words: `vendor_id` "vendor", `submitted_by` "submitted by", and an
/// abbreviation such as `po_id` by the type it refers to ("purchase order").
fn reference_words(field: &str, target: &str) -> String {
    let stem = field.strip_suffix("_id").unwrap_or(field);
    if stem.len() <= 3 && stem != target {
        record_words(target)
    } else {
        record_words(stem)
    }
}

/// A field of a record type in words.
fn own_field_words(field: &str, field_type: &FieldType) -> String {
    match field_type {
        FieldType::Ref(target) => reference_words(field, target),
        _ => record_words(field),
    }
}

/// A field as people name it, in lowercase: `vendor_id` and `vendor_id.name` are "vendor",
/// `project_id.manager_id` "project manager", `issued_date:month` "issued date (month)".
pub fn field_words(path: &FieldPath, schema: &RecordSchema) -> String {
    let words = match &path.via {
        None => own_field_words(&path.field, &path.field_type),
        Some((via, target)) => {
            let reference = reference_words(via, target);
            let names_it = schema.get(target).is_some_and(|t| {
                t.label.as_deref() == Some(&path.field) || t.key == [path.field.clone()]
            });
            if names_it {
                reference
            } else {
                format!(
                    "{reference} {}",
                    own_field_words(&path.field, &path.field_type)
                )
            }
        }
    };
    match path.cut {
        Some(DateCut::Month) => format!("{words} (month)"),
        Some(DateCut::Year) => format!("{words} (year)"),
        None => words,
    }
}

/// What an aggregate measures, in lowercase: "number of invoices", "invoice total", "total
/// hours", "average expense amount", "latest decided at".
pub fn measure_words(query: &CheckedQuery, schema: &RecordSchema) -> String {
    let record = record_words(&query.record);
    let CheckedMeasure::Aggregate(aggregate, path) = &query.measure else {
        return plural(&record);
    };
    let Some(path) = path else {
        return format!("number of {}", plural(&record));
    };
    let field = field_words(path, schema);
    // "amount" alone says nothing of what it is the amount of.
    let named = if field == "amount" {
        format!("{record} amount")
    } else {
        field.clone()
    };
    let dated = matches!(path.field_type, FieldType::Date | FieldType::Timestamp);
    match aggregate {
        Aggregate::Count => format!("number of {}", plural(&record)),
        Aggregate::Sum if field == "amount" => format!("{record} total"),
        Aggregate::Sum => format!("total {named}"),
        Aggregate::Average => format!("average {named}"),
        Aggregate::Median => format!("median {named}"),
        Aggregate::Min if dated => format!("earliest {named}"),
        Aggregate::Max if dated => format!("latest {named}"),
        Aggregate::Min => format!("smallest {named}"),
        Aggregate::Max => format!("largest {named}"),
    }
}

/// A total in words: money with its currency ("$1,211.38", "$2,400,000.00 of budget" when the
/// field is not the record's plain amount), other numbers with their field ("1,763.7 hours").
pub fn total_words(
    value: &serde_json::Value,
    path: &FieldPath,
    schema: &RecordSchema,
    currency: &str,
) -> String {
    let field = field_words(path, schema);
    match path.field_type {
        FieldType::Money if field == "amount" => super::figure(value, Some(currency)),
        FieldType::Money => format!("{} of {field}", super::figure(value, Some(currency))),
        _ => format!("{} {field}", super::figure(value, None)),
    }
}

/// A list's sentence with what its records add up to: "93 time entries match where ….: 1,763.7
/// hours in all." (and before the clause saying how many rows the table shows, when it is cut).
pub fn with_total(sentence: &str, total: &str) -> String {
    match sentence.split_once("; ") {
        Some((head, tail)) => format!("{head}, {total} in all; {tail}"),
        None => format!("{}: {total} in all.", sentence.trim_end_matches('.')),
    }
}

/// A field a role may not see, as the thing people would call it in the plural: "approval
/// limits" (of people), "project budgets".
pub fn hidden_words(owner: &str, field: Option<&str>, directory: &str) -> String {
    match field {
        None => plural(&record_words(owner)),
        Some(field) if owner == directory => plural(&record_words(field)),
        Some(field) => plural(&format!(
            "{} {}",
            record_words(owner),
            record_words(field.strip_suffix("_id").unwrap_or(field))
        )),
    }
}

/// A money figure with its currency: a symbol goes before the number ("$1,234.50"), a code
/// before it with a space ("CHF 1,234.50").
pub fn with_currency(currency: &str, sign: &str, digits: &str) -> String {
    if currency.ends_with(char::is_alphabetic) {
        format!("{sign}{currency} {digits}")
    } else {
        format!("{sign}{currency}{digits}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::plan::{Plan, Query};

    fn schema() -> RecordSchema {
        crate::config::demo().schema
    }

    fn checked(plan: &str) -> CheckedQuery {
        let Plan::Query(query): Plan = serde_json::from_str(plan).unwrap() else {
            panic!("a query")
        };
        let query: Query = query;
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        crate::ask::check::check(&query, &schema(), today).unwrap()
    }

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(count_of(1, "project"), "1 project");
        assert_eq!(count_of(2, "project"), "2 projects");
        assert_eq!(count_of(1_000, "time entry"), "1,000 time entries");
        assert_eq!(count_of(3, "staff"), "3 staff");
        assert_eq!(count_of(0, "purchase order"), "0 purchase orders");
        assert_eq!(plural("delivery"), "deliveries");
        assert_eq!(plural("day"), "days");
        assert_eq!(is_are(1), "is");
        assert_eq!(is_are(17), "are");
    }

    #[test]
    fn fields_are_named_in_words_not_ids() {
        let schema = schema();
        let grouped = |by: &str| {
            checked(&format!(
                r#"{{"kind":"query","record":"invoice","group_by":["{by}"],"measure":{{"aggregate":"count"}}}}"#
            ))
            .group_by
            .remove(0)
        };
        for (path, words) in [
            ("vendor_id", "vendor"),
            ("vendor_id.name", "vendor"),
            ("vendor_id.category", "vendor category"),
            ("project_id.manager_id", "project manager"),
            ("po_id", "purchase order"),
            ("issued_date:month", "issued date (month)"),
            ("due_date", "due date"),
        ] {
            assert_eq!(field_words(&grouped(path), &schema), words, "{path}");
        }
    }

    #[test]
    fn measures_are_named_by_what_they_add_up() {
        let schema = schema();
        let measure = |record: &str, measure: &str| {
            measure_words(
                &checked(&format!(
                    r#"{{"kind":"query","record":"{record}","measure":{measure}}}"#
                )),
                &schema,
            )
        };
        assert_eq!(
            measure("invoice", r#"{"aggregate":"sum","field":"amount"}"#),
            "invoice total"
        );
        assert_eq!(
            measure("time_entry", r#"{"aggregate":"sum","field":"hours"}"#),
            "total hours"
        );
        assert_eq!(
            measure("expense", r#"{"aggregate":"average","field":"amount"}"#),
            "average expense amount"
        );
        assert_eq!(
            measure("change_order", r#"{"aggregate":"count"}"#),
            "number of change orders"
        );
        assert_eq!(
            measure(
                "change_order",
                r#"{"aggregate":"max","field":"decided_at"}"#
            ),
            "latest decided at"
        );
    }

    #[test]
    fn a_list_says_what_its_records_add_up_to() {
        let schema = schema();
        let sum = |record: &str, field: &str| {
            let query = checked(&format!(
                r#"{{"kind":"query","record":"{record}","measure":{{"aggregate":"sum","field":"{field}"}}}}"#
            ));
            let crate::domain::plan::CheckedMeasure::Aggregate(_, Some(path)) = query.measure
            else {
                panic!("a sum")
            };
            path
        };
        let hours = total_words(
            &serde_json::json!(1763.7),
            &sum("time_entry", "hours"),
            &schema,
            "$",
        );
        assert_eq!(hours, "1,763.7 hours");
        let spent = total_words(
            &serde_json::json!(12.5),
            &sum("expense", "amount"),
            &schema,
            "$",
        );
        assert_eq!(spent, "$12.50");
        let budget = total_words(
            &serde_json::json!(100),
            &sum("project", "budget"),
            &schema,
            "$",
        );
        assert_eq!(budget, "$100.00 of budget");
        assert_eq!(
            with_total("4 expenses match where category is tools.", "$12.50"),
            "4 expenses match where category is tools: $12.50 in all."
        );
        assert_eq!(
            with_total(
                "More than 1,000 expenses match; the table shows the first 1,000.",
                "$9.00"
            ),
            "More than 1,000 expenses match, $9.00 in all; the table shows the first 1,000."
        );
    }

    #[test]
    fn hidden_fields_are_named_as_people_call_them() {
        assert_eq!(
            hidden_words("staff", Some("approval_limit"), "staff"),
            "approval limits"
        );
        assert_eq!(
            hidden_words("project", Some("budget"), "staff"),
            "project budgets"
        );
        assert_eq!(hidden_words("expense", None, "staff"), "expenses");
        assert_eq!(
            hidden_words("time_entry", Some("project_id"), "staff"),
            "time entry projects"
        );
    }

    #[test]
    fn money_carries_its_currency_as_a_symbol_or_a_code() {
        assert_eq!(with_currency("$", "", "1,234.50"), "$1,234.50");
        assert_eq!(with_currency("€", "-", "12.00"), "-€12.00");
        assert_eq!(with_currency("CHF", "", "12.00"), "CHF 12.00");
    }
}
