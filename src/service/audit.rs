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
    /// Recomputes the whole chain; `Ok(n)` when all `n` events are intact, else every break.
    pub async fn verify_audit(&self) -> anyhow::Result<Result<usize, Vec<Tamper>>> {
        let events = self.store.all_events().await?;
        let head = self.store.audit_head().await?;
        Ok(verify(
            &events,
            head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
        ))
    }

    /// Writes every event, oldest first; returns how many.
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
