//! Alerts: evaluated when records change (an import, an inbound webhook or poll, an API write,
//! an approved change request), each crossing recorded and told once through the outbox. The
//! state is what was last recorded, not what the change was, so an evaluation that failed (or
//! a process that died before it) is made good by the next one.

use super::{Keel, ServiceError, UserError};
use crate::config::OtherWriters;
use crate::domain::digest::{AlertRule, Metric};
use crate::domain::{Request, Status};
use crate::engine::alerts::{self, Change};
use crate::insights::metrics;
use crate::store::AlertMute;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

impl Keel {
    /// Evaluates the alerts that read any of the `changed` record types; how many
    /// notifications it queued. A failure is logged, not returned: the records are written
    /// already, and the next evaluation catches up on the crossing.
    pub(super) async fn alerts_after_change(&self, changed: &[&str]) {
        if let Err(error) = self.check_alerts(changed).await {
            crate::log_limit::error("evaluating alerts after a change failed", &error);
        }
    }

    /// Evaluates the alerts over the record type an approved change request wrote (a decision
    /// that changes no record changes no metric).
    pub(super) async fn alerts_after_decision(&self, request: &Request) {
        if !matches!(request.status, Status::Approved | Status::AutoApproved) {
            return;
        }
        let written: Vec<&str> = self
            .config
            .outbound
            .owners
            .values()
            .filter(|owner| {
                matches!(&owner.others, OtherWriters::ChangeRequest { workflow, .. } if *workflow == request.workflow)
            })
            .map(|owner| owner.record_type.as_str())
            .collect();
        if !written.is_empty() {
            self.alerts_after_change(&written).await;
        }
    }

    /// Evaluates the alerts that read any of the `changed` record types; how many notifications
    /// it queued.
    pub async fn check_alerts(&self, changed: &[&str]) -> anyhow::Result<usize> {
        let now = self.clock.now();
        let mut told = 0;
        for rule in &self.config.digests.alerts {
            if !rule.metric.reads().iter().any(|(t, _)| changed.contains(t)) {
                continue;
            }
            let values = self.metric_values(rule.metric).await?;
            let before = self.store.crossed_records(&rule.name).await?;
            let changes = alerts::changes(rule.bound, &values, &before);
            if !changes.is_empty() {
                told += self.record_crossings(rule, &changes, now).await?;
            }
        }
        if told > 0 {
            self.bell.ring();
        }
        Ok(told)
    }

    /// Records `changes` in one transaction and queues a notification for each crossing this
    /// transaction was the one to record, unless the alert is muted.
    async fn record_crossings(
        &self,
        rule: &AlertRule,
        changes: &[Change],
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let muted = is_muted(&self.store.alert_mutes().await?, &rule.name, now);
        let recipients = self.alert_recipients(rule).await?;
        let labels = self.record_labels().await?;
        let mut tx = self.store.begin().await?;
        let mut notifications = Vec::new();
        for change in changes {
            let recorded = tx
                .set_alert_state(&rule.name, &change.key, change.crossed, change.value, now)
                .await?;
            if !(recorded && change.crossed) || muted {
                continue;
            }
            let label = labels.label(rule.metric.record_type(), &change.key);
            let named = match label {
                Some(label) => format!("{label} ({})", change.key),
                None => change.key.clone(),
            };
            notifications.extend(
                recipients
                    .iter()
                    .map(|to| alerts::notification(rule, &named, change, to)),
            );
        }
        tx.enqueue(&notifications, now).await?;
        tx.commit().await?;
        Ok(notifications.len())
    }

