//! The arithmetic of a workflow's `context` facts, from rows the service has read: no I/O, so
//! each is tested with hand-made rows. A fact that cannot be computed (no record, no history)
//! is `None` and left off the card, never shown as a zero it is not.

use crate::domain::{CardFact, ContextSpec, Record, RecordLabels};
use crate::engine::stats::median;
use crate::insights::compute::{burn_of, vendor_reliability};
use chrono::{DateTime, Datelike, Months, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// One past request of the workflow, as the request facts hold it.
#[derive(Debug, Clone, PartialEq)]
pub struct PastRequest {
    pub id: String,
    /// Its status (`approved`, `auto_approved`, `rejected`…).
    pub decision: String,
    pub amount: Option<f64>,
    pub submitted_at: DateTime<Utc>,
}

/// What the facts are written with: the company's currency and time zone, and the words for
/// the workflow's requests ("change order", "change orders").
pub struct Wording<'a> {
    pub currency: &'a str,
    pub time_zone: Tz,
    pub noun: &'a str,
}

impl Wording<'_> {
    pub fn money(&self, value: f64) -> String {
        crate::ask::figure(&json!(value), Some(self.currency))
    }

    fn count(&self, n: usize) -> String {
        match n {
            1 => format!("1 {}", self.noun),
            n => format!("{n} {}", self.plural()),
        }
    }

    /// The noun for several ("change orders", "expenses").
    fn plural(&self) -> String {
        let ending = if self.noun.ends_with('s') { "es" } else { "s" };
        format!("{}{ending}", self.noun)
    }
}

fn fact(label: String, text: String, why: Option<String>, reads: &[&str]) -> CardFact {
    CardFact {
        label,
        text,
        why,
        reads: reads.iter().map(|r| r.to_string()).collect(),
        owner: None,
    }
}

/// A project's spend against its budget and where it is heading, from its record and what its
/// invoices add up to (the `budget_burn` insight's arithmetic).
pub fn budget(project: &Record, spent: f64, words: &Wording) -> Option<CardFact> {
    let burn = burn_of(project, spent)?;
    let course = if burn.overrun > 0.0 {
        format!("on course to go {} over", words.money(burn.overrun))
    } else {
        "on course to finish within it".to_string()
    };
    let text = format!(
        "{} of {} spent ({}%) at {}% complete; {course}",
        words.money(burn.spent),
        words.money(burn.budget),
        burn.spent_percent,
        burn.complete
    );
    let why = format!(
        "Spent is the project's invoices added up; at this rate the final cost is {}.",
        words.money(burn.projected)
    );
    Some(fact(
        "Budget".into(),
        text,
        Some(why),
        &[
            "project.budget",
            "project.percent_complete",
            "invoice.project_id",
            "invoice.amount",
        ],
    ))
}

/// A vendor's on-time rate over its delivered purchase orders (the `vendor_reliability`
/// insight's arithmetic).
pub fn vendor(orders: &[Record], labels: &RecordLabels) -> Option<CardFact> {
    let computed = vendor_reliability(orders, labels);
    let row = computed.table.rows.first()?;
    let number = |i: usize| row.get(i).and_then(Value::as_f64);
    let (deliveries, rate, late, slip) = (number(1)?, number(2)?, number(3)?, number(4)?);
    let text = if late == 0.0 {
        format!("{rate}% on time over {deliveries} deliveries")
    } else {
        format!(
            "{rate}% on time over {deliveries} deliveries; {slip} days late on average when late"
        )
    };
    Some(fact(
        "Vendor reliability".into(),
        text,
        Some(format!(
            "{late} of {deliveries} delivered purchase orders arrived after the promised date."
        )),
        &[
            "purchase_order.vendor_id",
            "purchase_order.promised_date",
            "purchase_order.delivered_date",
        ],
    ))
}

/// Statuses that spent nothing.
fn withdrawn(decision: &str) -> bool {
    matches!(
        decision,
        "rejected" | "auto_rejected" | "cancelled" | "expired"
    )
}

