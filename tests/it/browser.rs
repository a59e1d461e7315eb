//! The console in a real headless Chromium (Debian's, driven through chromedriver): a
//! superintendent's 18,000 change order is rejected by the director of operations with a reason,
//! resubmitted at 14,000 and approved by the project manager, and the dashboard shows both
//! requests and an intact audit trail; then Ask keel: a question answered with a table (still
//! there after a reload), a question refused by the access rules, and a question keel declines.
//! Screenshots of each moment are kept in `target/tmp/e2e/<backend>/`.
//!
//! Needs `chromium` and `chromium-driver` (`/usr/bin/chromedriver`, or `KEEL_CHROMEDRIVER`).
//! Without them the test says so and passes, unless `KEEL_E2E_REQUIRED=1` (set by `.ci/run`),
//! which makes a missing browser a failure.

use crate::common::app::import_invoices;
use crate::common::console::{Mode, TestServer, submitted_id};
use crate::common::test_databases;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver_path() -> Option<PathBuf> {
    let path = std::env::var_os("KEEL_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    path.exists().then_some(path)
}

/// Starts chromedriver on a free port; returns it and its URL once it answers.
async fn start_driver(path: &PathBuf) -> (Driver, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while reqwest::get(format!("{url}/status")).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "chromedriver did not answer on {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (driver, url)
}

async fn browser(driver_url: &str) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("KEEL_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,800",
            ],
        }),
    );
    ClientBuilder::native()
        .capabilities(capabilities)
        .connect(driver_url)
        .await
        .expect("a Chromium session")
}

/// Saves what the browser shows as `NN-name.png` in the backend's artifact folder.
struct Camera {
    dir: PathBuf,
    shots: usize,
}

impl Camera {
    fn new(label: &str) -> Camera {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("e2e")
            .join(label);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("artifact folder");
        Camera { dir, shots: 0 }
    }

    async fn shoot(&mut self, browser: &Client, name: &str) {
        self.shots += 1;
        let png = browser.screenshot().await.expect("screenshot");
        let file = self.dir.join(format!("{:02}-{name}.png", self.shots));
        std::fs::write(&file, png).expect("saving a screenshot");
    }
}

async fn css(browser: &Client, selector: &str) -> fantoccini::elements::Element {
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no element `{selector}`: {e}"))
}

/// Waits until the element's text contains `expected`; returns the text.
async fn text_containing(browser: &Client, selector: &str, expected: &str) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let text = match browser.find(Locator::Css(selector)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if text.contains(expected) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "`{selector}` never contained {expected:?}; it shows {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs in as `person` through the picker (opening it first when someone is signed in).
async fn be(browser: &Client, person: &str, search: &str) {
    let picker_open = browser
        .execute("return document.getElementById('picker').open;", vec![])
        .await
        .expect("script");
    if picker_open != json!(true) {
        css(browser, "#switch-person")
            .await
            .click()
            .await
            .expect("switch");
    }
    let field = css(browser, "#picker-search").await;
    field.clear().await.expect("clear");
    field.send_keys(search).await.expect("search");
    css(
        browser,
        &format!("#picker-results button[data-person='{person}']"),
    )
    .await
    .click()
    .await
    .expect("pick");
    text_containing(browser, "#me", "").await;
    let conversation = format!("button[data-conversation='@{person}'][aria-current='true']");
    css(browser, &conversation).await;
}

/// Signs in from the open picker with the keyboard only: type, Tab to the first match, Enter.
async fn sign_in_with_the_keyboard(browser: &Client, search: &str, person: &str) {
    let field = css(browser, "#picker-search").await;
    field.send_keys(search).await.expect("search");
    text_containing(browser, "#picker-count", "1 person found").await;
    press(browser, Key::Tab).await;
    let focused = browser
        .execute("return document.activeElement.dataset.person;", vec![])
        .await
        .expect("script");
    assert_eq!(
        focused,
        json!(person),
        "Tab from the search reaches the match"
    );
    press(browser, Key::Enter).await;
    let conversation = format!("button[data-conversation='@{person}'][aria-current='true']");
    css(browser, &conversation).await;
}

/// Presses a key in whatever has the focus.
async fn press(browser: &Client, key: Key) {
    let focused = browser.active_element().await.expect("focus");
    focused
        .send_keys(&char::from(key).to_string())
        .await
        .expect("key press");
}

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
        let required = std::env::var("KEEL_E2E_REQUIRED").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "KEEL_E2E_REQUIRED=1 but chromedriver is missing: apt-get install chromium chromium-driver"
        );
        eprintln!("skipped: no chromedriver (apt-get install chromium chromium-driver)");
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
