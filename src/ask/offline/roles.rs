//! Roles as a kind of person: "how many superintendents do we have?", "count the supers" ask
//! about the people whose role is superintendent, though no record type is named. A role is a
//! value of the directory's role field, by its own name or a phrase `ask.toml` gives it, or a
//! title some people hold ("electricians").

use super::super::text::{self, Words};
use super::Context;
use super::types::Named;
use crate::domain::FieldType;

/// Whether the question names a role or title of the directory (in the plural or not), and no
/// money: "how much did superintendents spend" is about what they spent, not about them.
pub fn names_a_role(words: &Words, cx: &Context) -> bool {
    let money = [
        "how much", "spend", "spent", "cost", "costs", "money", "total", "amount",
    ];
    !words.has_any(&money) && role_phrases(cx).iter().any(|phrase| words.has(phrase))
}

/// Whether every record type named lies inside a role or title the question names ("project
/// managers", "account managers"): the question is about those people, not projects.
pub fn within_a_role(types: &[Named], words: &Words, cx: &Context) -> bool {
    if types.is_empty() {
        return false;
    }
    let fresh = Words::new(&words.words.join(" "));
    if !names_a_role(&fresh, cx) {
        return false;
    }
    let ranges: Vec<(usize, usize)> = role_phrases(cx)
        .iter()
        .filter_map(|phrase| fresh.find(phrase))
        .collect();
    types.iter().all(|(_, start, end)| {
        ranges
            .iter()
            .any(|(from, to)| from <= start && end <= to && to - from > end - start)
    })
}

/// The roles and titles of the directory as words: each role by its name and the phrases
/// `ask.toml` gives it, and the titles people hold.
fn role_phrases(cx: &Context) -> Vec<String> {
    let Some(FieldType::Enum(roles)) = cx
        .schema
        .get(cx.people)
        .and_then(|t| t.field(cx.role))
        .map(|f| &f.field_type)
    else {
        return Vec::new();
    };
    let synonyms = cx
        .vocabulary
        .types
        .get(cx.people)
        .into_iter()
        .flat_map(|t| &t.values)
        .chain(&cx.vocabulary.values)
        .filter(|(_, meant)| meant.iter().all(|v| roles.contains(v)))
        .map(|(phrase, _)| phrase.clone());
    let titles = cx
        .labels
        .values_of(cx.people)
        .map(|(_, title)| text::normalise(title));
    roles
        .iter()
        .map(|role| role.replace('_', " "))
        .chain(synonyms)
        .chain(titles)
        .collect()
}

