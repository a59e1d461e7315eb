//! Digests and alerts as `digests.toml` declares them: what leaders are told before they ask.
//! A digest is a scheduled summary per role; an alert is a rule over one metric per record
//! (a project's spend against budget) that speaks once each time a record crosses its bound.

use crate::insights::Insight;
use chrono::{NaiveTime, Weekday};

/// Everything `digests.toml` declares (empty without the file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Digests {
    pub digests: Vec<DigestSpec>,
    pub alerts: Vec<AlertRule>,
}

impl Digests {
    pub fn digest(&self, name: &str) -> Option<&DigestSpec> {
        self.digests.iter().find(|d| d.name == name)
    }

    pub fn alert(&self, name: &str) -> Option<&AlertRule> {
        self.alerts.iter().find(|a| a.name == name)
    }
}

/// One digest: who receives it, when, and what it covers.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestSpec {
    pub name: String,
    /// The card's title ("Monday briefing").
    pub title: String,
    /// Everyone holding one of these roles receives their own digest, within their access.
    pub roles: Vec<String>,
    pub schedule: Schedule,
    pub sections: Vec<Section>,
}

/// When a digest is due: these weekdays at this local time in the company's time zone. A tick
/// on a company holiday is skipped (the next one comes at its time).
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub days: Vec<Weekday>,
    pub at: NaiveTime,
}

impl Schedule {
    /// Reads `mon 08:00`, `mon,thu 07:30` or `daily 08:00` (every day); the reason when it
    /// cannot.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        let (days, at) = text
            .trim()
            .split_once(char::is_whitespace)
            .ok_or_else(|| format!("`{text}` is not `DAYS HH:MM`"))?;
        let at = NaiveTime::parse_from_str(at.trim(), "%H:%M")
            .map_err(|_| format!("`{}` is not a time of day as HH:MM", at.trim()))?;
        let days = if days.eq_ignore_ascii_case("daily") {
            ALL_DAYS.to_vec()
        } else {
            days.split(',')
                .map(|day| {
                    day.trim()
                        .parse::<Weekday>()
                        .map_err(|_| format!("`{}` is not a day of the week", day.trim()))
                })
                .collect::<Result<Vec<_>, _>>()?
        };
        Ok(Schedule { days, at })
    }
}

const ALL_DAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// A part of a digest: one of the things a leader would otherwise go and ask about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    AtRiskClients,
    OverBudget,
    LateVendors,
    WaitingPastSla,
    UnusualRequests,
    Capacity,
}

pub const SECTIONS: [Section; 6] = [
    Section::AtRiskClients,
    Section::OverBudget,
    Section::LateVendors,
    Section::WaitingPastSla,
    Section::UnusualRequests,
    Section::Capacity,
];

impl Section {
    pub fn name(self) -> &'static str {
        match self {
            Section::AtRiskClients => "at_risk_clients",
            Section::OverBudget => "over_budget",
            Section::LateVendors => "late_vendors",
            Section::WaitingPastSla => "waiting_past_sla",
            Section::UnusualRequests => "unusual_requests",
            Section::Capacity => "capacity",
        }
    }

    pub fn parse(name: &str) -> Option<Section> {
        SECTIONS.into_iter().find(|s| s.name() == name)
    }

    /// The heading a person reads.
    pub fn title(self) -> &'static str {
        match self {
            Section::AtRiskClients => "At-risk clients",
            Section::OverBudget => "Projects trending over budget",
            Section::LateVendors => "Late vendors",
            Section::WaitingPastSla => "Approvals waiting past their SLA",
            Section::UnusualRequests => "Unusual requests",
            Section::Capacity => "Capacity over or under",
        }
    }

    /// The question that gives the detail behind the section (asked as `/ask` would).
    pub fn question(self) -> &'static str {
        match self {
            Section::AtRiskClients => "which clients are going quiet",
            Section::OverBudget => "which projects are over budget",
            Section::LateVendors => "which vendors deliver late",
            Section::WaitingPastSla => "which requests are waiting for approval",
            Section::UnusualRequests => "which requests are unusual",
            Section::Capacity => "who is over capacity",
        }
    }

    /// The insight the section is read from (the one whose access rules apply), if any: the
    /// approvals past their SLA are read from the pending requests the person may see.
    pub fn insight(self) -> Option<Insight> {
        match self {
            Section::AtRiskClients => Some(Insight::ClientEngagement),
            Section::OverBudget => Some(Insight::BudgetBurn),
            Section::LateVendors => Some(Insight::VendorReliability),
            Section::WaitingPastSla => None,
            Section::UnusualRequests => Some(Insight::Anomalies),
            Section::Capacity => Some(Insight::Capacity),
        }
    }
}

