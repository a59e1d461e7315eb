use super::fixture::{now, request, schema, workflow};
use super::*;

fn env() -> RuleEnv {
    rule_env(&workflow(vec![]), &schema(), "staff")
}

fn sample_bindings() -> Bindings {
    let (form, requester, refs) = request();
    bindings(
        &workflow(vec![]),
        &schema(),
        &form,
        &requester,
        &refs,
        now(),
    )
}

fn eval(source: &str, bindings: &Bindings) -> Result<bool, String> {
    let condition = compile(source, &env()).map_err(|e| format!("does not compile: {e}"))?;
    condition.eval(bindings)
}

#[test]
fn env_has_request_requester_refs_and_now() {
    let env = env();
    let names: Vec<&str> = env.vars.keys().map(String::as_str).collect();
    assert_eq!(names, ["now", "project", "request", "requester", "vendor"]);
    let CelType::Object(request) = &env.vars["request"] else {
        panic!("request is an object");
    };
    assert_eq!(request["amount"], CelType::Double);
    assert_eq!(request["needed_by"], CelType::Timestamp);
    assert_eq!(request["project"], CelType::String);
    assert_eq!(env.vars["now"], CelType::Timestamp);
}

#[test]
fn refs_to_unknown_record_types_are_dyn() {
    let env = rule_env(&workflow(vec![]), &RecordSchema::default(), "staff");
    assert_eq!(env.vars["project"], CelType::Dyn);
    assert_eq!(env.vars["requester"], CelType::Dyn);
    assert!(compile("project.anything > 3 && requester.role == 'x'", &env).is_ok());
}

#[test]
fn well_typed_rules_compile() {
    let env = env();
    for source in [
        "request.amount <= 2500",
        "request.amount > requester.approval_limit && requester.role == \"engineer\"",
        "request.category in [\"hardware\", \"software\"]",
        "has(vendor.preferred) && vendor.preferred",
        "!request.urgent || request.amount < 100.5",
        "request.reason.contains(\"laptop\") || request.reason.startsWith(\"x\")",
        "size(request.reason) > 10 && request.reason.size() < 2000",
        "request.needed_by < now + duration(\"240h\")",
        "request.needed_by - now < duration(\"48h\")",
        "request.amount * 2 > project.budget / 100",
        "(request.urgent ? 1 : 2.5) > 0",
        "request.reason.lowerAscii().endsWith(\"hire\")",
        "request.reason.matches(\"^[A-Z]\")",
        "int(request.quantity) % 2 == 0",
        "now.getDayOfWeek() == 1 && request.amount != null",
        "request[\"amount\"] > 5",
        "[1, 2, 3].exists(x, x > 2)",
        "double(\"3.5\") > 3 && string(request.amount) != \"\"",
        "timestamp(\"2026-01-01T00:00:00Z\") < now",
    ] {
        if let Err(e) = compile(source, &env) {
            panic!("`{source}` should compile: {e}");
        }
    }
}

#[test]
fn ill_typed_rules_are_refused_with_a_hint() {
    let env = env();
    let cases = [
        ("request.amount >", "cannot read the rule", "brackets"),
        (
            "budget > 5",
            "unknown name `budget`",
            "rules can use: now, project",
        ),
        (
            "reqest.amount > 5",
            "unknown name `reqest`",
            "did you mean `request`?",
        ),
        (
            "vendor.prefered",
            "`vendor` has no field `prefered`",
            "did you mean `preferred`?",
        ),
        (
            "project.colour == 'x'",
            "`project` has no field `colour`",
            "its fields are: active",
        ),
        (
            "request.reason > 5",
            "cannot compare `request.reason` (text) > `5`",
            "same kind",
        ),
        (
            "request.amount == \"x\"",
            "cannot compare `request.amount` (a number)",
            "quotes",
        ),
        (
            "request.reason + 5 == \"x\"",
            "cannot use `+` on `request.reason` (text)",
            "string(",
        ),
        ("request.amount", "must be true or false", "compare it"),
        ("request.amount + 1", "must be true or false", "compare it"),
        (
            "request.amount && true",
            "`&&` needs true or false",
            "condition",
        ),
        (
            "request.reason.amount == 1",
            "is text and has no field",
            "records",
        ),
        (
            "request.amount in [\"a\"]",
            "the list holds other kinds",
            "same kind",
        ),
        (
            "request.amount in request.reason",
            "`in` needs a list",
            "brackets",
        ),
        (
            "frobnicate(request.amount)",
            "unknown function `frobnicate`",
            "rules can use: size",
        ),
        (
            "size(request.amount) > 1",
            "`size` cannot be used",
            "size(request.reason)",
        ),
    ];
    for (source, message, hint) in cases {
        match compile(source, &env) {
            Ok(_) => panic!("`{source}` should not compile"),
            Err(e) => {
                assert!(e.message.contains(message), "`{source}`: message was {e:?}");
                assert!(e.hint.contains(hint), "`{source}`: hint was {e:?}");
            }
        }
    }
}

