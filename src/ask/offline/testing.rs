//! What the planner's unit tests share: a question planned against the demo company's config
//! and the records' names a test gives, asked by the CEO (S001) on Monday 2026-11-23.

use super::{Context, Outcome, plan};
use crate::domain::RecordLabels;
use crate::domain::plan::{Plan, Query};

/// What the planner made of `question`.
pub fn outcome(labels: &RecordLabels, question: &str) -> Outcome {
    let config = crate::config::demo();
    let schema = crate::engine::request_facts::with_requests(&config);
    let cx = Context {
        schema: &schema,
        vocabulary: &config.vocabulary,
        labels,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("a day"),
        asker: "S001",
        people: "staff",
        role: "role",
        holders: &[],
    };
    plan(question, &cx)
}

/// The query planned for `question`, or why there is none: the decline's message, or "an
/// insight".
pub fn query(labels: &RecordLabels, question: &str) -> Result<Query, String> {
    match outcome(labels, question) {
        Outcome::Planned(planned) => match &planned.parts[0].plan {
            Plan::Query(query) => Ok(query.clone()),
            Plan::Insight { .. } => Err("an insight".into()),
        },
        Outcome::Declined(declined) => Err(declined.message),
    }
}
