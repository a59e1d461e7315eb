//! CSV imports larger than one chunk, and references within a file, on the real store.

use crate::common::app::TestApp;
use keel::service::{ServiceError, UserError};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A clients file of `rows` rows (keys `X00001`…), with `bad_date_on` (a 0-based data row) given
/// a date that does not parse.
fn clients_csv(dir: &Path, rows: usize, bad_date_on: Option<usize>) -> PathBuf {
    let mut text = String::from("client_id,name,industry,account_manager_id,client_since,status\n");
    for n in 0..rows {
        let since = if Some(n) == bad_date_on {
            "2019-02-30"
        } else {
            "2019-02-03"
        };
        let _ = writeln!(
            text,
            "X{:05},Client {n},construction,S046,{since},active",
            n + 1
        );
    }
    let path = dir.join(format!("clients-{rows}-{bad_date_on:?}.csv"));
    std::fs::write(&path, text).expect("the file is written");
    path
}

fn refused(result: Result<keel::service::TypeReport, ServiceError>) -> String {
    match result {
        Err(ServiceError::User(UserError::Invalid(message))) => message,
        other => panic!("expected the import to be refused, got {other:?}"),
    }
}

#[tokio::test]
async fn a_problem_past_the_first_chunks_leaves_nothing_imported_and_a_good_file_imports_once() {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let label = app.label;
        let before = app.keel.store().list_records("client").await.unwrap().len();

        let bad = clients_csv(scratch.path(), 12_000, Some(11_000));
        let message = refused(app.keel.import_file("client", &bad).await);
        assert!(
            message.contains("nothing was imported"),
            "[{label}] {message}"
        );
        assert!(message.contains("11002"), "[{label}] {message}");
        let after = app.keel.store().list_records("client").await.unwrap().len();
        assert_eq!(
            after, before,
            "[{label}] the chunks before the problem are undone"
        );

        let good = clients_csv(scratch.path(), 12_000, None);
        let report = app.keel.import_file("client", &good).await.unwrap();
        assert_eq!(
            (report.inserted, report.updated, report.unchanged),
            (12_000, 0, 0),
            "[{label}]"
        );
        let again = app.keel.import_file("client", &good).await.unwrap();
        assert_eq!(
            (again.inserted, again.updated, again.unchanged),
            (0, 0, 12_000),
            "[{label}]"
        );
    }
}

#[tokio::test]
async fn a_reference_to_a_later_row_of_the_same_file_is_found_and_a_missing_one_is_named() {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let header = "staff_id,name,email,title,department,role,manager_id,approval_limit,\
                  slack_user,discord_user,weekly_capacity_hours,active\n";
    let person = |id: &str, manager: &str| {
        format!(
            "{id},Person {id},{id}@example.com,Engineer,Field,field_staff,{manager},0.00,,,40,true\n"
        )
    };
    let later = scratch.path().join("later.csv");
    std::fs::write(
        &later,
        format!(
            "{header}{}{}",
            person("T001", "T002"),
            person("T002", "S001")
        ),
    )
    .unwrap();
    let nowhere = scratch.path().join("nowhere.csv");
    std::fs::write(
        &nowhere,
        format!(
            "{header}{}{}",
            person("T003", "S001"),
            person("T004", "T999")
        ),
    )
    .unwrap();
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let label = app.label;
        let report = app.keel.import_file("staff", &later).await.unwrap();
        assert_eq!(report.inserted, 2, "[{label}]");
        let message = refused(app.keel.import_file("staff", &nowhere).await);
        assert!(
            message.contains("row 3, column manager_id: there is no staff `T999`"),
            "[{label}] {message}"
        );
        let t003 = app.keel.store().get_record("staff", "T003").await.unwrap();
        assert_eq!(t003, None, "[{label}] nothing of the refused file is kept");
    }
}

#[tokio::test]
async fn a_file_whose_header_does_not_fit_is_refused_before_anything_is_read() {
    let scratch = tempfile::tempdir().expect("a scratch directory");
    let wrong = scratch.path().join("wrong.csv");
    std::fs::write(&wrong, "client_id,nom\nX1,Acme\n").unwrap();
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let message = refused(app.keel.import_file("client", &wrong).await);
        assert!(
            message.contains("nothing was imported"),
            "[{}] {message}",
            app.label
        );
        assert!(message.contains("nom"), "[{}] {message}", app.label);
        let x1 = app.keel.store().get_record("client", "X1").await.unwrap();
        assert_eq!(x1, None, "[{}]", app.label);
    }
}
