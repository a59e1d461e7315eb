//! Answering a question: plan it, check the plan, execute it, word the answer.

use super::{Keel, ServiceError, UserError};
use crate::ask::offline::{self, Context};
use crate::ask::{Answer, answer, check};

/// Longest question accepted.
pub const MAX_QUESTION_LEN: usize = 500;

impl Keel {
    /// Answers `question` for `asker` (staff id, email or chat identity) with the offline planner.
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
        let cx = Context {
            schema: &self.config.schema,
            vocabulary: &self.config.vocabulary,
            labels: &labels,
            today: self.today(),
            asker: &person.id,
        };
        let plan = offline::plan(question, &cx).map_err(|e| UserError::Invalid(e.0))?;
        let checked = check::check(&plan, &self.config.schema, cx.today)
            .map_err(|e| UserError::Invalid(format!("I could not answer that: {e}.")))?;
        let table = self.store.run_query(&checked).await?;
        Ok(answer(plan, &checked, table, &labels))
    }
}
