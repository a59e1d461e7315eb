//! Record changes going out, and the source of truth: a record-change rule sends only the
//! changes its condition picks (from the REST API's writes and from CSV imports); a record type
//! owned by another system refuses everyone else's writes naming the owner, or files them as
//! change requests that change the record only once approved.

use crate::common::accounting::Accounting;
use crate::common::app::{TestApp, demo_data};
use crate::common::outbound::{ENV, client, config_with, reopen, target};
use crate::common::test_databases;
use keel::domain::Status;
use keel::engine::lifecycle::Action;
use keel::service::{Keel, RecordWrite, ServiceError, UserError};
use keel::sync::targets::ownership::Writer;
use serde_json::{Map, Value, json};

/// A workflow change requests go through: the CFO approves.
pub const RECORD_CHANGE: &str = r##"
name = "record_change"
title = "Record change"
command = "recordchange"
id_prefix = "RC"
first_number = 1
channel = "#records"
default_chain = "cfo"
flagged_chain = "cfo"

[[fields]]
name = "record"
label = "Record"
type = "text"
required = true

[[fields]]
name = "changes"
label = "Changes"
type = "text"
required = true
max_len = 2000

[chains.cfo]
steps = [{ name = "CFO", quorum = "any", approvers = [{ role = "cfo" }] }]
"##;

fn project_rule(target: &str) -> String {
    format!(
        r#"
[[rule]]
name = "completed_projects"
target = "{target}"
when_changed = "project"
condition = "record.status == 'completed' && before.status != 'completed'"
payload = {{ project = "{{record.key}}", name = "{{record.fields.name}}", was = "{{before.fields.status}}", version = "{{record.version}}" }}
"#
    )
}

pub fn vendor_owner(others: &str) -> String {
    format!(
        r#"
[[owner]]
record_type = "vendor"
source = "quickbooks"
{others}
"#
    )
}

/// The stored fields of a record, with `changes` made.
pub async fn record_with(
    keel: &Keel,
    record_type: &str,
    key: &str,
    changes: Value,
) -> Map<String, Value> {
    let record = stored_record(keel, record_type, key).await;
    let mut fields: Map<String, Value> = record.fields.into_iter().collect();
    fields.extend(changes.as_object().unwrap().clone());
    fields
}

/// A record as stored now.
async fn stored_record(keel: &Keel, record_type: &str, key: &str) -> keel::domain::Record {
    let record = keel.store().get_record(record_type, key).await.unwrap();
    record.expect("the record is stored")
}

fn api(person: &str) -> Writer {
    Writer::Api {
        person: person.into(),
    }
}

