//! Digests through keel: two keel processes on one database, both ticking at the scheduled
//! time, send each person's digest once; what it lists is checked against the demo CSVs, and
//! the next digest says what is still there.

use crate::common::app::{TestApp, import_invoices};
use crate::common::demo_csv::{csv, number};
use chrono::Duration;
use keel::domain::{Notification, NotificationKind};
use std::collections::{BTreeMap, BTreeSet};

/// The digest's recipients by the demo CSVs: active staff holding its roles.
fn leadership() -> BTreeSet<String> {
    csv("staff.csv")
        .into_iter()
        .filter(|s| ["ceo", "coo", "ops_director"].contains(&s["role"].as_str()))
        .filter(|s| s["active"] == "true")
        .map(|s| s["staff_id"].clone())
        .collect()
}

/// The active or on-hold projects on course to go over budget by the CSVs (spend ÷ percent
/// complete above the budget), with their projected overrun.
fn projected_overruns() -> BTreeMap<String, f64> {
    let mut spent: BTreeMap<String, f64> = BTreeMap::new();
    for invoice in csv("invoices.csv") {
        *spent.entry(invoice["project_id"].clone()).or_default() += number(&invoice["amount"]);
    }
    csv("projects.csv")
        .into_iter()
        .filter(|p| ["active", "on_hold"].contains(&p["status"].as_str()))
        .filter_map(|p| {
            let (budget, complete) = (number(&p["budget"]), number(&p["percent_complete"]));
            if budget <= 0.0 || complete <= 0.0 {
                return None;
            }
            let spent = spent.get(&p["project_id"]).copied().unwrap_or(0.0);
            let overrun = spent / (complete / 100.0) - budget;
            (overrun > 0.0).then(|| (p["project_id"].clone(), overrun))
        })
        .collect()
}

/// `1234567.891` as `$1,234,567.89`.
fn dollars(value: f64) -> String {
    let cents = format!("{value:.2}");
    let (whole, fraction) = cents.split_once('.').unwrap();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("${grouped}.{fraction}")
}

fn digests(delivered: &[Notification]) -> Vec<&Notification> {
    delivered
        .iter()
        .filter(|n| n.kind == NotificationKind::Digest)
        .collect()
}

/// The text of a digest card's section.
fn section<'a>(digest: &'a Notification, title: &str) -> &'a str {
    let card = digest.card.as_ref().expect("a digest has a card");
    assert!(card.buttons.is_empty(), "a digest's card has no buttons");
    card.fields
        .iter()
        .find(|(label, _)| label == title)
        .map(|(_, text)| text.as_str())
        .unwrap_or_else(|| panic!("no section {title} in {card:?}"))
}

#[tokio::test]
async fn a_digest_is_sent_once_per_tick_by_two_keels_and_lists_what_the_csvs_say() {
    for db in crate::common::test_databases().await {
        let first = TestApp::start(&db).await;
        import_invoices(&first).await;
        let second = TestApp::start(&db).await;
        let label = first.label;
        // Monday 09:00: keel first runs with the digest after its 08:00 tick, which it passes
        // over; the digest starts the next Monday.
        let (a, b) = tokio::join!(first.keel.tick(), second.keel.tick());
        assert_eq!(a.unwrap().digests + b.unwrap().digests, 0, "[{label}]");

        // Both reach the next Monday 08:00 and tick at once.
        let to_next = Duration::days(7) - Duration::hours(1);
        first.clock.advance(to_next);
        second.clock.advance(to_next);
        let (a, b) = tokio::join!(first.keel.tick(), second.keel.tick());
        let (a, b) = (a.unwrap().digests, b.unwrap().digests);
        let people = leadership();
        assert_eq!(a + b, people.len(), "[{label}] queued once for each person");
        assert!(
            a == 0 || b == 0,
            "[{label}] one keel claimed the tick: {a} and {b}"
        );
        let (a, b) = tokio::join!(first.keel.tick(), second.keel.tick());
        assert_eq!(
            a.unwrap().digests + b.unwrap().digests,
            0,
            "[{label}] a tick is sent once"
        );
        let (x, y) = tokio::join!(
            first.keel.deliver_outbox(&first.sink),
            second.keel.deliver_outbox(&second.sink)
        );
        x.unwrap();
        y.unwrap();

        let mut delivered = first.sink.delivered();
        delivered.extend(second.sink.delivered());
        let sent = digests(&delivered);
        let mut to: Vec<&str> = sent.iter().map(|n| n.to.as_str()).collect();
        to.sort();
        let expected: Vec<&str> = people.iter().map(String::as_str).collect();
        assert_eq!(
            to, expected,
            "[{label}] each person's digest delivered exactly once"
        );

        // What the CEO's digest says of projects over budget is what the CSVs say.
        let ceo = sent
            .iter()
            .find(|n| n.to == "S001")
            .expect("the CEO's digest");
        assert!(
            ceo.request_id.is_empty(),
            "[{label}] a digest is about no request"
        );
        let over = section(ceo, "Projects trending over budget");
        let overruns = projected_overruns();
        assert!(
            !overruns.is_empty(),
            "the demo plants a project over budget"
        );
        let listed = over.lines().filter(|l| !l.starts_with("Ask keel")).count();
        assert_eq!(listed, overruns.len().min(5), "[{label}] {over}");
        for (project, overrun) in &overruns {
            let line = over
                .lines()
                .find(|l| l.contains(&format!("({project})")))
                .unwrap_or_else(|| panic!("[{label}] {project} missing from {over}"));
            assert!(
                line.contains(&dollars(*overrun)),
                "[{label}] {line} vs {overrun}"
            );
        }
        assert!(
            over.ends_with("Ask keel: “which projects are over budget”"),
            "[{label}] {over}"
        );

        // A week on, the next digest says the same project is still over budget.
        first.clock.advance(Duration::days(7));
        assert_eq!(
            first.keel.tick().await.unwrap().digests,
            people.len(),
            "[{label}]"
        );
        first.keel.deliver_outbox(&first.sink).await.unwrap();
        let delivered = first.sink.delivered();
        let next = digests(&delivered)
            .into_iter()
            .rfind(|n| n.to == "S001")
            .expect("the CEO's next digest");
        let over = section(next, "Projects trending over budget");
        for project in overruns.keys() {
            assert!(
                over.lines()
                    .any(|l| l.starts_with("Still: ") && l.contains(project.as_str())),
                "[{label}] {over}"
            );
        }
        let status = &next.card.as_ref().unwrap().status;
        assert!(
            status.starts_with("Since the last digest:"),
            "[{label}] {status}"
        );
    }
}

