//! The outbound tables of `integrations/*.toml`: read beside `[[source]]` tables they leave to
//! the inbound loader, every mistake reported with its file and line.

use super::*;
use std::fs;

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const GOOD: &str = r#"# an inbound source beside the outbound tables, read by the inbound loader
[[source]]
name = "quickbooks"
verifier = "quickbooks"
keys_from = ["KEEL_QBO_VERIFIER"]
record_type = "vendor"

[source.fields]
vendor_id = "$.Id"
name = "$.DisplayName"
category = "$.CompanyName"
payment_terms_days = "$.TermRef.value"
preferred = "$.Active"

[[target]]
name = "accounting"
url = "https://accounting.example.com/hooks/keel"
signing_env = ["KEEL_ACCOUNTING_WHSEC"]

[[rule]]
name = "approved_pos"
target = "accounting"
when_decided = "purchase_order"
outcomes = ["approved"]
payload = { po = "{request.id}", amount = "{request.fields.amount}" }

[[rule]]
name = "closed_projects"
target = "accounting"
when_changed = "project"
condition = "record.status == 'completed'"
payload = { project = "{record.key}", was = "{before.fields.status}" }

[[owner]]
record_type = "vendor"
source = "quickbooks"
"#;

/// The demo config with `text` as integrations/out.toml, loaded with the target's secret.
pub(super) fn load_with(text: &str) -> Result<Config, Vec<Problem>> {
    let dir = tempfile::tempdir().unwrap();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    fs::create_dir(dir.path().join("workflows")).unwrap();
    for name in ["keel.toml", "records.toml", "ask.toml"] {
        fs::copy(demo.join(name), dir.path().join(name)).unwrap();
    }
    for entry in fs::read_dir(demo.join("workflows")).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(
            &path,
            dir.path().join("workflows").join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    fs::create_dir(dir.path().join("integrations")).unwrap();
    fs::write(dir.path().join("integrations/out.toml"), text).unwrap();
    let env = [
        ("KEEL_ACCOUNTING_WHSEC".to_string(), SECRET.to_string()),
        (
            "KEEL_QBO_VERIFIER".to_string(),
            "verifier-token".to_string(),
        ),
    ];
    load_with_env(dir.path(), &env)
}

fn problems_of(text: &str) -> Vec<Problem> {
    load_with(text).expect_err("the config should be refused")
}

#[test]
fn targets_rules_and_owners_load_beside_source_tables() {
    let config = load_with(GOOD).unwrap_or_else(|p| panic!("{p:?}"));
    let outbound = &config.outbound;
    let target = &outbound.targets["accounting"];
    assert_eq!(target.timeout, std::time::Duration::from_secs(15));
    assert_eq!(target.retry_schedule.len(), 7, "Svix's schedule by default");
    assert_eq!(outbound.rules.len(), 2);
    assert!(matches!(
        &outbound.rules[1].trigger,
        Trigger::Changed {
            condition: Some(_),
            ..
        }
    ));
    assert_eq!(outbound.owners["vendor"].others, OtherWriters::Refuse);
}

#[test]
fn an_unknown_key_in_a_target_is_refused_with_its_file_and_line() {
    let text = GOOD.replace("signing_env = [", "timeout = 5\nsigning_env = [");
    let problems = problems_of(&text);
    let problem = problems
        .iter()
        .find(|p| p.message.contains("unknown field `timeout`"))
        .unwrap();
    assert!(problem.file.ends_with("integrations/out.toml"), "{problem}");
    let line = text
        .lines()
        .position(|l| l.starts_with("timeout = 5"))
        .unwrap()
        + 1;
    assert_eq!(problem.line, Some(line), "{problem}");
}

#[test]
fn a_missing_or_malformed_secret_is_named_with_its_variable() {
    let missing = GOOD.replace("KEEL_ACCOUNTING_WHSEC", "KEEL_NOT_SET");
    let problems = problems_of(&missing);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("KEEL_NOT_SET is not set")),
        "{problems:?}"
    );
    let too_slow = GOOD.replace("signing_env = [", "timeout_seconds = 45\nsigning_env = [");
    let problems = problems_of(&too_slow);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("outside 0.1 to 30")),
        "{problems:?}"
    );
}

