//! The web console over HTTP against the real server: a change order from slash command to
//! approval, live updates, and every kind of bad input refused with a message and no change.

use crate::common::console::{
    CONSOLE_SECRET, Mode, TestServer, cookie_of, form_errors, opened_form, reply, submitted_id,
};
use crate::common::test_databases;
use keel::chat::console::session::{Purpose, SessionKey};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

const GUS: &str = "S020"; // superintendent on P001
const RACHEL: &str = "S004"; // director of operations, limit 50,000
const PM: &str = "S016"; // manager of P001

fn has_card(message: &Value, request_id: &str) -> bool {
    message["card"]["title"]
        .as_str()
        .is_some_and(|t| t.ends_with(request_id))
}

#[tokio::test]
async fn a_change_order_goes_from_slash_command_to_rejection_resubmission_and_approval() {
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let gus = server.sign_in(GUS).await;
        let rachel = server.sign_in(RACHEL).await;
        let pm = server.sign_in(PM).await;

        let effects = gus.say("#change-orders", "/changeorder").await;
        let form = opened_form(&effects);
        assert_eq!(form["id"], "submit:change_order", "[{}]", db.label);
        let nonce = form["nonce"].as_str().expect("a nonce").to_string();
        let mut live = rachel_stream(&server, &rachel).await;

        let effects = gus
            .submit_form(
                "submit:change_order",
                &nonce,
                json!({ "project": "P001", "amount": "lots", "reason": "Rock at footing 4" }),
            )
            .await;
        let errors = form_errors(&effects);
        assert_eq!(errors.len(), 1, "[{}] {errors:?}", db.label);
        assert_eq!(errors[0].0, "amount");
        let values = json!({ "project": "P001", "amount": "18000", "reason": "Rock at footing 4" });
        let effects = gus
            .submit_form("submit:change_order", &nonce, values.clone())
            .await;
        assert_eq!(effects[0]["type"], "close_form");
        let first = submitted_id(&reply(&effects));
        assert!(
            reply(&effects).contains("Waiting for Rachel Kim"),
            "{effects:?}"
        );
        // The same opening of the form submitted twice (a double click) is one request.
        let again = gus
            .submit_form("submit:change_order", &nonce, values.clone())
            .await;
        assert_eq!(submitted_id(&reply(&again)), first, "[{}]", db.label);
        // Someone else sending the same nonce gets nothing of Gus's: a nonce is per person.
        let theirs = pm.submit_form("submit:change_order", &nonce, values).await;
        let other = submitted_id(&reply(&theirs));
        assert_ne!(other, first, "[{}]", db.label);

        let card = rachel
            .wait_for_message(&format!("@{RACHEL}"), |m| has_card(m, &first))
            .await;
        assert_eq!(card["card"]["buttons"].as_array().map(Vec::len), Some(3));
        let fields = card["card"]["fields"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            fields.contains(&json!(["Project", "Bayview Medical Office (P001)"])),
            "[{}] cards name referenced records: {fields:?}",
            db.label
        );
        gus.wait_for_message("#change-orders", |m| has_card(m, &first))
            .await;
        let pushed = next_event_about(&mut live, &first).await;
        assert!(pushed.contains("Gus Usman"), "[{}] {pushed}", db.label);

        let effects = rachel.click(&first, "comment", 0).await;
        let comment_form = opened_form(&effects)["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_eq!(comment_form, format!("comment:{first}:0"));
        let effects = rachel
            .submit_form(
                &comment_form,
                "c1",
                json!({ "reason": "Is the rock in the soils report?" }),
            )
            .await;
        assert!(
            reply(&effects).starts_with("You commented on"),
            "{effects:?}"
        );
        gus.wait_for_message(&format!("@{GUS}"), |m| {
            m["text"]
                .as_str()
                .is_some_and(|t| t.contains("Is the rock in the soils report?"))
        })
        .await;

        let effects = rachel.click(&first, "reject", 0).await;
        let reason_form = opened_form(&effects);
        assert_eq!(reason_form["id"], format!("reject:{first}:0"));
        let effects = rachel
            .submit_form(&format!("reject:{first}:0"), "r1", json!({ "reason": "" }))
            .await;
        assert_eq!(form_errors(&effects)[0].0, "reason", "[{}]", db.label);
        let effects = rachel
            .submit_form(
                &format!("reject:{first}:0"),
                "r1",
                json!({ "reason": "Split it: 14k now, 4k with the next pour" }),
            )
            .await;
        assert!(reply(&effects).starts_with("You rejected"), "{effects:?}");

        let outcome = gus
            .wait_for_message(&format!("@{GUS}"), |m| {
                m["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("was rejected"))
            })
            .await;
        assert!(
            outcome["text"]
                .as_str()
                .unwrap_or_default()
                .contains("14k now")
        );
        let updated = rachel
            .wait_for_message(&format!("@{RACHEL}"), |m| {
                has_card(m, &first) && m["card"]["buttons"] == json!([])
            })
            .await;
        assert_eq!(updated["id"], card["id"], "the card is updated in place");

        let nonce = opened_form(&gus.say(&format!("@{GUS}"), "/changeorder").await)["nonce"]
            .as_str()
            .expect("nonce")
            .to_string();
        let effects = gus
            .submit_form(
                "submit:change_order",
                &nonce,
                json!({ "project": "P001", "amount": "14000", "reason": "Rock at footing 4, first part" }),
            )
            .await;
        let second = submitted_id(&reply(&effects));
        assert_ne!(second, first);
        pm.wait_for_message(&format!("@{PM}"), |m| has_card(m, &second))
            .await;
        let effects = pm.click(&second, "approve", 0).await;
        assert!(reply(&effects).starts_with("You approved"), "{effects:?}");
        gus.wait_for_message(&format!("@{GUS}"), |m| {
            m["text"]
                .as_str()
                .is_some_and(|t| t.contains(&second) && t.contains("approved"))
        })
        .await;

        // Diana sees the request she approved, not the one she was never part of.
        let (status, dashboard) = pm.get("/console/api/dashboard").await;
        assert_eq!(status, StatusCode::OK);
        let seen: Vec<&str> = dashboard["recent_requests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert!(
            seen.contains(&second.as_str()) && !seen.contains(&first.as_str()),
            "{seen:?}"
        );
        let (status, _) = pm.get(&format!("/console/api/requests/{first}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "[{}]", db.label);

        let (status, dashboard) = gus.get("/console/api/dashboard").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            dashboard["audit"]["ok"], true,
            "[{}] {}",
            db.label, dashboard["audit"]
        );
        let recent: Vec<&str> = dashboard["recent_requests"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["id"].as_str())
            .collect();
        assert!(recent.contains(&first.as_str()) && recent.contains(&second.as_str()));
        let (_, history) = gus.get(&format!("/console/api/requests/{first}")).await;
        let actions: Vec<&str> = history["history"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(actions.contains(&"rejected"), "[{}] {actions:?}", db.label);
        drop(live);
        server.stop().await;
    }
}

/// An open live stream.
type Live = reqwest::Response;

async fn rachel_stream(server: &TestServer, rachel: &crate::common::console::Session) -> Live {
    let response = rachel
        .client
        .get(format!("{}/console/api/stream", server.base))
        .header("cookie", rachel.cookie.clone().unwrap_or_default())
        .send()
        .await
        .expect("stream");
    assert_eq!(response.status(), StatusCode::OK);
    response
}

/// Reads the live stream until an event mentions `request_id`; returns that event's text.
async fn next_event_about(live: &mut Live, request_id: &str) -> String {
    let mut seen = String::new();
    let read = async {
        while let Some(chunk) = live.chunk().await.expect("stream chunk") {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(event) = seen.split("\n\n").find(|e| e.contains(request_id)) {
                return event.to_string();
            }
        }
        panic!("the stream ended");
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("a live event within 10 s")
}

/// Requests and audit events, to show that a refused input changed nothing.
async fn footprint(server: &TestServer) -> (usize, usize) {
    let keel = &server.app.keel;
    let requests = keel
        .list_requests(&Default::default())
        .await
        .expect("requests")
        .len();
    let events = keel.store().all_events().await.expect("events").len();
    (requests, events)
}

#[tokio::test]
async fn bad_input_through_the_console_gets_a_clear_message_and_changes_nothing() {
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let gus = server.sign_in(GUS).await;
        let rachel = server.sign_in(RACHEL).await;
        let label = db.label;

        // A request that moves on, for the stale button below.
        let reply_text = reply(
            &gus.submit_form(
                "submit:change_order",
                "n1",
                json!({ "project": "P001", "amount": "18000", "reason": "Rock" }),
            )
            .await,
        );
        let id = submitted_id(&reply_text);
        rachel.click(&id, "approve", 0).await;
        let before = footprint(&server).await;

        // Oversized field.
        let effects = gus
            .submit_form(
                "submit:change_order",
                "n2",
                json!({ "project": "P001", "amount": "100", "reason": "x".repeat(501) }),
            )
            .await;
        let errors = form_errors(&effects);
        assert_eq!(errors[0].0, "reason", "[{label}] {errors:?}");
        assert!(errors[0].1.contains("too long"), "[{label}] {errors:?}");

        // A form for a workflow that does not exist, and a form keel never opened.
        let effects = gus
            .submit_form("submit:payroll", "n3", json!({ "amount": "1" }))
            .await;
        let errors = form_errors(&effects);
        assert!(
            errors[0].0.is_empty() && errors[0].1.contains("no workflow `payroll`"),
            "[{label}] {errors:?}"
        );
        let effects = gus.submit_form("launch:missiles", "n4", json!({})).await;
        assert!(
            form_errors(&effects)[0]
                .1
                .contains("does not know the form")
        );

        // A button for a request that has moved on, and for one that does not exist.
        let effects = rachel.click(&id, "approve", 0).await;
        assert!(
            reply(&effects).contains("already approved"),
            "[{label}] {effects:?}"
        );
        let effects = rachel.click(&id, "reject", 0).await;
        assert!(
            reply(&effects).contains("moved on"),
            "[{label}] {effects:?}"
        );
        let effects = rachel.click("CO-9999", "approve", 0).await;
        assert!(
            reply(&effects).contains("no request CO-9999"),
            "{effects:?}"
        );

        // An oversized message, a whole body past the limit, and a conversation not theirs.
        let (status, body) = gus
            .post(
                "/console/api/messages",
                &json!({ "conversation": "#change-orders", "text": "y".repeat(4_001) }),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "[{label}] {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("4000")
        );
        let (status, body) = gus
            .post(
                "/console/api/forms",
                &json!({ "form": "submit:change_order", "values": { "reason": "z".repeat(70_000) } }),
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "[{label}] {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("64 KB")
        );
        let (status, body) = gus
            .post(
                "/console/api/messages",
                &json!({ "conversation": "@S001", "text": "/changeorder" }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "[{label}] {body}");
        let (status, _) = gus.get("/console/api/messages?conversation=%40S001").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = gus
            .post(
                "/console/api/buttons",
                &json!({ "request_id": id, "action": "approve" }),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "[{label}] {body}");

        assert_eq!(
            footprint(&server).await,
            before,
            "[{label}] something changed"
        );

        // /keel delegate: a bad date is explained; a good one hands Rachel's approvals over.
        let effects = rachel
            .say("@S004", "/keel delegate S003 until someday")
            .await;
        assert!(
            reply(&effects).contains("is not a date"),
            "[{label}] {effects:?}"
        );
        let effects = rachel
            .say("@S004", "/keel delegate S003 until 2026-12-31")
            .await;
        assert!(
            reply(&effects).contains("through 2026-12-31"),
            "[{label}] {effects:?}"
        );
        server.stop().await;
    }
}

#[tokio::test]
async fn outside_the_demo_only_a_signed_link_opens_the_console_and_a_forged_person_is_refused() {
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Links).await;
        let label = db.label;
        let anonymous = server.anonymous();
        let (status, body) = anonymous.get("/console/api/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] {body}");
        assert_eq!(body["demo"], false);
        let (status, body) = anonymous
            .post("/console/api/session", &json!({ "person": RACHEL }))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "[{label}] {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("only possible in the demo")
        );

        // A link signed with KEEL_CONSOLE_SECRET signs Gus in.
        let expires = chrono::Utc::now() + chrono::Duration::days(1);
        let key = SessionKey::from_secret(&CONSOLE_SECRET.to_string().into());
        let token = key.issue(Purpose::Link, GUS, expires);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let response = client
            .get(format!("{}/console/login?token={token}", server.base))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "[{label}]");
        let gus = anonymous.with_cookie(&cookie_of(&response));
        let (status, me) = gus.get("/console/api/me").await;
        assert_eq!(
            (status, me["person"]["id"].as_str()),
            (StatusCode::OK, Some(GUS))
        );

        // The same cookie with another person's id is refused, and acts on nothing.
        let before = footprint(&server).await;
        let cookie = gus.cookie.clone().unwrap_or_default();
        let forged = cookie.replacen(&hex::encode(GUS), &hex::encode(RACHEL), 1);
        assert_ne!(forged, cookie);
        let mallory = anonymous.with_cookie(&forged);
        let (status, body) = mallory
            .post(
                "/console/api/forms",
                &json!({ "form": "submit:change_order", "values": { "project": "P001", "amount": "100", "reason": "x" } }),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "[{label}] {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("no longer accepted: KEEL_CONSOLE_SECRET changed since you signed in, or the cookie was edited"),
            "{body}"
        );
        let (status, _) = mallory.get("/console/api/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = anonymous.get("/console/api/people?q=rachel").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the directory is not open outside the demo"
        );
        let response = client
            .get(format!(
                "{}/console/login?token={}",
                server.base,
                forged.trim_start_matches("keel_console=")
            ))
            .send()
            .await
            .expect("forged login");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        // A session cookie is not a sign-in link: it cannot renew itself.
        let as_link = cookie.trim_start_matches("keel_console=");
        let response = client
            .get(format!("{}/console/login?token={as_link}", server.base))
            .send()
            .await
            .expect("cookie as a link");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "[{label}]");
        // Another site making Gus's browser post is refused.
        let response = client
            .post(format!("{}/console/api/forms", server.base))
            .header("cookie", &cookie)
            .header("origin", "http://evil.example")
            .json(&json!({ "form": "submit:change_order",
                "values": { "project": "P001", "amount": "100", "reason": "x" } }))
            .send()
            .await
            .expect("cross-site post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "[{label}]");
        assert_eq!(footprint(&server).await, before, "[{label}]");
        server.stop().await;

        let closed = TestServer::start(&db, Mode::Closed).await;
        let (status, body) = closed.anonymous().get("/console/api/me").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "[{label}] {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains("KEEL_CONSOLE_SECRET")
        );
        closed.stop().await;
    }
}