#[tokio::test]
async fn a_digest_sent_by_hand_names_no_unknown_digest() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let refused = app.keel.send_digest("weekly_gossip").await.unwrap_err();
        assert!(
            refused.to_string().contains("There is no digest `weekly_gossip` in digests.toml. The digests are: weekly_leadership."),
            "[{}] {refused}",
            app.label
        );
        let sent = app.keel.send_digest("weekly_leadership").await.unwrap();
        assert_eq!(sent, leadership().len(), "[{}]", app.label);
    }
}

/// What the lead's browser test screenshots: a digest sent by hand (`keel digest send`) shows
/// in the ops director's direct messages on the console, as a card without buttons.
#[tokio::test]
async fn a_digest_shows_in_the_console_as_a_card_without_buttons() {
    use crate::common::console::{Mode, TestServer};
    for db in crate::common::test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let rachel = server.sign_in("S004").await;
        let sent = server
            .app
            .keel
            .send_digest("weekly_leadership")
            .await
            .unwrap();
        assert_eq!(sent, leadership().len(), "[{}]", db.label);
        let digest = rachel
            .wait_for_message("@S004", |m| {
                m["card"]["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Monday briefing: "))
            })
            .await;
        assert_eq!(
            digest["card"]["buttons"],
            serde_json::json!([]),
            "[{}]",
            db.label
        );
        assert!(digest["request_id"].is_null(), "[{}] {digest}", db.label);
        let sections: Vec<&str> = digest["card"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f[0].as_str())
            .collect();
        assert_eq!(sections.len(), 6, "[{}] {sections:?}", db.label);
        // Each section's question is offered as a button that asks it.
        let questions = digest["card"]["questions"].as_array().unwrap();
        assert_eq!(questions.len(), 6, "[{}] {questions:?}", db.label);
        assert!(questions.contains(&serde_json::json!("which projects are over budget")));
        server.stop().await;
    }
}

/// A role sees in its digest only what it may ask about (ask.toml's [access]): field staff may
/// not see project budgets, so their digest says the section is not shown and offers no
/// question they could not ask, while the vendors' section is theirs.
#[tokio::test]
async fn a_digest_leaves_out_what_the_role_may_not_see() {
    use crate::common::app::{config_dir, copy_dir};
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&config_dir(), dir.path());
    std::fs::write(
        dir.path().join("digests.toml"),
        "[[digest]]\nname = \"crew\"\nroles = [\"field_staff\"]\nschedule = \"mon 07:00\"\n\
         sections = [\"over_budget\", \"late_vendors\"]\n",
    )
    .unwrap();
    for db in crate::common::test_databases().await {
        let app = TestApp::start_with_config(&db, dir.path()).await;
        import_invoices(&app).await;
        let crew = csv("staff.csv")
            .into_iter()
            .filter(|s| s["role"] == "field_staff" && s["active"] == "true")
            .count();
        assert_eq!(
            app.keel.send_digest("crew").await.unwrap(),
            crew,
            "[{}]",
            app.label
        );
        app.keel.deliver_outbox(&app.sink).await.unwrap();
        let delivered = app.sink.delivered();
        let sent = digests(&delivered);
        assert_eq!(sent.len(), crew, "[{}]", app.label);
        let one = sent[0];
        let hidden = section(one, "Projects trending over budget");
        assert!(
            hidden.starts_with("Not shown: ") && hidden.contains("budget"),
            "[{}] {hidden}",
            app.label
        );
        let vendors = section(one, "Late vendors");
        assert!(
            vendors.ends_with("Ask keel: “which vendors deliver late”"),
            "[{}] {vendors}",
            app.label
        );
        assert_eq!(
            one.card.as_ref().unwrap().questions,
            ["which vendors deliver late"]
        );
    }
}

/// keel first running with a digest days after its last tick sends nothing then, and the digest
/// at its next scheduled time.
#[tokio::test]
async fn a_digest_new_to_keel_starts_at_its_next_scheduled_time() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        // Wednesday 09:00, two days after Monday's tick.
        app.clock.advance(Duration::days(2));
        assert_eq!(app.keel.tick().await.unwrap().digests, 0, "[{}]", app.label);
        // The next Monday, 08:00.
        app.clock.advance(Duration::days(5) - Duration::hours(1));
        let sent = app.keel.tick().await.unwrap().digests;
        assert_eq!(sent, leadership().len(), "[{}]", app.label);
    }
}
