//! The paraphrase set: questions an operations lead would ask about the demo company, several
//! wordings per intent (misspelt, casual, reordered), written without reading the planner, each
//! with its answer computed here from the CSV files. Every answer is classed correct, declined
//! honestly or wrong (a confident answer that does not match), and the shares are held to the
//! targets below on SQLite and PostgreSQL.
//!
//! `KEEL_PARAPHRASE_REPORT_ONLY=1` prints the report and passes, for iterating on the planner:
//! `KEEL_PARAPHRASE_REPORT_ONLY=1 cargo test --test it ask_paraphrase -- --nocapture`.

mod checks;
mod data;
mod expect;
mod questions;

use crate::common::app::{TestApp, demo_data};
use expect::Class;
use keel::ask::Answer;
use keel::service::ServiceError;
use questions::Intent;

/// Issue 14's target: at most this share of answers confidently wrong…
const TARGET_MAX_WRONG: f64 = 0.02;
/// …and at least this share right (a decline where one is expected is right).
const TARGET_MIN_CORRECT: f64 = 0.90;
/// What main holds today, asserted so that no change makes the planner worse; raised with every
/// improvement until it reaches the target (each run prints both).
const MAX_WRONG: f64 = 0.01;
const MIN_CORRECT: f64 = 0.97;
/// The set is at least this large.
const MIN_QUESTIONS: usize = 200;

fn report_only() -> bool {
    std::env::var("KEEL_PARAPHRASE_REPORT_ONLY").is_ok_and(|v| v == "1")
}

fn the_set() -> Vec<Intent> {
    let demo = data::Demo::load();
    questions::intents(&demo)
}

/// One question's outcome, for the report.
struct Outcome<'a> {
    intent: &'a Intent,
    question: &'static str,
    class: Class,
    said: String,
}

/// What keel said, briefly: the sentence, the first rows and the plan.
fn said(result: &Result<Answer, ServiceError>) -> String {
    match result {
        Err(error) => format!("(refused) {error}"),
        Ok(answer) => {
            let rows: Vec<String> = answer.row_lines().take(3).collect();
            format!(
                "{} [{} rows: {}] plan {}",
                answer.answer,
                answer.rows.len(),
                rows.join(" / "),
                serde_json::to_string(&answer.plan).unwrap_or_default()
            )
        }
    }
}

async fn ask_all<'a>(app: &TestApp, intents: &'a [Intent]) -> Vec<Outcome<'a>> {
    let mut outcomes = Vec::new();
    for intent in intents {
        for question in intent.wordings {
            let result = app.keel.ask(intent.asker, question).await;
            outcomes.push(Outcome {
                intent,
                question,
                class: expect::classify(&result, &intent.expect),
                said: said(&result),
            });
        }
    }
    outcomes
}

/// The shares of correct, declined and wrong answers.
fn shares(outcomes: &[Outcome]) -> (f64, f64, f64) {
    let n = outcomes.len() as f64;
    let share =
        |pick: fn(&Class) -> bool| outcomes.iter().filter(|o| pick(&o.class)).count() as f64 / n;
    (
        share(|c| matches!(c, Class::Correct)),
        share(|c| matches!(c, Class::Declined)),
        share(|c| matches!(c, Class::Wrong(_))),
    )
}

fn report(label: &str, outcomes: &[Outcome]) -> String {
    let (correct, declined, wrong) = shares(outcomes);
    let n = outcomes.len() as f64;
    let mut out = format!(
        "[{label}] paraphrase set, {} questions: correct {:.0} ({:.1}%), declined honestly {:.0} ({:.1}%), wrong {:.0} ({:.1}%)\n",
        outcomes.len(),
        correct * n,
        correct * 100.0,
        declined * n,
        declined * 100.0,
        wrong * n,
        wrong * 100.0
    );
    for outcome in outcomes {
        let (tag, why) = match &outcome.class {
            Class::Correct => continue,
            Class::Declined => ("DECLINED", String::new()),
            Class::Wrong(why) => ("WRONG", format!("\n      expected: {why}")),
        };
        out.push_str(&format!(
            "  {tag} [{}] \"{}\" (as {})\n      keel said: {}{why}\n",
            outcome.intent.name, outcome.question, outcome.intent.asker, outcome.said
        ));
    }
    out
}

#[tokio::test]
async fn the_paraphrase_set_is_answered_or_declined_never_answered_wrong() {
    let intents = the_set();
    let questions: usize = intents.iter().map(|i| i.wordings.len()).sum();
    assert!(
        questions >= MIN_QUESTIONS,
        "the set has {questions} questions"
    );
    let mut failures = Vec::new();
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        app.keel
            .import_all(&demo_data())
            .await
            .expect("the demo company and its history import");
        let outcomes = ask_all(&app, &intents).await;
        println!("{}", report(db.label, &outcomes));
        let (correct, _, wrong) = shares(&outcomes);
        let met = wrong <= TARGET_MAX_WRONG && correct >= TARGET_MIN_CORRECT;
        println!(
            "[{}] issue 14's target (correct ≥ {:.0}%, wrong ≤ {:.0}%): {}",
            db.label,
            TARGET_MIN_CORRECT * 100.0,
            TARGET_MAX_WRONG * 100.0,
            if met { "met" } else { "not met yet" }
        );
        if wrong > MAX_WRONG || correct < MIN_CORRECT {
            failures.push(format!(
                "[{}] correct {:.1}% (floor ≥ {:.0}%), wrong {:.1}% (ceiling ≤ {:.0}%): worse than main",
                db.label,
                correct * 100.0,
                MIN_CORRECT * 100.0,
                wrong * 100.0,
                MAX_WRONG * 100.0
            ));
        }
    }
    assert!(
        report_only() || failures.is_empty(),
        "the paraphrase set misses its targets (the report above lists each answer):\n{}",
        failures.join("\n")
    );
}
