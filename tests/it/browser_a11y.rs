//! The console and the dashboard in a real headless Chromium, for people who use a keyboard and
//! a screen reader: axe-core finds no WCAG 2.1 A/AA violation on either page at desktop and
//! phone width; the director of operations approves one change order and rejects another with
//! the keyboard alone, and the focus stays on each card as it is decided; each card's buttons
//! name their request; a message in another conversation is announced; at phone width a focused
//! card's buttons are not hidden behind the message box.
//!
//! Screenshots are kept in `target/tmp/e2e/a11y-<backend>/`. The browser and axe-core:
//! `common/browser.rs` (`.ci/axe.sh` fetches axe-core 4.14).

use crate::common::app::import_invoices;
use crate::common::browser::{
    Camera, assert_accessible, axe_script, be, browser, chromedriver_path, css, focus, press,
    start_driver, tab_to, text_containing,
};
use crate::common::console::{Mode, TestServer};
use crate::common::test_databases;
use fantoccini::Client;
use fantoccini::key::Key;
use serde_json::json;
use std::time::Duration;

/// Gus Usman (a superintendent) asks for an 18,000 change order on P001: above the project
/// manager's authority, so Rachel Kim (director of operations) decides it.
async fn change_order_for_rachel(server: &TestServer, reason: &str) -> String {
    let request = server
        .app
        .submit(
            "change_order",
            "S020",
            &[("project", "P001"), ("amount", "18000"), ("reason", reason)],
        )
        .await;
    assert_eq!(
        crate::common::app::TestApp::waiting_for(&request),
        ["S004"],
        "[{}] routed to the director of operations",
        server.app.label
    );
    request.id
}

fn card(id: &str) -> String {
    format!("#messages section.card[data-request-id='{id}']")
}

/// Whether the element is inside the window and is what is drawn at its centre (nothing, like
/// a sticky message box, covers it).
async fn visible_and_uncovered(browser: &Client, selector: &str) -> bool {
    let seen = browser
        .execute(
            "const e = document.querySelector(arguments[0]); const r = e.getBoundingClientRect();\
             const x = r.left + r.width / 2, y = r.top + r.height / 2;\
             const inside = r.top >= 0 && r.bottom <= window.innerHeight;\
             const top = document.elementFromPoint(x, y);\
             return inside && top !== null && (top === e || e.contains(top));",
            vec![json!(selector)],
        )
        .await
        .expect("script");
    seen == json!(true)
}

/// Nothing focused and the page at its top, as when a keyboard walk starts.
async fn from_the_top(browser: &Client) {
    browser
        .execute(
            "document.activeElement?.blur(); window.scrollTo(0, 0);",
            vec![],
        )
        .await
        .expect("script");
}