/// Marks read in `words` every word `read` has read: both are the same question, `read` taken
/// further by a later step.
pub fn mark_read_by(words: &mut Words, read: &Words) {
    for at in 0..words.words.len().min(read.words.len()) {
        if read.is_used(at) {
            words.use_range((at, at + 1));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Context, Outcome, plan};
    use crate::domain::plan::{Filter, Measure, Op, Plan, Query};
    use crate::domain::{Record, RecordLabels, RecordSchema};
    use serde_json::json;

    struct Demo {
        config: crate::config::Config,
        schema: RecordSchema,
        labels: RecordLabels,
    }

    fn record(record_type: &str, key: &str, fields: serde_json::Value) -> Record {
        Record {
            record_type: record_type.into(),
            key: key.into(),
            fields: serde_json::from_value(fields).expect("fields"),
            version: 1,
            updated_at: chrono::Utc::now(),
        }
    }

    fn demo() -> Demo {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let config = crate::config::load_with_env(&dir, &[]).expect("the demo config");
        let schema = crate::engine::request_facts::with_requests(&config);
        let mut labels = RecordLabels::default();
        for (key, name) in [
            ("P001", "Bayview Medical Office"),
            ("P029", "Bayview Dental Clinic Fit-out"),
            ("P017", "Northgate Medical Office"),
        ] {
            labels.insert("project", key.into(), name.into());
        }
        let clients: Vec<Record> = [
            "healthcare",
            "healthcare",
            "healthcare",
            "retail",
            "retail",
            "real estate",
        ]
        .iter()
        .enumerate()
        .map(|(at, industry)| {
            let key = format!("C00{at}");
            labels.insert("client", key.clone(), format!("Client {at}"));
            record("client", &key, json!({ "name": key, "industry": industry }))
        })
        .collect();
        labels.insert_values(&config.schema.types["client"], &clients);
        let staff: Vec<Record> = ["Electrician", "Electrician", "Carpenter", "Carpenter"]
            .iter()
            .enumerate()
            .map(|(at, title)| record("staff", &format!("S{at}"), json!({ "title": title })))
            .collect();
        labels.insert_values(&config.schema.types["staff"], &staff);
        Demo {
            config,
            schema,
            labels,
        }
    }

    fn planned(demo: &Demo, question: &str) -> Option<Query> {
        let cx = Context {
            schema: &demo.schema,
            vocabulary: &demo.config.vocabulary,
            labels: &demo.labels,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a day"),
            asker: "S001",
            people: "staff",
            role: "role",
            holders: &[],
        };
        match plan(question, &cx) {
            Outcome::Planned(planned) => match &planned.parts[0].plan {
                Plan::Query(query) => Some(query.clone()),
                Plan::Insight { .. } => None,
            },
            Outcome::Declined(_) => None,
        }
    }

    fn filter(field: &str, value: serde_json::Value) -> Filter {
        Filter {
            field: field.into(),
            op: Op::Eq,
            value,
        }
    }

    #[test]
    fn a_role_or_title_counts_the_people_who_hold_it_without_a_type_named() {
        let demo = demo();
        let cases = [
            (
                "how many superintendents do we have?",
                "role",
                "superintendent",
            ),
            ("number of superintendents", "role", "superintendent"),
            ("count the supers", "role", "superintendent"),
            (
                "how many project managers are there",
                "role",
                "project_manager",
            ),
            ("how many PMs do we have", "role", "project_manager"),
            ("how many electricians do we have", "title", "Electrician"),
            ("count our carpenters", "title", "Carpenter"),
        ];
        for (question, field, value) in cases {
            let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
            assert_eq!(query.record, "staff", "{question}");
            assert_eq!(query.filters, [filter(field, json!(value))], "{question}");
            assert_eq!(query.measure, Measure::Count, "{question}");
        }
    }

    #[test]
    fn a_role_with_money_asked_is_not_a_question_about_the_people() {
        let demo = demo();
        for question in ["how much did superintendents spend", "total cost of supers"] {
            assert!(
                planned(&demo, question).is_none_or(|q| q.record != "staff"),
                "{question}"
            );
        }
    }

    #[test]
    fn statuses_are_read_as_people_say_them() {
        let demo = demo();
        let cases = [
            ("number of live projects", "active"),
            ("how many projects are we currently running", "active"),
            ("how many current projects", "active"),
            ("how many jobs are in progress right now", "active"),
            ("how many jobs are done", "completed"),
            ("count closed projects", "completed"),
            ("how many projects are paused", "on_hold"),
            ("how many projects are on hold", "on_hold"),
        ];
        for (question, status) in cases {
            let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
            assert_eq!(query.record, "project", "{question}");
            assert_eq!(
                query.filters,
                [filter("status", json!(status))],
                "{question}"
            );
            assert_eq!(query.measure, Measure::Count, "{question}");
        }
        let query = planned(&demo, "how many purchase orders are outstanding").expect("planned");
        assert_eq!(query.filters, [filter("status", json!("open"))]);
    }

    #[test]
    fn a_value_of_an_open_list_field_narrows_its_records() {
        let demo = demo();
        for question in [
            "Which clients are in healthcare?",
            "list our healthcare clients",
            "healthcare industry clients",
            "how many healthcare clients do we have",
        ] {
            let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
            assert_eq!(query.record, "client", "{question}");
            assert_eq!(query.filters, [filter("industry", json!("healthcare"))]);
        }
        let query = planned(&demo, "clients in real estate or retail").expect("planned");
        assert_eq!(query.filters[0].op, Op::In);
    }

    #[test]
    fn leading_words_of_one_name_name_that_record() {
        let demo = demo();
        for question in [
            "how much have we ordered for the Bayview Medical project",
            "total purchase orders for bayview medical",
            "PO total on Bayview Medical Office",
        ] {
            let query = planned(&demo, question).unwrap_or_else(|| panic!("{question}"));
            assert_eq!(query.record, "purchase_order", "{question}");
            assert_eq!(query.filters, [filter("project_id", json!("P001"))]);
        }
        // Bayview leads two names: which one is not guessed.
        assert!(planned(&demo, "PO total on Bayview").is_none());
        assert!(planned(&demo, "PO total on Medical Office").is_none());
    }
}
