//! Inbound sources: the pure parts of taking records from the company's other systems. A
//! webhook is verified ([`verify`]), its payload's events and records are read with a small
//! JSONPath ([`path`]), translated field by field ([`field`]: maps, defaults, constants,
//! conversions) and mapped onto a record type with the CSV importer's checks ([`mapping`]);
//! thin events are completed by reading the record back from the source ([`fetch`], its URL
//! and headers filled from the event by [`template`] and [`fetch_request`]), and sources that
//! cannot push are polled ([`poll`]). The queue, the applier and the poller's watermark live in
//! the service and the store.

pub mod fetch;
pub mod fetch_request;
pub mod field;
pub mod mapping;
pub mod path;
pub mod poll;
pub mod template;
pub mod verify;
