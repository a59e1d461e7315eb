//! The use cases, each one transaction: submit a request, act on it, fire due timers, deliver
//! the outbox, delegate, import records and history, handle what people do in chat. [`Keel`] holds what they share: the config,
//! the compiled decision tables, the store, the clock and caches of the directory and delegations.

mod act;
mod alerts;
mod api_reads;
mod api_replays;
mod api_tokens;
mod ask;
mod ask_total;
mod audit;
mod cached;
mod card_facts;
mod cards;
mod console_messages;
mod counting;
mod dashboard;
mod dashboard_figures;
mod dashboard_integrations;
mod deliver;
mod deliver_chat;
mod deliver_journal;
mod digests;
mod directory;
mod errors;
mod form_drafts;
mod history;
mod import;
mod inbound;
mod inbound_apply;
mod inbound_ops;
mod inbound_poll;
pub mod inbound_run;
mod insights;
mod interact;
mod keel_command;
mod outbox;
pub mod outbox_watch;
mod plain_forms;
mod policy;
mod policy_proposals;
mod queries;
mod record_write;
mod request_facts;
mod submit;
mod sync_ops;
mod sync_out;
mod timers;

pub use alerts::AlertStatus;
pub use api_reads::{DirectoryEntry, RecordQuery};
pub use api_tokens::{NewToken, Revoked};
pub use audit::ExportFormat;
pub use cards::CardNow;
pub use deliver::Sink;
pub use directory::CONSOLE;
pub use errors::{ServiceError, UserError, logged, platform_name};
pub use form_drafts::PageOutcome;
pub use import::{ImportReport, TypeReport};
pub use inbound::{HookDelivery, HookError, HookOutcome};
pub use inbound_apply::ApplyReport;
pub use inbound_ops::{DeadLetters, SourceStatus};
pub use inbound_poll::PollReport;
pub use interact::{BellListener, DeliveryBell};
pub use outbox::RetryTarget;
pub use policy::{LIMITS as POLICY_LIMITS, Simulation};
pub use record_write::{MAX_PROPOSED, RecordWrite};
pub use submit::NewRequest;
pub use timers::TickReport;

pub use crate::config::redact_url;
/// The store's data types adapters read and write through the use cases.
pub use crate::store::{ConsoleAnswer, ConsoleMessage, NewConsoleMessage, RequestFilter};

use crate::clock::Clock;
use crate::config::Config;
use crate::domain::{Delegation, FieldType, RecordLabels};
use crate::engine::decision::{DecisionTable, compile_table};
use crate::engine::rules::rule_env;
use crate::store::Store;
use anyhow::{Context as _, anyhow};
use cached::Cached;
use chrono::NaiveDate;
use directory::DirectoryCache;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The application: cheap to clone, shared by the CLI, the HTTP server and the scheduler.
#[derive(Clone)]
pub struct Keel {
    pub config: Arc<Config>,
    /// Private to the use cases: the CLI, the HTTP server's health check and tests read it
    /// through [`Keel::store`]; chat adapters go through service methods only.
    store: Store,
    pub clock: Clock,
    /// Posts whose outcome keel did not hear (see [`deliver_chat`]).
    unsure_posts: Arc<deliver_chat::UnsurePosts>,
    tables: Arc<BTreeMap<String, DecisionTable>>,
    directory: Arc<DirectoryCache>,
    /// The delegations in force, for the day they were read for.
    delegations: Arc<Cached<NaiveDate, Vec<Delegation>>>,
    /// Names of the records workflow forms refer to (cached, see [`cached`]).
    labels: Arc<Cached<(), RecordLabels>>,
    /// Rung when an interaction may have queued notifications.
    bell: Arc<DeliveryBell>,
    /// Rung when an inbound event is queued ([`inbound_run`]).
    inbound_bell: Arc<DeliveryBell>,
    /// Reads records back from inbound sources and polls them.
    source_client: crate::sync::sources::fetch::SourceClient,
    /// Plans questions when `llm.mode` is `remote`.
    llm: Option<Arc<crate::ask::llm::LlmPlanner>>,
    /// The record types questions are about: records.toml's and the requests
    /// ([`request_facts`]).
    ask_schema: Arc<crate::domain::RecordSchema>,
}

impl Keel {
    /// The store, for what is not a use case: the CLI's database commands, the health check,
    /// tests. Never for a chat adapter (`tests/it/layout.rs` checks): what an adapter needs is a
    /// service method, so that delivery and identity rules stay in one place.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The delegations in force on `day` (cached, see [`cached`]).
    async fn delegations_on(&self, day: NaiveDate) -> anyhow::Result<Arc<Vec<Delegation>>> {
        self.delegations
            .get(day, || self.store.delegations_on(day))
            .await
    }

