//! What a question asks of which records, read from its grammar rather than from its nouns'
//! order: a unit of money asks for an amount, the type a money verb names is the one measured
//! (reached through a record it refers to), every value of a list is used, and "X whose
//! <reference> is <name>" narrows X by that reference.

use crate::domain::RecordLabels;
use crate::domain::plan::{Filter, Measure, Op, Query};

/// The query planned, or the decline's message.
fn read(question: &str) -> Result<Query, String> {
    let mut labels = RecordLabels::default();
    labels.insert("project", "P301".into(), "Marigold Library Wing".into());
    labels.insert("client", "C301".into(), "Tamsin Holdings".into());
    labels.insert("vendor", "V301".into(), "Orrin Plumbing".into());
    labels.insert("staff", "S301".into(), "Wendell Ashby".into());
    super::testing::query(&labels, question)
}

fn planned(question: &str) -> Query {
    read(question).unwrap_or_else(|why| panic!("{question}: declined: {why}"))
}

fn sum(field: &str) -> Measure {
    Measure::Sum {
        field: field.into(),
    }
}

#[test]
fn a_unit_of_money_said_alone_asks_for_the_amount() {
    for question in [
        "invoice dollars per vendor",
        "purchase order $ by project",
        "expense bucks for each category",
        "how many dollars of change orders per vendor",
        "change order money by vendor",
    ] {
        let query = planned(question);
        assert_eq!(query.measure, sum("amount"), "{question}");
        assert_eq!(query.group_by.len(), 1, "{question}");
    }
}

#[test]
fn a_unit_of_money_after_a_figure_is_the_figure_unit() {
    let query = planned("how many invoices over 8000 dollars");
    assert_eq!(query.measure, Measure::Count);
    assert_eq!(query.filters[0].op, Op::Gt);
    assert_eq!(
        planned("number of expenses above $75").measure,
        Measure::Count
    );
}

#[test]
fn the_type_a_money_verb_names_is_measured_through_the_records_it_refers_to() {
    for question in [
        "how much was billed on jobs for Tamsin Holdings",
        "sum invoiced on the customer Tamsin Holdings' projects",
        "what have suppliers invoiced on sites of Tamsin Holdings",
    ] {
        let query = planned(question);
        assert_eq!(query.record, "invoice", "{question}");
        assert_eq!(query.measure, sum("amount"), "{question}");
        assert_eq!(
            query.filters,
            [Filter {
                field: "project_id.client_id".into(),
                op: Op::Eq,
                value: serde_json::json!("C301"),
            }],
            "{question}"
        );
    }
    // The projects' own money is still theirs.
    let budget = planned("total budget of jobs for Tamsin Holdings");
    assert_eq!(
        (budget.record.as_str(), budget.measure),
        ("project", sum("budget"))
    );
}

#[test]
fn a_record_named_that_the_records_cannot_reach_is_declined_not_measured_otherwise() {
    let why = read("total invoiced for Wendell Ashby").expect_err("declined");
    assert!(why.contains("do not refer to staff"), "{why}");
}

#[test]
fn every_value_of_a_list_is_used_even_one_named_by_the_last_word_of_its_name() {
    let kinds = |question: &str| {
        let query = planned(question);
        let filter = query
            .filters
            .iter()
            .find(|f| f.field == "kind")
            .unwrap_or_else(|| panic!("{question}: no kind filter"))
            .clone();
        (filter.op, filter.value)
    };
    assert_eq!(
        kinds("number of emails or tickets from clients last month"),
        (Op::In, serde_json::json!(["email", "support_ticket"]))
    );
    assert_eq!(
        kinds("count tickets, visits and calls this year"),
        (
            Op::In,
            serde_json::json!(["call", "site_visit", "support_ticket"])
        )
    );
}

#[test]
fn records_whose_reference_is_a_name_are_those_it_holds_not_the_one_named() {
    let query = planned("show employees whose manager is Wendell Ashby");
    assert_eq!(query.record, "staff");
    assert_eq!(
        query.filters,
        [Filter {
            field: "manager_id".into(),
            op: Op::Eq,
            value: serde_json::json!("S301"),
        }]
    );
    let count = planned("how many jobs where the pm is Wendell Ashby");
    assert_eq!(
        (count.record.as_str(), count.measure),
        ("project", Measure::Count)
    );
    assert_eq!(count.filters[0].field, "manager_id");
}

#[test]
fn looking_after_or_being_in_charge_of_records_is_managing_them() {
    let query = planned("who is in charge of the most jobs");
    assert_eq!(query.group_by, ["manager_id"]);
    assert_eq!(query.measure, Measure::Count);
    let clients = planned("which employee looks after the most customers");
    assert_eq!(clients.group_by, ["account_manager_id"]);
}
