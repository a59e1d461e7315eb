//! The audit trail: verifying the hash chain and exporting it.

use super::Keel;
use crate::domain::Event;
use crate::engine::audit::{Tamper, verify};
use std::io::Write;

/// Export formats of `keel audit export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

impl Keel {
    /// Seals every event committed so far (first on PostgreSQL, where transitions leave their
    /// events to a sealer; see `store::audit_seal`), then recomputes the whole chain; `Ok(n)`
    /// when all `n` events are intact, else every break.
    pub async fn verify_audit(&self) -> anyhow::Result<Result<usize, Vec<Tamper>>> {
        let (events, head) = self.store.audit_chain().await?;
        Ok(verify(
            &events,
            head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
        ))
    }

    /// Seals what this process's transitions left to the sealer (on PostgreSQL; nothing on
    /// SQLite); how many events that was. A serving keel does this every
    /// [`crate::store::SEAL_PERIOD`]; a one-shot command does it before it exits.
    pub async fn seal_audit(&self) -> anyhow::Result<usize> {
        self.store.seal_events(true).await
    }

    /// Writes every event, oldest first (everything committed so far sealed); returns how many.
    pub async fn export_audit(
        &self,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> anyhow::Result<usize> {
        let events = self.store.all_events().await?;
        match format {
            ExportFormat::Jsonl => {
                for event in &events {
                    serde_json::to_writer(&mut *out, event)?;
                    out.write_all(b"\n")?;
                }
            }
            ExportFormat::Csv => write_csv(&events, out)?,
        }
        out.flush()?;
        Ok(events.len())
    }
}

fn write_csv(events: &[Event], out: &mut dyn Write) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "seq",
        "at",
        "request_id",
        "actor",
        "action",
        "rule",
        "reason",
        "data",
        "prev_hash",
        "hash",
    ])?;
    for e in events {
        let d = &e.draft;
        writer.write_record([
            e.seq.to_string(),
            crate::domain::field::canonical_timestamp(&d.at),
            d.request_id.clone().unwrap_or_default(),
            d.actor.clone(),
            d.action.clone(),
            d.rule.clone().unwrap_or_default(),
            d.reason.clone().unwrap_or_default(),
            d.data.to_string(),
            e.prev_hash.clone(),
            e.hash.clone(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
