//! Reading what each insight needs; the arithmetic is in [`crate::insights::compute`].

use super::{Keel, ServiceError};
use crate::domain::plan::{Aggregate, CheckedMeasure, CheckedQuery, FieldPath};
use crate::domain::{FieldType, Person, RecordLabels};
use crate::insights::Insight;
use crate::insights::compute::{self, Computed, LatencySource};
use crate::store::RequestFilter;
use anyhow::Context as _;
use std::collections::BTreeMap;

/// How many of the newest requests the anomaly insight looks through.
const RECENT_REQUESTS: i64 = 5_000;

impl Keel {
    pub(super) async fn compute_insight(
        &self,
        insight: Insight,
        asker: &Person,
        labels: &RecordLabels,
    ) -> Result<Computed, ServiceError> {
        for (record_type, field) in insight.reads() {
            self.config
                .schema
                .get(record_type)
                .and_then(|t| t.field(field))
                .with_context(|| {
                    format!(
                        "the {} insight needs {record_type}.{field}, which records.toml does not declare",
                        insight.name()
                    )
                })
                .map_err(ServiceError::Internal)?;
        }
        let records = |record_type: &'static str| self.store.list_records(record_type);
        Ok(match insight {
            Insight::VendorReliability => {
                compute::vendor_reliability(&records("purchase_order").await?, labels)
            }
            Insight::BudgetBurn => {
                let spend = self.spend_by_project().await?;
                let currency = &self.config.settings.company.currency;
                compute::budget_burn(&records("project").await?, &spend, labels, currency)
            }
            Insight::ClientEngagement => compute::client_engagement(
                &records("client_touchpoint").await?,
                &records("client").await?,
                self.today(),
                labels,
            ),
            Insight::ApprovalLatency => {
                let change_orders = records("change_order").await?;
                let purchase_orders = records("purchase_order").await?;
                compute::approval_latency(
                    &[
                        LatencySource {
                            record_type: "change_order",
                            records: &change_orders,
                            submitted: "submitted_at",
                            decided: "decided_at",
                        },
                        LatencySource {
                            record_type: "purchase_order",
                            records: &purchase_orders,
                            submitted: "requested_at",
                            decided: "approved_at",
                        },
                    ],
                    labels,
                )
            }
            Insight::Capacity => compute::capacity(
                &records("time_entry").await?,
                &records("staff").await?,
                self.today(),
                labels,
            ),
            Insight::Anomalies => {
                let filter = RequestFilter {
                    limit: Some(RECENT_REQUESTS),
                    ..RequestFilter::default()
                };
                // Only the requests the asker may see: their own, those routed to them, and
                // every one for administrators (as on the dashboard).
                let visible = self.requests_seen_by(asker, &filter).await?;
                compute::anomalies(&visible, labels)
            }
            Insight::MyApprovals => {
                let (_, waiting) = self.pending_for(&asker.id).await?;
                compute::my_approvals(&waiting, self.clock.now(), labels)
            }
        })
    }

    /// Invoiced amounts per project, added up by the database.
    pub(super) async fn spend_by_project(&self) -> anyhow::Result<BTreeMap<String, f64>> {
        let path = |field: &str, field_type: FieldType| FieldPath {
            via: None,
            field: field.to_string(),
            field_type,
            cut: None,
        };
        let query = CheckedQuery {
            record: "invoice".into(),
            filters: Vec::new(),
            group_by: vec![path("project_id", FieldType::Ref("project".into()))],
            measure: CheckedMeasure::Aggregate(
                Aggregate::Sum,
                Some(path("amount", FieldType::Money)),
            ),
            order: None,
            // Every project, however many.
            limit: u32::MAX - 1,
        };
        let table = self.store.run_query(&query).await?;
        Ok(table
            .rows
            .into_iter()
            .filter_map(|row| Some((row.first()?.as_str()?.to_string(), row.get(1)?.as_f64()?)))
            .collect())
    }
}
