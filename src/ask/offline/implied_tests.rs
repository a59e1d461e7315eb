//! What a question implies without saying it: rankings of the people "who" did most, of the
//! records named before the ones measured, of the doers named by "-er" nouns, N of them in
//! digits or words; groupings by a field of a record referred to; the type a value belongs to;
//! and declines for groupings by types the records do not refer to and for a word several
//! records' names share.

use crate::domain::RecordLabels;
use crate::domain::plan::{Filter, Measure, Op, Order, Query};
use serde_json::json;

fn planned(question: &str) -> Option<Query> {
    read(question).ok()
}

/// The query planned, or the decline's message.
fn read(question: &str) -> Result<Query, String> {
    let mut labels = RecordLabels::default();
    for (key, name) in [
        ("P101", "Larkspur Community Pool"),
        ("P102", "Larkspur Fire Station Annex"),
        ("P103", "Quillfield Depot"),
    ] {
        labels.insert("project", key.into(), name.into());
    }
    labels.insert("client", "C201".into(), "Quillfield Partners".into());
    super::testing::query(&labels, question)
}

fn highest_first() -> Option<Order> {
    Some(Order {
        field: None,
        descending: true,
    })
}

#[test]
fn a_ranked_question_ranks_the_records_it_names_by_what_refers_to_them() {
    let cases = [
        // "who": the people the records refer to.
        ("who booked the most hours", "time_entry", "staff_id", 1),
        (
            "who has claimed the largest expense total",
            "expense",
            "staff_id",
            1,
        ),
        // The type named before the records measured.
        (
            "clients with the most touchpoints, top 4",
            "client_touchpoint",
            "client_id",
            4,
        ),
        (
            "vendors with the largest purchase order totals, top two",
            "purchase_order",
            "vendor_id",
            2,
        ),
        // N in words before the type, the ranking after it.
        (
            "four vendors with the highest purchase order totals",
            "purchase_order",
            "vendor_id",
            4,
        ),
        // Doers: "-er" nouns of a verb of money or of a relation.
        ("the top 6 expense spenders", "expense", "staff_id", 6),
        ("largest expense claimers, top 2", "expense", "staff_id", 2),
    ];
    for (question, record, by, limit) in cases {
        let query = planned(question).unwrap_or_else(|| panic!("{question}: declined"));
        assert_eq!(query.record, record, "{question}");
        assert_eq!(query.group_by, [by], "{question}");
        assert_eq!(query.order, highest_first(), "{question}");
        assert_eq!(query.limit, Some(limit), "{question}");
    }
}

#[test]
fn ranked_by_people_or_records_the_measure_is_their_records_total_or_count() {
    let hours = planned("who booked the most hours").expect("planned");
    assert_eq!(
        hours.measure,
        Measure::Sum {
            field: "hours".into()
        }
    );
    let calls = planned("clients with the most touchpoints, top 4").expect("planned");
    assert_eq!(calls.measure, Measure::Count);
}

#[test]
fn records_are_grouped_by_a_type_they_reach_through_its_own_reference_or_declined() {
    let per_client = planned("number of change orders per client").expect("planned");
    assert_eq!(per_client.group_by, ["project_id.client_id"]);
    // Invoices refer to people only as their purchase order's approver: not "per employee".
    assert_eq!(planned("invoice totals per employee"), None);
    // Invoices refer to no person who pays them.
    assert_eq!(planned("the three biggest invoice payers"), None);
}

#[test]
fn a_field_of_a_record_referred_to_groups_by_its_name_possessive_or_of_the_type() {
    let cases = [
        // The field alone, when one referred-to type has it.
        (
            "touchpoints per industry",
            "client_touchpoint",
            "client_id.industry",
        ),
        (
            "hours logged by department",
            "time_entry",
            "staff_id.department",
        ),
        // The type's possessive, or "the" before it.
        (
            "change order totals by the vendor's category",
            "change_order",
            "vendor_id.category",
        ),
        (
            "time entries by the person's title",
            "time_entry",
            "staff_id.title",
        ),
        // The field, "of the" and the type, even when the records have a field of that name.
        (
            "projects by status of the client",
            "project",
            "client_id.status",
        ),
        // "order" after "we" is what purchase orders are.
        (
            "how much did we order from each supplier",
            "purchase_order",
            "vendor_id",
        ),
    ];
    for (question, record, by) in cases {
        let query = planned(question).unwrap_or_else(|| panic!("{question}: declined"));
        assert_eq!(query.record, record, "{question}");
        assert_eq!(query.group_by, [by], "{question}");
    }
    // No type invoices refer to has a department.
    assert_eq!(planned("invoices per department"), None);
}

#[test]
fn a_value_of_one_type_names_the_records_when_no_type_is_named() {
    let query = planned("how much did permits cost us in march").expect("planned");
    assert_eq!(query.record, "expense");
    assert!(
        query.filters.contains(&Filter {
            field: "category".into(),
            op: Op::Eq,
            value: json!("permits"),
        }),
        "{:?}",
        query.filters
    );
    // "approved" is a status of several types: it names none of them.
    assert_eq!(planned("how many approved in march"), None);
}

#[test]
fn a_word_several_names_share_is_declined_naming_each() {
    let why = read("hours logged on larkspur").expect_err("declined");
    assert!(
        why.contains("Larkspur Community Pool (P101)")
            && why.contains("Larkspur Fire Station Annex (P102)"),
        "{why}"
    );
    // A word of names of several types names the one of the type beside it.
    let why = read("hours logged on quillfield").expect_err("declined");
    assert!(why.contains("Quillfield Partners (C201)"), "{why}");
    let query = planned("hours logged on the quillfield project").expect("planned");
    assert_eq!(
        query.filters,
        [Filter {
            field: "project_id".into(),
            op: Op::Eq,
            value: json!("P103"),
        }]
    );
}

#[test]
fn records_named_by_a_noun_of_money_break_down_by_their_money_unless_counted() {
    let sum = Measure::Sum {
        field: "amount".into(),
    };
    assert_eq!(
        planned("expenses for each project")
            .expect("planned")
            .measure,
        sum
    );
    let counted = planned("how many expenses for each project").expect("planned");
    assert_eq!(counted.measure, Measure::Count);
    // Invoices are documents, counted when nothing says how much.
    let invoices = planned("invoices for each project").expect("planned");
    assert_eq!(invoices.measure, Measure::Count);
}
