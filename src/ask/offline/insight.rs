//! Questions that ask for an analysis from the catalogue ("which vendors keep missing dates?",
//! "who is over capacity?"), recognised by the insight's cues. A cue is not enough: every other
//! word that carries meaning must be one the analysis answers for (its subject, the records it
//! reads, a ranking), so that "equipment utilization rate" is not answered with people's
//! utilization, and "capacity last year" not with this month's.

use super::super::text::{Words, normalise};
use super::coverage::Coverage;
use super::cues::Cues;
use super::{Context, Outcome, Part, Planned, query, types};
use crate::domain::FieldType;
use crate::domain::plan::Plan;
use crate::insights::{ALL, Insight};

/// Words any analysis's answer speaks to: how it is shown, ranked and compared. Phrases are
/// separated by commas.
const ANY_INSIGHT: &str = "analysis, report, overview, summary, rate, rates, ratio, percentage, \
    percent, trend, trends, ranking, ranked, rank, worst, best, biggest, main, currently, \
    right now, at the moment, lately, recently, our, my, compared, compare, comparing, \
    relative, versus, vs, against, anyone, anybody, someone, somebody, heading, headed, \
    trending, track, time, likely, unlikely, probably, expected, expect, set to, about to, \
    might, may, risk, at risk, soon, end up, ending up, looks like, look like, on pace, \
    on course, seem, seems";

/// The words an analysis answers for besides its cues: what it is about, in plain English.
fn subject_words(insight: Insight) -> &'static str {
    match insight {
        Insight::VendorReliability => {
            "deliver, delivers, delivery, deliveries, delivered, dates, date, late, often, keep, \
             keeps, always, consistently, record, orders, ordered, promised, promise, schedule, \
             suppliers, vendors, hit, hitting, meet, meeting, miss, missing, missed, slip, \
             slipping"
        }
        Insight::BudgetBurn => {
            "budget, budgets, spend, spending, spent, projected, projection, forecast, will, \
             going, go, over, cost, costs, finish, end, burn, progress, complete, completion, \
             tracking"
        }
        Insight::ClientEngagement => {
            "clients, client, customers, accounts, touchpoints, touch, contact, activity, active, \
             quiet, dropping, declining, falling, losing"
        }
        Insight::ApprovalLatency => {
            "approvals, approval, approve, approves, approver, approvers, decide, decides, \
             decision, decisions, long, longest, slow, slowest, fast, fastest, hours, days, \
             median, times, take, takes, taking, requests"
        }
        Insight::Capacity => {
            "people, person, staff, team, teams, employees, crew, crews, role, roles, hours, week, \
             weekly, busiest, busy, load, loaded, working, work, logged, over, under, job role, \
             job roles, job title, job titles"
        }
        Insight::Anomalies => {
            "requests, request, amounts, amount, flag, flagged, ordinary, odd, weird, strange, \
             large, big, look, should"
        }
        Insight::MyApprovals => {
            "approve, approval, approvals, pending, waiting, requests, sign, decide, decision, \
             desk, queue, inbox"
        }
    }
}

/// The record types an analysis is about: those it reads and those their fields refer to;
/// `None` for the analyses of requests, which are about every workflow's records.
fn subject_types(insight: Insight, cx: &Context) -> Option<Vec<String>> {
    let reads = insight.reads();
    if reads.is_empty() {
        return None;
    }
    let mut types: Vec<String> = Vec::new();
    for (record_type, field) in reads {
        types.push((*record_type).to_string());
        let target = cx
            .schema
            .get(record_type)
            .and_then(|t| t.field(field))
            .and_then(|f| match &f.field_type {
                FieldType::Ref(target) => Some(target.clone()),
                _ => None,
            });
        types.extend(target);
    }
    Some(types)
}

/// The phrases of a comma-separated list.
fn phrases(list: &str) -> Vec<&str> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

/// An analysis from the catalogue, when the question asks for one by its cues and reads fully
/// as that analysis. A question with words the analysis does not answer for is left to the
/// query planner, which answers it as a query or declines it saying what it did not understand.
pub fn plan(question: &str, cx: &Context) -> Option<Outcome> {
    let words = Words::new(question);
    // "how many of Ironclad's orders were delivered on time" counts records.
    if words.has_any(super::cues::HOW_MANY) && query::reads_fully(question, cx) {
        return None;
    }
    let insight = ALL
        .into_iter()
        .find(|insight| insight.cues().iter().any(|cue| words.has(&normalise(cue))))?;
    if !left_over(question, insight, cx).is_empty() {
        return None;
    }
    Some(Outcome::Planned(Planned {
        parts: vec![Part {
            plan: Plan::Insight { name: insight },
            heading: None,
        }],
        notes: Vec::new(),
    }))
}

/// The words of `question` that carry meaning and that `insight` does not answer for.
fn left_over(question: &str, insight: Insight, cx: &Context) -> Vec<String> {
    let mut words = Words::new(question);
    let mut cov = Coverage::new(&words);
    let label = insight.name();
    cov.claim(insight.cues(), label);
    cov.claim(&phrases(subject_words(insight)), label);
    cov.claim(&phrases(ANY_INSIGHT), label);
    // Record types it reads (and those they refer to: a purchase order's vendor) are its
    // subject; another type named ("the busiest project") asks something else. The analyses
    // of requests read every workflow's records.
    let allowed = subject_types(insight, cx);
    let mut other = Coverage::new(&words);
    for (name, from, to) in types::type_mentions(&mut words, cx, &mut other) {
        if allowed
            .as_ref()
            .is_none_or(|allowed| allowed.contains(&name))
        {
            cov.claim_range((from, to), &name);
        }
    }
    let cues = Cues::read(&words);
    cues.claim_rank(&mut cov);
    cov.left_over()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RecordLabels;

    fn planned(question: &str) -> Option<Insight> {
        match crate::ask::offline::testing::outcome(&RecordLabels::default(), question) {
            Outcome::Planned(planned) => match planned.parts[0].plan {
                Plan::Insight { name } => Some(name),
                _ => None,
            },
            Outcome::Declined(_) => None,
        }
    }

    #[test]
    fn a_question_an_analysis_answers_is_planned_as_it() {
        for (question, insight) in [
            (
                "which suppliers are the least reliable?",
                Insight::VendorReliability,
            ),
            (
                "is anyone on the team overloaded right now",
                Insight::Capacity,
            ),
            ("projects heading for an overrun", Insight::BudgetBurn),
            (
                "where are the bottlenecks in approvals?",
                Insight::ApprovalLatency,
            ),
            ("anything suspicious in the requests?", Insight::Anomalies),
            ("what is the busiest role", Insight::Capacity),
            ("spend compared to budget for each job", Insight::BudgetBurn),
            ("which jobs might end up over budget", Insight::BudgetBurn),
            ("which accounts have gone silent", Insight::ClientEngagement),
            (
                "which supplier delivers late the most",
                Insight::VendorReliability,
            ),
        ] {
            assert_eq!(planned(question), Some(insight), "{question}");
        }
    }

    #[test]
    fn a_word_the_analysis_does_not_answer_for_is_not_answered_by_it() {
        for question in [
            "equipment utilization",
            "which project is the busiest",
            "busiest month for expenses",
            "what is the truck utilization rate",
            "capacity of the warehouse",
            "unusual weather delays",
        ] {
            assert_eq!(planned(question), None, "{question}");
        }
    }
}
