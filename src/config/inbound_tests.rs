//! A source's `only` (which events of a mixed delivery it takes) and its field tables (maps,
//! defaults, constants, conversions): read into what the applier uses, and each mistake
//! reported with the source's file and line.

use super::outbound_tests::load_with;
use crate::sync::sources::field::{Conversion, Origin};
use serde_json::json;

/// A QuickBooks source of `record_type`, with the lines `head` among its keys and `fields`
/// mapped (from line 7 when `head` is empty).
fn quickbooks(record_type: &str, head: &str, fields: &str) -> String {
    format!(
        r#"[[source]]
name = "quickbooks"
verifier = "quickbooks"
keys_from = ["KEEL_ACCOUNTING_WHSEC"]
record_type = "{record_type}"
{head}[source.fields]
{fields}
"#
    )
}

fn source(only: &str) -> String {
    let fields = r#"vendor_id = "$.Vendor.Id"
name = "$.Vendor.DisplayName"
category = "$.category"
payment_terms_days = "$.terms"
preferred = "$.preferred""#;
    let head = format!("events = \"$.eventNotifications[0].dataChangeEvent.entities\"\n{only}\n");
    quickbooks("vendor", &head, fields)
}

#[test]
fn only_takes_the_events_whose_value_is_listed() {
    let text = source(r#"only = { path = "$.name", values = ["Vendor", "42"] }"#);
    let config = load_with(&text).unwrap_or_else(|p| panic!("{p:?}"));
    let only = config.sources[0].only.as_ref().expect("a filter");
    assert!(only.admits(&json!({"name": "Vendor", "id": "1"})));
    assert!(only.admits(&json!({"name": 42})), "a number as written");
    assert!(!only.admits(&json!({"name": "Customer", "id": "1"})));
    assert!(!only.admits(&json!({"id": "1"})), "no value: not taken");
    let config = load_with(&source("")).unwrap_or_else(|p| panic!("{p:?}"));
    assert!(config.sources[0].only.is_none());
}

#[test]
fn an_only_that_takes_nothing_or_has_a_bad_path_is_a_problem() {
    let problems = load_with(&source(r#"only = { path = "$.name", values = [] }"#)).unwrap_err();
    let problem = problems
        .iter()
        .find(|p| p.message.contains("`only` lists no values"))
        .unwrap_or_else(|| panic!("{problems:?}"));
    assert!(problem.file.ends_with("integrations/out.toml"), "{problem}");
    let problems = load_with(&source(r#"only = { path = "name", values = ["Vendor"] }"#));
    assert!(problems.is_err(), "a path not starting with $");
}

/// Every required purchase-order field but those `fields` names, read at a plain path.
fn with_plain(fields: &[&str]) -> String {
    let plain = [
        "po_id",
        "vendor_id",
        "project_id",
        "amount",
        "requested_at",
        "approver_id",
        "approved_at",
        "ordered_date",
        "promised_date",
        "status",
    ];
    let named: Vec<&str> = fields
        .iter()
        .filter_map(|f| f.split_once(' ').map(|(name, _)| name))
        .collect();
    let rest = plain
        .iter()
        .filter(|name| !named.contains(name))
        .map(|name| format!("{name} = \"$.{name}\""));
    let lines: Vec<String> = fields.iter().map(|f| f.to_string()).chain(rest).collect();
    quickbooks("purchase_order", "", &lines.join("\n"))
}

#[test]
fn field_tables_read_into_maps_defaults_constants_and_conversions() {
    let text = with_plain(&[
        r#"status = { path = "$.POStatus", map = { Open = "open", Closed = "delivered" }, default = "open" }"#,
        r#"approver_id = { path = "$.owner", map = { 51234 = "S010" } }"#,
        r#"project_id = { value = "P001" }"#,
        r#"ordered_date = { path = "$.TxnDate", as = "date" }"#,
        r#"po_id = "$.LinkedTxn[?(@.TxnType == 'PurchaseOrder')].TxnId""#,
        r#"vendor_id = { path = "$.vendor", from = "event" }"#,
    ]);
    let config = load_with(&text).unwrap_or_else(|p| panic!("{p:?}"));
    let fields = &config.sources[0].fields;
    let field = |name: &str| &fields.iter().find(|(n, _)| n == name).unwrap().1;
    let status = field("status");
    assert_eq!(
        status.map,
        vec![
            ("Open".to_string(), json!("open")),
            ("Closed".to_string(), json!("delivered"))
        ]
    );
    assert_eq!(status.default, Some(json!("open")));
    assert_eq!(field("approver_id").map[0].0, "51234", "a bare number key");
    assert_eq!(field("project_id").origin, Origin::Constant(json!("P001")));
    assert_eq!(field("ordered_date").convert, Some(Conversion::Date));
    let record = json!({"LinkedTxn": [{"TxnType": "Bill", "TxnId": "1"}, {"TxnType": "PurchaseOrder", "TxnId": "9"}]});
    assert_eq!(field("po_id").read(&record), Ok(json!("9")));
    let event = json!({"vendor": "V001"});
    let fetched = json!({"vendor": "V999"});
    assert_eq!(
        field("vendor_id").read_for(&fetched, &event),
        Ok(json!("V001")),
        "read in the event, not the record fetched back"
    );
}

/// The problems of loading `text`, as `line: message`.
fn problems_of(text: &str) -> Vec<String> {
    let problems = load_with(text).expect_err("problems");
    for problem in &problems {
        assert!(problem.file.ends_with("integrations/out.toml"), "{problem}");
    }
    problems
        .iter()
        .map(|p| format!("{}: {}", p.line.unwrap_or(0), p.message))
        .collect()
}

/// Loading a purchase-order source with `fields` reports `expected` (`line: message`), in any
/// order, and nothing else.
fn assert_reported(fields: &[&str], expected: &[&str]) {
    let problems = problems_of(&with_plain(fields));
    for line in expected {
        assert!(
            problems.iter().any(|p| p == line),
            "{line} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expected.len(), "{problems:#?}");
}

#[test]
fn a_field_table_with_neither_or_both_origins_or_an_unknown_conversion_is_reported_at_its_line() {
    let fields = [
        r#"status = { map = { Open = "open" } }"#,
        r#"approver_id = { path = "$.a", value = "S010" }"#,
        r#"ordered_date = { path = "$.d", as = "day" }"#,
        r#"project_id = { value = "P001", map = { x = "P002" } }"#,
        r#"amount = { path = "$.a", map = {} }"#,
        r#"vendor_id = { path = "$.v", from = "payload" }"#,
    ];
    let expected = [
        "7: the field status has neither `path` nor `value`",
        "8: the field approver_id has both `path` and `value`",
        "9: `as = \"day\"` of the field ordered_date is not a conversion",
        "10: the field project_id is a constant `value`, which takes no `map`, `default`, `as` or `from`",
        "11: the map of the field amount is empty: every value found would be refused",
        "12: `from = \"payload\"` of the field vendor_id is neither `record` nor `event`",
    ];
    assert_reported(&fields, &expected);
}

#[test]
fn keel_values_that_do_not_fit_the_field_are_reported_with_the_csv_message() {
    let fields = [
        r#"status = { path = "$.s", map = { Open = "open", Closed = "shipped" } }"#,
        r#"amount = { path = "$.a", default = "lots" }"#,
        r#"ordered_date = { value = 2026 }"#,
        r#"approver_id = { path = "$.a", default = "" }"#,
        r#"po_id = { path = "$.a", default = ["x"] }"#,
    ];
    let expected = [
        "7: the map's value for `Closed` of the field status, `shipped`, does not fit: expected one of: open, delivered",
        "8: the default of the field amount, `lots`, does not fit: expected an amount of money such as 1250.00",
        "9: the value of the field ordered_date, `2026`, does not fit: expected a date as YYYY-MM-DD",
        "10: the default of the field approver_id, ``, does not fit: approver_id is required (ref(staff))",
        "11: the default of the field po_id is a list or a table",
    ];
    assert_reported(&fields, &expected);
}

#[test]
fn an_unknown_key_or_a_bad_filter_in_a_field_is_reported_at_its_line() {
    let problems = problems_of(&with_plain(&[
        r#"status = { path = "$.s", mapping = { Open = "open" } }"#,
    ]));
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("7: unknown field `mapping`")),
        "{problems:#?}"
    );
    let problems = problems_of(&with_plain(&[
        r#"po_id = { path = "$.L[?(@.TxnType = 'PurchaseOrder')].TxnId" }"#,
    ]));
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("7: ") && p.contains("which has no `==`")),
        "{problems:#?}"
    );
}
