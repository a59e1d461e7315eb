//! The LLM path against a stand-in server that records what it receives: every call carries
//! `max_tokens`, a question's planning and wording share one deadline, attempts are few and
//! counted, and what the server says in its errors never reaches the person who asked.

use crate::common::TestDb;
use crate::common::app::{TestApp, config_dir, demo_data};
use crate::common::llm::{Behaviour, LlmStandIn, SERVER_WORDS};
use keel::ask::llm::{MAX_WORDING_TOKENS, RECONSIDER_AFTER_QUESTIONS};
use keel::ask::{Answer, Planner};
use std::time::{Duration, Instant};

/// Seconds a question may take with the model (`llm.timeout_seconds`) in these tests.
const TIMEOUT: u64 = 4;

/// A plan for the question these tests ask.
const COUNT: &str = r#"{"kind":"query","record":"invoice","measure":{"aggregate":"count"}}"#;

const QUESTION: &str = "how many invoices are there?";

/// keel planning (and wording, when `phrase`) with the stand-in, the demo's invoices imported.
async fn with_llm(db: &TestDb, phrase: &str) -> (TestApp, LlmStandIn) {
    let stand_in = LlmStandIn::start().await;
    let timeout = TIMEOUT.to_string();
    let env = [
        ("KEEL_LLM_MODE", "remote"),
        ("KEEL_LLM_BASE_URL", stand_in.base_url.as_str()),
        ("KEEL_LLM_TIMEOUT_SECONDS", timeout.as_str()),
        ("KEEL_LLM_API_KEY", "sk-test-not-a-real-key"),
        ("KEEL_LLM_PHRASE", phrase),
    ];
    let app = TestApp::start_with_env(db, &config_dir(), &env).await;
    for (record_type, file) in [
        ("purchase_order", "purchase_orders.csv"),
        ("invoice", "invoices.csv"),
    ] {
        app.keel
            .import_file(record_type, &demo_data().join(file))
            .await
            .expect("import");
    }
    (app, stand_in)
}

/// Asks `question` with the stand-in behaving as `behaviour`; returns the answer and how many
/// requests the stand-in received for it.
async fn ask(
    app: &TestApp,
    stand_in: &LlmStandIn,
    behaviour: Behaviour,
    question: &str,
) -> (Result<Answer, String>, usize) {
    stand_in.behave(behaviour);
    let before = stand_in.requests().len();
    let answer = app
        .keel
        .ask("S016", question)
        .await
        .map_err(|e| e.to_string());
    (answer, stand_in.requests().len() - before)
}

/// What the person reads: the answer and its note, or the refusal.
fn read(answer: &Result<Answer, String>) -> String {
    match answer {
        Ok(answer) => format!(
            "{} {}",
            answer.answer,
            answer.note.clone().unwrap_or_default()
        ),
        Err(refusal) => refusal.clone(),
    }
}

#[tokio::test]
async fn every_model_call_is_bounded_in_tokens_time_and_attempts() {
    for db in crate::common::test_databases().await {
        let (app, stand_in) = with_llm(&db, "true").await;
        let label = app.label;

        // A plan and a wording: each request says how many tokens the model may write.
        let worded = "There are many invoices on record.";
        let (answer, sent) = ask(
            &app,
            &stand_in,
            Behaviour::PlanAndWording(COUNT.into(), worded.into()),
            QUESTION,
        )
        .await;
        assert_eq!(
            answer.as_ref().map(|a| a.answer.as_str()),
            Ok(worded),
            "[{label}]"
        );
        assert_eq!(sent, 2, "[{label}]");
        let requests = stand_in.requests();
        let limits: Vec<u64> = requests
            .iter()
            .map(|r| r["max_tokens"].as_u64().unwrap_or(0))
            .collect();
        assert_eq!(limits, [600, u64::from(MAX_WORDING_TOKENS)], "[{label}]");

        // A slow server: planning takes most of the deadline, so the wording is given up when
        // the question's deadline passes (not a deadline of its own later).
        let slow = Duration::from_secs(TIMEOUT - 1);
        let started = Instant::now();
        let (answer, sent) = ask(
            &app,
            &stand_in,
            Behaviour::Slow(slow, COUNT.into()),
            QUESTION,
        )
        .await;
        let took = started.elapsed();
        let answer = answer.expect("answered");
        assert_eq!(answer.planner, Planner::Llm, "[{label}] {:?}", answer.note);
        assert_eq!(sent, 2, "[{label}]");
        assert!(
            took < Duration::from_secs(TIMEOUT) + Duration::from_millis(1_500),
            "[{label}] the question took {took:?}: planning and wording each got their own timeout"
        );
        assert_eq!(
            answer.note.as_deref(),
            Some(
                "the language model did not answer in time, so its wording was not used; keel's \
                 own sentence is given."
            ),
            "[{label}]"
        );

        // A server failing every request: each way of asking is tried once, nothing more.
        let (answer, sent) = ask(&app, &stand_in, Behaviour::Error(500), QUESTION).await;
        assert_eq!(sent, 3, "[{label}] one request per way of asking");
        let answer = answer.expect("answered offline");
        assert_eq!(answer.planner, Planner::Offline, "[{label}]");
        assert_eq!(
            answer.note.as_deref(),
            Some("the language model's server failed, so keel's own planner answered."),
            "[{label}]"
        );
        // A passing failure is retried once, and only once.
        let (answer, sent) = ask(&app, &stand_in, Behaviour::Error(503), QUESTION).await;
        assert_eq!(sent, 2, "[{label}] the request and one retry");
        assert_eq!(answer.map(|a| a.planner), Ok(Planner::Offline), "[{label}]");

        // Whatever the server says, the person reads keel's words: not the server's, not
        // keel's names for its ways of asking.
        for (status, question) in [
            (500, QUESTION),
            (400, QUESTION),
            (401, QUESTION),
            (429, QUESTION),
            (500, "what is the meaning of life"),
        ] {
            let (answer, _) = ask(&app, &stand_in, Behaviour::Error(status), question).await;
            let read = read(&answer);
            for leak in [
                SERVER_WORDS,
                "JsonObject",
                "JsonSchema",
                "Tool",
                "{",
                "HTTP",
            ] {
                assert!(!read.contains(leak), "[{label}] {status}: {read}");
            }
            assert!(
                read.contains("language model"),
                "[{label}] {status}: the person is told the model was asked: {read}"
            );
        }
    }
}

#[tokio::test]
async fn a_remembered_way_of_asking_is_tried_again_after_a_while() {
    for db in crate::common::test_databases().await {
        let (app, stand_in) = with_llm(&db, "false").await;
        let label = app.label;
        // llama.cpp refuses a JSON schema: keel asks with a tool call and remembers that.
        let llama = || Behaviour::LlamaCpp(COUNT.into());
        let (_, sent) = ask(&app, &stand_in, llama(), QUESTION).await;
        assert_eq!(sent, 2, "[{label}]");
        for n in 0..RECONSIDER_AFTER_QUESTIONS {
            let (answer, sent) = ask(&app, &stand_in, llama(), QUESTION).await;
            assert_eq!(sent, 1, "[{label}] question {n}: the tool call first");
            assert_eq!(answer.map(|a| a.planner), Ok(Planner::Llm), "[{label}]");
        }
        let before = stand_in.requests().len();
        let (_, sent) = ask(&app, &stand_in, llama(), QUESTION).await;
        assert_eq!(sent, 2, "[{label}] the configured way is asked again");
        assert_eq!(
            stand_in.requests()[before]["response_format"]["type"],
            "json_schema",
            "[{label}]"
        );
    }
}
