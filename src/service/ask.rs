//! Answering a question: plan it (with the LLM when one is configured, else or on its failure
//! with the offline planner), check the plan, apply what the asker may see, execute it, word
//! the answer.

use super::{Keel, ServiceError, UserError};
use crate::ask::access::{Asker, enforce, enforce_insight, visible_labels};
use crate::ask::check::{self, PlanProblem};
use crate::ask::offline::{self, Context};
use crate::ask::{Answer, Planner, answer};
use crate::domain::plan::{CheckedQuery, Plan};
use crate::domain::{Effect, Person, RecordLabels};
use crate::insights::Insight;
use chrono::NaiveDate;

/// Longest question accepted.
pub const MAX_QUESTION_LEN: usize = 500;

/// Rows of an answer shown in a chat reply; the rest are counted.
const ROWS_IN_CHAT: usize = 15;

/// A plan ready to run.
enum Prepared {
    Query(Box<CheckedQuery>),
    Insight(Insight),
}

impl Keel {
    /// Answers `question` for `asker` (staff id, email or chat identity).
    pub async fn ask(&self, asker: &str, question: &str) -> Result<Answer, ServiceError> {
        let question = question.trim();
        if question.is_empty() || question.chars().count() > MAX_QUESTION_LEN {
            return Err(UserError::Invalid(format!(
                "A question has 1 to {MAX_QUESTION_LEN} characters."
            ))
            .into());
        }
        let person = self.person(asker).await?;
        let labels = self.record_labels().await?;
        let today = self.today();
        let mut note = None;
        if let Some(llm) = &self.llm {
            let why = match llm
                .plan(question, &person.id, &self.config.schema, today)
                .await
            {
                Ok(plan) => match self.prepare(&plan, today) {
                    Ok(prepared) => {
                        let mut answer = self
                            .execute(plan, prepared, &person, &labels, Planner::Llm, None)
                            .await?;
                        if self.config.settings.llm.phrase {
                            self.phrase(llm, question, &mut answer).await;
                        }
                        return Ok(answer);
                    }
                    Err(problem) => {
                        format!("the language model's plan does not fit the records: {problem}")
                    }
                },
                Err(failure) => failure.to_string(),
            };
            tracing::warn!(%why, "the LLM planner failed; answering offline");
            note = Some(format!(
                "{why}; this answer comes from the offline planner."
            ));
        }
        let cx = Context {
            schema: &self.config.schema,
            vocabulary: &self.config.vocabulary,
            labels: &labels,
            today,
            asker: &person.id,
        };
        let plan =
            offline::plan(question, &cx).map_err(|e| UserError::Invalid(with_note(&e.0, &note)))?;
        let prepared = self.prepare(&plan, today).map_err(|e| {
            UserError::Invalid(with_note(&format!("I could not answer that: {e}."), &note))
        })?;
        self.execute(plan, prepared, &person, &labels, Planner::Offline, note)
            .await
    }

    /// Lets the model word the answer's sentence when every number it writes is one keel
    /// computed; otherwise keel's sentence stays, and the answer's note says why.
    async fn phrase(&self, llm: &crate::ask::llm::LlmPlanner, question: &str, answer: &mut Answer) {
        let mut numbers = crate::ask::llm::numbers_in(&answer.answer);
        for value in answer.rows.iter().flatten() {
            numbers.extend(crate::ask::llm::numbers_in(&crate::ask::figure(
                value, false,
            )));
            numbers.extend(crate::ask::llm::numbers_in(&value.to_string()));
        }
        match llm.phrase(question, &answer.answer, &numbers).await {
            Ok(worded) => answer.answer = worded,
            Err(why) => {
                tracing::warn!(%why, "keel's own sentence is kept");
                answer.note = Some(format!("{why}; keel's own sentence is given."));
            }
        }
    }

    /// Runs an insight for `asker` (`keel insights NAME`).
    pub async fn insight(&self, asker: &str, insight: Insight) -> Result<Answer, ServiceError> {
        let person = self.person(asker).await?;
        let labels = self.record_labels().await?;
        let plan = Plan::Insight { name: insight };
        self.execute(
            plan,
            Prepared::Insight(insight),
            &person,
            &labels,
            Planner::Offline,
            None,
        )
        .await
    }