#[test]
fn rules_evaluate_against_a_request() {
    let bindings = sample_bindings();
    let cases = [
        ("request.amount <= 2500", true),
        ("request.amount <= 1000", false),
        ("request.amount == 1250", true),
        ("request.amount > requester.approval_limit", true),
        ("request.amount * 2 == 2500", true),
        ("request.amount + 1 > 1250.5", true),
        ("2 * request.quantity == 4", true),
        ("request.quantity / 4 == 0.5", true),
        ("-request.amount < 0", true),
        ("size(request.reason) + 1 > 19.5", true),
        ("request.category in [\"hardware\", \"software\"]", true),
        ("request.quantity in [1, 2, 3]", true),
        ("requester.role == \"engineer\" && project.active", true),
        ("project.budget - request.amount > 88000", true),
        (
            "has(vendor.preferred) && vendor.preferred && vendor.rating >= 4",
            true,
        ),
        ("has(request.urgent) && !request.urgent", true),
        ("request.reason.lowerAscii().contains(\"laptop\")", true),
        (
            "request.needed_by == timestamp(\"2026-03-10T00:00:00Z\")",
            true,
        ),
        ("request.needed_by - now < duration(\"216h\")", true),
        ("now.getDayOfWeek() == 1", true),
        (
            "request.urgent ? request.amount > 0 : request.amount > 2000",
            false,
        ),
    ];
    for (source, expected) in cases {
        assert_eq!(eval(source, &bindings), Ok(expected), "`{source}`");
    }
}

#[test]
fn absent_values_are_absent_keys() {
    let (mut form, requester, mut refs) = request();
    form.remove("vendor");
    refs.remove("vendor");
    form.remove("urgent");
    let bindings = bindings(
        &workflow(vec![]),
        &schema(),
        &form,
        &requester,
        &refs,
        now(),
    );
    assert_eq!(eval("has(vendor.preferred)", &bindings), Ok(false));
    assert_eq!(eval("has(request.urgent)", &bindings), Ok(false));
    assert!(eval("vendor.preferred", &bindings).is_err());
    assert_eq!(
        eval("!has(vendor.preferred) || vendor.preferred", &bindings),
        Ok(true)
    );
}

#[test]
fn explicit_staff_type_binds_the_requester_like_the_env() {
    let (form, requester, refs) = request();
    let wf = workflow(vec![]);
    let bindings = bindings_with_staff(
        &wf,
        &schema(),
        Some("staff"),
        &form,
        &requester,
        &refs,
        now(),
    );
    assert_eq!(eval("requester.approval_limit == 500", &bindings), Ok(true));
}

#[test]
fn conditions_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Condition>();
    assert_send_sync::<Bindings>();
    let condition = std::sync::Arc::new(compile("request.amount > 1000", &env()).unwrap());
    let bindings = sample_bindings();
    let handle = {
        let condition = condition.clone();
        let bindings = bindings.clone();
        std::thread::spawn(move || condition.eval(&bindings))
    };
    assert_eq!(handle.join().unwrap(), Ok(true));
}
