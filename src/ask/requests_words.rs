//! The offline planner's reading of questions about the approval requests themselves (the
//! `request` type, [`crate::engine::request_facts`]): who approves or decides the most, how
//! long a decision takes, what waits for someone, how many went through automatically, what
//! a role rejected. It claims a question only when the question is about approving or
//! deciding (an approver, a decision, a wait, "requests", a role's decisions); anything else
//! is left to the planner of record types, which answers "how many change orders are
//! pending?" from the change orders themselves.

use super::offline::Context;
use super::text::{self, Words};
use crate::domain::plan::{Filter, Measure, Op, Order, Plan, Query, Window};
use crate::domain::{Directory, FieldType, RecordType};
use crate::engine::request_facts::{RECORD_TYPE, person_token};
use serde_json::json;

/// What the question asks people for: their approvals, their rejections, any decision, or
/// their requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Approve,
    Reject,
    Decide,
    Request,
}

/// Phrases that make a question one about approving, deciding or waiting.
const CLAIMS: &[&str] = &[
    "waiting for",
    "waiting on",
    "awaiting",
    "pending approval",
    "pending approvals",
    "pending for",
    "pending with",
    "left to approve",
    "still has to approve",
    "still have to approve",
    "needs approval",
    "need approval",
    "need to approve",
    "needs to approve",
    "who approves",
    "who approved",
    "who rejects",
    "who rejected",
    "who decides",
    "who decided",
    "who turned down",
    "approver",
    "approvers",
    "rejected by",
    "decided by",
    "turned down by",
    "declined by",
    "decide",
    "decides",
    "decided",
    "decision",
    "decisions",
    "decider",
    "request",
    "requests",
    "requester",
    "requesters",
    "approvals",
    "rejections",
    "to approve",
    "to decide",
    "to reject",
    "turnaround",
];

/// Words that ask what still waits for someone's decision ("what does X still have to approve").
const WAITING: &[&str] = &[
    "need to approve",
    "needs to approve",
    "has to approve",
    "have to approve",
    "left to approve",
    "still to approve",
    "need to sign off",
    "needs to sign off",
    "has to sign off",
    "have to sign off",
    "my pending",
    "pending with",
    "pending for",
];

/// Decisions by the words for them, most specific first.
const DECISIONS: &[(&str, &[&str])] = &[
    (
        "auto_approved",
        &[
            "auto-approved",
            "auto approved",
            "autoapproved",
            "approved automatically",
            "automatically approved",
            "went through automatically",
            "gone through automatically",
            "auto-approve",
            "auto approve",
        ],
    ),
    (
        "auto_rejected",
        &[
            "auto-rejected",
            "auto rejected",
            "rejected automatically",
            "automatically rejected",
        ],
    ),
    (
        "rejected",
        &[
            "rejected",
            "rejects",
            "reject",
            "rejections",
            "turned down",
            "declined",
            "denied",
        ],
    ),
    (
        "cancelled",
        &["cancelled", "canceled", "withdrawn", "withdrew"],
    ),
    ("expired", &["expired", "timed out", "lapsed"]),
    (
        "pending",
        &[
            "waiting for",
            "waiting on",
            "awaiting",
            "pending",
            "waiting",
            "outstanding",
            "open",
            "undecided",
        ],
    ),
    (
        "approved",
        &["approved", "approves", "approve", "approvals"],
    ),
];

/// Plans a question about the requests, or `None` to leave it to the record types' planner.
pub fn plan(question: &str, cx: &Context, directory: &Directory) -> Option<Plan> {
    let record = cx.schema.get(RECORD_TYPE)?;
    let mut words = Words::new(question);
    let insight = crate::insights::ALL
        .iter()
        .any(|i| i.cues().iter().any(|cue| words.has(&text::normalise(cue))));
    if insight || !claims(&words, cx) {
        return None;
    }
    let people = people(&mut words, cx, directory);
    let window = text::window(&mut words, cx.today);
    let workflows = workflows(&mut words, record, cx);
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
        None if verb == Some(Verb::Decide) => filters.push(Filter {
            field: "decider".into(),
            op: Op::IsNotEmpty,
            value: serde_json::Value::Null,
        }),
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
    let (group_by, measure, order, limit) = shape(&words, record, verb, waiting);
    Some(Plan::Query(Query {
        record: RECORD_TYPE.into(),
        filters,
        group_by,
        measure,
        order,
        limit,
    }))
}

