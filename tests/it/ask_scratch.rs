use crate::common::app::{TestApp, demo_data};

#[tokio::test]
async fn scratch() {
    let Ok(file) = std::env::var("SCRATCH_QUESTIONS") else { return };
    let questions = std::fs::read_to_string(file).unwrap();
    let db = crate::common::test_databases().await.remove(0);
    let app = TestApp::start(&db).await;
    for (t, f) in [("purchase_order","purchase_orders.csv"),("invoice","invoices.csv"),("change_order","change_orders.csv"),("expense","expenses.csv"),("client_touchpoint","client_touchpoints.csv"),("time_entry","time_entries.csv")] {
        app.keel.import_file(t, &demo_data().join(f)).await.unwrap();
    }
    for q in questions.lines().filter(|l| !l.trim().is_empty()) {
        match app.keel.ask("S001", q).await {
            Ok(a) => {
                println!("Q: {q}\n  A: {}\n  cols {:?} rows {} first {:?}\n  plan {}\n  sugg {:?}", a.answer, a.columns, a.rows.len(), a.rows.first(), serde_json::to_string(&a.plan).unwrap(), a.suggestions);
            }
            Err(e) => println!("Q: {q}\n  ERR {e}"),
        }
    }
}
