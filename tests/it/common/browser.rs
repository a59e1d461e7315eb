//! A real headless Chromium (Debian's, driven through chromedriver) for the browser tests:
//! starting it, finding and waiting for elements, signing in through the console's person
//! picker, screenshots kept as artifacts, and axe-core's accessibility audit.
//!
//! Needs `chromium` and `chromium-driver` (`/usr/bin/chromedriver`, or `KEEL_CHROMEDRIVER`).
//! Without them a test says so and passes, unless `KEEL_E2E_REQUIRED=1` (set by `.ci/run`),
//! which makes a missing browser a failure.

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const WAIT: Duration = Duration::from_secs(15);

pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver_path_or_none() -> Option<PathBuf> {
    let path = std::env::var_os("KEEL_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromedriver"));
    path.exists().then_some(path)
}

/// Starts chromedriver on a free port; returns it and its URL once it answers.
pub async fn start_driver(path: &PathBuf) -> (Driver, String) {
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

pub async fn browser(driver_url: &str) -> Client {
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
pub struct Camera {
    pub dir: PathBuf,
    shots: usize,
}

impl Camera {
    pub fn new(label: &str) -> Camera {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("e2e")
            .join(label);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("artifact folder");
        Camera { dir, shots: 0 }
    }

    pub async fn shoot(&mut self, browser: &Client, name: &str) {
        self.shots += 1;
        let png = browser.screenshot().await.expect("screenshot");
        let file = self.dir.join(format!("{:02}-{name}.png", self.shots));
        std::fs::write(&file, png).expect("saving a screenshot");
    }
}

pub async fn css(browser: &Client, selector: &str) -> fantoccini::elements::Element {
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("no element `{selector}`: {e}"))
}

/// Waits until the element's text contains `expected`; returns the text.
pub async fn text_containing(browser: &Client, selector: &str, expected: &str) -> String {
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
pub async fn be(browser: &Client, person: &str, search: &str) {
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
pub async fn sign_in_with_the_keyboard(browser: &Client, search: &str, person: &str) {
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
pub async fn press(browser: &Client, key: Key) {
    let focused = browser.active_element().await.expect("focus");
    focused
        .send_keys(&char::from(key).to_string())
        .await
        .expect("key press");
}

/// chromedriver's path, or `None` after saying the test is skipped; a failure instead when
/// `KEEL_E2E_REQUIRED=1`.
pub fn chromedriver_path() -> Option<PathBuf> {
    let found = chromedriver_path_or_none();
    if found.is_none() {
        assert!(
            !required(),
            "KEEL_E2E_REQUIRED=1 but chromedriver is missing: apt-get install chromium chromium-driver"
        );
        eprintln!("skipped: no chromedriver (apt-get install chromium chromium-driver)");
    }
    found
}

fn required() -> bool {
    std::env::var("KEEL_E2E_REQUIRED").is_ok_and(|v| v == "1")
}

/// axe-core's script: `KEEL_AXE_JS`, or `target/axe-core/axe.min.js` as `.ci/axe.sh` leaves it.
/// `None` (the audit skipped, said) when it is not there, a failure under `KEEL_E2E_REQUIRED=1`.
pub fn axe_script() -> Option<String> {
    let path = std::env::var_os("KEEL_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/axe-core/axe.min.js")
        });
    match std::fs::read_to_string(&path) {
        Ok(script) => Some(script),
        Err(e) => {
            assert!(
                !required(),
                "KEEL_E2E_REQUIRED=1 but axe-core is missing at {} ({e}): run .ci/axe.sh",
                path.display()
            );
            eprintln!("accessibility audit skipped: no axe-core (run .ci/axe.sh)");
            None
        }
    }
}

/// Runs axe-core on the page as it is, for WCAG 2.1 A and AA, and fails with every violation
/// (rule, impact, the elements and what to fix) when there is one.
pub async fn assert_accessible(browser: &Client, axe: &str, what: &str) {
    browser.execute(axe, vec![]).await.expect("axe-core loads");
    let result = browser
        .execute(
            "return await axe.run(document, { runOnly: { type: 'tag', \
               values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })\
             .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, \
               nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary) })));",
            vec![],
        )
        .await
        .expect("axe-core runs");
    let violations = result.as_array().cloned().unwrap_or_default();
    assert!(
        violations.is_empty(),
        "{what}: WCAG 2.1 A/AA violations found by axe-core:\n{}",
        serde_json::to_string_pretty(&violations).unwrap_or_default()
    );
}

/// The id and data-action of the focused element, and the request of the card holding it.
pub async fn focus(browser: &Client) -> serde_json::Value {
    browser
        .execute(
            "const a = document.activeElement; const card = a && a.closest('[data-message-id]');\
             const section = card && card.querySelector('section.card');\
             return { tag: a ? a.tagName.toLowerCase() : null, action: a?.dataset?.action ?? null,\
               request: section ? section.dataset.requestId : null };",
            vec![],
        )
        .await
        .expect("script")
}

/// Presses Tab (at most `limit` times) until the focus is on `selector`; fails otherwise.
pub async fn tab_to(browser: &Client, selector: &str, limit: usize) {
    for _ in 0..limit {
        let there = browser
            .execute(
                "return document.activeElement && document.activeElement.matches(arguments[0]);",
                vec![json!(selector)],
            )
            .await
            .expect("script");
        if there == json!(true) {
            return;
        }
        press(browser, Key::Tab).await;
    }
    panic!("{limit} presses of Tab never reached `{selector}`");
}