    /// The active people an alert tells: those holding its roles and those it names, less
    /// anyone whose role may not see what its metric reads (ask.toml's `[access]`, as Ask keel
    /// would refuse them the same figure).
    async fn alert_recipients(&self, rule: &AlertRule) -> anyhow::Result<Vec<String>> {
        let people = self.directory.get(&self.store).await?;
        let may_see = |role: &str| {
            let Some(access) = self.config.vocabulary.access.get(role) else {
                return true;
            };
            rule.metric.reads().iter().all(|(record_type, field)| {
                !access.hides(record_type, Some(field))
                    && !access.own.iter().any(|t| t == record_type)
            })
        };
        let ids: BTreeSet<String> = people
            .directory
            .people()
            .into_iter()
            .filter(|p| p.active && (rule.roles.contains(&p.role) || rule.people.contains(&p.id)))
            .filter(|p| may_see(&p.role))
            .map(|p| p.id.clone())
            .collect();
        Ok(ids.into_iter().collect())
    }

    /// The metric's value per record, as of now.
    async fn metric_values(&self, metric: Metric) -> anyhow::Result<BTreeMap<String, f64>> {
        let records = |record_type: &'static str| self.store.list_records(record_type);
        Ok(match metric {
            Metric::BudgetSpentPercent => metrics::budget_spent_percent(
                &records("project").await?,
                &self.spend_by_project().await?,
            ),
            Metric::TouchpointsChangePercent => metrics::touchpoints_change_percent(
                &records("client_touchpoint").await?,
                &records("client").await?,
                self.today(),
                30,
            ),
            Metric::LateDeliveriesInARow => {
                metrics::late_deliveries_in_a_row(&records("purchase_order").await?)
            }
        })
    }

    /// `keel alerts mute NAME [--for DURATION]`: crossings are still recorded, nothing is told.
    pub async fn mute_alert(
        &self,
        name: &str,
        duration: Option<chrono::Duration>,
    ) -> Result<Option<DateTime<Utc>>, ServiceError> {
        self.alert_rule(name)?;
        let now = self.clock.now();
        let until = duration.map(|d| now + d);
        self.store.mute_alert(name, until, now).await?;
        Ok(until)
    }

    /// `keel alerts unmute NAME`; whether it was muted.
    pub async fn unmute_alert(&self, name: &str) -> Result<bool, ServiceError> {
        self.alert_rule(name)?;
        Ok(self.store.unmute_alert(name).await?)
    }

    /// `keel alerts list`: each rule, whether it is muted (until when) and how many records are
    /// past its bound now.
    pub async fn alert_statuses(&self) -> Result<Vec<AlertStatus>, ServiceError> {
        let now = self.clock.now();
        let mutes = self.store.alert_mutes().await?;
        let counts = self.store.crossed_counts().await?;
        Ok(self
            .config
            .digests
            .alerts
            .iter()
            .map(|rule| AlertStatus {
                rule: rule.clone(),
                muted: is_muted(&mutes, &rule.name, now),
                muted_until: mutes
                    .iter()
                    .find(|m| m.alert == rule.name)
                    .and_then(|m| m.until),
                crossed: counts
                    .iter()
                    .find(|(alert, _)| *alert == rule.name)
                    .map_or(0, |(_, count)| *count),
            })
            .collect())
    }

    fn alert_rule(&self, name: &str) -> Result<&AlertRule, UserError> {
        self.config.digests.alert(name).ok_or_else(|| {
            let known: Vec<&str> = self
                .config
                .digests
                .alerts
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            UserError::Invalid(format!(
                "There is no alert `{}` in digests.toml. The alerts are: {}.",
                crate::engine::form::truncate(name, 40),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))
        })
    }
}

/// An alert rule as `keel alerts list` shows it.
#[derive(Debug, Clone)]
pub struct AlertStatus {
    pub rule: AlertRule,
    pub muted: bool,
    pub muted_until: Option<DateTime<Utc>>,
    /// Records past its bound now.
    pub crossed: i64,
}

/// Whether `alert` is muted at `now` (a mute whose time ran out no longer counts).
fn is_muted(mutes: &[AlertMute], alert: &str, now: DateTime<Utc>) -> bool {
    mutes
        .iter()
        .any(|m| m.alert == alert && m.until.is_none_or(|until| until > now))
}
