//! The console in a real headless Chromium (Debian's, driven through chromedriver): a
//! superintendent's 18,000 change order is rejected by the director of operations with a reason,
//! resubmitted at 14,000 and approved by the project manager, and the dashboard shows both
//! requests and an intact audit trail; then Ask keel: a question answered with a table (still
//! there after a reload), a question refused by the access rules, and a question keel declines.
//! Screenshots of each moment are kept in `target/tmp/e2e/<backend>/`.
//! The browser and its helpers: `common/browser.rs`.

use crate::common::app::import_invoices;
use crate::common::browser::{
    Camera, be, browser, chromedriver_path, css, sign_in_with_the_keyboard, start_driver,
    text_containing,
};
use crate::common::console::{Mode, TestServer, submitted_id};
use crate::common::test_databases;
use fantoccini::Client;
use serde_json::json;
use std::time::Duration;

/// Types a slash command in the composer and submits the form it opens with `values`.
async fn submit_change_order(browser: &Client, amount: &str, reason: &str) -> String {
    let composer = css(browser, "#composer-input").await;
    composer.click().await.expect("focus composer");
    composer
        .send_keys("/changeorder\u{E007}")
        .await
        .expect("type");
    css(
        browser,
        "#form-dialog[open] #field-project option[value='P001']",
    )
    .await;
    css(browser, "#field-project")
        .await
        .select_by_value("P001")
        .await
        .expect("project");
    css(browser, "#field-amount")
        .await
        .send_keys(amount)
        .await
        .expect("amount");
    css(browser, "#field-reason")
        .await
        .send_keys(reason)
        .await
        .expect("reason");
    css(browser, "#form-submit")
        .await
        .click()
        .await
        .expect("submit");
    let reply = text_containing(browser, "#messages .ephemeral:last-of-type", "submitted").await;
    submitted_id(&reply)
}

/// Types `question` in the composer and sends it.
async fn ask(browser: &Client, question: &str) {
    let composer = css(browser, "#composer-input").await;
    composer.click().await.expect("focus composer");
    composer
        .send_keys(&format!("{question}\u{E007}"))
        .await
        .expect("type");
}

/// Ask keel in the console, as the chief executive (signed in) and as field staff.
async fn ask_keel(browser: &Client, base: &str, camera: &mut Camera) {
    browser
        .goto(&format!("{base}/console"))
        .await
        .expect("open the console");
    css(
        browser,
        "button[data-conversation='@S001'][aria-current='true']",
    )
    .await;
    let question = "/ask total invoices by vendor";
    ask(browser, question).await;
    let header = "#messages table.answer-table thead th[scope='col']:last-child";
    text_containing(browser, header, "Invoice total").await;
    text_containing(browser, "#messages", question).await;
    // The question at the top of the view, its answer's table under it.
    browser
        .execute(
            "[...document.querySelectorAll('#messages .message')]\
               .filter((m) => m.textContent.includes(arguments[0])).pop().scrollIntoView();",
            vec![json!(question)],
        )
        .await
        .expect("scroll");
    camera.shoot(browser, "ask-answered-with-a-table").await;
    browser.refresh().await.expect("reload");
    text_containing(browser, header, "Invoice total").await;
    text_containing(browser, "#messages", question).await;
    css(browser, "#messages img.answer-chart").await;
    // The chart, at the end, once it has loaded.
    browser
        .execute(
            "const img = document.querySelector('#messages img.answer-chart:last-of-type');\
             await img.decode(); img.scrollIntoView();",
            vec![],
        )
        .await
        .expect("scroll");
    camera.shoot(browser, "ask-answer-after-reload").await;

    be(browser, "S052", "Victor").await;
    ask(browser, "what is Rachel Kim's approval limit?").await;
    text_containing(browser, "#messages", "you may not see approval limits").await;
    camera.shoot(browser, "ask-refused-by-access-rules").await;

    // A question the records cannot answer: declined, with questions keel can answer as buttons.
    ask(browser, "which projects are behind schedule?").await;
    text_containing(browser, "#messages", "did not understand").await;
    text_containing(browser, "#messages .suggestions", "percent complete").await;
    css(browser, "#messages .suggestions button").await;
    camera.shoot(browser, "ask-declined-with-suggestions").await;
}

