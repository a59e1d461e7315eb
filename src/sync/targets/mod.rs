//! Sync out: keel's decisions and record changes sent to the company's other systems as signed
//! webhooks (config/integrations/*.toml, `[[target]]` and `[[rule]]`), and which system owns a
//! record type (`[[owner]]`).
//!
//! What is sent is decided in the transaction of the decision or record change ([`queue`]) and
//! written to `webhook_deliveries` there, so nothing acknowledged is lost; a deliverer per
//! target posts it ([`client`]), signed the Standard Webhooks way ([`sign`]), with the row's id
//! as `webhook-id` on every attempt (and in the URL, where it says `{webhook_id}`:
//! [`webhook_url`]) so the receiver drops repeats, retried on Svix's schedule
//! ([`schedule`]) and dead-lettered after it. Everything here is pure but the client.

pub mod client;
pub mod ownership;
pub mod queue;
pub mod schedule;
pub mod sign;
pub mod template;
pub mod webhook_url;
