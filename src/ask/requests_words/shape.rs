//! The shape of an answer about the requests: groups, measure, order and limit.

use super::super::text::Words;
use super::phrases::Verb;
use crate::domain::RecordType;
use crate::domain::plan::{Measure, Order};

/// What the answer groups by, what it measures (one number, or several side by side), and how
/// its groups are ordered and cut.
pub struct Shape {
    pub group_by: Vec<String>,
    pub measures: Vec<Measure>,
    pub order: Option<Order>,
    pub limit: Option<u32>,
}

/// Words asking for money rather than a count ("in total" only says "all of them").
pub(super) const MONEY: &[&str] = &[
    "how much",
    "sum",
    "value",
    "amount",
    "worth",
    "total amount",
    "total value",
];

/// Words asking for a count.
pub(super) const COUNT: &[&str] = &["how many", "number of", "count"];

/// The people a "who" or "which approver" question ranks, when it groups by one.
pub(super) const WHO: &[&str] = &[
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
];

/// Words that rank from the most, and from the least.
pub(super) const MOST: &[&str] = &[
    "most", "top", "highest", "largest", "biggest", "busiest", "ranked", "rank", "ranking",
];
pub(super) const LEAST: &[&str] = &["least", "fewest", "lowest", "smallest"];

/// Words that choose among several measures of time.
pub(super) const TIME_MEASURES: &[&str] = &[
    "median",
    "longest",
    "slowest",
    "max",
    "maximum",
    "fastest",
    "quickest",
    "shortest",
    "day",
    "hour",
    "business day",
    "business hours",
    "working hours",
    "business days",
    "in total",
    "total",
    "total number",
    "total count",
];

/// Groups, measures, order and limit: a ranking of people, a time taken (`timed`: the field
/// of the unit asked), a count, a total, both, or the requests themselves.
pub fn shape(
    words: &Words,
    record: &RecordType,
    verb: Option<Verb>,
    waiting: bool,
    timed: Option<String>,
) -> Shape {
    let most = words.has_any(MOST);
    let least = words.has_any(LEAST);
    let top_n = top_n(words);
    let who = words.has_any(WHO);
    let group_by = group_by(words, record, verb, who);
    let grouped = !group_by.is_empty();
    let ranked = |descending: bool| Order {
        field: None,
        descending,
    };
    let order = (grouped && (most || least)).then(|| ranked(!least));
    let shape = |measures: Vec<Measure>, order: Option<Order>, limit: Option<u32>| Shape {
        group_by: group_by.clone(),
        measures,
        order,
        limit,
    };
    if let Some(field) = timed {
        let measure = if words.has("median") {
            Measure::Median { field }
        } else if !grouped && words.has_any(&["longest", "slowest", "max", "maximum"]) {
            Measure::Max { field }
        } else {
            Measure::Average { field }
        };
        let faster = words.has_any(&["fastest", "quickest", "least", "shortest"]);
        return shape(vec![measure], grouped.then(|| ranked(!faster)), top_n);
    }
    let total = Measure::Sum {
        field: "amount".into(),
    };
    let money = words.has_any(MONEY)
        || (words.has("total") && !words.has_any(&["in total", "total number", "total count"]));
    // "how many, and for how much": both numbers, side by side.
    if money && words.has_any(COUNT) {
        return shape(vec![Measure::Count, total], order, top_n);
    }
    if money {
        let limit = top_n.or(order.is_some().then_some(1));
        return shape(vec![total], order, limit);
    }
    let counting = grouped || words.has_any(COUNT) || words.has_any(&["most", "fewest"]);
    if counting {
        let limit = top_n.or((grouped && (most || least) && !who).then_some(1));
        return shape(vec![Measure::Count], order, limit);
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
    shape(vec![Measure::List { fields }], Some(order), top_n)
}

/// The fields grouped by: the people asked about ("who"), then those named after "by" or "per".
fn group_by(words: &Words, record: &RecordType, verb: Option<Verb>, who: bool) -> Vec<String> {
    let mut group_by = Vec::new();
    if who {
        let person = if verb == Some(Verb::Request) {
            "requester"
        } else {
            "decider"
        };
        group_by.push(person.to_string());
    }
    for (phrases, field) in GROUPS {
        if words.has_any(phrases) && record.field(field).is_some() {
            group_by.push(field.to_string());
        }
    }
    if words.has_any(BY_MONTH) {
        group_by.push("decided_at:month".into());
    }
    group_by
}

/// Phrases that group by a field of the request.
pub(super) const GROUPS: [(&[&str], &str); 5] = [
    (
        &[
            "by workflow",
            "per workflow",
            "by type",
            "per type",
            "each type",
        ],
        "workflow",
    ),
    (
        &["by decision", "by outcome", "per outcome", "by status"],
        "decision",
    ),
    (
        &["by project", "per project", "which project", "each project"],
        "project",
    ),
    (
        &["by vendor", "per vendor", "which vendor", "each vendor"],
        "vendor",
    ),
    (
        &["by category", "per category", "each category"],
        "category",
    ),
];

/// Phrases that group by the month of the decision.
pub(super) const BY_MONTH: &[&str] = &["by month", "per month", "monthly", "each month"];

/// Phrases that ask how long deciding took, or rank people by it ("who sits on them longest").
pub(super) const TIMED: &[&str] = &[
    "how long",
    "time to",
    "days to",
    "hours to",
    "time between",
    "time taken",
    "turnaround",
    "decision time",
    "approval time",
    "latency",
    "wait",
    "slowest",
    "fastest",
    "quickest",
    "longest",
    "shortest",
    "sits on",
    "sit on",
    "sat on",
];

/// Words that, beside a unit of time, ask for a time taken ("how many days between a request
/// and its approval", "average hours").
pub(super) const OF_A_UNIT: &[&str] = &[
    "how many",
    "average",
    "avg",
    "mean",
    "median",
    "between",
    "take",
    "takes",
    "took",
    "typically",
    "usually",
];

/// The measure of time a question asks for: business hours, hours or days. A window's words
/// ("in the last 30 days") are read before, so that they do not ask for a time.
pub fn time_field(words: &Words) -> Option<String> {
    let unit = words.has_any(&["day", "hour", "business day"]);
    let timed = words.has_any(TIMED) || (unit && words.has_any(OF_A_UNIT));
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
