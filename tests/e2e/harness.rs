//! The harness of the browser tests: the real server in-process on a loopback port, and
//! headless Chromium through chromedriver.

pub use chrono::{DurationRound, TimeDelta, Utc};
pub use fantoccini::{Client, ClientBuilder, Locator};
pub use hyper_util::client::legacy::connect::HttpConnector;
pub use seqhealth_agent::simulate::SimConfig;
pub use seqhealth_api::{Fleet, RunList};
pub use seqhealth_demo::run_folders::{copy_dir, shared_runs};
pub use seqhealth_demo::smtp_sink::SmtpSink;
pub use seqhealth_demo::{provision, push_fleet, Provisioned, DEMO_PASSWORD};
pub use seqhealth_server::mail::Mailer;
pub use seqhealth_server::{app, serve, store as db, AppState};
pub use std::path::{Path, PathBuf};
pub use std::process::{Child, Command, Stdio};
pub use std::time::Duration;
pub use tokio::sync::oneshot;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const WAIT: Duration = Duration::from_secs(20);

/// Northgate's three and Riverside's two: enough to prove the scoping.
pub const NORTHGATE: [&str; 3] = ["NB552091", "VH00412", "A00317"];
pub const RIVERSIDE: [&str; 2] = ["M03302", "A02250"];

pub struct Server {
    pub base: String,
    pub csp_reports: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub stop: Option<oneshot::Sender<()>>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
    pub fleet: Vec<Provisioned>,
    /// The SMTP server its mail goes to (a real one on loopback), for [`Server::empty`].
    pub mail: Option<SmtpSink>,
    /// The server's database, for what a test sets up outside the API (`init`).
    pub db: db::Pool,
    pub _dir: tempfile::TempDir,
}

impl Server {
    /// A server on an empty database: no lab, no user, no instrument (a lab that never
    /// saw the demo).
    pub async fn empty() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let pool = db::connect(&format!("sqlite://{}", dir.path().join("e2e.db").display()))
            .await
            .unwrap();
        Server::serving(pool, dir, Vec::new(), Some(SmtpSink::start())).await
    }

    async fn serving(
        pool: db::Pool,
        dir: tempfile::TempDir,
        fleet: Vec<Provisioned>,
        mail: Option<SmtpSink>,
    ) -> Server {
        let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist");
        assert!(
            dist.join("index.html").is_file(),
            "no dashboard build at {}: run `make build` (or `make test`, which builds it)",
            dist.display()
        );
        let pool_for_tests = pool.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let state = match &mail {
            Some(sink) => {
                let mailer = Mailer::new(
                    Some(&sink.url()),
                    Path::new("/nonexistent"),
                    "seqhealth <seqhealth@lab.example>",
                    &base,
                )
                .unwrap();
                AppState::with_mailer(pool, mailer)
            }
            None => AppState::new(pool),
        };
        let csp_reports = state.csp_reports.clone();
        let router = app(state, Some(&dist));
        let task = tokio::spawn(serve(listener, router, async {
            let _ = stopped.await;
        }));
        Server {
            base,
            csp_reports,
            stop: Some(stop),
            task,
            fleet,
            db: pool_for_tests,
            mail,
            _dir: dir,
        }
    }

    pub async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let pool = db::connect(&format!("sqlite://{}", dir.path().join("e2e.db").display()))
            .await
            .unwrap();
        let subset: Vec<&str> = NORTHGATE.iter().chain(RIVERSIDE.iter()).copied().collect();
        let fleet = provision(&pool, Some(&subset))
            .await
            .unwrap()
            .expect("fresh database");
        let server = Server::serving(pool, dir, fleet, None).await;
        // History through the real ingest API over HTTP, as instruments send it.
        let end = Utc::now().duration_trunc(TimeDelta::hours(1)).unwrap();
        let cfg = SimConfig {
            days: 120,
            ..SimConfig::demo(11, end)
        };
        let stats = push_fleet(&server.base, &server.fleet, &cfg)
            .await
            .expect("ingest accepts the simulated fleet");
        assert!(stats.runs > 50 && stats.readings > 1000, "{stats:?}");
        server
    }

    /// The demo's labs, people and instruments, without history: nothing has happened
    /// yet, so nothing is due to be notified.
    pub async fn provisioned() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let pool = db::connect(&format!("sqlite://{}", dir.path().join("e2e.db").display()))
            .await
            .unwrap();
        let subset: Vec<&str> = NORTHGATE.iter().chain(RIVERSIDE.iter()).copied().collect();
        let fleet = provision(&pool, Some(&subset))
            .await
            .unwrap()
            .expect("fresh database");
        Server::serving(pool, dir, fleet, None).await
    }

    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(10), &mut self.task).await;
    }

    pub fn id(&self, serial: &str) -> i64 {
        self.fleet
            .iter()
            .find(|p| p.instrument.serial == serial)
            .unwrap()
            .id
    }
}

