//! The pure core: rule compilation and type-checking, decision tables, approver routing, the
//! request state machine, the business calendar, anomaly scoring and audit hashing. Everything
//! here takes plain data and a `now` and returns plain data: no I/O, no async.

pub mod alerts;
pub mod anomaly;
pub mod audit;
pub mod calendar;
pub mod card_facts;
pub mod decision;
pub mod digest;
pub mod digest_items;
pub mod form;
pub mod lifecycle;
pub mod policy;
pub mod request_facts;
pub mod routing;
pub mod rules;
pub mod stats;
