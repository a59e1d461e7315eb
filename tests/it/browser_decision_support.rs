//! Decision support in a real headless Chromium, on the demo's whole history: the weekly digest
//! in the console, a change order's card with the facts its approver would otherwise look up
//! (the project's budget, similar decisions),
//! and the dashboard's comparison of today's policy with a proposal (the manager-approval
//! threshold moved from 2,500 to 5,000). Each is screenshotted and audited with axe-core
//! (WCAG 2.1 A/AA) at desktop and phone width.
//!
//! Screenshots are kept in `target/tmp/e2e/decisions-<backend>/`.

use crate::common::app::{config_dir, copy_dir, demo_data};
use crate::common::browser::{
    Camera, assert_accessible, axe_script, be, browser, chromedriver_path, css, start_driver,
    text_containing,
};
use crate::common::console::{Mode, TestServer};
use crate::common::test_databases;
use fantoccini::Client;
use std::path::Path;

/// The demo config with a proposal in `proposals/manager_5000/`: the change orders' `small`
/// rule approving automatically up to 5,000 instead of 2,500.
fn config_with_proposal(dir: &Path) {
    copy_dir(&config_dir(), dir);
    let proposal = dir.join("proposals/manager_5000/workflows");
    std::fs::create_dir_all(&proposal).expect("proposal folder");
    let text = std::fs::read_to_string(dir.join("workflows/change_order.toml")).expect("workflow");
    let old = "when = \"request.amount <= 2500.0\"";
    assert!(text.contains(old), "the demo's small rule reads {old}");
    std::fs::write(
        proposal.join("change_order.toml"),
        text.replace(old, "when = \"request.amount <= 5000.0\""),
    )
    .expect("proposal");
}

/// Audits the page as shown at both widths, screenshotting each as `name`.
async fn audit_at_both_widths(
    browser: &Client,
    axe: Option<&str>,
    camera: &mut Camera,
    name: &str,
    reload: impl AsyncFn(&Client),
) {
    for (width, height, suffix) in [(1280, 800, "desktop"), (390, 844, "phone")] {
        browser
            .set_window_size(width, height)
            .await
            .expect("window size");
        reload(browser).await;
        let overflow = browser
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .expect("measure");
        assert!(
            overflow.as_i64().is_some_and(|px| px <= 0),
            "{name} is wider than the window at {width} px: {overflow}"
        );
        camera.shoot(browser, &format!("{name}-{suffix}")).await;
        if let Some(axe) = axe {
            assert_accessible(browser, axe, &format!("{name} at {width} px")).await;
        }
    }
    browser
        .set_window_size(1280, 800)
        .await
        .expect("window size");
}

/// Scrolls the message log (not the page) to the last message containing `text`.
async fn scroll_to_message_with(browser: &Client, text: &str) {
    browser
        .execute(
            "const m = [...document.querySelectorAll('#messages .message')]\
               .filter((m) => m.textContent.includes(arguments[0])).pop();\
             const log = document.getElementById('messages');\
             log.scrollTop += m.getBoundingClientRect().top - log.getBoundingClientRect().top;",
            vec![serde_json::json!(text)],
        )
        .await
        .expect("scroll");
}

#[tokio::test]
async fn a_digest_a_card_with_context_and_the_policy_comparison_in_a_real_browser() {
    let Some(chromedriver) = chromedriver_path() else {
        return;
    };
    let axe = axe_script();
    let dir = tempfile::tempdir().expect("temp dir");
    config_with_proposal(dir.path());
    for db in test_databases().await {
        let server = TestServer::start_in(&db, Mode::Demo, dir.path(), &[]).await;
        server
            .app
            .keel
            .import_all(&demo_data())
            .await
            .expect("the demo history imports");
        let sent = server
            .app
            .keel
            .send_digest("weekly_leadership")
            .await
            .expect("the digest is queued");
        assert!(sent > 0, "[{}] the digest goes to someone", db.label);
        let (_driver, driver_url) = start_driver(&chromedriver).await;
        let browser = browser(&driver_url).await;
        let mut camera = Camera::new(&format!("decisions-{}", db.label));
        let base = server.base.clone();
        browser
            .goto(&format!("{base}/console"))
            .await
            .expect("open the console");
        css(&browser, "#picker[open]").await;
        be(&browser, "S001", "Morgan").await;

        // The weekly digest in Morgan Hale's direct messages with keel.
        text_containing(&browser, "#messages", "Projects trending over budget").await;
        audit_at_both_widths(&browser, axe.as_deref(), &mut camera, "digest", async |b| {
            b.refresh().await.expect("reload");
            text_containing(b, "#messages", "Projects trending over budget").await;
            scroll_to_message_with(b, "Projects trending over budget").await;
        })
        .await;

        // A change order's card as its approver sees it: the facts beside the form.
        let request = server
            .app
            .submit(
                "change_order",
                "S020",
                &[
                    ("project", "P001"),
                    ("amount", "9200"),
                    ("reason", "Rock at footing 4"),
                ],
            )
            .await;
        let approver = crate::common::app::TestApp::waiting_for(&request)
            .into_iter()
            .next()
            .expect("the change order waits for someone");
        let name = server
            .app
            .keel
            .person(&approver)
            .await
            .expect("the approver is in the directory")
            .name;
        be(&browser, &approver, &name).await;
        let card = format!("#messages section.card[data-request-id='{}']", request.id);
        text_containing(&browser, &format!("{card} .card-facts"), "Budget").await;
        text_containing(
            &browser,
            &format!("{card} .card-facts"),
            "Similar decisions",
        )
        .await;
        audit_at_both_widths(
            &browser,
            axe.as_deref(),
            &mut camera,
            "card-with-context",
            async |b| {
                b.refresh().await.expect("reload");
                text_containing(b, &format!("{card} .card-facts"), "Budget").await;
                scroll_to_message_with(b, "Similar decisions").await;
            },
        )
        .await;

        // The policy comparison: today's policy against the proposal.
        be(&browser, "S001", "Morgan").await;
        let policy = format!("{base}/console/dashboard/policy?proposal=manager_5000");
        audit_at_both_widths(&browser, axe.as_deref(), &mut camera, "policy", async |b| {
            b.goto(&policy).await.expect("open the policy page");
            text_containing(b, "#policy-status", "Compared").await;
            css(b, "#policy-result:not([hidden]) #policy-changes tbody tr").await;
        })
        .await;

        browser.close().await.expect("closing Chromium");
        server.stop().await;
    }
}
