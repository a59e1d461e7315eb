//! Answering a question: plan it (with the LLM when one is configured, else or on its failure
//! with the offline planner), check the plan, apply what the asker may see, execute it, word
//! the answer.

use super::{Keel, ServiceError, UserError};
use crate::ask::access::{Asker, enforce, enforce_insight, visible_labels};
use crate::ask::check::{self, PlanProblem};
use crate::ask::offline::{self, Context};
use crate::ask::{Answer, Planner, answer};
use crate::ask::{request_access, requests_words};
use crate::domain::plan::{CheckedQuery, Plan};
use crate::domain::{Effect, Person, RecordLabels};
use crate::insights::Insight;
use chrono::NaiveDate;

/// Longest question accepted.
pub const MAX_QUESTION_LEN: usize = 500;

/// Rows of an answer shown in one chat reply; the others are on its next pages.
const ROWS_PER_PAGE: usize = 15;

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
                .plan(question, &person.id, &self.ask_schema, today)
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
            schema: &self.ask_schema,
            vocabulary: &self.config.vocabulary,
            labels: &labels,
            today,
            asker: &person.id,
        };
        let people = self.directory.get(&self.store).await?;
        let plan = match requests_words::plan(question, &cx, &people.directory) {
            Some(plan) => plan,
            None => offline::plan(question, &cx)
                .map_err(|e| UserError::Invalid(with_note(&e.0, &note)))?,
        };
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
            Plan::Query(query) => {
                check::check(query, &self.ask_schema, today).map(|q| Prepared::Query(Box::new(q)))
            }
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
        let labels = &visible_labels(labels, access, &self.ask_schema);
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
                    &self.ask_schema,
                    &self.config.directory.record,
                )
                .map_err(refused)?;
                let people = self.directory.get(&self.store).await?;
                let admin = people.directory.is_admin(&person.id);
                let narrowed = request_access::narrow(&mut checked, &person.id, admin);
                let table = self.store.run_query(&checked).await?;
                let mut answer = answer(plan, &checked, table, labels, planner, note);
                if let Some(narrowed) = narrowed
                    && self.withheld(&narrowed).await?
                {
                    answer.answer = format!("{} {}", answer.answer, request_access::WITHHELD);
                }
                Ok(answer)
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

    /// Whether narrowing a question about requests to the asker's left some out.
    async fn withheld(&self, narrowed: &request_access::Narrowed) -> anyhow::Result<bool> {
        let count = |table: crate::domain::plan::Table| {
            table
                .rows
                .first()
                .and_then(|row| row.first())
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(0.0)
        };
        let everything = count(self.store.run_query(&narrowed.everything).await?);
        let visible = count(self.store.run_query(&narrowed.visible).await?);
        Ok(everything > visible)
    }

    /// `/ask …` in chat: the answer, a page of its rows as a table, how it was computed, and
    /// its chart when it has one. `/ask page N: …` gives page N of the rows; a reply with more
    /// pages says how to ask for the next, so nothing depends on remembering past questions.
    pub async fn ask_effects(
        &self,
        actor: &Person,
        text: &str,
    ) -> Result<Vec<Effect>, ServiceError> {
        let (page, question) = page_of(text);
        if question.is_empty() {
            return Ok(vec![Effect::Reply {
                text: "Ask a question about the company's records, e.g. `/ask how much did we \
                    spend with each vendor last quarter?`"
                    .to_string(),
            }]);
        }
        let answer = self.ask(&actor.id, question).await?;
        let mut effects = vec![Effect::Reply {
            text: chat_text(&answer, question, page)?,
        }];
        if page == 1
            && let Some(png) = crate::ask::chart::chart(&answer.columns, &answer.rows)
        {
            effects.push(Effect::Chart {
                png,
                alt: answer.answer.clone(),
            });
        }
        Ok(effects)
    }
}

/// Reads `page N: question` (any case) as page N of the question's answer; anything else is
/// page 1 of the whole text.
fn page_of(text: &str) -> (usize, &str) {
    let text = text.trim();
    let asked = text
        .get(..5)
        .filter(|word| word.eq_ignore_ascii_case("page "))
        .and_then(|_| text[5..].split_once(':'))
        .and_then(|(number, question)| Some((number.trim().parse().ok()?, question.trim())));
    asked.unwrap_or((1, text))
}

