//! The WCAG audit: axe-core (WCAG 2.0, 2.1 and 2.2, A and AA) on every page of the
//! dashboard and in every state a user meets, on a desktop (1,366 px) and a phone (375 px)
//! screen, as a manager and as a viewer; it must find nothing.

use crate::harness::*;

/// The widths audited: a common laptop and a small phone.
const WIDE: (u32, u32) = (1366, 900);
const NARROW: (u32, u32) = (375, 800);

/// Sets the viewport (not the window: headless Chromium may draw a frame) to `w`×`h`.
async fn viewport(b: &Browser, (w, h): (u32, u32)) {
    b.client.set_window_size(w, h).await.unwrap();
    let inner: (i64, i64) = serde_json::from_value(
        b.client
            .execute("return [window.innerWidth, window.innerHeight];", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    let (dw, dh) = (i64::from(w) - inner.0, i64::from(h) - inner.1);
    if dw != 0 || dh != 0 {
        b.client
            .set_window_size((i64::from(w) + dw) as u32, (i64::from(h) + dh) as u32)
            .await
            .unwrap();
    }
}

/// The page as it is, audited at both widths (a screenshot of each, to look at); leaves
/// the window wide.
async fn audit(b: &Browser, what: &str, shot: &str) {
    for (size, name) in [(NARROW, "375"), (WIDE, "1366")] {
        viewport(b, size).await;
        // Let the layout of the new width settle before axe measures it.
        tokio::time::sleep(Duration::from_millis(150)).await;
        b.assert_accessible(&format!("{what} at {} px", size.0))
            .await;
        if !shot.is_empty() {
            let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
            std::fs::create_dir_all(&dir).unwrap();
            let png = b.client.screenshot().await.unwrap();
            std::fs::write(dir.join(format!("a11y-{shot}-{name}.png")), png).unwrap();
        }
    }
}

/// Every `fetch` the page makes from now on never answers (`hang`) or answers 503: the
/// loading and error states, until the page is loaded again.
async fn break_fetch(b: &Browser, hang: bool) {
    b.client
        .execute(
            "window.fetch = arguments[0]
                ? () => new Promise(() => {})
                : () => Promise.resolve(new Response('{\"error\":\"down for maintenance\"}',
                    { status: 503, headers: { 'content-type': 'application/json' } }));",
            vec![serde_json::json!(hang)],
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_and_state_passes_the_wcag_audit_as_manager_and_viewer() {
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    let nimbus = server.id("NB552091");

    // Logged out: the login page, its error, the forgotten-password form.
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.text("section.login form").await;
    audit(b, "login", "login").await;
    b.login(&base, "ada@northgate.example", "not-the-password")
        .await;
    b.text("section.login [role=alert]").await;
    audit(b, "login, wrong password", "").await;
    b.click(Locator::Css("details.forgot summary")).await;
    b.text("details.forgot form").await;
    audit(b, "login, forgotten password form", "").await;

    // The manager.
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;
    b.text("section.today").await;
    audit(b, "fleet (manager)", "fleet").await;
    b.click(Locator::XPath(
        "//button[normalize-space()='Add instrument']",
    ))
    .await;
    b.text("form.add").await;
    audit(b, "fleet, add-instrument form", "").await;
    for (field, text) in [("#add-serial", "FS10000001"), ("#add-nickname", "Juno")] {
        b.type_into(field, text).await;
    }
    b.click(Locator::Css("form.add button[type=submit]")).await;
    b.text("section.add-instrument .code-card").await;
    audit(b, "fleet, an enrollment code shown", "fleet-code").await;

    // The instrument with a failing chiller: open warnings, predictions, charts; every
    // data table and the whole runs table open, a warning's acknowledge form open.
    b.client
        .goto(&format!("{base}/instruments/{nimbus}"))
        .await
        .unwrap();
    b.text("table.warnings tbody tr").await;
    b.text("table.runs tbody tr").await;
    b.text("table.predictions tbody tr").await;
    b.client
        .execute(
            "document.querySelectorAll('details').forEach(d => d.open = true);",
            vec![],
        )
        .await
        .unwrap();
    b.text("table.data tbody tr").await;
    b.click(Locator::Css("button[aria-controls=runs-table]"))
        .await;
    audit(b, "instrument (manager)", "instrument").await;
    b.click(Locator::Css("table.warnings tbody tr .status button"))
        .await;
    b.text("table.warnings tbody tr form").await;
    b.click(Locator::Css("section.connection button.secondary"))
        .await;
    b.text("section.connection button.danger").await;
    audit(b, "instrument, acknowledge and revoke forms open", "").await;

    // The warnings list, a warning's form open.
    b.client.goto(&format!("{base}/warnings")).await.unwrap();
    b.text("table.warnings tbody tr").await;
    audit(b, "warnings", "warnings").await;
    b.click(Locator::Css("table.warnings tbody tr .status button"))
        .await;
    b.text("table.warnings tbody tr form").await;
    audit(b, "warnings, acknowledge form", "").await;

    // Replacements: the schedule form open on one row, the cancel form on another.
    b.client
        .goto(&format!("{base}/replacements"))
        .await
        .unwrap();
    b.text("table.replacements tbody tr").await;
    audit(b, "replacements", "replacements").await;
    b.click(Locator::Css("table.replacements tbody tr .actions button"))
        .await;
    b.text("table.replacements form.schedule").await;
    let second = "table.replacements tbody tr:nth-child(2)";
    b.click(Locator::Css(&format!(
        "{second} .actions button.secondary:last-child"
    )))
    .await;
    b.text(&format!("{second} form")).await;
    audit(
        b,
        "replacements, schedule and cancel forms",
        "replacements-schedule",
    )
    .await;

    b.client.goto(&format!("{base}/audit")).await.unwrap();
    b.text("main table tbody tr").await;
    audit(b, "audit log", "audit").await;

    b.client.goto(&format!("{base}/team")).await.unwrap();
    b.text("table.team tbody tr").await;
    audit(b, "team (manager)", "team").await;
    b.client
        .find(Locator::Css("#invite-email"))
        .await
        .unwrap()
        .send_keys("lise@northgate.example")
        .await
        .unwrap();
    b.click(Locator::Css("form.invite button[type=submit]"))
        .await;
    b.text("table.invited tbody tr").await;
    b.click(Locator::Css(
        "table.team tbody tr:last-child button.secondary:last-child",
    ))
    .await;
    b.text("table.team tbody tr:last-child button.danger").await;
    audit(b, "team, an invitation made, deactivation asked", "").await;

    b.client.goto(&format!("{base}/account")).await.unwrap();
    b.text("main form").await;
    audit(b, "account", "account").await;
    for (field, text) in [
        ("#current-password", "whatever"),
        ("#new-password", "ada@northgate.example"),
    ] {
        b.type_into(field, text).await;
    }
    b.text("main [role=alert]").await;
    audit(b, "account, a password refused", "").await;

    b.client
        .goto(&format!("{base}/notifications"))
        .await
        .unwrap();
    b.text("#deliveries").await;
    b.text("#settings form").await;
    audit(b, "notifications", "notifications").await;
    for (field, text) in [
        ("#webhook-name", "Lab chat"),
        ("#webhook-url", "http://127.0.0.1:9/hook"),
    ] {
        b.type_into(field, text).await;
    }
    b.click(Locator::Css("form.webhook-add button[type=submit]"))
        .await;
    b.text(".code-card.secret").await;
    b.text("table.webhooks tbody tr").await;
    b.click(Locator::Css(
        "table.webhooks tbody tr button[aria-label^=Remove]",
    ))
    .await;
    b.text("table.webhooks tbody tr button.danger").await;
    audit(
        b,
        "notifications, a webhook's secret, removal asked",
        "notifications-secret",
    )
    .await;

    // Not found: an address, an instrument of no lab, an id that is not one.
    b.client.goto(&format!("{base}/nowhere")).await.unwrap();
    b.text("main h1").await;
    audit(b, "not found", "").await;
    b.client
        .goto(&format!("{base}/instruments/99999"))
        .await
        .unwrap();
    b.text("main [role=alert]").await;
    audit(b, "instrument not found", "").await;
    b.client
        .goto(&format!("{base}/instruments/abc"))
        .await
        .unwrap();
    b.text("main h1").await;
    audit(b, "instrument address not an id", "").await;

    // Loading (the server never answers) and error (it answers 503) states.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.text("table.fleet tbody tr").await;
    break_fetch(b, true).await;
    b.click(Locator::Css("nav[aria-label=Main] a[href='/warnings']"))
        .await;
    b.text("main .state.loading").await;
    audit(b, "warnings, loading", "loading").await;
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.text("table.fleet tbody tr").await;
    break_fetch(b, false).await;
    b.click(Locator::Css("nav[aria-label=Main] a[href='/replacements']"))
        .await;
    b.text("main .state.error").await;
    audit(b, "replacements, server error", "error").await;

    // The viewer: no manager's buttons, a view-only note.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "grace@northgate.example", DEMO_PASSWORD)
        .await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;
    audit(b, "fleet (viewer)", "fleet-viewer").await;
    b.client
        .goto(&format!("{base}/instruments/{nimbus}"))
        .await
        .unwrap();
    b.text("table.warnings tbody tr").await;
    b.text("table.runs tbody tr").await;
    audit(b, "instrument (viewer)", "").await;
    for (path, css) in [
        ("/warnings", "table.warnings tbody tr"),
        ("/replacements", "table.replacements tbody tr"),
        ("/team", "table.team tbody tr"),
        ("/account", "main form"),
    ] {
        b.client.goto(&format!("{base}{path}")).await.unwrap();
        b.text(css).await;
        audit(b, &format!("{path} (viewer)"), "").await;
    }

    browser.close().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_lab_s_pages_pass_the_wcag_audit() {
    let (mut server, browser) = (Server::empty().await, Browser::start().await);
    let base = server.base.clone();
    let b = &browser;

    // A server with no lab: the login page says how to make one.
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.text("section.login [role=note]").await;
    audit(b, "login, no lab yet", "").await;

    let now = Utc::now().timestamp();
    let (_, token) = seqhealth_server::domain::invitations::init_lab(
        &server.db,
        "Core Genomics",
        "America/Chicago",
        "ada@core.example",
        false,
        now,
    )
    .await
    .unwrap();
    b.client
        .goto(&format!("{base}/accept/{token}"))
        .await
        .unwrap();
    b.wait_text("section.accept", &["Core Genomics"]).await;
    audit(b, "accept invitation", "accept").await;
    let fill = |css: &'static str, text: &'static str| async move {
        let field = b.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    };
    fill("#name", "Ada Lovelace").await;
    fill("#password", "short").await;
    b.wait_text("section.accept [role=alert]", &["at least 12"])
        .await;
    audit(b, "accept invitation, weak password", "").await;
    fill("#password", "violet kettle on the moor").await;
    fill("#again", "violet kettle on the moor").await;
    b.click(Locator::Css("section.accept button[type=submit]"))
        .await;
    b.wait_path("/").await;
    b.wait_text("header", &["Ada Lovelace"]).await;
    b.text("main .state.empty").await;
    audit(b, "fleet, no instrument", "empty-fleet").await;
    for (path, css) in [
        ("/warnings", "main .state.empty"),
        ("/replacements", "main .state.empty"),
        ("/audit", "main table, main .state.empty"),
        ("/team", "table.team tbody tr"),
        ("/notifications", "#deliveries"),
    ] {
        b.client.goto(&format!("{base}{path}")).await.unwrap();
        b.text(css).await;
        audit(b, &format!("{path}, a new lab"), "").await;
    }

    // Links that were used or never were.
    b.client
        .goto(&format!("{base}/accept/{token}"))
        .await
        .unwrap();
    b.wait_text("section.accept", &["already used"]).await;
    audit(b, "accept, link used", "").await;
    b.client.delete_all_cookies().await.unwrap();
    b.client
        .goto(&format!("{base}/reset/not-a-token"))
        .await
        .unwrap();
    b.text("main [role=alert]").await;
    audit(b, "reset, unknown link", "").await;

    // A forgotten password: the page that says a link is on its way, the reset form.
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.click(Locator::Css("details.forgot summary")).await;
    fill("#forgot-email", "ada@core.example").await;
    b.click(Locator::Css("details.forgot button[type=submit]"))
        .await;
    b.wait_text("details.forgot", &["on its way"]).await;
    audit(b, "login, forgotten password sent", "").await;
    let mail = server.mail.as_ref().expect("Server::empty sends mail");
    let sent = mail.messages(1).await;
    let reset = crate::setup::link_in(&sent[0], &format!("{base}/reset/"));
    b.client.goto(&reset).await.unwrap();
    b.wait_text("section.accept", &["ada@core.example"]).await;
    audit(b, "reset form", "reset").await;

    browser.close().await;
    server.stop().await;
}