#[tokio::test]
async fn a_record_change_rule_sends_only_the_changes_its_condition_picks() {
    for db in test_databases().await {
        let label = db.label;
        let accounting = Accounting::start().await;
        let integrations =
            target("accounting", &accounting.url, r#""100ms""#, "5") + &project_rule("accounting");
        let dir = config_with(&integrations);
        let app = TestApp::start_with_env(&db, dir.path(), ENV).await;
        let keel = &app.keel;

        let completed =
            record_with(keel, "project", "P001", json!({ "status": "completed" })).await;
        let written = keel
            .write_record("project", "P001", &completed, api("S001"))
            .await
            .unwrap();
        assert_eq!(written, RecordWrite::Written { changed: true }, "[{label}]");
        // The same values again change nothing and send nothing.
        let again = keel
            .write_record("project", "P001", &completed, api("S001"))
            .await
            .unwrap();
        assert_eq!(again, RecordWrite::Written { changed: false }, "[{label}]");
        // A change the condition does not pick.
        let progress =
            record_with(keel, "project", "P002", json!({ "percent_complete": 65 })).await;
        keel.write_record("project", "P002", &progress, api("S001"))
            .await
            .unwrap();
        // A CSV import completing P003.
        let csv = std::fs::read_to_string(demo_data().join("projects.csv")).unwrap();
        let csv = csv.replace("2026-04-09,2027-07-20,180000.00,203196.28,41", "X").replace(
            "P003,Fairview Lab Build-out,C022,S017,S029,active,X",
            "P003,Fairview Lab Build-out,C022,S017,S029,completed,2026-04-09,2027-07-20,180000.00,203196.28,100",
        );
        let file = dir.path().join("projects.csv");
        std::fs::write(&file, csv).unwrap();
        let report = keel.import_file("project", &file).await.unwrap();
        // P001 and P002 go back to the file's values (P001 to active: not picked either).
        assert_eq!(report.updated, 3, "[{label}] {report:?}");

        let delivered = keel
            .deliver_webhooks(&client(keel, "accounting"))
            .await
            .unwrap();
        assert_eq!(delivered, 2, "[{label}]");
        let bodies: Vec<Value> = accounting.accepted().into_iter().map(|r| r.body).collect();
        let sent: Vec<&Value> = bodies.iter().map(|b| &b["data"]).collect();
        assert_eq!(
            sent,
            [
                &json!({ "project": "P001", "name": "Bayview Medical Office", "was": "active", "version": 2 }),
                &json!({ "project": "P003", "name": "Fairview Lab Build-out", "was": "active", "version": 2 }),
            ],
            "[{label}]"
        );
        assert!(bodies.iter().all(|b| b["type"] == "record.changed"));
    }
}

#[tokio::test]
async fn a_write_from_a_system_that_does_not_own_the_records_is_refused_naming_the_owner() {
    for db in test_databases().await {
        let label = db.label;
        let app = TestApp::start(&db).await;
        let dir = config_with(&vendor_owner(""));
        let keel = reopen(&db, dir.path(), &app.clock).await;

        let refused = keel
            .import_file("vendor", &demo_data().join("vendors.csv"))
            .await;
        let Err(ServiceError::User(UserError::OwnedElsewhere(why))) = refused else {
            panic!("[{label}] the import should be refused: {refused:?}");
        };
        assert!(
            why.contains("owned by quickbooks") && why.contains("a CSV import"),
            "[{label}] {why}"
        );
        let preferred = record_with(&keel, "vendor", "V002", json!({ "preferred": true })).await;
        let refused = keel
            .write_record("vendor", "V002", &preferred, api("S001"))
            .await;
        let Err(ServiceError::User(UserError::OwnedElsewhere(why))) = refused else {
            panic!("[{label}] the API write should be refused: {refused:?}");
        };
        assert!(why.contains("the REST API"), "[{label}] {why}");
        let from_hubspot = Writer::Source("hubspot".into());
        assert!(
            keel.write_record("vendor", "V002", &preferred, from_hubspot)
                .await
                .is_err()
        );
        let stored = stored_record(&keel, "vendor", "V002").await;
        assert_eq!(
            (stored.version, &stored.fields["preferred"]),
            (1, &json!(false)),
            "[{label}]"
        );

        // The owner itself writes.
        let from_owner = Writer::Source("quickbooks".into());
        let written = keel
            .write_record("vendor", "V002", &preferred, from_owner)
            .await
            .unwrap();
        assert_eq!(written, RecordWrite::Written { changed: true }, "[{label}]");
    }
}

#[tokio::test]
async fn a_non_owner_write_becomes_a_change_request_that_changes_the_record_once_approved() {
    for db in test_databases().await {
        let label = db.label;
        let app = TestApp::start(&db).await;
        let accounting = Accounting::start().await;
        let owner = vendor_owner(
            "others = \"change_request\"\nworkflow = \"record_change\"\nrequester = \"S010\"",
        );
        let vendor_rule = r#"
[[rule]]
name = "vendor_changes"
target = "accounting"
when_changed = "vendor"
payload = { vendor = "{record.key}", preferred = "{record.fields.preferred}" }
"#;
        let dir = config_with(
            &(owner + &target("accounting", &accounting.url, r#""100ms""#, "5") + vendor_rule),
        );
        std::fs::write(
            dir.path().join("workflows/record_change.toml"),
            RECORD_CHANGE,
        )
        .unwrap();
        let keel = reopen(&db, dir.path(), &app.clock).await;

        let preferred = record_with(&keel, "vendor", "V002", json!({ "preferred": true })).await;
        let written = keel
            .write_record("vendor", "V002", &preferred, api("S020"))
            .await
            .unwrap();
        let RecordWrite::Proposed { request } = written else {
            panic!("[{label}] a change request should be filed: {written:?}");
        };
        assert_eq!(request.status, Status::Pending, "[{label}]");
        assert_eq!(
            request.requester.as_deref(),
            Some("S020"),
            "[{label}] the API's person asks"
        );
        assert_eq!(request.fields["record"], "vendor V002");
        assert_eq!(
            request.fields["changes"], "preferred: false → true",
            "[{label}]"
        );
        let stored = stored_record(&keel, "vendor", "V002").await;
        assert_eq!(
            stored.fields["preferred"],
            json!(false),
            "[{label}] not before approval"
        );

        // A CSV import files one change request per changed vendor, for S010.
        let csv = std::fs::read_to_string(demo_data().join("vendors.csv")).unwrap();
        let csv = csv.replace(
            "V001,Ironclad Steel Supply,steel,60,true",
            "V001,Ironclad Steel Supply,steel,45,true",
        );
        let file = dir.path().join("vendors.csv");
        std::fs::write(&file, csv).unwrap();
        let report = keel.import_file("vendor", &file).await.unwrap();
        assert_eq!(report.proposed.len(), 1, "[{label}] {report:?}");
        assert_eq!((report.inserted, report.updated), (0, 0));

        let rejection = Action::Reject {
            reason: "Terms stay at 60 days".into(),
        };
        keel.act(&report.proposed[0], "S002", rejection, None)
            .await
            .unwrap();
        keel.act(&request.id, "S002", Action::Approve, None)
            .await
            .unwrap();
        let stored = stored_record(&keel, "vendor", "V002").await;
        assert_eq!(
            (stored.version, &stored.fields["preferred"]),
            (2, &json!(true)),
            "[{label}]"
        );
        let untouched = stored_record(&keel, "vendor", "V001").await;
        assert_eq!(
            untouched.fields["payment_terms_days"],
            json!(60),
            "[{label}] rejected"
        );

        // The applied change owes its payload like any other change.
        assert_eq!(
            keel.deliver_webhooks(&client(&keel, "accounting"))
                .await
                .unwrap(),
            1
        );
        let sent = &accounting.accepted()[0].body["data"];
        assert_eq!(
            sent,
            &json!({ "vendor": "V002", "preferred": true }),
            "[{label}]"
        );
    }
}
