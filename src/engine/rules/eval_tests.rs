//! Our evaluator against cel-rust's interpreter: for each expression and request, the same answer
//! (true, false, or an error), and the expressions the decision tables use are not deferred.

use super::fixture::{now, request, schema, workflow};
use super::*;
use crate::domain::Fields;
use serde_json::json;

const EXPRESSIONS: &[&str] = &[
    "request.amount <= 2500",
    "request.amount == 1250",
    "request.amount != 1250.5",
    "request.amount > requester.approval_limit * 4",
    "request.amount * 2 == 2500",
    "request.amount + 1 > 1250.5",
    "request.amount - 250 >= 1000",
    "request.quantity / 4 == 0.5",
    "2 * request.quantity == 4",
    "-request.amount < 0",
    "request.amount > project.budget * 0.25",
    "size(request.reason) < 5",
    "request.reason.size() + 1 > 19.5",
    "request.category in [\"hardware\", \"software\"]",
    "request.category in [\"meals\", \"entertainment\"] && request.amount > 500",
    "request.quantity in [1, 2, 3]",
    "request.quantity in [1.5, 3]",
    "requester.role == \"engineer\" && project.active",
    "requester.role == \"cfo\" || project.active",
    "!project.active",
    "has(vendor.preferred) && vendor.preferred && vendor.rating >= 4",
    "has(vendor.name) && vendor.name.startsWith(\"Ac\")",
    "has(vendor.rating) && vendor.rating < 2",
    "!has(vendor.preferred) || vendor.preferred",
    "vendor.preferred",
    "vendor.preferred || true",
    "vendor.preferred && false",
    "true || vendor.preferred",
    "has(request.urgent) && !request.urgent",
    "request.urgent && request.amount > 20000",
    "request.urgent ? request.amount > 0 : request.amount > 2000",
    "request.amount > 1000 ? requester.role == \"engineer\" : false",
    "request.reason.lowerAscii().contains(\"laptop\")",
    "request.reason.upperAscii().startsWith(\"LAPTOP\")",
    "request.reason.endsWith(\"hire\")",
    "request.reason + \"!\" == \"Laptop for new hire!\"",
    "request.needed_by == timestamp(\"2026-03-10T00:00:00Z\")",
    "request.needed_by < now",
    "request.needed_by - now < duration(\"216h\")",
    "now - request.needed_by > duration(\"2160h\")",
    "now.getDayOfWeek() == 1",
    "now.getFullYear() == 2026 && now.getMonth() == 2 && now.getDate() == 2",
    "now.getHours() >= 9 && now.getMinutes() == 0 && now.getDayOfMonth() == 1",
    "request.category == \"capex\" && request.amount > 50000",
    "project.budget - request.amount > 88000",
    "request.amount == request.quantity",
    "request.vendor == vendor.vendor_id",
    "request.reason.trim() == request.reason",
    "[1, 2].exists(x, x == request.quantity)",
    "true",
];

fn env() -> RuleEnv {
    rule_env(&workflow(vec![]), &schema(), "staff")
}

/// The fixture request, then variants: fields left empty, odd values, another staff type.
fn requests() -> Vec<Bindings> {
    let wf = workflow(vec![]);
    let bind = |form: &Fields, requester: &Fields, refs: &BTreeMap<String, Fields>| {
        bindings(&wf, &schema(), form, requester, refs, now())
    };
    let (form, requester, refs) = request();
    let mut all = vec![bind(&form, &requester, &refs)];
    let mut sparse = form.clone();
    for field in ["urgent", "needed_by", "reason", "amount"] {
        sparse.remove(field);
    }
    let no_refs = BTreeMap::new();
    all.push(bind(&sparse, &Fields::new(), &no_refs));
    let mut odd = form.clone();
    odd.insert("amount".into(), json!("not a number"));
    odd.insert("urgent".into(), json!(true));
    odd.insert("needed_by".into(), json!("2025-01-01"));
    odd.insert("extra".into(), json!(3));
    let mut odd_refs = refs.clone();
    if let Some(vendor) = odd_refs.get_mut("vendor") {
        vendor.remove("name");
        vendor.insert("rating".into(), json!(1));
        vendor.insert("preferred".into(), json!("yes"));
    }
    all.push(bind(&odd, &requester, &odd_refs));
    let other_staff = bindings_with_staff(
        &wf,
        &schema(),
        Some("vendor"),
        &form,
        &requester,
        &refs,
        now(),
    );
    all.push(other_staff);
    all
}

#[test]
fn the_evaluator_agrees_with_the_interpreter() {
    let env = env();
    for source in EXPRESSIONS {
        let condition = compile(source, &env).expect("test expressions compile");
        for (index, bindings) in requests().iter().enumerate() {
            let interpreted = condition.eval_in(&context_for(bindings)).map_err(|_| ());
            if let Some(fast) = condition.eval_fast(bindings) {
                assert_eq!(fast, interpreted, "`{source}` on request {index}");
            }
            assert_eq!(
                condition.eval(bindings).map_err(|_| ()),
                interpreted,
                "`{source}`"
            );
            let mut context = None;
            assert_eq!(
                condition.holds(bindings, &mut context),
                interpreted == Ok(true)
            );
        }
    }
}

#[test]
fn decision_table_expressions_run_without_the_interpreter() {
    let env = env();
    let deferred: Vec<&str> = EXPRESSIONS
        .iter()
        .filter(|source| {
            let condition = compile(source, &env).expect("test expressions compile");
            condition.eval_fast(&requests()[0]).is_none()
        })
        .copied()
        .collect();
    let expected = [
        "request.reason.trim() == request.reason",
        "[1, 2].exists(x, x == request.quantity)",
    ];
    assert_eq!(deferred, expected);
}

#[test]
fn bindings_read_by_position_or_by_name() {
    let (form, requester, refs) = request();
    let wf = workflow(vec![]);
    let staff = bindings(&wf, &schema(), &form, &requester, &refs, now());
    let unknown = bindings_with_staff(&wf, &schema(), None, &form, &requester, &refs, now());
    let condition = compile("requester.role == \"engineer\"", &env()).expect("compiles");
    assert_eq!(condition.eval_fast(&staff), Some(Ok(true)));
    assert_eq!(condition.eval_fast(&unknown), Some(Ok(true)));
}
