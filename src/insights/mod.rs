//! Insights: named analyses computed from the company's history, each both a plan a question
//! can lead to and a command (`keel insights NAME`). The arithmetic is pure and lives in
//! [`compute`]; the service reads the records each one needs and checks the asker may see them.

pub mod compute;
pub mod metrics;

use serde::{Deserialize, Serialize};

/// The insight catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Insight {
    /// Per vendor: on-time delivery rate and average slip, with how many deliveries.
    VendorReliability,
    /// Per project: spend against budget and percent complete, and the projected overrun.
    BudgetBurn,
    /// Per client: touchpoints in the last 90 days against the 90 before.
    ClientEngagement,
    /// Per approver and record type: median and 90th percentile time to a decision.
    ApprovalLatency,
    /// Per person: hours logged against weekly capacity over the last four weeks (those with
    /// hours logged).
    Capacity,
    /// Requests the anomaly check flagged, newest first.
    Anomalies,
    /// The requests waiting for the asker's decision (directly or as a delegate), oldest first.
    MyApprovals,
}

pub const ALL: [Insight; 7] = [
    Insight::VendorReliability,
    Insight::BudgetBurn,
    Insight::ClientEngagement,
    Insight::ApprovalLatency,
    Insight::Capacity,
    Insight::Anomalies,
    Insight::MyApprovals,
];

impl Insight {
    pub fn name(self) -> &'static str {
        match self {
            Insight::VendorReliability => "vendor_reliability",
            Insight::BudgetBurn => "budget_burn",
            Insight::ClientEngagement => "client_engagement",
            Insight::ApprovalLatency => "approval_latency",
            Insight::Capacity => "capacity",
            Insight::Anomalies => "anomalies",
            Insight::MyApprovals => "my_approvals",
        }
    }

    pub fn parse(name: &str) -> Option<Insight> {
        let name = name.trim().replace('-', "_");
        ALL.into_iter().find(|i| i.name() == name)
    }

    /// What it computes, for `keel insights` and for "how I got this".
    pub fn description(self) -> &'static str {
        match self {
            Insight::VendorReliability => {
                "for each vendor, the share of delivered purchase orders that arrived by their promised date, and how many days late the others were on average"
            }
            Insight::BudgetBurn => {
                "for each active or on-hold project, invoiced spend against budget, and the final cost projected from spend and percent complete (spend ÷ percent complete)"
            }
            Insight::ClientEngagement => {
                "for each client, the touchpoints in the last 90 days against the 90 days before"
            }
            Insight::ApprovalLatency => {
                "for each approver and record type, the median and 90th percentile time from submission to decision"
            }
            Insight::Capacity => {
                "for each person, the hours logged per week over the last four weeks against their weekly capacity, averaged over the weeks in which anyone logged hours (a week not logged yet is not counted as idle)"
            }
            Insight::Anomalies => {
                "the requests keel's anomaly check flagged as unusual for their workflow, among those you may see (yours, those routed to you, all for administrators), the most unusual first"
            }
            Insight::MyApprovals => {
                "the requests waiting for your decision, directly or as someone's delegate today, oldest first"
            }
        }
    }

    /// The record fields it reads (`type.field`), checked against what the asker may see.
    pub fn reads(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Insight::VendorReliability => &[
                ("purchase_order", "vendor_id"),
                ("purchase_order", "promised_date"),
                ("purchase_order", "delivered_date"),
            ],
            Insight::BudgetBurn => &[
                ("project", "budget"),
                ("project", "percent_complete"),
                ("project", "status"),
                ("invoice", "project_id"),
                ("invoice", "amount"),
            ],
            Insight::ClientEngagement => &[
                ("client_touchpoint", "client_id"),
                ("client_touchpoint", "occurred_on"),
            ],
            Insight::ApprovalLatency => &[
                ("change_order", "approver_id"),
                ("change_order", "submitted_at"),
                ("change_order", "decided_at"),
                ("purchase_order", "approver_id"),
                ("purchase_order", "requested_at"),
                ("purchase_order", "approved_at"),
            ],
            Insight::Capacity => &[
                ("time_entry", "staff_id"),
                ("time_entry", "week_start"),
                ("time_entry", "hours"),
                ("staff", "weekly_capacity_hours"),
                ("staff", "role"),
            ],
            Insight::Anomalies | Insight::MyApprovals => &[],
        }
    }

    /// The columns of its table that hold money, written with the company's currency.
    pub fn money_columns(self) -> &'static [&'static str] {
        match self {
            Insight::BudgetBurn => &["budget", "spent", "projected cost", "projected overrun"],
            Insight::MyApprovals => &["amount"],
            _ => &[],
        }
    }

    /// Words in a question that ask for it.
    pub fn cues(self) -> &'static [&'static str] {
        match self {
            Insight::VendorReliability => &[
                "missing delivery dates",
                "miss delivery dates",
                "missing dates",
                "miss dates",
                "late deliveries",
                "deliver late",
                "delivers late",
                "delivering late",
                "delivered late",
                "on time",
                "on-time",
                "reliable",
                "reliability",
                "unreliable",
            ],
            Insight::BudgetBurn => &[
                "over budget",
                "overrun",
                "overruns",
                "budget burn",
                "burn rate",
                "burning",
                "exceed their budget",
                "exceed budget",
                "blow their budget",
                "blow the budget",
                "blow through",
                "against budget",
                "against their budget",
                "against the budget",
                "vs budget",
                "versus budget",
                "budget vs",
                "budget versus",
                "compared to budget",
            ],
            Insight::ClientEngagement => &[
                "engagement",
                "engaged",
                "going quiet",
                "gone quiet",
                "losing touch",
                "lost touch",
                "stopped talking",
                "not talked",
                "not heard from",
                "gone silent",
                "going silent",
                "at risk clients",
                "clients at risk",
            ],
            Insight::ApprovalLatency => &[
                "approval latency",
                "slowest approver",
                "slowest approvers",
                "take to approve",
                "takes to approve",
                "how long approvals",
                "approval times",
                "approval time",
                "bottleneck",
                "bottlenecks",
            ],
            Insight::Capacity => &[
                "capacity",
                "overloaded",
                "utilization",
                "utilisation",
                "workload",
                "overworked",
                "stretched",
                "over capacity",
                "busiest",
            ],
            Insight::MyApprovals => &[
                "waiting for my approval",
                "waiting for me",
                "waiting on me",
                "my approvals",
                "need my approval",
                "needs my approval",
                "awaiting my approval",
                "pending my approval",
                "for me to approve",
            ],
            Insight::Anomalies => &[
                "unusual",
                "anomaly",
                "anomalies",
                "anomalous",
                "outlier",
                "outliers",
                "suspicious",
                "out of the ordinary",
                "irregular",
            ],
        }
    }
}
