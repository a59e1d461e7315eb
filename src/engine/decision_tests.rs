use super::*;
use crate::domain::RuleSpec;
use crate::engine::rules::fixture::{now, request, rule, schema, workflow};
use crate::engine::rules::{bindings, rule_env};

fn decide(rules: Vec<RuleSpec>, already_flagged: bool) -> Decision {
    let wf = workflow(rules);
    let env = rule_env(&wf, &schema(), "staff");
    let table = compile_table(&wf, &env).expect("rules compile");
    let (form, requester, refs) = request();
    let bindings = bindings(&wf, &schema(), &form, &requester, &refs, now());
    table.decide(&wf, &bindings, already_flagged)
}

#[test]
fn table_decides_top_down() {
    use Outcome::*;
    let route = |c: &str| Route(c.to_string());
    let cases: Vec<(&str, Vec<RuleSpec>, Verdict, Option<&str>)> = vec![
        (
            "first match wins",
            vec![
                rule("small", "request.amount <= 2500", Approve),
                rule("hardware", "request.category == \"hardware\"", Reject),
            ],
            Verdict::Approve,
            Some("small"),
        ),
        (
            "non-matching rows are skipped",
            vec![
                rule("tiny", "request.amount <= 100", Approve),
                rule("hardware", "request.category == \"hardware\"", Reject),
            ],
            Verdict::Reject,
            Some("hardware"),
        ),
        (
            "route rows name their chain",
            vec![rule("big", "request.amount > 1000", route("finance"))],
            Verdict::Route("finance".into()),
            Some("big"),
        ),
        (
            "no match goes to the default chain",
            vec![rule("huge", "request.amount > 100000", Approve)],
            Verdict::Route("manager".into()),
            None,
        ),
        (
            "an evaluation error is no match",
            vec![
                rule("odd", "int(request.reason) > 1", Approve),
                rule("rest", "true", route("finance")),
            ],
            Verdict::Route("finance".into()),
            Some("rest"),
        ),
    ];
    for (name, rules, verdict, rule_name) in cases {
        let decision = decide(rules, false);
        assert_eq!(decision.verdict, verdict, "{name}");
        assert_eq!(decision.rule.as_deref(), rule_name, "{name}");
        assert!(decision.flags.is_empty(), "{name}");
    }
}

#[test]
fn no_match_says_so() {
    let decision = decide(vec![], false);
    assert_eq!(
        decision.reason,
        "No rule matched; sent to the default approval chain"
    );
}

#[test]
fn flags_accumulate_and_evaluation_continues() {
    use Outcome::*;
    let decision = decide(
        vec![
            rule("new_vendor", "!vendor.preferred", Flag),
            rule("pricey", "request.amount > 1000", Flag),
            rule("hardware", "request.category == \"hardware\"", Flag),
            rule("rest", "true", Route("finance".into())),
        ],
        false,
    );
    assert_eq!(decision.verdict, Verdict::Route("finance".into()));
    let sources: Vec<&str> = decision.flags.iter().map(|f| f.source.as_str()).collect();
    assert_eq!(sources, ["pricey", "hardware"]);
    assert_eq!(decision.flags[0].kind, "rule");
    assert_eq!(decision.flags[0].message, "because pricey");
    assert_eq!(decision.flags[0].details, serde_json::Value::Null);
}

#[test]
fn flagged_requests_are_never_approved_automatically() {
    use Outcome::*;
    let rows = || {
        vec![
            rule("pricey", "request.amount > 1000", Flag),
            rule("small", "request.amount <= 2500", Approve),
        ]
    };
    let decision = decide(rows(), false);
    assert_eq!(decision.verdict, Verdict::Route("review".into()));
    assert_eq!(decision.rule.as_deref(), Some("small"));
    assert!(
        decision.reason.starts_with(
            "Would be approved automatically by rule small, but it was flagged: because pricey"
        ),
        "{}",
        decision.reason
    );

    let decision = decide(vec![rule("small", "request.amount <= 2500", Approve)], true);
    assert_eq!(decision.verdict, Verdict::Route("review".into()));
    assert!(decision.reason.contains("anomaly"), "{}", decision.reason);
}

#[test]
fn flagged_approval_falls_back_to_the_default_chain() {
    let mut wf = workflow(vec![rule(
        "small",
        "request.amount <= 2500",
        Outcome::Approve,
    )]);
    wf.flagged_chain = None;
    let env = rule_env(&wf, &schema(), "staff");
    let table = compile_table(&wf, &env).expect("rules compile");
    let (form, requester, refs) = request();
    let bindings = bindings(&wf, &schema(), &form, &requester, &refs, now());
    let decision = table.decide(&wf, &bindings, true);
    assert_eq!(decision.verdict, Verdict::Route("manager".into()));
}

#[test]
fn compile_table_reports_every_bad_row() {
    let wf = workflow(vec![
        rule("a", "request.amount > 5", Outcome::Approve),
        rule("b", "request.amout > 5", Outcome::Approve),
        rule("c", "request.reason > 5", Outcome::Reject),
    ]);
    let env = rule_env(&wf, &schema(), "staff");
    let errors = compile_table(&wf, &env).expect_err("two rows are wrong");
    let rows: Vec<usize> = errors.iter().map(|(i, _)| *i).collect();
    assert_eq!(rows, [1, 2]);
    assert!(errors[0].1.hint.contains("did you mean `amount`?"));
}
