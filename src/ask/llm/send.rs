//! Sending one request to the model's server: within the question's deadline, with no retry
//! hidden in the HTTP client, and at most one retry of keel's own after a passing failure (no
//! connection, 429, 502–504) when the deadline leaves room. What went wrong is said in words a
//! person can read; the server's own message goes to the log only.

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

/// The pause before the one retry after a passing failure.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// Why the model gave no usable plan or wording. Its `Display` is what the person reads;
/// [`LlmFailure::detail`] (the server's own words) is for the log.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmFailure {
    #[error("the language model did not answer in time")]
    Timeout,
    #[error("the language model's server could not be reached")]
    Unreachable(String),
    #[error("the language model's server did not accept keel's API key")]
    KeyRefused(String),
    #[error("the language model's server was too busy to answer")]
    Busy(String),
    #[error("the language model's server failed")]
    ServerFailed(String),
    #[error("the language model's server refused the question")]
    Refused(String),
    #[error("the language model's reply could not be read as a plan")]
    NotAPlan(String),
    /// The model's wording of an answer was not used; the text says why, in keel's words.
    #[error("the language model's wording was not used, because {0}")]
    Wording(String),
}

impl LlmFailure {
    /// What the server or the reply said, for the log.
    pub fn detail(&self) -> &str {
        match self {
            LlmFailure::Timeout => "the deadline passed",
            LlmFailure::Unreachable(detail)
            | LlmFailure::KeyRefused(detail)
            | LlmFailure::Busy(detail)
            | LlmFailure::ServerFailed(detail)
            | LlmFailure::Refused(detail)
            | LlmFailure::NotAPlan(detail)
            | LlmFailure::Wording(detail) => detail,
        }
    }
}

/// What to do after a failed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum After {
    /// The server cannot do this way of asking (400, 422, and llama.cpp's 500 to a JSON
    /// schema): ask the next way.
    NextWay,
    /// A passing failure: the same request once more, if the deadline allows.
    RetryOnce,
    /// Nothing a second request would change.
    GiveUp,
}

/// The client, with async-openai's own retry layer (three hidden retries of every 5xx) left
/// out: keel's retries are the ones in [`send`].
pub(super) fn client(config: OpenAIConfig) -> Client<OpenAIConfig> {
    Client::with_config(config)
        .with_http_service(async_openai::middleware::ReqwestService::default())
}

/// Sends `request` until the deadline, retrying once after a passing failure.
pub(super) async fn send(
    client: &Client<OpenAIConfig>,
    request: &Value,
    deadline: Instant,
) -> Result<Value, (LlmFailure, After)> {
    let mut retried = false;
    loop {
        let sent = tokio::time::timeout_at(
            deadline,
            client.chat().create_byot::<Value, Value>(request.clone()),
        )
        .await;
        let error = match sent {
            Err(_) => return Err((LlmFailure::Timeout, After::GiveUp)),
            Ok(Ok(reply)) => return Ok(reply),
            Ok(Err(error)) => error,
        };
        let (failure, after) = classify(&error);
        if after == After::RetryOnce && !retried && Instant::now() + RETRY_PAUSE < deadline {
            tracing::info!(
                detail = failure.detail(),
                "asking the language model once more"
            );
            retried = true;
            tokio::time::sleep(RETRY_PAUSE).await;
            continue;
        }
        return Err((failure, after));
    }
}

/// The failure an error means, and what to do next.
fn classify(error: &OpenAIError) -> (LlmFailure, After) {
    let short = |text: &str| crate::engine::form::truncate(text, 200);
    match error {
        OpenAIError::ApiError(error) => {
            let status = error.status_code.as_u16();
            let detail = format!("HTTP {status}: {}", short(&error.api_error.message));
            match status {
                401 | 403 => (LlmFailure::KeyRefused(detail), After::GiveUp),
                429 => (LlmFailure::Busy(detail), After::RetryOnce),
                502..=504 => (LlmFailure::ServerFailed(detail), After::RetryOnce),
                500 | 501 => (LlmFailure::ServerFailed(detail), After::NextWay),
                400 | 422 => (LlmFailure::Refused(detail), After::NextWay),
                500..=599 => (LlmFailure::ServerFailed(detail), After::GiveUp),
                _ => (LlmFailure::Refused(detail), After::GiveUp),
            }
        }
        OpenAIError::Reqwest(error) if error.is_connect() => (
            LlmFailure::Unreachable(short(&error.to_string())),
            After::RetryOnce,
        ),
        OpenAIError::Reqwest(error) => (
            LlmFailure::Unreachable(short(&error.to_string())),
            After::GiveUp,
        ),
        other => (
            LlmFailure::NotAPlan(short(&other.to_string())),
            After::GiveUp,
        ),
    }
}

/// The way of asking that worked last, given up for the configured way again after
/// [`RECONSIDER_AFTER_QUESTIONS`] questions or [`RECONSIDER_AFTER`], whichever comes first: a
/// refusal may have been passing (a server restarted, a model swapped).
#[derive(Debug)]
pub(super) struct Remembered {
    at: usize,
    since: Instant,
    questions: u32,
}

/// Questions asked the remembered way before the configured way is tried again.
pub const RECONSIDER_AFTER_QUESTIONS: u32 = 20;

/// Time after which the configured way is tried again.
pub const RECONSIDER_AFTER: Duration = Duration::from_secs(10 * 60);

impl Remembered {
    pub(super) fn new() -> Remembered {
        Remembered {
            at: 0,
            since: Instant::now(),
            questions: 0,
        }
    }

    /// The way to ask a new question first.
    pub(super) fn start(&mut self) -> usize {
        self.questions += 1;
        if self.at > 0
            && (self.questions > RECONSIDER_AFTER_QUESTIONS
                || self.since.elapsed() >= RECONSIDER_AFTER)
        {
            *self = Remembered::new();
        }
        self.at
    }

    /// `at` worked.
    pub(super) fn worked(&mut self, at: usize) {
        if at != self.at {
            self.at = at;
            self.since = Instant::now();
            self.questions = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_way_that_worked_is_used_first_until_it_is_reconsidered() {
        let mut remembered = Remembered::new();
        assert_eq!(remembered.start(), 0);
        remembered.worked(1);
        for _ in 0..RECONSIDER_AFTER_QUESTIONS {
            assert_eq!(remembered.start(), 1);
            remembered.worked(1);
        }
        assert_eq!(remembered.start(), 0, "the configured way is asked again");
        remembered.worked(0);
        assert_eq!(remembered.start(), 0);
    }

    #[test]
    fn what_the_person_reads_never_holds_the_servers_words() {
        let failure = LlmFailure::ServerFailed("HTTP 500: {\"error\":\"boom\"}".into());
        assert_eq!(failure.to_string(), "the language model's server failed");
        assert!(failure.detail().contains("boom"));
    }
}