/// Whether the question is about approving, deciding or waiting, and not an insight's.
fn claims(words: &Words, cx: &Context) -> bool {
    let about_deciding = words.has_any(&["approval", "approve", "approved", "decision"]);
    if words.has_any(CLAIMS) || (about_deciding && time_field(words).is_some()) {
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

/// The decision the question asks about, if one.
fn decision(words: &Words) -> Option<&'static str> {
    let asks_who = words.has_any(&["who", "which approver", "approver", "approvers"]);
    DECISIONS
        .iter()
        .find(|(decision, phrases)| {
            // "who approves the most" asks for approvals; "approvals" alone for what waits
            // is read by the waiting phrases first.
            !(*decision == "approved" && asks_who && words.has_any(&["decide", "decided"]))
                && words.has_any(phrases)
        })
        .map(|(decision, _)| *decision)
}

/// Whose decisions (or requests) the question is about.
fn verb(words: &Words, decision: Option<&str>) -> Option<Verb> {
    if words.has_any(&[
        "requested",
        "submitted",
        "submit",
        "raised",
        "requester",
        "requesters",
        "asked for",
    ]) {
        return Some(Verb::Request);
    }
    match decision {
        Some("approved" | "auto_approved") => Some(Verb::Approve),
        Some("rejected" | "auto_rejected") => Some(Verb::Reject),
        Some(_) => None,
        None => words
            .has_any(&[
                "decide",
                "decides",
                "decided",
                "decision",
                "decisions",
                "decider",
            ])
            .then_some(Verb::Decide),
    }
}

fn within(field: &str, window: &Window) -> Filter {
    Filter {
        field: field.into(),
        op: Op::Within,
        value: serde_json::to_value(window).unwrap_or_default(),
    }
}

/// Groups, measure, order and limit: a ranking of people, a time taken, a count, a total or
/// the requests themselves.
fn shape(
    words: &Words,
    record: &RecordType,
    verb: Option<Verb>,
    waiting: bool,
) -> (Vec<String>, Measure, Option<Order>, Option<u32>) {
    let most = words.has_any(&[
        "most", "top", "highest", "largest", "biggest", "busiest", "ranked", "rank", "ranking",
    ]);
    let least = words.has_any(&["least", "fewest", "lowest", "smallest"]);
    let top_n = top_n(words);
    let mut group_by = Vec::new();
    let who = words.has_any(&[
        "who",
        "which approver",
        "which person",
        "which people",
        "by approver",
        "per approver",
        "each approver",
        "by person",
        "per person",
        "approvers",
        "by requester",
        "per requester",
        "which requester",
    ]);
    if who {
        group_by.push(
            if verb == Some(Verb::Request) {
                "requester"
            } else {
                "decider"
            }
            .to_string(),
        );
    }
    for (phrases, field) in [
        (
            &[
                "by workflow",
                "per workflow",
                "by type",
                "per type",
                "each type",
            ][..],
            "workflow",
        ),
        (
            &["by decision", "by outcome", "per outcome", "by status"][..],
            "decision",
        ),
        (
            &["by project", "per project", "which project", "each project"][..],
            "project",
        ),
        (
            &["by vendor", "per vendor", "which vendor", "each vendor"][..],
            "vendor",
        ),
        (
            &["by category", "per category", "each category"][..],
            "category",
        ),
    ] {
        if words.has_any(phrases) && record.field(field).is_some() {
            group_by.push(field.to_string());
        }
    }
    if words.has_any(&["by month", "per month", "monthly", "each month"]) {
        group_by.push("decided_at:month".into());
    }
    let grouped = !group_by.is_empty();
    let ranked = |descending: bool| Order {
        field: None,
        descending,
    };
    let order = (grouped && (most || least)).then(|| ranked(!least));
    if let Some(field) = time_field(words) {
        let measure = if words.has("median") {
            Measure::Median { field }
        } else if !grouped && words.has_any(&["longest", "slowest", "max", "maximum"]) {
            Measure::Max { field }
        } else {
            Measure::Average { field }
        };
        let order = grouped.then(|| ranked(!words.has_any(&["fastest", "quickest", "least"])));
        return (group_by, measure, order, top_n);
    }
    if words.has_any(&["how much", "total", "sum", "value", "amount", "worth"]) {
        let measure = Measure::Sum {
            field: "amount".into(),
        };
        let limit = top_n.or(order.is_some().then_some(1));
        return (group_by, measure, order, limit);
    }
    let counting = grouped || words.has_any(&["how many", "number of", "count", "most", "fewest"]);
    if counting {
        let limit = top_n.or((grouped && (most || least) && !who).then_some(1));
        return (group_by, Measure::Count, order, limit);
    }
    let mut fields = vec!["workflow", "requester", "amount", "submitted_at"];
    fields.push(if waiting { "waiting_for" } else { "decision" });
    if !waiting {
        fields.extend(["decider", "decided_at"]);
    }
    let fields = fields
        .into_iter()
        .filter(|f| record.field(f).is_some())
        .map(String::from)
        .collect();
    let order = Order {
        field: Some("submitted_at".into()),
        descending: !waiting,
    };
    (Vec::new(), Measure::List { fields }, Some(order), top_n)
}

/// The measure of time a question asks for: business hours, hours or days.
fn time_field(words: &Words) -> Option<String> {
    let timed = words.has_any(&[
        "how long",
        "time to",
        "days to",
        "hours to",
        "turnaround",
        "decision time",
        "wait",
        "slowest",
        "fastest",
        "quickest",
    ]);
    if !timed {
        return None;
    }
    let field = if words.has_any(&["business hours", "working hours", "business days"]) {
        "business_hours"
    } else if words.has("hours") {
        "hours"
    } else {
        "days"
    };
    Some(field.to_string())
}

/// "top 5", "5 most".
fn top_n(words: &Words) -> Option<u32> {
    words.words.windows(2).find_map(|pair| match pair {
        [a, n] if a == "top" => n.parse().ok().filter(|n| (1..=100).contains(n)),
        [n, b] if b == "most" => n.parse().ok().filter(|n| (1..=100).contains(n)),
        _ => None,
    })
}

#[cfg(test)]
mod tests;
