//! Answering a question: plan it (with the LLM when one is configured, else or on its failure
//! with the offline planner), check the plan, apply what the asker may see, execute it, word
//! the answer.

use super::{Keel, ServiceError, UserError};
use crate::ask::access::{Asker, enforce, enforce_insight, visible_labels};
use crate::ask::check::{self, PlanProblem};
use crate::ask::compound::merge;
use crate::ask::offline::{self, Context, Declined, Outcome};
use crate::ask::words::{capitalised, with_total};
use crate::ask::{Answer, Header, Planner, Wording, answer};
use crate::ask::{request_access, requests_words};
use crate::domain::plan::{CheckedQuery, Plan};
use crate::domain::{Effect, Person, RecordLabels, ShownTable};
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
            // One deadline for the question: planning and wording share it.
            let deadline = llm.deadline();
            let why = match llm
                .plan(question, &person.id, &self.ask_schema, today, deadline)
                .await
            {
                Ok(plan) => match self.prepare(&plan, today) {
                    Ok(prepared) => {
                        let mut answer = self
                            .execute(plan, prepared, &person, &labels, Planner::Llm, None)
                            .await?;
                        if self.config.settings.llm.phrase {
                            self.phrase(llm, question, &mut answer, deadline).await;
                        }
                        return Ok(answer);
                    }
                    Err(problem) => {
                        format!("the language model's plan does not fit the records: {problem}")
                    }
                },
                Err(failure) => {
                    tracing::warn!(detail = failure.detail(), "the LLM planner failed");
                    failure.to_string()
                }
            };
            tracing::warn!(%why, "answering with keel's own planner");
            note = Some(why);
        }
        let people = self.directory.get(&self.store).await?;
        let directory = &self.config.directory.record;
        let holders = offline::holders(&people.directory.people(), directory);
        let cx = Context {
            schema: &self.ask_schema,
            vocabulary: &self.config.vocabulary,
            labels: &labels,
            today,
            asker: &person.id,
            people: directory,
            role: &self.config.directory.role,
            holders: &holders,
        };
        let planned = match requests_words::plan(question, &cx, &people.directory) {
            Some(planned) => planned,
            None => match offline::plan(question, &cx) {
                Outcome::Planned(planned) => planned,
                Outcome::Declined(declined) => return Ok(declined_answer(declined, note)),
            },
        };
        let answered = note
            .as_ref()
            .map(|why| format!("{why}, so keel's own planner answered."));
        let mut answers = Vec::new();
        for part in planned.parts {
            let prepared = self.prepare(&part.plan, today).map_err(|e| {
                UserError::Invalid(with_note(&format!("I could not answer that: {e}."), &note))
            })?;
            let answer = self
                .execute(
                    part.plan,
                    prepared,
                    &person,
                    &labels,
                    Planner::Offline,
                    answered.clone(),
                )
                .await?;
            answers.push((answer, part.heading));
        }
        merge(answers, &planned.notes)
            .ok_or_else(|| anyhow::anyhow!("the offline planner made no plan").into())
    }

    /// Lets the model word the answer's sentence when every number it writes is one keel
    /// computed; otherwise keel's sentence stays, and the answer's note says why.
    async fn phrase(
        &self,
        llm: &crate::ask::llm::LlmPlanner,
        question: &str,
        answer: &mut Answer,
        deadline: tokio::time::Instant,
    ) {
        let mut numbers = crate::ask::llm::numbers_in(&answer.answer);
        for value in answer.rows.iter().flatten() {
            numbers.extend(crate::ask::llm::numbers_in(&crate::ask::figure(
                value, None,
            )));
            numbers.extend(crate::ask::llm::numbers_in(&value.to_string()));
        }
        match llm
            .phrase(question, &answer.answer, &numbers, deadline)
            .await
        {
            Ok(worded) => answer.answer = worded,
            Err(why) => {
                tracing::warn!(%why, detail = why.detail(), "keel's own sentence is kept");
                let why = match why {
                    // Its own words already say its wording was not used.
                    crate::ask::llm::LlmFailure::Wording(_) => why.to_string(),
                    other => format!("{other}, so its wording was not used"),
                };
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
        let directory = &self.config.directory.record;
        let currency = self.config.settings.company.currency.as_str();
        match prepared {
            Prepared::Query(mut checked) => {
                let asker = Asker {
                    id: &person.id,
                    role: &person.role,
                };
                let withheld = enforce(&mut checked, &asker, access, &self.ask_schema, directory)
                    .map_err(refused)?;
                let people = self.directory.get(&self.store).await?;
                let admin = people.directory.is_admin(&person.id);
                let narrowed = request_access::narrow(&mut checked, &person.id, admin);
                let table = self.store.run_query(&checked).await?;
                let wording = Wording {
                    labels,
                    schema: &self.ask_schema,
                    currency,
                };
                let total = if table.rows.len() > 1 {
                    self.list_total(&plan, person, access).await?
                } else {
                    None
                };
                let mut answer = answer(plan, &checked, table, &wording, planner, note);
                if let Some(total) = total {
                    answer.answer = with_total(&answer.answer, &total);
                }
                if let Some(withheld) = withheld {
                    answer.answer = format!("{} {withheld}", answer.answer);
                }
                if let Some(narrowed) = narrowed
                    && self.withheld(&narrowed).await?
                {
                    answer.answer = format!("{} {}", answer.answer, request_access::WITHHELD);
                }
                Ok(answer)
            }
            Prepared::Insight(insight) => {
                enforce_insight(insight, &person.role, access, directory).map_err(refused)?;
                let computed = self.compute_insight(insight, person, labels).await?;
                let money = insight.money_columns();
                let headers = computed
                    .table
                    .columns
                    .iter()
                    .map(|c| Header::new(capitalised(c), money.contains(&c.as_str()), currency))
                    .collect();
                Ok(Answer {
                    answer: computed.sentence,
                    headers,
                    columns: computed.table.columns,
                    rows: computed.table.rows,
                    plan: Some(plan),
                    how: format!("The {} insight: {}.", insight.name(), insight.description()),
                    planner,
                    note,
                    ..Answer::default()
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
        let mut effects = vec![chat_answer(&answer, question, page)?];
        if !answer.suggestions.is_empty() {
            effects.push(Effect::Suggestions {
                questions: answer.suggestions.clone(),
            });
        }
        if page == 1
            && let Some(png) = crate::ask::chart::chart(&answer)
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

/// An answer as a chat message: the sentence, one page of the table, and how it was computed
/// with the way to the next page.
fn chat_answer(answer: &Answer, question: &str, page: usize) -> Result<Effect, UserError> {
    if answer.declined {
        let mut reply = answer.answer.clone();
        if let Some(note) = &answer.note {
            reply.push_str(&format!("\n{note}"));
        }
        return Ok(Effect::Reply { text: reply });
    }
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
    let mut how = String::new();
    let mut table = None;
    if rows > 1 || answer.columns.len() > 1 {
        let first = (page - 1) * ROWS_PER_PAGE;
        table = Some(ShownTable {
            columns: answer.headers.iter().map(|h| h.label.clone()).collect(),
            numeric: (0..answer.headers.len())
                .map(|at| numeric_column(answer, at))
                .collect(),
            rows: answer.cells().skip(first).take(ROWS_PER_PAGE).collect(),
        });
        if pages > 1 {
            let last = (first + ROWS_PER_PAGE).min(rows);
            how.push_str(&format!(
                "Rows {}–{last} of {rows} (page {page} of {pages}).",
                first + 1
            ));
            if page < pages {
                // A backtick would end the command's code span early.
                let question = question.replace('`', "'");
                how.push_str(&format!(" Next: `/ask page {}: {question}`", page + 1));
            }
            how.push('\n');
        }
    }
    how.push_str(&format!("How I got this: {}", answer.how));
    if let Some(note) = &answer.note {
        how.push_str(&format!("\n{note}"));
    }
    Ok(Effect::Answer {
        text: answer.answer.clone(),
        table,
        how,
    })
}

/// Whether a column holds only figures (or nothing), to be aligned to the right.
fn numeric_column(answer: &Answer, at: usize) -> bool {
    answer
        .rows
        .iter()
        .filter_map(|row| row.get(at))
        .all(|value| value.is_number() || value.is_null())
}

/// A declined question as an answer: what was and was not understood, and what to ask instead.
fn declined_answer(declined: Declined, note: Option<String>) -> Answer {
    Answer {
        answer: declined.message,
        declined: true,
        understood: declined.understood,
        not_understood: declined.not_understood,
        suggestions: declined.suggestions,
        note,
        ..Answer::default()
    }
}

/// A refusal, with why the model's plan was not used when there was one.
fn with_note(message: &str, note: &Option<String>) -> String {
    match note {
        Some(why) => format!("{message} (Asked first, {why}.)"),
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::{ROWS_PER_PAGE, chat_answer, page_of};
    use crate::ask::{Answer, Header};
    use crate::domain::Effect;
    use crate::domain::plan::Plan;
    use crate::insights::Insight;
    use serde_json::json;

    fn answer_with(rows: usize) -> Answer {
        Answer {
            answer: "Forty vendors.".into(),
            columns: vec!["vendor".into(), "sum of amount".into()],
            headers: vec![
                Header::new("Vendor", false, "$"),
                Header::new("Invoice total", false, "$"),
            ],
            rows: (1..=rows)
                .map(|n| vec![json!(format!("V{n:03}")), json!(n)])
                .collect(),
            plan: Some(Plan::Insight {
                name: Insight::BudgetBurn,
            }),
            how: "I added them up.".into(),
            ..Answer::default()
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
        let page = |question: &str, page: usize| match chat_answer(&answer, question, page) {
            Ok(Effect::Answer {
                table: Some(table),
                how,
                ..
            }) => Ok((table, how)),
            Ok(other) => panic!("{other:?}"),
            Err(error) => Err(error.to_string()),
        };
        let (first, how) = page("total per vendor", 1).unwrap();
        assert_eq!(first.columns, ["Vendor", "Invoice total"]);
        assert_eq!(first.numeric, [false, true]);
        assert_eq!(first.rows.len(), ROWS_PER_PAGE);
        assert_eq!(first.rows[0], ["V001", "1"]);
        assert_eq!(first.rows[14][0], format!("V{ROWS_PER_PAGE:03}"));
        assert!(
            how.starts_with("Rows 1–15 of 40 (page 1 of 3). Next: `/ask page 2: total per vendor`\nHow I got this: "),
            "{how}"
        );
        let (last, how) = page("total per vendor", 3).unwrap();
        assert_eq!(last.rows.first().unwrap()[0], "V031");
        assert_eq!(last.rows.last().unwrap()[0], "V040");
        assert!(
            how.starts_with("Rows 31–40 of 40 (page 3 of 3).\n"),
            "{how}"
        );
        assert!(!how.contains("Next"), "{how}");
        assert_eq!(
            page("total per vendor", 4).unwrap_err(),
            "That answer has 3 pages of rows; ask for page 1 to 3."
        );
        assert_eq!(page("total", 0).unwrap_err(), "Pages start at 1.");
        let (_, quoted) = page("total for `Apex`", 1).unwrap();
        assert!(
            quoted.contains("`/ask page 2: total for 'Apex'`"),
            "{quoted}"
        );
        let Ok(Effect::Answer { how, .. }) = chat_answer(&answer_with(3), "q", 1) else {
            panic!("an answer")
        };
        assert!(!how.contains("page"), "{how}");
    }

    #[test]
    fn a_table_as_monospace_text_pads_its_columns_and_aligns_figures_right() {
        let table = crate::domain::ShownTable {
            columns: vec!["Vendor".into(), "Invoice total".into()],
            numeric: vec![false, true],
            rows: vec![
                vec!["Apex Concrete (V002)".into(), "$1,234.50".into()],
                vec!["V009".into(), "$20.00".into()],
            ],
        };
        assert_eq!(
            table.monospace(),
            "Vendor                Invoice total\n\
             --------------------  -------------\n\
             Apex Concrete (V002)      $1,234.50\n\
             V009                         $20.00"
        );
    }
}
