//! Digests: on each scheduler tick, the digests whose scheduled time has come are read for each
//! person holding their roles (within what each may see), compared with what that person's last
//! digest said, and queued through the outbox in the transaction that claims the tick, so two
//! keel processes on one database send each tick once.

use super::{Keel, ServiceError, UserError};
use crate::domain::digest::{DigestSpec, Section};
use crate::domain::{Person, Status};
use crate::engine::digest::{self, Item, SectionRead};
use crate::engine::digest_items;
use crate::store::RequestFilter;
use chrono::{DateTime, Duration, Utc};

/// A tick missed by more than this (keel was down) is skipped; the next comes at its time.
const LATE_LIMIT_HOURS: i64 = 12;

impl Keel {
    /// Sends the digests whose latest scheduled tick is due and not yet sent; how many
    /// notifications that queued. A digest keel has never seen starts at its next scheduled
    /// time: the tick already past when it first runs with it is passed over.
    pub async fn send_due_digests(&self) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let calendar = &self.config.settings.company.calendar;
        let mut sent = 0;
        for spec in &self.config.digests.digests {
            let Some(due) = digest::last_tick(&spec.schedule, calendar, now) else {
                continue;
            };
            if self.store.digest_tick_claimed(&spec.name, due).await? {
                continue;
            }
            if !self.store.digest_seen(&spec.name).await? {
                // New to keel: it starts at its next scheduled time.
                let mut tx = self.store.begin().await?;
                tx.claim_digest_tick(&spec.name, due, now, true).await?;
                tx.commit().await?;
                continue;
            }
            if now - due <= Duration::hours(LATE_LIMIT_HOURS) {
                sent += self.send_digest_tick(spec, due).await?;
            }
        }
        Ok(sent)
    }

    /// `keel digest send NAME`: the digest now, outside its schedule (what it lists is
    /// remembered as for a scheduled one); to how many people.
    pub async fn send_digest(&self, name: &str) -> Result<usize, ServiceError> {
        let spec = self.config.digests.digest(name).ok_or_else(|| {
            let known: Vec<&str> = self
                .config
                .digests
                .digests
                .iter()
                .map(|d| d.name.as_str())
                .collect();
            UserError::Invalid(format!(
                "There is no digest `{}` in digests.toml. The digests are: {}.",
                crate::engine::form::truncate(name, 40),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        Ok(self.send_digest_tick(spec, self.clock.now()).await?)
    }

    /// Reads the digest for each of its people, then claims the tick and queues their
    /// notifications in one transaction; 0 when another process claimed it first.
    async fn send_digest_tick(
        &self,
        spec: &DigestSpec,
        due: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let people = self.directory.get(&self.store).await?;
        let recipients: Vec<&Person> = people
            .directory
            .people()
            .into_iter()
            .filter(|p| p.active && spec.roles.contains(&p.role))
            .collect();
        let mut read = Vec::with_capacity(recipients.len());
        for person in &recipients {
            read.push(self.digest_sections(spec, person).await?);
        }
        let calendar = &self.config.settings.company.calendar;
        let at_local = due
            .with_timezone(&calendar.time_zone)
            .format("%a %-d %b %Y, %H:%M")
            .to_string();
        let now = self.clock.now();
        let mut tx = self.store.begin().await?;
        if !tx.claim_digest_tick(&spec.name, due, now, false).await? {
            tx.rollback().await?;
            return Ok(0);
        }
        let mut notifications = Vec::with_capacity(recipients.len());
        for (person, sections) in recipients.iter().zip(&read) {
            let previous = tx.digest_memory(&spec.name, &person.id).await?;
            let (notification, items) =
                digest::compose(spec, &person.id, sections, previous.as_deref(), &at_local);
            tx.remember_digest(&spec.name, &person.id, &items, now)
                .await?;
            notifications.push(notification);
        }
        tx.enqueue(&notifications, now).await?;
        tx.finish_digest_tick(&spec.name, due, notifications.len())
            .await?;
        tx.commit().await?;
        self.bell.ring();
        tracing::info!(digest = %spec.name, %due, people = notifications.len(), "digest queued");
        Ok(notifications.len())
    }

    /// Each section of `spec` as `person` may see it.
    async fn digest_sections(
        &self,
        spec: &DigestSpec,
        person: &Person,
    ) -> anyhow::Result<Vec<(Section, SectionRead)>> {
        let currency = &self.config.settings.company.currency;
        let mut sections = Vec::with_capacity(spec.sections.len());
        for section in &spec.sections {
            let read = match section.insight() {
                None => SectionRead::Items(self.waiting_past_sla(person).await?),
                Some(insight) => match self.insight(&person.id, insight).await {
                    Ok(answer) => SectionRead::Items(digest_items::items(
                        *section,
                        &answer.columns,
                        &answer.rows,
                        currency,
                    )),
                    Err(ServiceError::User(refused)) => {
                        SectionRead::Hidden(refused_words(&refused))
                    }
                    Err(ServiceError::Internal(error)) => return Err(error),
                },
            };
            sections.push((*section, read));
        }
        Ok(sections)
    }

    /// The pending requests `person` may see that have waited longer than their workflow's
    /// escalation time (its service level), in business hours.
    async fn waiting_past_sla(&self, person: &Person) -> anyhow::Result<Vec<Item>> {
        let filter = RequestFilter {
            status: Some(Status::Pending),
            ..RequestFilter::default()
        };
        let visible = self.requests_seen_by(person, &filter).await?;
        let people = self.directory.get(&self.store).await?;
        let name = |id: &str| super::dashboard::Named {
            id: id.to_string(),
            name: people
                .directory
                .get(id)
                .map_or_else(|| id.to_string(), |p| p.name.clone()),
        };
        let title = |workflow: &str| {
            self.config
                .workflows
                .get(workflow)
                .map_or_else(|| workflow.to_string(), |w| w.title.clone())
        };
        let rows = self.pending_rows(&visible, self.clock.now(), &name, &title);
        Ok(rows
            .into_iter()
            .filter(|row| row.breached)
            .map(|row| {
                let waiting_for: Vec<String> = row.approvers.into_iter().map(|a| a.name).collect();
                Item {
                    section: Section::WaitingPastSla.name().to_string(),
                    line: format!(
                        "{} ({}): {} business hours waiting for {}, against {} allowed",
                        row.request_id,
                        row.title,
                        row.waiting_business_hours,
                        waiting_for.join(", "),
                        row.sla_business_hours.unwrap_or_default()
                    ),
                    key: row.request_id,
                }
            })
            .collect())
    }
}

/// Why a section is not shown, from the refusal the question would get ("I cannot answer
/// that: in the field staff role, you may not see invoices; ask…").
fn refused_words(refused: &UserError) -> String {
    let said = refused.to_string();
    let said = said.strip_prefix("I cannot answer that: ").unwrap_or(&said);
    said.split("; ask")
        .next()
        .unwrap_or(said)
        .trim_end_matches('.')
        .to_string()
}