/// An alert: when a record's `metric` reaches `bound`, its recipients are told, once per
/// crossing.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRule {
    pub name: String,
    pub metric: Metric,
    pub bound: Bound,
    pub roles: Vec<String>,
    /// Staff ids told besides the roles.
    pub people: Vec<String>,
}

/// The side of a threshold that counts as crossed (inclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    AtLeast(f64),
    AtMost(f64),
}

impl Bound {
    pub fn holds(self, value: f64) -> bool {
        match self {
            Bound::AtLeast(limit) => value >= limit,
            Bound::AtMost(limit) => value <= limit,
        }
    }

    /// "at least 90", for messages.
    pub fn words(self) -> String {
        match self {
            Bound::AtLeast(limit) => format!("at least {limit}"),
            Bound::AtMost(limit) => format!("at most {limit}"),
        }
    }
}

/// A number keel computes per record, that an alert compares with its bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Per active or on-hold project: invoiced spend as a percentage of its budget.
    BudgetSpentPercent,
    /// Per active client: the change in touchpoints over the last 30 days against the 30
    /// before, in percent (-50 is "dropped by half").
    TouchpointsChangePercent,
    /// Per vendor: how many of its latest deliveries in a row arrived after the promised date.
    LateDeliveriesInARow,
}

pub const METRICS: [Metric; 3] = [
    Metric::BudgetSpentPercent,
    Metric::TouchpointsChangePercent,
    Metric::LateDeliveriesInARow,
];

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::BudgetSpentPercent => "budget_spent_percent",
            Metric::TouchpointsChangePercent => "touchpoints_change_percent",
            Metric::LateDeliveriesInARow => "late_deliveries_in_a_row",
        }
    }

    pub fn parse(name: &str) -> Option<Metric> {
        METRICS.into_iter().find(|m| m.name() == name)
    }

    /// The record type each value belongs to.
    pub fn record_type(self) -> &'static str {
        match self {
            Metric::BudgetSpentPercent => "project",
            Metric::TouchpointsChangePercent => "client",
            Metric::LateDeliveriesInARow => "vendor",
        }
    }

    /// The record fields it reads (`type.field`): a change to any of these types evaluates it.
    pub fn reads(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Metric::BudgetSpentPercent => &[
                ("project", "budget"),
                ("project", "status"),
                ("invoice", "project_id"),
                ("invoice", "amount"),
            ],
            Metric::TouchpointsChangePercent => &[
                ("client", "status"),
                ("client_touchpoint", "client_id"),
                ("client_touchpoint", "occurred_on"),
            ],
            Metric::LateDeliveriesInARow => &[
                ("purchase_order", "vendor_id"),
                ("purchase_order", "promised_date"),
                ("purchase_order", "delivered_date"),
            ],
        }
    }

    /// The question that gives the detail behind an alert on it.
    pub fn question(self) -> &'static str {
        match self {
            Metric::BudgetSpentPercent => Section::OverBudget.question(),
            Metric::TouchpointsChangePercent => Section::AtRiskClients.question(),
            Metric::LateDeliveriesInARow => Section::LateVendors.question(),
        }
    }

    /// What a value means, after the record's name ("has spent 93.1% of its budget").
    pub fn describe(self, value: f64) -> String {
        match self {
            Metric::BudgetSpentPercent => format!("has spent {value:.1}% of its budget"),
            Metric::TouchpointsChangePercent => format!(
                "saw its touchpoints change by {value:+.0}% in the last 30 days against the 30 before"
            ),
            Metric::LateDeliveriesInARow => {
                format!("delivered late {value:.0} times in a row")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_reads_days_and_a_local_time() {
        let schedule = Schedule::parse("mon,thu 07:30").unwrap();
        assert_eq!(schedule.days, vec![Weekday::Mon, Weekday::Thu]);
        assert_eq!(schedule.at, NaiveTime::from_hms_opt(7, 30, 0).unwrap());
        assert_eq!(Schedule::parse("daily 08:00").unwrap().days.len(), 7);
    }

    #[test]
    fn a_schedule_without_a_time_or_with_a_wrong_day_says_why() {
        assert!(
            Schedule::parse("monday")
                .unwrap_err()
                .contains("DAYS HH:MM")
        );
        assert!(
            Schedule::parse("mon,funday 08:00")
                .unwrap_err()
                .contains("`funday` is not a day")
        );
        assert!(Schedule::parse("mon 8am").unwrap_err().contains("HH:MM"));
    }

    #[test]
    fn a_bound_is_inclusive() {
        assert!(Bound::AtLeast(90.0).holds(90.0));
        assert!(!Bound::AtLeast(90.0).holds(89.9));
        assert!(Bound::AtMost(-50.0).holds(-50.0));
        assert!(!Bound::AtMost(-50.0).holds(-49.0));
    }
}