/// How many requests came before this one (submitted before `as_of`, when it was) on the same
/// record, and what they add up to.
pub fn requests_so_far(
    past: &[PastRequest],
    this: &str,
    on: &str,
    as_of: DateTime<Utc>,
    words: &Wording,
    reads: &[&str],
) -> Option<CardFact> {
    let others: Vec<&PastRequest> = past
        .iter()
        .filter(|p| p.id != this && p.submitted_at < as_of)
        .collect();
    let total: f64 = others.iter().filter_map(|p| p.amount).sum();
    let kept: Vec<&&PastRequest> = others.iter().filter(|p| !withdrawn(&p.decision)).collect();
    let kept_total: f64 = kept.iter().filter_map(|p| p.amount).sum();
    let text = if others.is_empty() {
        format!("the first {} on this {on}", words.noun)
    } else {
        format!(
            "{} before this one, {} in all; {} not rejected or withdrawn",
            words.count(others.len()),
            words.money(total),
            words.money(kept_total)
        )
    };
    Some(fact(
        format!("{} so far", capitalised(&words.plural())),
        text,
        None,
        reads,
    ))
}

/// How requests like this one were decided in the last `months`.
pub fn similar_decisions(
    past: &[PastRequest],
    this: &str,
    spec: &ContextSpec,
    like: &str,
    now: DateTime<Utc>,
    words: &Wording,
    reads: &[&str],
) -> Option<CardFact> {
    let since = now.checked_sub_months(Months::new(spec.months))?;
    let decided: Vec<&PastRequest> = past
        .iter()
        .filter(|p| p.id != this && p.submitted_at >= since && p.submitted_at <= now)
        .filter(|p| p.decision != "pending" && p.decision != "cancelled")
        .collect();
    if decided.is_empty() {
        return None;
    }
    let count = |decisions: &[&str]| {
        decided
            .iter()
            .filter(|p| decisions.contains(&p.decision.as_str()))
            .count()
    };
    let mut parts = vec![format!("{} approved", count(&["approved"]))];
    let automatic = count(&["auto_approved"]);
    if automatic > 0 {
        parts.push(format!("{automatic} approved automatically"));
    }
    parts.push(format!(
        "{} rejected",
        count(&["rejected", "auto_rejected"])
    ));
    let expired = count(&["expired"]);
    if expired > 0 {
        parts.push(format!("{expired} expired"));
    }
    let mut amounts: Vec<f64> = decided.iter().filter_map(|p| p.amount).collect();
    let middle = median(&mut amounts).map(|m| format!("; median {}", words.money(m)));
    let text = format!("{}{}", parts.join(", "), middle.unwrap_or_default());
    let months = match spec.months {
        1 => "last month".to_string(),
        12 => "last 12 months".to_string(),
        n => format!("last {n} months"),
    };
    Some(fact(
        format!("Similar decisions ({like}, {months})"),
        text,
        Some(format!(
            "{} decided since {}.",
            words.count(decided.len()),
            since.with_timezone(&words.time_zone).format("%-d %b %Y")
        )),
        reads,
    ))
}

/// The requester's total this month (`amount` included) against their usual month: the
/// median of the months before with any, in the company's time zone.
pub fn requester_spend(
    past: &[PastRequest],
    this: &str,
    amount: Option<f64>,
    now: DateTime<Utc>,
    words: &Wording,
    reads: &[&str],
) -> Option<CardFact> {
    let month = |at: DateTime<Utc>| {
        let local = at.with_timezone(&words.time_zone);
        (local.year(), local.month())
    };
    let current = month(now);
    let mut by_month: BTreeMap<(i32, u32), f64> = BTreeMap::new();
    for p in past
        .iter()
        .filter(|p| p.id != this && !withdrawn(&p.decision))
    {
        *by_month.entry(month(p.submitted_at)).or_default() += p.amount.unwrap_or(0.0);
    }
    let this_month = by_month.remove(&current).unwrap_or(0.0) + amount.unwrap_or(0.0);
    let mut before: Vec<f64> = by_month
        .into_iter()
        .filter(|(m, _)| *m < current)
        .map(|(_, total)| total)
        .collect();
    let months = before.len();
    let usual = median(&mut before)?;
    let times = if usual > 0.0 {
        format!(" ({:.1}×)", this_month / usual)
    } else {
        String::new()
    };
    Some(fact(
        "Requester's spend".into(),
        format!(
            "{} this month with this one, against a usual {} a month{times}",
            words.money(this_month),
            words.money(usual)
        ),
        Some(format!(
            "The usual month is the median of the {months} earlier months with any {}.",
            words.noun
        )),
        reads,
    ))
}

/// "Change order" from "change order".
pub fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
#[path = "card_facts_tests.rs"]
mod tests;
