//! The anomaly check through keel itself, with its history kept in memory: flags stay right
//! after a cancellation, an import of past requests, and requests another keel on the same
//! database submitted.

use crate::common::TestDb;
use crate::common::app::{TestApp, demo_data};
use keel::domain::{Flag, Request};
use keel::engine::lifecycle::Action;
use keel::store::WINDOW_FRESH_FOR;

/// A change order of `amount` on project P002 by its superintendent.
async fn change_order(app: &TestApp, amount: &str) -> Request {
    let fields = [("project", "P002"), ("amount", amount), ("reason", "x")];
    app.submit("change_order", "S027", &fields).await
}

fn anomaly(request: &Request) -> Option<&Flag> {
    request.flags.iter().find(|flag| flag.kind == "anomaly")
}

/// Six routine change orders on P002.
async fn routine(app: &TestApp) {
    for amount in ["100.00", "104.00", "98.00", "110.00", "101.00", "99.50"] {
        let request = change_order(app, amount).await;
        assert!(anomaly(&request).is_none(), "[{}] {amount}", app.label);
    }
}

#[tokio::test]
async fn a_cancelled_request_is_no_longer_compared_with() {
    for db in crate::common::test_databases().await {
        let app = &TestApp::start(&db).await;
        routine(app).await;
        for _ in 0..3 {
            let odd = change_order(app, "2400.00").await;
            assert!(anomaly(&odd).is_some(), "[{}]", app.label);
            let cancel = Action::Cancel { reason: None };
            app.keel.act(&odd.id, "S027", cancel, None).await.unwrap();
        }
        let odd = change_order(app, "2400.00").await;
        let flag = anomaly(&odd).expect("still unusual");
        assert_eq!(flag.details["n"], 6, "[{}] {}", app.label, flag.details);
    }
}

#[tokio::test]
async fn imported_history_is_compared_with_at_once() {
    for db in crate::common::test_databases().await {
        let app = &TestApp::start(&db).await;
        let fields = [("project", "P001"), ("amount", "4000.00"), ("reason", "x")];
        app.submit("change_order", "S020", &fields).await;
        // The demo company's files, change_orders.csv's past requests with them.
        app.keel.import_all(&demo_data()).await.unwrap();
        let fields = [
            ("project", "P001"),
            ("amount", "250000.00"),
            ("reason", "x"),
        ];
        let odd = app.submit("change_order", "S020", &fields).await;
        let flag = anomaly(&odd).expect("far above P001's history");
        // P001's 22 past change orders in change_orders.csv, and the one submitted before.
        assert_eq!(flag.details["n"], 23, "[{}] {}", app.label, flag.details);
        assert_eq!(flag.details["compared_with"], "group", "[{}]", app.label);
    }
}

/// Two keel processes on `db`.
async fn two_keels(db: &TestDb) -> (TestApp, TestApp) {
    (TestApp::start(db).await, TestApp::start(db).await)
}

#[tokio::test]
async fn another_keel_s_requests_are_compared_with_once_the_history_is_stale() {
    for db in crate::common::test_databases().await {
        let (first, second) = two_keels(&db).await;
        let label = first.label;
        routine(&first).await;
        let odd = change_order(&second, "2400.00").await;
        let flag = anomaly(&odd).expect("the other keel's history counts");
        assert_eq!(flag.details["n"], 6, "[{label}] {}", flag.details);
        // The second keel's requests become the usual for P002 (it counts its own at once)...
        for amount in [
            "2390.00", "2405.00", "2398.00", "2410.00", "2401.00", "2399.00",
        ] {
            change_order(&second, amount).await;
        }
        // ...and the first keel compares with them once its history is stale.
        first.clock.advance(WINDOW_FRESH_FOR);
        let usual = change_order(&first, "2400.00").await;
        assert!(anomaly(&usual).is_none(), "[{label}] {:?}", usual.flags);
        let low = change_order(&first, "100.00").await;
        let flag = anomaly(&low).expect("now far below the usual");
        assert_eq!(flag.details["n"], 14, "[{label}] {}", flag.details);
    }
}
