//! Answering a question: plan it (with the LLM when one is configured, else or on its failure
//! with the offline planner), check the plan, execute it, word the answer.

use super::{Keel, ServiceError, UserError};
use crate::ask::access::{Asker, enforce};
use crate::ask::check::{self, PlanProblem};
use crate::ask::offline::{self, Context};
use crate::ask::{Answer, Planner, answer};
use crate::domain::plan::{CheckedQuery, Plan};
use crate::domain::{Person, RecordLabels};

/// Longest question accepted.
pub const MAX_QUESTION_LEN: usize = 500;

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
        let schema = &self.config.schema;
        let mut note = None;
        if let Some(llm) = &self.llm {
            let planned = llm.plan(question, schema, today).await;
            match planned.map_err(|e| e.to_string()).and_then(|plan| {
                let checked = check::check(&plan, schema, today).map_err(|e| {
                    format!("the language model's plan does not fit the records: {e}")
                })?;
                Ok((plan, checked))
            }) {
                Ok((plan, checked)) => {
                    return self
                        .run(plan, checked, &person, &labels, Planner::Llm, None)
                        .await;
                }
                Err(why) => {
                    tracing::warn!(%why, "the LLM planner failed; answering offline");
                    note = Some(format!(
                        "{why}; this answer comes from the offline planner."
                    ));
                }
            }
        }
        let cx = Context {
            schema,
            vocabulary: &self.config.vocabulary,
            labels: &labels,
            today,
            asker: &person.id,
        };
        let (plan, checked) = offline::plan(question, &cx)
            .map_err(|e| UserError::Invalid(with_note(&e.0, &note)))
            .and_then(|plan| {
                let checked = check::check(&plan, schema, today).map_err(|e: PlanProblem| {
                    UserError::Invalid(with_note(&format!("I could not answer that: {e}."), &note))
                })?;
                Ok::<(Plan, CheckedQuery), UserError>((plan, checked))
            })?;
        self.run(plan, checked, &person, &labels, Planner::Offline, note)
            .await
    }

    /// Applies what the asker's role may see, runs the query and words the answer.
    async fn run(
        &self,
        plan: Plan,
        mut checked: CheckedQuery,
        person: &Person,
        labels: &RecordLabels,
        planner: Planner,
        note: Option<String>,
    ) -> Result<Answer, ServiceError> {
        let asker = Asker {
            id: &person.id,
            role: &person.role,
        };
        let access = self.config.vocabulary.access.get(&person.role);
        enforce(
            &mut checked,
            &asker,
            access,
            &self.config.schema,
            &self.config.directory.record,
        )
        .map_err(|e| UserError::Invalid(format!("I cannot answer that: {e}.")))?;
        let table = self.store.run_query(&checked).await?;
        Ok(answer(plan, &checked, table, labels, planner, note))
    }
}

/// Rows of an answer shown in a chat reply; the rest are counted.
const ROWS_IN_CHAT: usize = 15;

impl Keel {
    /// `/ask …` in chat: the answer, its first rows as a table, and how it was computed.
    pub async fn ask_reply(&self, actor: &Person, question: &str) -> Result<String, ServiceError> {
        if question.trim().is_empty() {
            return Ok(
                "Ask a question about the company's records, e.g. `/ask how much did we \
                spend with each vendor last quarter?`"
                    .to_string(),
            );
        }
        let answer = self.ask(&actor.id, question).await?;
        let mut reply = answer.answer.clone();
        if answer.rows.len() > 1 || answer.columns.len() > 1 {
            reply.push_str(&format!("\n\n{}", answer.columns.join(" | ")));
            for row in answer.rows.iter().take(ROWS_IN_CHAT) {
                let cells: Vec<String> = row.iter().map(|v| crate::ask::figure(v, false)).collect();
                reply.push_str(&format!("\n{}", cells.join(" | ")));
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
        Ok(reply)
    }
}

/// A refusal, with why the model's plan was not used when there was one.
fn with_note(message: &str, note: &Option<String>) -> String {
    match note {
        Some(note) => format!("{message} (The language model was asked first: {note})"),
        None => message.to_string(),
    }
}
