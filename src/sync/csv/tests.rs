use super::*;
use crate::domain::{FieldType, RecordTypeField};
use std::path::Path;

fn demo_schema() -> crate::domain::RecordSchema {
    crate::config::demo().schema
}

fn invoice() -> RecordType {
    let field = |name: &str, field_type: FieldType, required: bool| RecordTypeField {
        name: name.into(),
        field_type,
        required,
    };
    RecordType {
        name: "invoice".into(),
        key: vec!["invoice_id".into()],
        fields: vec![
            field("invoice_id", FieldType::Text, true),
            field("amount", FieldType::Money, true),
            field("due_date", FieldType::Date, true),
            field("paid_date", FieldType::Date, false),
            field(
                "status",
                FieldType::Enum(vec!["open".into(), "paid".into()]),
                true,
            ),
        ],
        source_of_truth: "accounting".into(),
        label: None,
    }
}

fn problems_of(csv: &str) -> CsvProblems {
    parse_records(&invoice(), csv.as_bytes()).expect_err("problems")
}

#[test]
fn every_demo_csv_parses_against_its_record_type() {
    let schema = demo_schema();
    let files = [
        ("change_orders", "change_order"),
        ("client_touchpoints", "client_touchpoint"),
        ("clients", "client"),
        ("expenses", "expense"),
        ("invoices", "invoice"),
        ("projects", "project"),
        ("purchase_orders", "purchase_order"),
        ("staff", "staff"),
        ("time_entries", "time_entry"),
        ("vendors", "vendor"),
    ];
    for (file, type_name) in files {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("config/demo-data/{file}.csv"));
        let record_type = schema.get(type_name).expect("declared");
        let text = std::fs::read(&path).expect("demo csv");
        let lines = text.iter().filter(|b| **b == b'\n').count();
        match parse_records(record_type, text.as_slice()) {
            Ok(records) => assert_eq!(records.len(), lines - 1, "{file}"),
            Err(problems) => panic!("{file}.csv:\n{problems}"),
        }
    }
}

#[test]
fn fields_are_canonical_and_in_declared_order() {
    let csv = "status,invoice_id,amount,due_date,paid_date\nPaid,INV-1,\"$1,250\",2026-09-22,\n";
    let records = parse_records(&invoice(), csv.as_bytes()).expect("parses");
    let (key, fields) = &records[0];
    assert_eq!(key, "INV-1");
    let names: Vec<&str> = fields.keys().map(String::as_str).collect();
    assert_eq!(names, ["invoice_id", "amount", "due_date", "status"]);
    assert_eq!(fields["amount"], "1250.00");
    assert_eq!(fields["status"], "paid");
}

#[test]
fn composite_keys_join_their_parts() {
    let schema = demo_schema();
    let csv = "staff_id,project_id,week_start,hours\nS009,P014,2026-08-24,20.5\n";
    let records = parse_records(
        schema.get("time_entry").expect("time_entry"),
        csv.as_bytes(),
    )
    .expect("parses");
    assert_eq!(records[0].0, "S009|P014|2026-08-24");
}

#[test]
fn row_errors_name_row_column_value_and_expectation() {
    let csv = "invoice_id,amount,due_date,paid_date,status\n\
               INV-1,100.00,2026-09-22,,open\n\
               INV-2,12.345,2026-09-22,,open\n\
               INV-3,5.00,22/09/2026,,lost\n\
               INV-1,1.00,2026-09-22,,open\n\
               ,1.00,2026-09-22,,open\n";
    let found = problems_of(csv);
    let text = found.to_string();
    assert!(
        text.contains("row 3, column amount: `12.345`: money has at most two decimals"),
        "{text}"
    );
    assert!(
        text.contains("row 4, column due_date: `22/09/2026`: expected a date as YYYY-MM-DD"),
        "{text}"
    );
    assert!(
        text.contains("row 4, column status: `lost`: expected one of: open, paid"),
        "{text}"
    );
    assert!(
        text.contains("row 5, column invoice_id: `INV-1`: the key is already used on row 2"),
        "{text}"
    );
    assert!(
        text.contains("row 6, column invoice_id: invoice_id is required"),
        "{text}"
    );
    assert_eq!(found.problems.len(), 5);
}

#[test]
fn header_must_match_the_record_type() {
    let found = problems_of("invoice_id,amount,status,vendor\nINV-1,1.00,open,V1\n");
    let text = found.to_string();
    assert!(text.contains("unknown column(s) vendor"), "{text}");
    assert!(
        text.contains("the columns are: invoice_id, amount, due_date, paid_date, status"),
        "{text}"
    );
    assert!(
        text.contains("column due_date: the required column due_date is missing"),
        "{text}"
    );
    assert!(
        !text.contains("paid_date is missing"),
        "optional columns may be left out: {text}"
    );
}

#[test]
fn long_lists_of_problems_are_capped() {
    let mut csv = String::from("invoice_id,amount,due_date,paid_date,status\n");
    for i in 0..80 {
        csv.push_str(&format!("INV-{i},lots,2026-09-22,,open\n"));
    }
    let found = problems_of(&csv);
    assert_eq!(found.problems.len(), MAX_PROBLEMS);
    assert_eq!(found.more, 30);
    assert!(found.to_string().ends_with("and 30 more"));
}

#[test]
fn ragged_rows_are_reported() {
    let found = problems_of("invoice_id,amount,due_date,paid_date,status\nINV-1,1.00\n");
    assert!(
        found
            .to_string()
            .contains("row 2: the row has 2 cells, the header 5"),
        "{found}"
    );
}
