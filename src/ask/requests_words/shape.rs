//! The shape of an answer about the requests: groups, measure, order and limit.

use super::super::text::Words;
use super::phrases::Verb;
use crate::domain::RecordType;
use crate::domain::plan::{Measure, Order};

/// Groups, measure, order and limit: a ranking of people, a time taken, a count, a total or
/// the requests themselves.
pub fn shape(
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
pub fn time_field(words: &Words) -> Option<String> {
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
