//! The offline planner's reading of questions about the approval requests themselves (the
//! `request` type, [`crate::engine::request_facts`]): who approves or decides the most, how
//! long a decision takes, what waits for someone, how many went through automatically, what
//! a role rejected. It claims a question only when the question is about approving or
//! deciding (an approver, a decision, a wait, "requests", a role's decisions); anything else
//! is left to the planner of record types, which answers "how many change orders are
//! pending?" from the change orders themselves.

use super::offline::{Context, Part, Planned};
use super::text::{self, Words};
use crate::domain::plan::{Filter, Op, Plan, Query, Window};
use crate::domain::{Directory, FieldType, RecordType};
use crate::engine::request_facts::{RECORD_TYPE, person_token};
use serde_json::json;

mod coverage;
mod phrases;
mod shape;

use phrases::{CLAIMS, DECISIONS, Verb, WAITING, decision, verb};
use shape::{shape, time_field};

/// Plans a question about the requests (one plan, or one per number asked for: "how many,
/// and for how much"), or `None` to leave it to the record types' planner.
pub fn plan(question: &str, cx: &Context, directory: &Directory) -> Option<Planned> {
    let record = cx.schema.get(RECORD_TYPE)?;
    // Hyphens read as the record types' planner reads them ("sign-off" is "sign off").
    let question = &super::offline::prepared(question);
    let mut words = Words::new(question);
    // A window's words ("in the last 30 days") say when, not how long deciding took.
    let mut unwindowed = words.clone();
    text::window(&mut unwindowed, cx.today);
    if left_to_insight(&unwindowed) || !claims(&unwindowed, cx) {
        return None;
    }
    let people = people(&mut words, cx, directory);
    let window = text::window(&mut words, cx.today);
    let workflows = workflows(&mut words, record, cx);
    if !coverage::left_over(question, &words).is_empty() {
        return None;
    }
    let mut filters = Vec::new();
    if !workflows.is_empty() {
        filters.push(Filter {
            field: "workflow".into(),
            op: Op::In,
            value: json!(workflows),
        });
    }
    let decision = decision(&words);
    let verb = verb(&words, decision);
    let waiting = decision == Some("pending") || words.has_any(WAITING);
    // What still has to be approved waits: it is pending, whatever verb asked for it.
    let decision = if waiting { Some("pending") } else { decision };
    // Only a decided request took a time to decide: what waits has none yet.
    let timed = if waiting { None } else { time_field(&words) };
    // The time an approval takes is that of approvals ("days between an expense and its
    // approval"); a time to decide is that of any decision a person made.
    let decision = match decision {
        None if timed.is_some() && words.has_any(APPROVAL) => Some("approved"),
        decision => decision,
    };
    // The person or role named is who waits, who decided, or who asked.
    let mine = words.has_any(&["my", "me", "i"]);
    let who: Option<Vec<String>> = match (&people[..], mine) {
        ([], true) => Some(vec![cx.asker.to_string()]),
        ([], false) => None,
        (found, _) => Some(found.to_vec()),
    };
    if let Some(who) = &who {
        let asked_by = words.has_any(&["requested by", "submitted by", "asked by", "raised by"])
            || (mine && words.has_any(&["my requests", "my request", "did i submit"]))
            || verb == Some(Verb::Request);
        if waiting && !asked_by {
            let [one] = &who[..] else {
                return None;
            };
            filters.push(Filter {
                field: "waiting_for".into(),
                op: Op::Contains,
                value: json!(person_token(one)),
            });
        } else {
            filters.push(Filter {
                field: if asked_by { "requester" } else { "decider" }.into(),
                op: Op::In,
                value: json!(who),
            });
        }
    }
    match decision {
        Some(decision) => filters.push(Filter {
            field: "decision".into(),
            op: Op::Eq,
            value: json!(decision),
        }),
        None if verb == Some(Verb::Decide) || timed.is_some() => {
            filters.push(is_set("decider"));
        }
        None => {}
    }
    if let Some(window) = window {
        let date = if waiting || verb == Some(Verb::Request) {
            "submitted_at"
        } else {
            "decided_at"
        };
        filters.push(within(date, &window));
    }
    let shape = shape(&words, record, verb, waiting, timed);
    // A ranking of people ranks people: the requests nobody decided are not a group of them.
    for field in &shape.group_by {
        if PEOPLE.contains(&field.as_str()) && !filters.iter().any(|f| f.field == *field) {
            filters.push(is_set(field));
        }
    }
    // A number beside the first keeps the first's groups: it is neither ordered nor cut.
    let parts = shape
        .measures
        .into_iter()
        .enumerate()
        .map(|(at, measure)| Part {
            plan: Plan::Query(Query {
                record: RECORD_TYPE.into(),
                filters: filters.clone(),
                group_by: shape.group_by.clone(),
                measure,
                order: shape.order.clone().filter(|_| at == 0),
                limit: shape.limit.filter(|_| at == 0),
            }),
            heading: None,
        })
        .collect();
    Some(Planned {
        parts,
        notes: Vec::new(),
    })
}