pub struct Browser {
    pub client: Client,
    pub driver: Child,
    pub _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start() -> Browser {
        for tool in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: run `make setup` (Debian chromium, chromium-driver)"
            );
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let profile = tempfile::tempdir().unwrap();
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps = caps.as_object().unwrap().clone();
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = None;
        for _ in 0..50 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        _profile: profile,
                    }
                }
                Err(e) => last_err = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("cannot start a Chromium session: {last_err:?}");
    }

    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Clicks the element, once the page has rendered it (a page that has just been
    /// opened is still starting its wasm).
    pub async fn click(&self, locator: Locator<'_>) {
        let deadline = tokio::time::Instant::now() + WAIT;
        let element = loop {
            match self.client.find(locator).await {
                Ok(e) => break e,
                Err(e) if tokio::time::Instant::now() >= deadline => panic!("{locator:?}: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        element.click().await.unwrap();
    }

    /// The text of every cell of every row of the table `css` (rows of its tbody), and
    /// each row's first `<time datetime>`.
    pub async fn table_cells(&self, css: &str) -> Vec<(Option<String>, Vec<String>)> {
        let rows = self
            .client
            .execute(
                "return [...document.querySelectorAll(arguments[0] + ' tbody tr')].map(tr => [
                    tr.querySelector('time') ? tr.querySelector('time').getAttribute('datetime') : null,
                    [...tr.cells].map(td => td.textContent.trim())])",
                vec![serde_json::Value::String(css.into())],
            )
            .await
            .unwrap();
        serde_json::from_value(rows).unwrap()
    }

    /// Types `text` into the first element `css` matches.
    pub async fn type_into(&self, css: &str, text: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// The current value of the first input `css` matches.
    pub async fn value(&self, css: &str) -> String {
        let field = self.client.find(Locator::Css(css)).await.unwrap();
        field.prop("value").await.unwrap().unwrap_or_default()
    }

    /// An attribute of the first element `css` matches.
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        el.attr(name).await.unwrap()
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client.find_all(Locator::Css(css)).await.unwrap().len()
    }

    pub async fn wait_count(&self, css: &str, n: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let now = self.count(css).await;
            if now == n {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{css}: expected {n}, have {now}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element's text contains any of `needles`; returns the text.
    pub async fn wait_text(&self, css: &str, needles: &[&str]) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let text = self.text(css).await;
            if needles.iter().any(|n| text.contains(n)) {
                return text;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{css}: none of {needles:?} in {text:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_path(&self, path: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let url = self.client.current_url().await.unwrap();
            if url.path() == path {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {path}, still at {url}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn login(&self, base: &str, email: &str, password: &str) {
        self.client.goto(&format!("{base}/login")).await.unwrap();
        self.submit_login(email, password).await;
    }

    /// Fills in and sends the login form of the page that is open.
    pub async fn submit_login(&self, email: &str, password: &str) {
        let form = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::Css("section.login form"))
            .await
            .unwrap();
        form.find(Locator::Id("email"))
            .await
            .unwrap()
            .send_keys(email)
            .await
            .unwrap();
        form.find(Locator::Id("password"))
            .await
            .unwrap()
            .send_keys(password)
            .await
            .unwrap();
        form.find(Locator::Css("button[type=submit]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    pub async fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        // The whole page, not only the first screenful.
        let height = self
            .client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(900)
            .clamp(900, 4000);
        // At the window's width (a phone's, 1,366 px…), then back to its size.
        let (width, was) = self.client.get_window_size().await.unwrap();
        self.client
            .set_window_size(width as u32, height as u32 + 140)
            .await
            .unwrap();
        let png = self.client.screenshot().await.unwrap();
        self.client
            .set_window_size(width as u32, was as u32)
            .await
            .unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// One element, as it is drawn (a chart, to look at closely).
    pub async fn screenshot_of(&self, css: &str, name: &str) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        let png = el.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }

    /// Audits the page as it is now with axe-core (WCAG 2.0, 2.1 and 2.2, levels A and
    /// AA) and panics listing every violation. axe is injected through WebDriver (the
    /// server's Content-Security-Policy refuses any script the dashboard does not serve).
    pub async fn assert_accessible(&self, what: &str) {
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await
            .unwrap();
        if loaded != serde_json::json!(true) {
            self.client
                .execute(axe_source(), vec![])
                .await
                .unwrap_or_else(|e| panic!("{what}: injecting axe-core: {e}"));
        }
        // Both themes: as the page is, then in the other one (the attribute the header's
        // switch sets), then back.
        let mut violations = Vec::new();
        for pass in 0..2 {
            let theme = self
                .client
                .execute(
                    "const r = document.documentElement;
                     if (arguments[0]) r.dataset.theme = r.dataset.theme === 'dark' ? 'light' : 'dark';
                     return r.dataset.theme || 'light';",
                    vec![serde_json::json!(pass == 1)],
                )
                .await
                .unwrap();
            let found = self.axe_violations(what).await;
            violations.extend(found.into_iter().map(|mut v| {
                v["id"] = serde_json::json!(format!(
                    "{} [{theme} theme]",
                    v["id"].as_str().unwrap_or("")
                ));
                v
            }));
        }
        self.client
            .execute(
                "const r = document.documentElement; r.dataset.theme = r.dataset.theme === 'dark' ? 'light' : 'dark';",
                vec![],
            )
            .await
            .unwrap();
        if violations.is_empty() {
            return;
        }
        let mut report = format!("{what}: {} accessibility violation(s)", violations.len());
        for v in &violations {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            report += &format!(
                "\n- {} ({}): {} [{} element(s)]",
                s("id"),
                s("impact"),
                s("help"),
                v["nodes"]
            );
            for t in v["targets"].as_array().into_iter().flatten() {
                report += &format!(
                    "\n    {}\n      {}\n      {}",
                    t[0].as_str().unwrap_or(""),
                    t[1].as_str().unwrap_or(""),
                    t[2].as_str().unwrap_or("")
                );
            }
        }
        panic!("{report}");
    }

    /// axe-core's WCAG A and AA violations on the page as it is now.
    async fn axe_violations(&self, what: &str) -> Vec<serde_json::Value> {
        let found = self
            .client
            .execute_async(
                r"const done = arguments[arguments.length - 1];
                 axe.run(document, { runOnly: { type: 'tag', values: arguments[0] },
                                     resultTypes: ['violations'] })
                   .then(r => done(r.violations.map(v => ({
                       id: v.id, impact: v.impact, help: v.help,
                       nodes: v.nodes.length,
                       targets: v.nodes.slice(0, 4).map(n => [
                           n.target.join(' '), n.html.slice(0, 240),
                           (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 300)])}))))
                   .catch(e => done([{ id: 'axe-error', impact: 'error', help: String(e),
                                       nodes: 0, targets: [] }]));",
                vec![serde_json::json!(AXE_TAGS)],
            )
            .await
            .unwrap_or_else(|e| panic!("{what}: running axe-core: {e}"));
        found.as_array().cloned().unwrap_or_default()
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A failing test unwinds past `close`: chromedriver (and its Chromium) must not outlive it.
impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// The axe-core rule tags the accessibility audit runs: WCAG 2.0, 2.1 and 2.2, A and AA.
pub const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// axe-core's script, as `make setup-browser` installs it from npm (read once).
fn axe_source() -> &'static str {
    static SOURCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(".tools/axe/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is missing ({}: {e}): run `make setup-browser`",
                path.display()
            )
        })
    })
}

/// A fresh demo server and a browser beside it.
pub async fn start() -> (Server, Browser) {
    (Server::start().await, Browser::start().await)
}

/// [`start`], then logged in as `email` (the demo password), the fleet page open.
pub async fn start_as(email: &str) -> (Server, Browser) {
    let (server, browser) = start().await;
    browser
        .login(&server.base, email, seqhealth_demo::DEMO_PASSWORD)
        .await;
    browser.wait_path("/").await;
    (server, browser)
}

/// An API client logged in as Northgate's manager.
pub async fn as_ada(base: &str) -> reqwest::Client {
    logged_in_as(base, "ada@northgate.example", DEMO_PASSWORD).await
}

/// An API client logged in as `email`.
pub async fn logged_in_as(base: &str, email: &str, password: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let body = serde_json::json!({ "email": email, "password": password });
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "login: {}", r.status());
    http
}

/// Any API read as Northgate's manager, for comparison with the page.
pub async fn api_get<T: serde::de::DeserializeOwned>(base: &str, path: &str) -> T {
    let r = as_ada(base)
        .await
        .get(format!("{base}/api/v1{path}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{path}: {}", r.status());
    r.json().await.unwrap()
}

/// The runs the API gives a logged-in user of Northgate, for comparison with the page.
pub async fn api_runs(base: &str, id: i64) -> RunList {
    let fleet: Fleet = api_get(base, "/fleet").await;
    assert_eq!(fleet.instruments.len(), NORTHGATE.len());
    api_get(base, &format!("/instruments/{id}/runs")).await
}

/// Nimbus's failing chiller handled as a manager does from the dashboard (here through
/// the same API): its warning acknowledged with `why`, its replacement booked for a
/// weekday morning at least 3 days ahead. Answers that day and the open replacements as
/// they were before the booking.
pub async fn handle_nimbus_chiller(
    base: &str,
    nimbus: i64,
    why: &str,
) -> (chrono::NaiveDate, seqhealth_api::ReplacementList) {
    let ada = as_ada(base).await;
    let warnings: seqhealth_api::WarningList =
        api_get(base, &format!("/warnings?instrument={nimbus}")).await;
    let chiller = warnings
        .warnings
        .iter()
        .find(|w| w.rule == "threshold:chiller_temp_c")
        .expect("the chiller's warning");
    let r = ada
        .post(format!("{base}/api/v1/warnings/{}/acknowledge", chiller.id))
        .json(&serde_json::json!({ "reason": why }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    let open: seqhealth_api::ReplacementList = api_get(base, "/replacements?status=open").await;
    let rec = open
        .replacements
        .iter()
        .find(|r| r.instrument_id == nimbus && r.sensor == "chiller_temp_c")
        .expect("the chiller's recommendation");
    let on = seqhealth_api::first_free_weekday(Utc::now().date_naive() + TimeDelta::days(3), &[]);
    let r = ada
        .post(format!("{base}/api/v1/replacements/{}/schedule", rec.id))
        .json(&serde_json::json!({ "date": on, "slot": "am" }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    (on, open)
}
