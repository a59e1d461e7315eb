//! The offline planner: reads a question with the record schema, the words of `ask.toml`, the
//! names of the company's records and a few rules of English, and writes plans without a
//! model. Every word of the question that carries meaning is either used by the plan or
//! reported: a question read only in part is declined, saying what was understood and what was
//! not, with the closest questions keel can answer (see [`coverage`]).
//!
//! Kinds of question are read by [`PLANNERS`], tried in order: the first that recognises the
//! question plans it. The last, [`query::plan`], reads any question as a query of records.

mod agents;
#[cfg(test)]
mod asked_tests;
mod compared;
mod conditions;
mod coverage;
mod cues;
mod dated;
mod deadlines;
mod grouping;
mod implied;
#[cfg(test)]
mod implied_tests;
mod insight;
mod lexicon;
mod measure;
mod months;
mod names;
mod open_values;
mod prepare;
mod query;
#[cfg(test)]
mod reading_tests;
mod relations;
mod roles;
mod spelling;
#[cfg(test)]
mod spoken_tests;
mod suggest;
#[cfg(test)]
mod testing;
mod through;
mod types;
mod units;
mod whose;
mod years;

use crate::domain::plan::Plan;
use crate::domain::vocabulary::Vocabulary;
use crate::domain::{RecordLabels, RecordSchema};
use chrono::NaiveDate;

pub use coverage::Coverage;
pub use names::{Mention, holders, mentions};
pub use prepare::question as prepared;

/// What the offline planner reads a question against.
pub struct Context<'a> {
    pub schema: &'a RecordSchema,
    pub vocabulary: &'a Vocabulary,
    pub labels: &'a RecordLabels,
    pub today: NaiveDate,
    /// The staff id of the person asking ("my expenses").
    pub asker: &'a str,
    /// The directory's record type (`staff`), which "my" and "me" refer to.
    pub people: &'a str,
    /// The directory's field of a person's role: "superintendents" are the people whose role
    /// is superintendent.
    pub role: &'a str,
    /// People named by the one role or title they alone hold ("the CFO").
    pub holders: &'a [Holder],
}

/// A person a role or title names, because nobody else active holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// The role or title as words ("cfo", "chief financial officer").
    pub phrase: String,
    /// The directory's record type and the person's key there.
    pub record_type: String,
    pub key: String,
}

/// What the planner made of a question.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Planned(Planned),
    Declined(Declined),
}

/// The plans that answer a question: one, or one per number asked for ("how many and how
/// much"), each with the same records and groups.
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub parts: Vec<Part>,
    /// What the answer assumed that the question did not say ("spend" as approved), in words.
    pub notes: Vec<String>,
}

/// One plan of an answer, and the heading its measure has in a table of several.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub plan: Plan,
    pub heading: Option<String>,
}

/// A question not answered, with what was understood of it and what keel can answer instead.
#[derive(Debug, Clone, PartialEq)]
pub struct Declined {
    /// Why, in words, with what was and was not understood.
    pub message: String,
    pub understood: Vec<String>,
    pub not_understood: Vec<String>,
    /// Questions keel can answer, closest first.
    pub suggestions: Vec<String>,
}

/// Reads one kind of question; `None` when the question is not of its kind.
pub type SubPlanner = fn(&str, &Context) -> Option<Outcome>;

/// The kinds of question, tried in order. A planner for another kind (the requests' own
/// history, say) goes before [`query::plan`], which reads any question.
pub const PLANNERS: &[SubPlanner] = &[insight::plan, query::plan];

/// Plans `question`, or declines it with what keel can answer instead. A question declined
/// for words keel does not know is read again with those that are misspellings of known
/// words corrected, and answered when it then reads fully (saying what was corrected).
pub fn plan(question: &str, cx: &Context) -> Outcome {
    let question = agents::reread(&lexicon::reread(&prepare::question(question)), cx);
    let outcome = plan_prepared(&question, cx);
    let Outcome::Declined(declined) = &outcome else {
        return outcome;
    };
    spelling::correct(&question, &declined.not_understood, cx)
        .and_then(|(corrected, notes)| match plan_prepared(&corrected, cx) {
            Outcome::Planned(mut planned) => {
                planned.notes.extend(notes);
                Some(Outcome::Planned(planned))
            }
            Outcome::Declined(_) => None,
        })
        .unwrap_or(outcome)
}

fn plan_prepared(question: &str, cx: &Context) -> Outcome {
    PLANNERS
        .iter()
        .find_map(|planner| planner(question, cx))
        .unwrap_or_else(|| suggest::decline(question, cx, suggest::Reading::nothing()))
}
