//! Keeping the requests queryable (`request` in Ask keel, see
//! [`crate::engine::request_facts`]): its table is built from the stored requests when it is
//! missing or the workflows changed its shape, and every transition and imported request
//! rewrites its row in the same transaction.

use super::Keel;
use crate::domain::{Directory, EventDraft, RecordSchema, RecordType, Request};
use crate::engine::request_facts::{self, RECORD_TYPE};
use crate::store::Tx;

/// Record types Ask keel answers about: records.toml's, and the requests.
pub(super) fn ask_schema(config: &crate::config::Config) -> RecordSchema {
    if config.schema.get(RECORD_TYPE).is_some() {
        tracing::warn!(
            "records.toml has a record type named `{RECORD_TYPE}`, so the requests themselves \
             cannot be asked about"
        );
    }
    request_facts::with_requests(config)
}

impl Keel {
    /// The `request` record type, when there is one.
    fn request_type(&self) -> Option<&RecordType> {
        self.ask_schema
            .get(RECORD_TYPE)
            .filter(|_| self.config.schema.get(RECORD_TYPE).is_none())
    }

    /// Makes the requests' table ready: built again from every stored request when it is
    /// missing or of another shape (after an upgrade or a change to the workflows).
    pub(super) async fn track_request_facts(&self) -> anyhow::Result<()> {
        let Some(record_type) = self.request_type() else {
            return Ok(());
        };
        if self
            .store
            .request_facts_ready(record_type, &self.ask_schema)
            .await?
        {
            return Ok(());
        }
        let requests = self.store.list_requests(&Default::default()).await?;
        let rejecters = self.store.rejecters().await?;
        let people = self.directory.get(&self.store).await?;
        let calendar = &self.config.settings.company.calendar;
        let rows: Vec<_> = requests
            .iter()
            .map(|request| {
                let rejecter = rejecters.get(&request.id).map(String::as_str);
                let fields = request_facts::facts(request, rejecter, calendar, &people.directory);
                (request.id.clone(), fields)
            })
            .collect();
        tracing::info!(
            requests = rows.len(),
            "building the table questions about requests are answered from"
        );
        self.store
            .build_request_facts(record_type, &self.ask_schema, &rows)
            .await
    }

    /// Writes `request`'s row of the requests' table in `tx`; `events` are the transition's,
    /// which say who rejected it.
    pub(super) async fn write_request_facts(
        &self,
        tx: &mut Tx,
        request: &Request,
        events: &[EventDraft],
        directory: &Directory,
    ) -> anyhow::Result<()> {
        if self.request_type().is_none() {
            return Ok(());
        }
        let rejecter = events
            .iter()
            .rev()
            .find(|e| e.action == "rejected" && e.request_id.as_deref() == Some(&request.id))
            .map(|e| e.actor.as_str());
        let calendar = &self.config.settings.company.calendar;
        let fields = request_facts::facts(request, rejecter, calendar, directory);
        tx.write_request_facts(&request.id, &fields).await
    }
}
