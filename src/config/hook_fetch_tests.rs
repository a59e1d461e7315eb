//! A source's `hook` (several sources on one webhook URL) and its fetch templates: read into
//! the source, and every mistake reported with the file and the line of the key.

use super::Problem;
use super::outbound_tests::load_with;
use serde_json::json;

/// A QuickBooks vendor source named `name`, with `extra` keys and `fetch` keys.
fn source(name: &str, extra: &str, fetch: &str) -> String {
    format!(
        r#"
[[source]]
name = "{name}"
{extra}
verifier = "quickbooks"
keys_from = ["KEEL_QBO_VERIFIER"]
record_type = "vendor"
events = "$.eventNotifications[0].dataChangeEvent.entities"
fields = {{ vendor_id = "$.Vendor.Id", name = "$.Vendor.DisplayName", category = "$.category", payment_terms_days = "$.terms", preferred = "$.preferred" }}

[source.fetch]
url = "https://q.example.com/v3/company/1/vendor/{{id}}"
id = "$.id"
{fetch}"#
    )
}

fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

fn find<'a>(problems: &'a [Problem], words: &str) -> &'a Problem {
    problems
        .iter()
        .find(|p| p.message.contains(words))
        .unwrap_or_else(|| panic!("no problem with {words:?} in {problems:?}"))
}

#[test]
fn sources_sharing_a_hook_are_served_by_it() {
    let text = source("qbo_vendors", r#"hook = "quickbooks""#, "")
        + &source("qbo_bills", r#"hook = "quickbooks""#, "");
    let config = load_with(&text).unwrap_or_else(|p| panic!("{p:?}"));
    let hooks: Vec<(&str, &str)> = config
        .sources
        .iter()
        .map(|s| (s.name.as_str(), s.hook.as_str()))
        .collect();
    assert_eq!(
        hooks,
        [("qbo_vendors", "quickbooks"), ("qbo_bills", "quickbooks")]
    );
    let alone = load_with(&source("qbo", "", "")).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(alone.sources[0].hook, "qbo", "its name without a hook");
}

#[test]
fn a_hook_verified_otherwise_or_taking_a_sources_url_is_refused_at_its_line() {
    let text = source("qbo_vendors", r#"hook = "quickbooks""#, "")
        + &source("qbo_bills", r#"hook = "quickbooks""#, "")
            .replace(r#"verifier = "quickbooks""#, r#"verifier = "hubspot_v3""#);
    let problems = load_with(&text).unwrap_err();
    let problem = find(&problems, "declares another verifier");
    assert!(problem.file.ends_with("integrations/out.toml"), "{problem}");
    let second_hook = text.match_indices("hook =").nth(1).unwrap().0;
    let line = text[..second_hook].lines().count();
    assert_eq!(problem.line, Some(line + 1), "{problem}");

    let taken = source("quickbooks", "", "") + &source("qbo_bills", r#"hook = "quickbooks""#, "");
    let problems = load_with(&taken).unwrap_err();
    find(&problems, "the URL of the source `quickbooks`");

    let bad = load_with(&source("qbo", r#"hook = "Quick Books""#, "")).unwrap_err();
    assert_eq!(
        find(&bad, "is not a hook name").line,
        line_of(&source("qbo", r#"hook = "Quick Books""#, ""), "hook =")
    );
}

#[test]
fn fetch_templates_and_headers_are_read() {
    let fetch = r#"headers = { "Procore-Company-Id" = "{$.company_id}" }
headers_from = { "X-Client-Token" = "KEEL_QBO_VERIFIER" }"#;
    let text = source("qbo", "", fetch)
        .replace("vendor/{id}\"", "vendor/{id}?project_id={$.project_id}\"");
    let config = load_with(&text).unwrap_or_else(|p| panic!("{p:?}"));
    let fetch = config.sources[0].fetch.as_ref().expect("a fetch");
    let event = json!({"project_id": 7, "company_id": "C 1"});
    let url = fetch
        .url
        .fill(&event, "42", crate::sync::sources::template::Target::Url);
    assert_eq!(
        url.unwrap(),
        "https://q.example.com/v3/company/1/vendor/42?project_id=7"
    );
    assert_eq!(fetch.headers[0].0, "procore-company-id");
    assert_eq!(fetch.secret_headers[0].0, "x-client-token");
}

#[test]
fn bad_fetch_templates_and_headers_are_refused_at_their_lines() {
    let cases = [
        (r#"headers = { "Company" = "{$.}" }"#, "empty name"),
        (
            r#"headers = { "Company" = "{company}" }"#,
            "is not a placeholder",
        ),
        (
            r#"headers = { "Bad Name" = "x" }"#,
            "cannot be sent as a fetch header",
        ),
        (
            r#"headers_from = { "Company" = "KEEL_UNSET" }"#,
            "KEEL_UNSET is not set",
        ),
        (
            "auth_from = \"KEEL_QBO_VERIFIER\"\nheaders = { \"Authorization\" = \"x\" }",
            "is set twice",
        ),
    ];
    for (fetch, words) in cases {
        let text = source("qbo", "", fetch);
        let problems = load_with(&text).unwrap_err();
        let problem = find(&problems, words);
        let key = fetch.lines().last().unwrap().split(' ').next().unwrap();
        assert_eq!(problem.line, line_of(&text, key), "{fetch}: {problem}");
    }
    let text = source("qbo", "", "").replace("vendor/{id}\"", "vendor/{id}?p={$.x[}\"");
    find(&load_with(&text).unwrap_err(), "without its `]`");
    let text = source("qbo", "", "").replace("vendor/{id}\"", "vendor/{$.id}\"");
    find(
        &load_with(&text).unwrap_err(),
        "the fetch URL has no `{id}`",
    );
}