    fn prepare(&self, plan: &Plan, today: NaiveDate) -> Result<Prepared, PlanProblem> {
        match plan {
            Plan::Query(query) => check::check(query, &self.config.schema, today)
                .map(|q| Prepared::Query(Box::new(q))),
            Plan::Insight { name } => Ok(Prepared::Insight(*name)),
        }
    }

    /// Applies what the asker's role may see, runs the plan and words the answer.
    async fn execute(
        &self,
        plan: Plan,
        prepared: Prepared,
        person: &Person,
        labels: &RecordLabels,
        planner: Planner,
        note: Option<String>,
    ) -> Result<Answer, ServiceError> {
        let access = self.config.vocabulary.access.get(&person.role);
        let labels = &visible_labels(labels, access, &self.config.schema);
        let refused = |e: PlanProblem| {
            ServiceError::from(UserError::Invalid(format!("I cannot answer that: {e}.")))
        };
        match prepared {
            Prepared::Query(mut checked) => {
                let asker = Asker {
                    id: &person.id,
                    role: &person.role,
                };
                enforce(
                    &mut checked,
                    &asker,
                    access,
                    &self.config.schema,
                    &self.config.directory.record,
                )
                .map_err(refused)?;
                let table = self.store.run_query(&checked).await?;
                Ok(answer(plan, &checked, table, labels, planner, note))
            }
            Prepared::Insight(insight) => {
                enforce_insight(insight, &person.role, access).map_err(refused)?;
                let computed = self.compute_insight(insight, person, labels).await?;
                Ok(Answer {
                    answer: computed.sentence,
                    columns: computed.table.columns,
                    rows: computed.table.rows,
                    plan,
                    how: format!("The {} insight: {}.", insight.name(), insight.description()),
                    planner,
                    note,
                })
            }
        }
    }

    /// `/ask …` in chat: the answer, its first rows as a table, how it was computed, and its
    /// chart when it has one.
    pub async fn ask_effects(
        &self,
        actor: &Person,
        question: &str,
    ) -> Result<Vec<Effect>, ServiceError> {
        if question.trim().is_empty() {
            return Ok(vec![Effect::Reply {
                text: "Ask a question about the company's records, e.g. `/ask how much did we \
                    spend with each vendor last quarter?`"
                    .to_string(),
            }]);
        }
        let answer = self.ask(&actor.id, question).await?;
        let mut effects = vec![Effect::Reply {
            text: chat_text(&answer),
        }];
        if let Some(png) = crate::ask::chart::chart(&answer.columns, &answer.rows) {
            effects.push(Effect::Chart {
                png,
                alt: answer.answer.clone(),
            });
        }
        Ok(effects)
    }
}

/// An answer as a chat message: the sentence, the first rows, and how it was computed.
fn chat_text(answer: &Answer) -> String {
    let mut reply = answer.answer.clone();
    if answer.rows.len() > 1 || answer.columns.len() > 1 {
        reply.push_str(&format!("\n\n{}", answer.header_line()));
        for line in answer.row_lines().take(ROWS_IN_CHAT) {
            reply.push_str(&format!("\n{line}"));
        }
        if answer.rows.len() > ROWS_IN_CHAT {
            reply.push_str(&format!(
                "\n… and {} more rows (`keel ask --json` gives them all).",
                answer.rows.len() - ROWS_IN_CHAT
            ));
        }
    }
    reply.push_str(&format!("\n\nHow I got this: {}", answer.how));
    if let Some(note) = &answer.note {
        reply.push_str(&format!("\n{note}"));
    }
    reply
}

/// A refusal, with why the model's plan was not used when there was one.
fn with_note(message: &str, note: &Option<String>) -> String {
    match note {
        Some(note) => format!("{message} (The language model was asked first: {note})"),
        None => message.to_string(),
    }
}
