//! # keel
//!
//! The operations layer for a 25–500 person company.
//!
//! # Layout
//!
//! - [`domain`]: the nouns as plain data (records, people, workflows, requests, events, cards).
//! - [`engine`]: the pure core (rules, decision tables, routing, the request state machine,
//!   the business calendar, anomaly scoring, audit hashing). No I/O.
//! - [`config`]: typed configuration from `config/`, validated with file:line problems.
//! - [`store`]: SQLite and PostgreSQL through sqlx; all SQL lives there.
//! - [`service`]: the use cases, one transaction each: submit, act, tick timers, import, send
//!   digests and alerts.
//! - [`sync`]: CSV import; inbound sources (webhook verifiers, mapping, polling); sync out
//!   (signed webhooks to other systems) and record owners.
//! - [`ask`]: plain-language questions: planning, checking and wording answers.
//! - [`insights`]: named analyses of the history (vendor reliability, budget burn…).
//! - [`chat`]: the chat port and its adapters: the web console, Slack and Discord.
//! - [`server`]: keel running: HTTP, console, scheduler and outbox delivery until stopped.
//! - [`http`]: the REST API, health endpoint and console routes of `keel serve` and `keel demo`.
//! - [`log_limit`]: the same error written to the log once a minute, not at every occurrence.
//! - [`telemetry`]: what keel measures of itself for `/metrics`, and the request id that
//!   follows an HTTP request into the log and the outbox.

pub mod ask;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod engine;
pub mod http;
pub mod insights;
pub mod log_limit;
pub mod server;
pub mod service;
pub mod store;
pub mod sync;
pub mod telemetry;
