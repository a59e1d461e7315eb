//! keel's integration tests, one binary: the real application on a fresh SQLite file and, when
//! `KEEL_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database.

mod ask;
mod ask_answers;
mod ask_insights;
mod ask_llm;
mod ask_paraphrase;
mod ask_requests;
mod ask_understanding;
mod audit;
mod browser;
mod cli;
mod common;
mod console;
mod crash;
mod demo;
mod discord;
mod discord_ask;
mod discord_autocomplete;
mod discord_deferred;
mod discord_gateway;
mod faults;
mod import;
mod input;
mod late;
mod layout;
mod lifecycle;
mod operations;
mod outbox;
mod platforms;
mod slack;
mod slack_and_discord;
mod store;
mod sync_cli;
mod sync_inbound;
mod sync_poll;
mod sync_schemes;
