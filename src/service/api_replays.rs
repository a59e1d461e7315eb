//! The answers kept for REST API retries (`Idempotency-Key`): see [`crate::http`].

use super::Keel;
use crate::store::KeptAnswer;

impl Keel {
    /// The answer kept for `key` of the token named `token`.
    pub async fn kept_answer(&self, token: &str, key: &str) -> anyhow::Result<Option<KeptAnswer>> {
        self.store.kept_answer(token, key).await
    }

    /// Keeps `answer` for `key` of `token` (the first kept stays).
    pub async fn keep_answer(
        &self,
        token: &str,
        key: &str,
        answer: &KeptAnswer,
    ) -> anyhow::Result<()> {
        self.store
            .keep_answer(token, key, answer, self.clock.now())
            .await
    }
}