/// A channel shows a card whole only to those who may see its request (its requester, its
/// approvers, admins); anyone else reads that it exists, as `/console/api/requests/{id}` would
/// refuse them its details. Live updates are redacted the same way.
#[tokio::test]
async fn a_channel_card_shows_its_details_only_to_those_who_may_see_the_request() {
    const FIELD_WORKER: &str = "S052"; // Victor Quint, equipment operator
    const CEO: &str = "S001"; // Morgan Hale, an admin
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        let gus = server.sign_in(GUS).await;
        let victor = server.sign_in(FIELD_WORKER).await;
        let mut victor_live = victor
            .client
            .get(format!("{}/console/api/stream", server.base))
            .header("cookie", victor.cookie.clone().unwrap_or_default())
            .send()
            .await
            .expect("stream");
        let form = opened_form(&gus.say("#change-orders", "/changeorder").await);
        let nonce = form["nonce"].as_str().expect("a nonce").to_string();
        let values = json!({ "project": "P001", "amount": "9123.45", "reason": "Secret rock" });
        let effects = gus.submit_form("submit:change_order", &nonce, values).await;
        let id = submitted_id(&reply(&effects));

        for (who, session) in [
            ("the requester", &gus),
            ("the approver", &server.sign_in(PM).await),
            ("an admin", &server.sign_in(CEO).await),
        ] {
            let card = session
                .wait_for_message("#change-orders", |m| has_card(m, &id))
                .await;
            assert!(
                card.to_string().contains("Secret rock"),
                "[{}] {who} sees the card whole: {card}",
                db.label
            );
        }
        let shown = victor
            .wait_for_message("#change-orders", |m| m["request_id"] == id.as_str())
            .await;
        assert_eq!(shown["card"], Value::Null, "[{}] {shown}", db.label);
        let text = shown.to_string();
        for secret in ["Secret rock", "9,123.45", "9123.45", "Approve"] {
            assert!(!text.contains(secret), "[{}] {secret} in {text}", db.label);
        }
        assert!(text.contains("not part of it"), "[{}] {text}", db.label);
        let (status, _) = victor.get(&format!("/console/api/requests/{id}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "[{}]", db.label);
        let live = next_event_about(&mut victor_live, &id).await;
        assert!(
            !live.contains("Secret rock") && live.contains("not part of it"),
            "[{}] {live}",
            db.label
        );
        server.stop().await;
    }
}