/// Approves `id` with Tab and Enter from the top of the page; the focus stays on its card.
async fn approve_by_keyboard(browser: &Client, id: &str) {
    from_the_top(browser).await;
    let approve = format!("{} button[data-action='approve']", card(id));
    tab_to(browser, &approve, 60).await;
    let name = browser
        .execute(
            "const b = document.activeElement; return [b.textContent, \
               document.getElementById(b.getAttribute('aria-describedby')).textContent];",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(
        name,
        json!([format!("Approve {id}"), format!("Change order {id}")]),
        "the button names its request and is described by the card's title"
    );
    press(browser, Key::Enter).await;
    text_containing(
        browser,
        &format!("{} .card-status", card(id)),
        "Approved by",
    )
    .await;
    // The update replaces the card; the focus moves with it rather than to the page.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let focused = focus(browser).await;
    assert_eq!(
        focused["request"],
        json!(id),
        "after Approve the focus stays on the card: {focused}"
    );
}

/// Rejects `id` with the keyboard: Tab to Reject, Enter, type the reason, Tab to Submit, Enter.
async fn reject_by_keyboard(browser: &Client, id: &str, reason: &str) {
    from_the_top(browser).await;
    let reject = format!("{} button[data-action='reject']", card(id));
    tab_to(browser, &reject, 60).await;
    press(browser, Key::Enter).await;
    css(browser, "#form-dialog[open] #field-reason").await;
    let field = browser.active_element().await.expect("focus");
    assert_eq!(
        field.attr("id").await.expect("id").as_deref(),
        Some("field-reason"),
        "the reason field has the focus when the form opens"
    );
    field.send_keys(reason).await.expect("reason");
    tab_to(browser, "#form-submit", 5).await;
    press(browser, Key::Enter).await;
    text_containing(browser, &format!("{} .card-status", card(id)), "Rejected").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let focused = focus(browser).await;
    assert_eq!(
        focused["request"],
        json!(id),
        "after the rejection's form closes the focus is back on the card: {focused}"
    );
}

#[tokio::test]
async fn the_console_and_dashboard_pass_axe_and_approvals_work_by_keyboard_with_focus_kept() {
    let Some(chromedriver) = chromedriver_path() else {
        return;
    };
    let axe = axe_script();
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        import_invoices(&server.app).await;
        let to_approve = change_order_for_rachel(&server, "Rock at footing 4").await;
        let to_reject = change_order_for_rachel(&server, "Extra formwork").await;
        let (_driver, driver_url) = start_driver(&chromedriver).await;
        let browser = browser(&driver_url).await;
        let mut camera = Camera::new(&format!("a11y-{}", db.label));
        let console = format!("{}/console", server.base);
        browser.goto(&console).await.expect("open the console");
        css(&browser, "#picker[open]").await;
        if let Some(axe) = &axe {
            assert_accessible(&browser, axe, "the console's person picker").await;
        }
        be(&browser, "S004", "Rachel").await;
        css(&browser, &card(&to_reject)).await;

        approve_by_keyboard(&browser, &to_approve).await;
        camera.shoot(&browser, "approved-by-keyboard").await;
        reject_by_keyboard(&browser, &to_reject, "Wait for the engineer's sketch").await;
        camera.shoot(&browser, "rejected-by-keyboard").await;

        // A card for Rachel lands in #change-orders while she reads her direct messages.
        let channel_has_it = browser
            .execute(
                "return !!document.querySelector('#conversations [data-conversation=\"#change-orders\"]');",
                vec![],
            )
            .await
            .expect("script");
        assert_eq!(channel_has_it, json!(true), "Rachel sees #change-orders");
        let third = change_order_for_rachel(&server, "Dewatering").await;
        text_containing(&browser, "#announcer", "New message in").await;
        css(&browser, &card(&third)).await;

        if let Some(axe) = &axe {
            assert_accessible(&browser, axe, "the console with pending and decided cards").await;
        }
        browser
            .goto(&format!("{}/console/dashboard", server.base))
            .await
            .expect("open the dashboard");
        css(&browser, "#audit-status[data-ok='true']").await;
        if let Some(axe) = &axe {
            assert_accessible(&browser, axe, "the dashboard").await;
        }

        browser
            .set_window_size(390, 844)
            .await
            .expect("phone width");
        browser.goto(&console).await.expect("open the console");
        let approve = format!("{} button[data-action='approve']", card(&third));
        css(&browser, &approve).await;
        if let Some(axe) = &axe {
            assert_accessible(&browser, axe, "the console at phone width").await;
        }
        from_the_top(&browser).await;
        tab_to(&browser, &approve, 80).await;
        assert!(
            visible_and_uncovered(&browser, &approve).await,
            "[{}] at phone width the focused Approve button is in view and not covered",
            db.label
        );
        camera.shoot(&browser, "phone-focused-card").await;
        browser
            .goto(&format!("{}/console/dashboard", server.base))
            .await
            .expect("open the dashboard");
        css(&browser, "#audit-status[data-ok='true']").await;
        if let Some(axe) = &axe {
            assert_accessible(&browser, axe, "the dashboard at phone width").await;
        }
        camera.shoot(&browser, "phone-dashboard").await;

        browser.close().await.expect("closing Chromium");
        server.stop().await;
    }
}