/// An answer as a chat message: the sentence, one page of the rows, and how it was computed.
fn chat_text(answer: &Answer, question: &str, page: usize) -> Result<String, UserError> {
    let mut reply = answer.answer.clone();
    let rows = answer.rows.len();
    let pages = rows.div_ceil(ROWS_PER_PAGE).max(1);
    if page == 0 {
        return Err(UserError::Invalid("Pages start at 1.".to_string()));
    }
    if page > pages {
        return Err(UserError::Invalid(format!(
            "That answer has {pages} page{} of rows; ask for page 1{}.",
            if pages == 1 { "" } else { "s" },
            if pages == 1 {
                String::new()
            } else {
                format!(" to {pages}")
            }
        )));
    }
    if rows > 1 || answer.columns.len() > 1 {
        let first = (page - 1) * ROWS_PER_PAGE;
        reply.push_str(&format!("\n\n{}", answer.header_line()));
        for line in answer.row_lines().skip(first).take(ROWS_PER_PAGE) {
            reply.push_str(&format!("\n{line}"));
        }
        if pages > 1 {
            let last = (first + ROWS_PER_PAGE).min(rows);
            reply.push_str(&format!(
                "\nRows {}–{last} of {rows} (page {page} of {pages}).",
                first + 1
            ));
            if page < pages {
                // A backtick would end the command's code span early.
                let question = question.replace('`', "'");
                reply.push_str(&format!(" Next: `/ask page {}: {question}`", page + 1));
            }
        }
    }
    reply.push_str(&format!("\n\nHow I got this: {}", answer.how));
    if let Some(note) = &answer.note {
        reply.push_str(&format!("\n{note}"));
    }
    Ok(reply)
}

/// A refusal, with why the model's plan was not used when there was one.
fn with_note(message: &str, note: &Option<String>) -> String {
    match note {
        Some(note) => format!("{message} (The language model was asked first: {note})"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{ROWS_PER_PAGE, chat_text, page_of};
    use crate::ask::{Answer, Planner};
    use crate::domain::plan::Plan;
    use crate::insights::Insight;
    use serde_json::json;

    fn answer_with(rows: usize) -> Answer {
        Answer {
            answer: "Forty vendors.".into(),
            columns: vec!["vendor".into(), "sum of amount".into()],
            rows: (1..=rows)
                .map(|n| vec![json!(format!("V{n:03}")), json!(n)])
                .collect(),
            plan: Plan::Insight {
                name: Insight::BudgetBurn,
            },
            how: "I added them up.".into(),
            planner: Planner::Offline,
            note: None,
        }
    }

    #[test]
    fn page_n_before_a_question_asks_for_that_page_of_its_answer() {
        assert_eq!(page_of("total per vendor"), (1, "total per vendor"));
        assert_eq!(
            page_of(" Page 3: total per vendor "),
            (3, "total per vendor")
        );
        assert_eq!(page_of("page 0: total"), (0, "total"));
        assert_eq!(page_of("page two: total"), (1, "page two: total"));
        assert_eq!(
            page_of("pages of the handbook"),
            (1, "pages of the handbook")
        );
        assert_eq!(page_of("pagé"), (1, "pagé"));
    }

    #[test]
    fn a_long_answer_comes_a_page_at_a_time_with_the_way_to_the_next() {
        let answer = answer_with(40);
        let first = chat_text(&answer, "total per vendor", 1).unwrap();
        assert!(first.contains("\nV001 | 1\n"), "{first}");
        assert!(first.contains(&format!("V{ROWS_PER_PAGE:03}")), "{first}");
        assert!(!first.contains("V016"), "{first}");
        assert!(
            first.contains("Rows 1–15 of 40 (page 1 of 3). Next: `/ask page 2: total per vendor`"),
            "{first}"
        );
        let last = chat_text(&answer, "total per vendor", 3).unwrap();
        assert!(last.contains("V031") && last.contains("V040"), "{last}");
        assert!(!last.contains("V030 "), "{last}");
        assert!(last.contains("Rows 31–40 of 40 (page 3 of 3).\n"), "{last}");
        assert!(!last.contains("Next"), "{last}");
        let beyond = chat_text(&answer, "total per vendor", 4).unwrap_err();
        assert_eq!(
            beyond.to_string(),
            "That answer has 3 pages of rows; ask for page 1 to 3."
        );
        assert_eq!(
            chat_text(&answer, "total", 0).unwrap_err().to_string(),
            "Pages start at 1."
        );
        let quoted = chat_text(&answer, "total for `Apex`", 1).unwrap();
        assert!(
            quoted.contains("`/ask page 2: total for 'Apex'`"),
            "{quoted}"
        );
        let short = chat_text(&answer_with(3), "q", 1).unwrap();
        assert!(!short.contains("page"), "{short}");
    }
}
