//! A card delivered after its request moved on (after an outage, a long retry) says what
//! happened instead of asking for a decision, and carries no buttons: on Slack and in the
//! console.

use crate::common::app::TestApp;
use crate::common::with_slack::app_with_slack;
use crate::faults::large_change_order;
use keel::chat::ChatPort;
use keel::chat::console::Console;
use keel::engine::lifecycle::Action;
use keel::service::Sink;
use std::sync::Arc;

const RACHEL: &str = "UF522C1C1"; // S004

/// Rachel rejects Gus's change order before her card reached her.
async fn rejected_before_delivery(app: &TestApp) -> String {
    let id = large_change_order(app).await;
    let reason = "Split it".to_string();
    app.keel
        .act(&id, "S004", Action::Reject { reason }, None)
        .await
        .unwrap_or_else(|e| panic!("[{}] reject: {e}", app.label));
    id
}

#[tokio::test]
async fn a_late_slack_card_says_it_was_rejected_and_has_no_buttons() {
    for db in crate::common::test_databases().await {
        let (stand_in, app, sink) = app_with_slack(&db, &[]).await;
        let label = db.label;
        let id = rejected_before_delivery(&app).await;
        app.keel.deliver_outbox(&sink).await.expect("a pass");

        let dms = stand_in.messages_of(RACHEL);
        let card = dms
            .iter()
            .find(|m| m["text"].as_str().is_some_and(|t| t.contains(&id)))
            .unwrap_or_else(|| panic!("[{label}] Rachel got no card: {dms:#?}"));
        let said = format!("Change order {id} was rejected by Rachel Kim before this reached you.");
        assert_eq!(card["text"], said.as_str(), "[{label}]");
        assert!(card.to_string().contains("Rejected"), "[{label}] {card}");
        assert!(
            !card.to_string().contains("asks you to approve"),
            "[{label}] {card}"
        );
        let blocks = card["blocks"].as_array().cloned().unwrap_or_default();
        assert!(
            blocks.iter().all(|b| b["type"] != "actions"),
            "[{label}] no buttons: {card}"
        );
    }
}

#[tokio::test]
async fn a_late_console_card_says_it_was_rejected_and_has_no_buttons() {
    for db in crate::common::test_databases().await {
        let app = TestApp::start(&db).await;
        let label = db.label;
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        let console: Arc<dyn ChatPort> = Console::new(app.keel.clone(), true, stopped);
        let id = rejected_before_delivery(&app).await;
        app.keel
            .deliver_outbox(&Sink::Chat(vec![console]))
            .await
            .expect("a pass");

        let messages = app
            .keel
            .store()
            .console_messages("@S004", 50)
            .await
            .expect("DMs");
        let card = messages
            .iter()
            .find(|m| m.request_id.as_deref() == Some(id.as_str()) && m.card.is_some())
            .unwrap_or_else(|| panic!("[{label}] Rachel got no card: {messages:#?}"));
        assert_eq!(
            card.body,
            format!("Change order {id} was rejected by Rachel Kim before this reached you."),
            "[{label}]"
        );
        let shown = card.card.as_ref().expect("a card");
        assert!(
            shown.status.starts_with("Rejected"),
            "[{label}] {}",
            shown.status
        );
        assert!(shown.buttons.is_empty(), "[{label}] no buttons");
    }
}
