use super::*;
use crate::domain::FactKind;
use chrono::TimeZone;

fn words() -> Wording<'static> {
    Wording {
        currency: "$",
        time_zone: chrono_tz::America::New_York,
        noun: "change order",
    }
}

fn record(key: &str, fields: Value) -> Record {
    Record {
        record_type: "project".into(),
        key: key.into(),
        fields: serde_json::from_value(fields).unwrap(),
        version: 1,
        updated_at: Utc::now(),
    }
}

fn past(id: &str, decision: &str, amount: f64, day: &str) -> PastRequest {
    PastRequest {
        id: id.into(),
        decision: decision.into(),
        amount: Some(amount),
        submitted_at: format!("{day}T15:00:00Z").parse().unwrap(),
    }
}

fn similar(months: u32) -> ContextSpec {
    ContextSpec {
        fact: FactKind::SimilarDecisions,
        field: None,
        by: vec!["project".into()],
        months,
        amount: "amount".into(),
    }
}

#[test]
fn budget_reads_spend_against_budget_and_the_projected_overrun() {
    let project = record(
        "P001",
        json!({"budget": "100000", "percent_complete": "40"}),
    );
    let fact = budget(&project, 50_000.0, &words()).unwrap();
    assert_eq!(
        fact.text,
        "$50,000.00 of $100,000.00 spent (50%) at 40% complete; on course to go $25,000.00 over"
    );
    assert!(fact.why.unwrap().contains("$125,000.00"));
    assert!(fact.reads.contains(&"project.budget".to_string()));
}

#[test]
fn a_project_without_progress_has_no_budget_fact() {
    let project = record("P001", json!({"budget": "100000", "percent_complete": "0"}));
    assert_eq!(budget(&project, 10.0, &words()), None);
    let project = record("P001", json!({"percent_complete": "10"}));
    assert_eq!(budget(&project, 10.0, &words()), None);
}

#[test]
fn similar_decisions_count_the_window_and_leave_out_this_request() {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap();
    let rows = vec![
        past("CO-1", "approved", 1000.0, "2026-03-01"),
        past("CO-2", "approved", 3000.0, "2026-06-01"),
        past("CO-3", "auto_approved", 500.0, "2026-07-01"),
        past("CO-4", "rejected", 9000.0, "2026-08-01"),
        past("CO-5", "pending", 7000.0, "2026-11-01"),
        past("CO-6", "approved", 99_000.0, "2025-11-01"),
        past("CO-7", "approved", 2000.0, "2026-12-07"),
    ];
    let fact = similar_decisions(
        &rows,
        "CO-7",
        &similar(12),
        "same project",
        now,
        &words(),
        &[],
    )
    .unwrap();
    assert_eq!(
        fact.text,
        "2 approved, 1 approved automatically, 1 rejected; median $2,000.00"
    );
    assert_eq!(
        fact.label,
        "Similar decisions (same project, last 12 months)"
    );
    assert!(similar_decisions(&rows[4..5], "x", &similar(12), "p", now, &words(), &[]).is_none());
}

#[test]
fn requests_so_far_count_the_others_and_what_stood() {
    let rows = vec![
        past("CO-1", "approved", 1000.0, "2026-03-01"),
        past("CO-2", "rejected", 3000.0, "2026-06-01"),
        past("CO-3", "pending", 500.0, "2026-07-01"),
    ];
    let as_of = "2026-07-01T16:00:00Z".parse().unwrap();
    let fact = requests_so_far(&rows, "CO-3", "project", as_of, &words(), &[]).unwrap();
    assert_eq!(
        fact.text,
        "2 change orders before this one, $4,000.00 in all; $1,000.00 not rejected or withdrawn"
    );
    assert_eq!(fact.label, "Change orders so far");
    let first = requests_so_far(&rows[2..], "CO-3", "project", as_of, &words(), &[]).unwrap();
    assert_eq!(first.text, "the first change order on this project");
    // Its card shown again later: those submitted after it do not count as before it.
    let earlier = "2026-05-01T00:00:00Z".parse().unwrap();
    let then = requests_so_far(&rows, "CO-1", "project", earlier, &words(), &[]).unwrap();
    assert_eq!(then.text, "the first change order on this project");
}

#[test]
fn requester_spend_compares_this_month_with_the_median_month_before() {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap();
    let rows = vec![
        past("E1", "approved", 100.0, "2026-09-10"),
        past("E2", "approved", 300.0, "2026-10-10"),
        past("E3", "approved", 200.0, "2026-11-10"),
        past("E4", "rejected", 900.0, "2026-11-11"),
        past("E5", "approved", 50.0, "2026-12-02"),
    ];
    let fact = requester_spend(&rows, "E6", Some(350.0), now, &words(), &[]).unwrap();
    assert_eq!(
        fact.text,
        "$400.00 this month with this one, against a usual $200.00 a month (2.0×)"
    );
    assert!(requester_spend(&rows[4..], "E6", Some(1.0), now, &words(), &[]).is_none());
}

#[test]
fn a_vendor_without_deliveries_has_no_reliability_fact() {
    let labels = RecordLabels::default();
    assert!(vendor(&[], &labels).is_none());
    let mut order = record(
        "PO-1",
        json!({"vendor_id": "V1", "promised_date": "2026-01-10", "delivered_date": "2026-01-14"}),
    );
    order.record_type = "purchase_order".into();
    let mut on_time = order.clone();
    on_time.fields["delivered_date"] = json!("2026-01-09");
    let fact = vendor(&[order, on_time], &labels).unwrap();
    assert_eq!(
        fact.text,
        "50% on time over 2 deliveries; 4 days late on average when late"
    );
}