#[test]
fn rules_naming_what_does_not_exist_are_refused_with_a_hint() {
    let cases = [
        (
            "target = \"accounting\"\nwhen_decided",
            "target = \"ledger\"\nwhen_decided",
            "there is no target `ledger`",
        ),
        (
            "\"purchase_order\"",
            "\"purchase_orders\"",
            "there is no workflow `purchase_orders`",
        ),
        (
            "{request.fields.amount}",
            "{request.fields.total}",
            "{request.fields.total} names no field",
        ),
        (
            "{before.fields.status}",
            "{request.id}",
            "{request.id} is not one of record",
        ),
        (
            "record.status == 'completed'",
            "record.state == 'completed'",
            "state",
        ),
        (
            "outcomes = [\"approved\"]",
            "outcomes = [\"pending\"]",
            "`pending` is not an outcome",
        ),
        (
            "when_changed = \"project\"",
            "when_changed = \"projects\"",
            "there is no record type `projects`",
        ),
    ];
    for (from, to, says) in cases {
        let problems = problems_of(&GOOD.replacen(from, to, 1));
        assert!(
            problems.iter().any(|p| p.to_string().contains(says)),
            "{to}: {problems:?}"
        );
    }
}

#[test]
fn a_change_request_owner_needs_a_workflow_with_record_and_changes() {
    let text = GOOD.replace(
        "source = \"quickbooks\"\n",
        "source = \"quickbooks\"\nothers = \"change_request\"\nworkflow = \"expense\"\nrequester = \"S010\"\n",
    );
    let problems = problems_of(&text);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("has no text field `record`")),
        "{problems:?}"
    );
    let half = GOOD.replace(
        "source = \"quickbooks\"\n",
        "source = \"quickbooks\"\nothers = \"change_request\"\n",
    );
    let problems = problems_of(&half);
    assert!(
        problems
            .iter()
            .any(|p| p.message.contains("needs a workflow and a requester")),
        "{problems:?}"
    );
}

#[test]
fn a_header_named_like_a_secret_takes_its_value_from_the_environment() {
    let text = GOOD.replace(
        "signing_env = [",
        "headers_env = { \"X-Auth-Token\" = \"KEEL_ACCOUNTING_WHSEC\" }\nsigning_env = [",
    );
    let config = load_with(&text).unwrap_or_else(|p| panic!("{p:?}"));
    let headers = &config.outbound.targets["accounting"].headers;
    assert_eq!(headers.len(), 1);
    assert_eq!(headers[0].0, "X-Auth-Token");
    let own = GOOD.replace(
        "signing_env = [",
        "headers_env = { \"Webhook-Id\" = \"KEEL_ACCOUNTING_WHSEC\" }\nsigning_env = [",
    );
    let problems = problems_of(&own);
    assert!(
        problems.iter().any(|p| p.message.contains("cannot be set")),
        "{problems:?}"
    );
}

#[test]
fn a_target_may_want_the_bare_payload_and_its_webhook_id_in_the_url() {
    let text = GOOD.replace(
        "url = \"https://accounting.example.com/hooks/keel\"",
        "url = \"https://q.example.com/v3/company/1/purchaseorder?requestid={webhook_id}\"\nbody = \"payload\"",
    );
    let config = load_with(&text).unwrap_or_else(|p| panic!("{p:?}"));
    let target = &config.outbound.targets["accounting"];
    assert_eq!(target.body, TargetBody::Payload);
    let plain = load_with(GOOD).unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!(
        plain.outbound.targets["accounting"].body,
        TargetBody::Envelope
    );

    let unknown = GOOD.replace("signing_env = [", "body = \"bare\"\nsigning_env = [");
    let line = unknown.lines().position(|l| l == "body = \"bare\"");
    let problems = problems_of(&unknown);
    let refused = problems
        .iter()
        .find(|p| p.message.contains("unknown variant `bare`"));
    assert_eq!(
        refused.and_then(|p| p.line),
        line.map(|i| i + 1),
        "{problems:?}"
    );
    // An API that knows keel by its token takes the bare payload unsigned; events are signed.
    let unsigned = GOOD.replace(
        "signing_env = [\"KEEL_ACCOUNTING_WHSEC\"]",
        "body = \"payload\"",
    );
    let config = load_with(&unsigned).unwrap_or_else(|p| panic!("{p:?}"));
    assert!(
        config.outbound.targets["accounting"]
            .signing_keys
            .is_empty()
    );
    let unsigned_events = GOOD.replace("signing_env = [\"KEEL_ACCOUNTING_WHSEC\"]\n", "");
    let problems = problems_of(&unsigned_events);
    assert!(
        problems
            .iter()
            .any(|p| p.message == "a target of events needs at least one signing secret"),
        "{problems:?}"
    );
    let placeholder = GOOD.replace("/hooks/keel\"", "/po?requestid={request.id}\"");
    let problems = problems_of(&placeholder);
    let refused = problems.iter().find(|p| p.hint.contains("{webhook_id}"));
    let message = refused.map(|p| p.message.as_str()).unwrap_or_default();
    assert!(
        message.starts_with("`{request.id}` in the target URL"),
        "{problems:?}"
    );
}