/// The fields of the request that hold a person.
const PEOPLE: &[&str] = &["decider", "requester"];

/// Words that make a time taken one of approvals.
const APPROVAL: &[&str] = &[
    "approval",
    "approve",
    "approves",
    "approving",
    "sign off",
    "signed off",
];

/// `field` has a value.
fn is_set(field: &str) -> Filter {
    Filter {
        field: field.into(),
        op: Op::IsNotEmpty,
        value: serde_json::Value::Null,
    }
}

/// Whether an insight answers the question, by its cues: the approval-latency insight gives
/// medians by approver and workflow, so a question asking a mean or an average time is a query
/// of the history, not that insight.
fn left_to_insight(words: &Words) -> bool {
    crate::insights::ALL.iter().any(|insight| {
        let average = *insight == crate::insights::Insight::ApprovalLatency
            && words.has_any(&["average", "mean", "avg"]);
        !average
            && insight
                .cues()
                .iter()
                .any(|cue| words.has(&text::normalise(cue)))
    })
}

/// Whether the question is about approving, deciding or waiting, and not an insight's.
fn claims(words: &Words, cx: &Context) -> bool {
    let about_deciding = words.has_any(APPROVAL) || words.has_any(&["approved", "decision"]);
    let claimed = words.has_any(CLAIMS) || words.has_any(WAITING);
    if claimed || (about_deciding && time_field(words).is_some()) {
        return true;
    }
    // "how many were auto-approved": a decision, and no record type to read it from.
    let automatic = DECISIONS[..2]
        .iter()
        .any(|(_, phrases)| words.has_any(phrases));
    let names_a_type = cx
        .vocabulary
        .types
        .values()
        .flat_map(|t| &t.words)
        .any(|w| words.has(&text::normalise(w)));
    automatic && !names_a_type
}

/// The staff the question names, by name, key or role ("the CFO": whoever holds it), marking
/// their words read.
fn people(words: &mut Words, cx: &Context, directory: &Directory) -> Vec<String> {
    let staff = cx
        .schema
        .get(RECORD_TYPE)
        .and_then(|r| r.field("requester"))
        .and_then(|f| match &f.field_type {
            FieldType::Ref(target) => Some(target.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let mut found = Vec::new();
    let mut names: Vec<(String, &str)> = cx
        .labels
        .of_type(&staff)
        .flat_map(|(key, label)| [(text::normalise(label), key), (text::normalise(key), key)])
        .collect();
    names.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
    for (name, key) in &names {
        if !name.is_empty() && words.take(name) && !found.iter().any(|k| k == key) {
            found.push(key.to_string());
        }
    }
    // One distinctive word of a name ("Dana's approval"), as the record types' planner reads
    // it; only people are taken, so no other record's name is marked read here.
    if found.is_empty() {
        let mut probe = words.clone();
        for mention in super::offline::mentions(&mut probe, cx) {
            if mention.record_type == staff && !found.contains(&mention.key) {
                words.use_range(mention.range);
                found.push(mention.key);
            }
        }
    }
    if !found.is_empty() {
        return found;
    }
    let people = directory.people();
    let mut roles: Vec<(String, &str)> = people
        .iter()
        .flat_map(|p| {
            let title = p.title.as_deref().map(text::normalise);
            [Some(text::normalise(&p.role)), title]
                .into_iter()
                .flatten()
                .map(move |phrase| (phrase, p.role.as_str()))
        })
        .collect();
    roles.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
    let Some(role) = roles
        .iter()
        .find(|(phrase, _)| !phrase.is_empty() && words.take(phrase))
        .map(|(_, role)| *role)
    else {
        return found;
    };
    let mut holders: Vec<String> = people
        .iter()
        .filter(|p| p.role == role)
        .map(|p| p.id.clone())
        .collect();
    holders.sort();
    holders
}

/// The workflows the question names ("change orders", "expenses", "POs"), marking their
/// words read; longer phrases first, so that "change orders" is not read as "orders".
fn workflows(words: &mut Words, record: &RecordType, cx: &Context) -> Vec<String> {
    let Some(FieldType::Enum(names)) = record.field("workflow").map(|f| f.field_type.clone())
    else {
        return Vec::new();
    };
    let mut phrases: Vec<(String, String)> = Vec::new();
    for name in &names {
        phrases.push((text::normalise(name), name.clone()));
        if let Some(vocabulary) = cx.vocabulary.types.get(name) {
            for word in &vocabulary.words {
                phrases.push((text::normalise(word), name.clone()));
            }
        }
    }
    phrases.sort_by_key(|(phrase, _)| std::cmp::Reverse(phrase.len()));
    let mut found: Vec<String> = Vec::new();
    for (phrase, name) in &phrases {
        while !phrase.is_empty() && words.take(phrase) {
            if !found.contains(name) {
                found.push(name.clone());
            }
        }
    }
    found
}

fn within(field: &str, window: &Window) -> Filter {
    Filter {
        field: field.into(),
        op: Op::Within,
        value: serde_json::to_value(window).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests;
