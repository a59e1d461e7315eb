//! Slack: slash commands open modals built from the workflows' forms, approval cards arrive as
//! Block Kit messages with buttons, and every Web API call that must not be lost goes through
//! the outbox. This module holds the pure translation (signatures, blocks, modals); the
//! connection to Slack builds on it.

pub mod blocks;
pub mod modal;
pub mod payload;
pub mod signature;
