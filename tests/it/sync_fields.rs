//! A source's field tables end to end, on both backends: a QuickBooks-like Bill posted whole to
//! `POST /hooks/bills` becomes an invoice through a vendor-id map, a constant project, a status
//! mapped from the balance with a default, a timestamp converted to its UTC date and the
//! purchase order picked out of `LinkedTxn` by a filter; a vendor the map lacks is a dead
//! letter naming the value and the values the map knows.

use crate::common::app::import_invoices;
use crate::common::pm_tool::{KEY, PmTool, post_hook, signed_headers};
use crate::common::sources::{Harness, harness_with};
use crate::common::test_databases;
use serde_json::{Value, json};

const BILLS: &str = r#"
[[source]]
name = "bills"
verifier = "standard_webhooks"
keys_from = ["KEEL_TEST_PM_KEY"]
record_type = "invoice"
delivery_id = { header = "webhook-id" }

[source.fields]
invoice_id = "$.Bill.DocNumber"
vendor_id = { path = "$.Bill.VendorRef.value", map = { 56 = "V001", 57 = "V002" } }
project_id = { value = "P001" }
po_id = "$.Bill.LinkedTxn[?(@.TxnType == 'PurchaseOrder')].TxnId"
amount = "$.Bill.TotalAmt"
issued_date = { path = "$.Bill.MetaData.CreateTime", as = "date" }
due_date = { path = "$.Bill.DueDate", as = "date" }
status = { path = "$.Bill.Balance", map = { 0 = "paid" }, default = "open" }
"#;

/// A Bill of vendor `vendor` (QuickBooks' id) with `balance` left to pay.
fn bill(number: &str, vendor: &str, balance: Value) -> String {
    json!({"Bill": {
        "DocNumber": number,
        "VendorRef": {"value": vendor, "name": "Ironclad Steel Supply"},
        "LinkedTxn": [
            {"TxnId": "BP-3", "TxnType": "BillPaymentCheck"},
            {"TxnId": "PO-24001", "TxnType": "PurchaseOrder"},
        ],
        "TotalAmt": 1250.5,
        "Balance": balance,
        "DueDate": "2026-12-24",
        "MetaData": {"CreateTime": "2026-11-23T17:30:00-08:00"},
    }})
    .to_string()
}

async fn post(h: &Harness, id: &str, body: &str) {
    let now = h.app.clock.now().timestamp();
    let headers = signed_headers(id, now, body, &[KEY]);
    let (status, answer) = post_hook(&h.base, "bills", &headers, body).await;
    assert_eq!(status, 200, "[{}] {answer}", h.app.label);
}

#[tokio::test]
async fn translated_fields_are_stored_and_an_unmapped_value_is_a_dead_letter() {
    for db in test_databases().await {
        let h = harness_with(&db, PmTool::start().await, BILLS).await;
        import_invoices(&h.app).await;
        post(&h, "evt_paid", &bill("B-145", "56", json!(0))).await;
        post(&h, "evt_open", &bill("B-146", "57", json!(310.25))).await;
        post(&h, "evt_unknown", &bill("B-147", "99", json!(0))).await;
        let report = h.app.keel.apply_inbound().await.unwrap();
        let failures = h.app.keel.sync_failures().await.unwrap();
        let reasons: Vec<_> = failures.iter().map(|f| f.last_error.clone()).collect();
        assert_eq!(
            (report.applied, report.dead),
            (2, 1),
            "[{}] {report:?} {reasons:?}",
            db.label
        );

        let store = h.app.keel.store();
        let paid = store.get_record("invoice", "B-145").await.unwrap();
        let paid = paid.expect("B-145 is stored").fields;
        assert_eq!(paid["vendor_id"], json!("V001"), "[{}]", db.label);
        assert_eq!(paid["project_id"], json!("P001"));
        assert_eq!(paid["po_id"], json!("PO-24001"));
        assert_eq!(paid["amount"], json!("1250.50"));
        assert_eq!(paid["issued_date"], json!("2026-11-24"), "the UTC date");
        assert_eq!(paid["due_date"], json!("2026-12-24"));
        assert_eq!(paid["status"], json!("paid"));
        let open = store.get_record("invoice", "B-146").await.unwrap();
        let open = open.expect("B-146 is stored").fields;
        assert_eq!(open["vendor_id"], json!("V002"), "[{}]", db.label);
        assert_eq!(open["status"], json!("open"), "the default");
        let unknown = store.get_record("invoice", "B-147").await.unwrap();
        assert!(unknown.is_none(), "[{}]", db.label);

        let dead = h.app.keel.sync_failures().await.unwrap();
        assert_eq!(dead.len(), 1, "[{}]", db.label);
        assert_eq!(dead[0].delivery_id, "evt_unknown");
        let reason = dead[0].last_error.clone().unwrap_or_default();
        assert_eq!(
            reason,
            "field vendor_id, `99`: not in the map: the field's map knows 56, 57; add it to `map`, or give a `default`",
            "[{}]",
            db.label
        );
    }
}
