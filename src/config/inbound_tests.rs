//! A source's `only` (which events of a mixed delivery it takes): read into a filter, and a
//! filter that could take nothing, or a malformed path, reported with the source's file.

use super::outbound_tests::load_with;
use serde_json::json;

fn source(only: &str) -> String {
    format!(
        r#"[[source]]
name = "quickbooks"
verifier = "quickbooks"
keys_from = ["KEEL_ACCOUNTING_WHSEC"]
record_type = "vendor"
events = "$.eventNotifications[0].dataChangeEvent.entities"
{only}
[source.fields]
vendor_id = "$.Vendor.Id"
name = "$.Vendor.DisplayName"
category = "$.category"
payment_terms_days = "$.terms"
preferred = "$.preferred"
"#
    )
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