    /// The names of every record of a type with a label (projects, vendors, clients, people),
    /// for cards, pickers and questions: read once per [`cached::MAX_AGE`] (a few hundred in a
    /// company of this size).
    async fn record_labels(&self) -> anyhow::Result<Arc<RecordLabels>> {
        self.labels
            .get((), || async {
                let mut labels = RecordLabels::default();
                for typed in self.config.schema.types.values() {
                    // Types without a label may still have open lists ("weather damage" is a
                    // change order's reason); types with neither are not read.
                    let open_text = typed.fields.iter().any(|f| {
                        f.field_type == FieldType::Text
                            && typed.label.as_deref() != Some(f.name.as_str())
                            && !typed.key.contains(&f.name)
                    });
                    if typed.label.is_none() && !open_text {
                        continue;
                    }
                    let records = self.store.list_records(&typed.name).await?;
                    if let Some(label_field) = &typed.label {
                        for record in &records {
                            if let Some(label) =
                                record.fields.get(label_field).and_then(|v| v.as_str())
                            {
                                labels.insert(&typed.name, record.key.clone(), label.to_string());
                            }
                        }
                    }
                    labels.insert_values(typed, &records);
                }
                Ok(labels)
            })
            .await
    }

    /// Record types some workflow's form refers to.
    fn referenced_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self
            .config
            .workflows
            .values()
            .flat_map(|w| &w.fields)
            .filter_map(|f| match &f.field_type {
                FieldType::Ref(record_type) => Some(record_type.clone()),
                _ => None,
            })
            .collect();
        types.sort();
        types.dedup();
        types
    }

    /// Connects to the configured database (migrating it) and compiles every workflow's rules.
    pub async fn open(config: Config, clock: Clock) -> anyhow::Result<Keel> {
        let database = &config.settings.database;
        let store = Store::connect(&database.url, database.max_connections)
            .await
            .with_context(|| format!("opening the database at {}", redact_url(&database.url)))?;
        store.track_facts(&config.schema).await?;
        for workflow in config.workflows.values() {
            let settings = workflow
                .anomaly
                .as_ref()
                .map(|spec| (spec.field.as_str(), spec.group_by.as_deref()));
            store
                .track_anomaly_samples(&workflow.name, settings)
                .await?;
        }
        let keel = Keel::with_store(config, store, clock)?;
        keel.track_request_facts().await?;
        Ok(keel)
    }

    /// As [`Keel::open`], on a store already connected.
    fn with_store(config: Config, store: Store, clock: Clock) -> anyhow::Result<Keel> {
        let mut tables = BTreeMap::new();
        for (name, workflow) in &config.workflows {
            let env = rule_env(workflow, &config.schema, &config.directory.record);
            let table = compile_table(workflow, &env).map_err(|errors| {
                let list: Vec<String> = errors
                    .iter()
                    .map(|(row, e)| format!("rule {}: {}", row + 1, e.message))
                    .collect();
                anyhow!(
                    "workflow {name} has invalid rules (run `keel check`): {}",
                    list.join("; ")
                )
            })?;
            tables.insert(name.clone(), table);
        }
        let llm = (config.settings.llm.mode == crate::config::LlmMode::Remote).then(|| {
            Arc::new(crate::ask::llm::LlmPlanner::new(
                &config.settings.llm,
                config.secrets.llm_api_key.as_ref(),
            ))
        });
        Ok(Keel {
            llm,
            ask_schema: Arc::new(request_facts::ask_schema(&config)),
            directory: Arc::new(DirectoryCache::new(config.directory.clone())),
            delegations: Arc::new(Cached::default()),
            bell: Arc::default(),
            inbound_bell: Arc::default(),
            source_client: crate::sync::sources::fetch::SourceClient::new()?,
            labels: Arc::default(),
            config: Arc::new(config),
            store,
            unsure_posts: Arc::default(),
            clock,
            tables: Arc::new(tables),
        })
    }

    fn workflow(&self, name: &str) -> Result<&crate::domain::Workflow, UserError> {
        self.config
            .workflows
            .get(name)
            .or_else(|| self.config.workflows.values().find(|w| w.command == name))
            .ok_or_else(|| UserError::UnknownWorkflow {
                name: name.to_string(),
                known: self
                    .config
                    .workflows
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}
