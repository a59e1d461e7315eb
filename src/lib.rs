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
//! - [`service`]: the use cases, one transaction each: submit, act, tick timers, import.
//! - [`sync`]: CSV import.
//! - [`http`]: the REST API and health endpoint of `keel serve`.

pub mod config;
pub mod domain;
pub mod engine;
pub mod store;
pub mod sync;