#[tokio::test]
async fn a_change_order_is_rejected_resubmitted_and_approved_in_a_real_browser() {
    let Some(chromedriver) = chromedriver_path() else {
        return;
    };
    for db in test_databases().await {
        let server = TestServer::start(&db, Mode::Demo).await;
        import_invoices(&server.app).await;
        let (_driver, driver_url) = start_driver(&chromedriver).await;
        let browser = browser(&driver_url).await;
        let mut camera = Camera::new(db.label);
        browser
            .goto(&format!("{}/console", server.base))
            .await
            .expect("open the console");

        css(&browser, "#picker[open]").await;
        camera.shoot(&browser, "picker").await;
        sign_in_with_the_keyboard(&browser, "Gus Usman", "S020").await;
        let first = submit_change_order(&browser, "18000", "Rock at footing 4").await;
        camera.shoot(&browser, "superintendent-submitted").await;

        be(&browser, "S004", "director").await;
        let card = format!("#messages section.card[data-request-id='{first}']");
        text_containing(&browser, &card, "Waiting for Rachel Kim").await;
        camera.shoot(&browser, "director-sees-the-card").await;
        css(&browser, &format!("{card} button[data-action='reject']"))
            .await
            .click()
            .await
            .expect("reject");
        css(&browser, "#form-dialog[open] #field-reason").await;
        // The dialog puts the focus in its field: typing goes there without a click.
        let focused = browser.active_element().await.expect("focus");
        assert_eq!(
            focused.attr("id").await.expect("id").as_deref(),
            Some("field-reason")
        );
        focused
            .send_keys("Split it: 14k now, 4k with the next pour")
            .await
            .expect("reason");
        camera.shoot(&browser, "reject-reason").await;
        css(&browser, "#form-submit")
            .await
            .click()
            .await
            .expect("submit reason");
        text_containing(&browser, &format!("{card} .card-status"), "Rejected").await;
        camera.shoot(&browser, "card-updated").await;

        be(&browser, "S020", "Gus").await;
        text_containing(&browser, "#messages", "was rejected by Rachel Kim").await;
        camera.shoot(&browser, "superintendent-notified").await;
        let second = submit_change_order(&browser, "14000", "Rock at footing 4, first part").await;
        assert_ne!(first, second);

        be(&browser, "S016", "Diana").await;
        let card = format!("#messages section.card[data-request-id='{second}']");
        css(&browser, &format!("{card} button[data-action='approve']"))
            .await
            .click()
            .await
            .expect("approve");
        text_containing(
            &browser,
            &format!("{card} .card-status"),
            "Approved by Diana Brooks",
        )
        .await;
        camera.shoot(&browser, "project-manager-approved").await;

        // The dashboard as the chief executive, an admin who sees every request.
        be(&browser, "S001", "Morgan").await;
        css(&browser, "#dashboard-link")
            .await
            .click()
            .await
            .expect("dashboard");
        css(&browser, "#audit-status[data-ok='true']").await;
        for id in [&first, &second] {
            css(
                &browser,
                &format!("#requests-table tr[data-request-id='{id}']"),
            )
            .await;
        }
        text_containing(&browser, "#audit-status", "intact").await;
        camera.shoot(&browser, "dashboard").await;
        ask_keel(&browser, &server.base, &mut camera).await;

        browser
            .set_window_size(390, 844)
            .await
            .expect("phone width");
        for (page, name) in [
            ("/console/dashboard", "dashboard-phone"),
            ("/console", "console-phone"),
        ] {
            browser
                .goto(&format!("{}{page}", server.base))
                .await
                .expect("open");
            css(&browser, "body").await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let overflow = browser
                .execute(
                    "return document.documentElement.scrollWidth - window.innerWidth;",
                    vec![],
                )
                .await
                .expect("measure");
            assert!(
                overflow.as_i64().is_some_and(|px| px <= 0),
                "{page} is wider than a phone: {overflow}"
            );
            camera.shoot(&browser, name).await;
        }

        browser.close().await.expect("closing Chromium");
        eprintln!("[{}] screenshots in {}", db.label, camera.dir.display());
        server.stop().await;
    }
}
