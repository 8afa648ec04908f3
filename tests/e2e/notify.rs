//! Notifications in the dashboard (issue 25): a manager's own choices on the Account page
//! survive a reload; on the Notifications page they change the lab's settings, add a
//! webhook pointing at a receiver on loopback (its secret shown once), send it a test, and
//! see the delivery in the log; a viewer gets neither the link nor the page.

use crate::harness::*;
use seqhealth_api::notify::{NotifyKind, NotifyMode, NotifyPrefs, NotifySettings};
use seqhealth_server::jobs::notify::{Notifier, NotifyConfig};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

/// What a webhook receiver was sent: each request's signature header and body.
type Seen = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A webhook receiver on loopback (plain std sockets on a thread): answers 500 to the
/// first `failing` requests, then 200, and keeps what it was sent.
fn receiver(mut failing: usize) -> (String, Seen) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let keep = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // The head, then as much body as it announces.
            let (head, body) = loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break (String::new(), Vec::new());
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let length: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    let mut body = buf[end + 4..].to_vec();
                    while body.len() < length {
                        let n = s.read(&mut chunk).unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        body.extend_from_slice(&chunk[..n]);
                    }
                    break (head, body);
                }
            };
            let signature = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("x-seqhealth-signature")
                        .then(|| v.trim().to_string())
                })
                .unwrap_or_default();
            if !head.is_empty() {
                keep.lock().unwrap().push((signature, body));
            }
            let status = if failing > 0 {
                failing -= 1;
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            let _ = s.write_all(
                format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    (url, seen)
}

/// The value (or checkedness) of the form control `css`.
async fn value(b: &Browser, css: &str) -> String {
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    let v = b
        .client
        .execute(
            "const e = document.querySelector(arguments[0]); return e.type === 'checkbox' ? String(e.checked) : e.value;",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

/// Form controls inside `css` that have no label (none, if all is well).
async fn unlabelled(b: &Browser, css: &str) -> Vec<String> {
    let v = b
        .client
        .execute(
            "return [...document.querySelectorAll(arguments[0] + ' :is(input, select, textarea)')]
                .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label')).map(e => e.outerHTML);",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// Whether the page is wider than the window (it must never be).
async fn overflows(b: &Browser) -> bool {
    b.client
        .execute(
            "return document.documentElement.scrollWidth > document.documentElement.clientWidth;",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap()
}

/// The whole page at `width` px wide, in target/screenshots/`name`-`width`.png; fails if
/// the page is wider than the window.
async fn shot(b: &Browser, name: &str, width: u32) {
    b.client.set_window_size(width, 900).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let height = b
        .client
        .execute("return document.documentElement.scrollHeight", vec![])
        .await
        .unwrap()
        .as_u64()
        .unwrap_or(900)
        .clamp(600, 5000);
    b.client
        .set_window_size(width, height as u32 + 140)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!overflows(b).await, "{name} is wider than {width} px");
    let png = b.client.screenshot().await.unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    b.client.set_window_size(1280, 900).await.unwrap();
}

/// Clicks the button inside `css` whose text starts with `text`.
async fn button(b: &Browser, css: &str, text: &str) -> fantoccini::elements::Element {
    let xpath = format!(
        "//*[{}]//button[starts-with(normalize-space(.), '{text}')]",
        css
    );
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
}

const ENTER: &str = "\u{E007}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_chooses_notifications_adds_a_webhook_tests_it_and_sees_the_delivery() {
    let mut server = Server::provisioned().await;
    let base = server.base.clone();
    // The worker the server runs beside its API (`launch`), every second here.
    let notifier = Notifier::new(
        server.db.clone(),
        Mailer::off(),
        NotifyConfig {
            every: Duration::from_secs(1),
            // Long enough for the log (read every 5 s) to show the delivery retrying.
            retry_base_secs: 15,
            ..NotifyConfig::default()
        },
    );
    let worker = tokio::spawn(notifier.run_forever());
    let (hook_url, seen) = receiver(1);
    let b = Browser::start().await;
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    let ada = as_ada(&base).await;

    // Account: a manager hears of critical warnings at once by default; she stops other
    // warnings and sets quiet hours that hold back escalations too.
    b.client.goto(&format!("{base}/account")).await.unwrap();
    assert_eq!(value(&b, "#notify-critical_warning").await, "immediately");
    assert_eq!(value(&b, "#notify-warning").await, "digest");
    // The name field is filled once the session is known (the page opened by its address).
    let deadline = tokio::time::Instant::now() + WAIT;
    while value(&b, "#account-name").await != "Ada Lovelace" {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the name field stays empty"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let section = "section[aria-labelledby=notify-heading]";
    assert_eq!(unlabelled(&b, section).await, Vec::<String>::new());
    b.client
        .find(Locator::Css("#notify-warning"))
        .await
        .unwrap()
        .select_by_value("never")
        .await
        .unwrap();
    b.click(Locator::Css("#quiet-on")).await;
    assert_eq!(value(&b, "#quiet-from").await, "22:00");
    b.click(Locator::Css("#quiet-escalations")).await;
    assert_eq!(unlabelled(&b, section).await, Vec::<String>::new());
    shot(&b, "notify-account", 1366).await;
    shot(&b, "notify-account", 375).await;
    button(
        &b,
        "self::form[contains(@class,'prefs')]",
        "Save notification choices",
    )
    .await
    .click()
    .await
    .unwrap();
    b.wait_text(&format!("{section} p[role=status]"), &["Saved."])
        .await;
    let stored: NotifyPrefs = ada
        .get(format!("{base}/api/v1/account/notifications"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mode = |k: NotifyKind| stored.modes.iter().find(|(kind, _)| *kind == k).unwrap().1;
    assert_eq!(mode(NotifyKind::Warning), NotifyMode::Never);
    assert_eq!(mode(NotifyKind::CriticalWarning), NotifyMode::Immediately);
    assert_eq!(
        (stored.quiet_from.as_deref(), stored.quiet_to.as_deref()),
        (Some("22:00"), Some("07:00"))
    );
    assert!(stored.quiet_escalations);
    // After a reload the page shows what was saved.
    b.client.refresh().await.unwrap();
    assert_eq!(value(&b, "#notify-warning").await, "never");
    assert_eq!(value(&b, "#quiet-on").await, "true");
    assert_eq!(value(&b, "#quiet-to").await, "07:00");
    assert_eq!(value(&b, "#quiet-escalations").await, "true");

    // The Notifications page, from the manager's menu.
    b.click(Locator::Css(
        "nav[aria-label=Main] a[href='/notifications']",
    ))
    .await;
    b.wait_path("/notifications").await;
    assert_eq!(value(&b, "#digest-at").await, "07:30");
    b.wait_text("#deliveries", &["No notifications sent yet"])
        .await;
    b.wait_text("#webhooks", &["No webhook yet"]).await;
    assert_eq!(unlabelled(&b, "main").await, Vec::<String>::new());
    // The lab's settings: escalate after 30 minutes.
    let escalate = b.client.find(Locator::Id("escalate-after")).await.unwrap();
    escalate.clear().await.unwrap();
    escalate.send_keys("30").await.unwrap();
    button(
        &b,
        "self::form[contains(@class,'settings')]",
        "Save the lab",
    )
    .await
    .click()
    .await
    .unwrap();
    b.wait_text("#settings p[role=status]", &["Saved."]).await;
    let settings: NotifySettings = api_get(&base, "/notifications/settings").await;
    assert_eq!(settings.escalate_after_minutes, 30);
    assert_eq!(settings.digest_at, "07:30");

    // A webhook, added from the keyboard (Enter in the address field sends the form).
    b.client
        .find(Locator::Id("webhook-name"))
        .await
        .unwrap()
        .send_keys("Lab chat")
        .await
        .unwrap();
    let url_field = b.client.find(Locator::Id("webhook-url")).await.unwrap();
    url_field.send_keys(&hook_url).await.unwrap();
    url_field.send_keys(ENTER).await.unwrap();
    // Its secret, this once, with a copy button and how to check a signature.
    let secret = value(&b, "#webhook-secret").await;
    assert!(secret.len() >= 32, "{secret:?}");
    let card = b.text(".secret").await;
    assert!(card.contains("X-Seqhealth-Signature"), "{card}");
    assert!(card.contains("shown this once"), "{card}");
    button(&b, "contains(@class,'secret')", "Copy the secret")
        .await
        .click()
        .await
        .unwrap();
    b.wait_text(
        ".secret .copy-field .copied",
        &["Copied.", "Selected: press Ctrl+C"],
    )
    .await;
    b.wait_count("table.webhooks tbody tr", 1).await;
    let row = b.text("table.webhooks tbody tr").await;
    assert!(
        row.contains("Lab chat") && row.contains(&hook_url) && row.contains("On"),
        "{row}"
    );
    shot(&b, "notify-secret", 375).await;
    // Gone after a reload: the server keeps no way to show it again.
    b.client.refresh().await.unwrap();
    b.wait_count("table.webhooks tbody tr", 1).await;
    assert_eq!(b.count("#webhook-secret").await, 0);

    // Send a test, from the keyboard; the delivery log shows it sent, without a reload.
    let test = b
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(
            "table.webhooks button[aria-label='Send test to Lab chat']",
        ))
        .await
        .unwrap();
    test.send_keys(ENTER).await.unwrap();
    b.wait_text("#webhooks p[role=status]", &["Test queued"])
        .await;
    let focused = b
        .client
        .execute(
            "return document.activeElement.getAttribute('aria-label')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused.as_str(), Some("Send test to Lab chat"));
    // The receiver answers 500 first: the log shows the delivery retrying, with the
    // error and when it is tried again.
    b.wait_count("table.deliveries tbody tr[data-status=retrying]", 1)
        .await;
    let cells = b.table_cells("table.deliveries").await;
    assert_eq!(cells.len(), 1, "{cells:?}");
    let (when, cells) = &cells[0];
    assert!(when.is_some(), "the time is a <time datetime>");
    assert_eq!(cells[2], "Webhook", "{cells:?}");
    assert_eq!(cells[3], hook_url, "{cells:?}");
    assert_eq!(cells[4], "Retrying", "{cells:?}");
    assert_eq!(cells[5], "1", "{cells:?}");
    assert!(cells[6].contains("answered 500"), "{cells:?}");
    assert_ne!(cells[7], "—", "{cells:?}");
    let caption = b.text("table.deliveries caption").await;
    assert!(caption.contains("Europe/London"), "{caption}");
    shot(&b, "notify-page", 1366).await;
    shot(&b, "notify-page", 375).await;
    // Then sent, on the page as it refreshes itself.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while b.count("table.deliveries tbody tr[data-status=sent]").await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never sent");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let cells = &b.table_cells("table.deliveries").await[0].1;
    assert!(cells[4].starts_with("Sent"), "{cells:?}");
    assert_eq!(cells[5], "2", "{cells:?}");
    assert_eq!((&cells[6][..], &cells[7][..]), ("—", "—"), "{cells:?}");
    // The receiver got it twice, each signed with the secret the page showed.
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    for (signature, body) in &got {
        let t: i64 = signature
            .strip_prefix("t=")
            .and_then(|s| s.split(',').next())
            .and_then(|t| t.parse().ok())
            .unwrap_or_else(|| panic!("{signature:?}"));
        assert_eq!(
            *signature,
            seqhealth_server::webhook::signature(&secret, t, body)
        );
    }
    shot(&b, "notify-page-sent", 1366).await;
    // The log is read again every 5 s, but its table is rebuilt only when it changed: a
    // reader's place in it stays.
    b.client
        .execute(
            "document.querySelector('table.deliveries').dataset.marked = 'yes';",
            vec![],
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(b.count("table.deliveries[data-marked=yes]").await, 1);

    // Off, then removed (asked twice; the confirmation takes the focus).
    b.click(Locator::Css(
        "table.webhooks button[aria-label='Turn off Lab chat']",
    ))
    .await;
    b.wait_text("table.webhooks tbody tr", &["Off"]).await;
    // The row changed in place: the button, now "Turn on", still has the focus.
    let focused = b
        .client
        .execute(
            "return document.activeElement.getAttribute('aria-label')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused.as_str(), Some("Turn on Lab chat"));
    // "Remove…", then "Keep it": nothing removed, the focus back on "Remove…".
    b.click(Locator::Css(
        "table.webhooks button[aria-label='Remove Lab chat']",
    ))
    .await;
    b.click(Locator::XPath(
        "//table[contains(@class,'webhooks')]//button[normalize-space(.)='Keep it']",
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let focused = b
        .client
        .execute(
            "return document.activeElement.getAttribute('aria-label')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused.as_str(), Some("Remove Lab chat"));
    b.click(Locator::Css(
        "table.webhooks button[aria-label='Remove Lab chat']",
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let focused = b
        .client
        .execute("return document.activeElement.textContent", vec![])
        .await
        .unwrap();
    assert!(
        focused
            .as_str()
            .unwrap_or("")
            .starts_with("Remove Lab chat:"),
        "{focused:?}"
    );
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(ENTER)
        .await
        .unwrap();
    b.wait_text("#webhooks", &["No webhook yet"]).await;

    // A viewer: no link, and the page says who can.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "grace@northgate.example", DEMO_PASSWORD)
        .await;
    b.wait_path("/").await;
    b.text("nav[aria-label=Main]").await;
    assert_eq!(b.count("nav a[href='/notifications']").await, 0);
    b.client
        .goto(&format!("{base}/notifications"))
        .await
        .unwrap();
    b.wait_text("main", &["View-only: ask a lab manager"]).await;
    assert_eq!(b.count("#webhooks").await, 0);
    b.client.goto(&format!("{base}/account")).await.unwrap();
    assert_eq!(value(&b, "#notify-critical_warning").await, "digest");

    b.close().await;
    worker.abort();
    server.stop().await;
}

/// Issue 25: a manager silences an instrument's notifications from its page (a service
/// visit), the page says until when and why (in the lab's zone, named), and she ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_silences_an_instrument_from_its_page_and_ends_the_silence() {
    let mut server = Server::provisioned().await;
    let base = server.base.clone();
    let id = server.id("NB552091");
    let b = Browser::start().await;
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.client
        .goto(&format!("{base}/instruments/{id}"))
        .await
        .unwrap();
    let section = "section.silence";
    b.wait_count("#silence-until", 1).await;
    assert_eq!(unlabelled(&b, section).await, Vec::<String>::new());
    // It starts at tomorrow, this time: the day as London writes it, the time 24-hour.
    let tomorrow =
        chrono::Utc::now().with_timezone(&chrono_tz::Europe::London) + chrono::Duration::days(1);
    assert_eq!(
        value(&b, "#silence-until").await,
        tomorrow.format("%d/%m/%Y").to_string()
    );
    assert_eq!(value(&b, "#silence-until-time").await.len(), 5);
    let reason = b
        .client
        .find(Locator::Css("#silence-reason"))
        .await
        .unwrap();
    reason
        .send_keys("service visit, chiller swap")
        .await
        .unwrap();
    // A time in the past: the API's reason is shown.
    set_field(&b, "#silence-until", "01/01/2020").await;
    set_field(&b, "#silence-until-time", "09:00").await;
    reason.send_keys(ENTER).await.unwrap();
    b.wait_text(&format!("{section} p[role=alert]"), &["in the future"])
        .await;
    shot(&b, "instrument-silence-form", 375).await;
    b.wait_text(&format!("{section} p[role=alert]"), &["in the future"])
        .await;
    // Two days ahead on the lab's clock (the UTC clock's figures, read in the lab's zone).
    let typed = chrono::Utc::now() + chrono::Duration::days(2);
    set_field(&b, "#silence-until", &typed.format("%d/%m/%Y").to_string()).await;
    set_field(
        &b,
        "#silence-until-time",
        &typed.format("%H:%M").to_string(),
    )
    .await;
    button(&b, "self::form[contains(@class,'silence-form')]", "Silence")
        .await
        .click()
        .await
        .unwrap();
    let line = b
        .wait_text(
            &format!("{section} p.silenced"),
            &["service visit, chiller swap"],
        )
        .await;
    assert!(line.starts_with("Notifications silenced until "), "{line}");
    b.wait_text("#announce", &["Notifications silenced."]).await;
    assert!(
        line.contains(&typed.format("%H:%M").to_string()),
        "the time typed, in the lab's zone: {line}"
    );
    let detail: seqhealth_api::InstrumentDetail =
        api_get(&base, &format!("/instruments/{id}")).await;
    assert!(
        line.contains(&format!("({})", detail.lab.time_zone)),
        "{line}"
    );
    let until = detail.silenced_until.expect("silenced");
    let ahead = until - chrono::Utc::now();
    assert!(
        ahead > chrono::Duration::hours(33) && ahead < chrono::Duration::hours(63),
        "two days ahead, read in the lab's zone: {ahead}"
    );
    shot(&b, "instrument-silenced", 1366).await;
    shot(&b, "instrument-silenced", 375).await;
    button(
        &b,
        "self::section[contains(@class,'silence')]",
        "End silence",
    )
    .await
    .click()
    .await
    .unwrap();
    b.wait_count("#silence-until", 1).await;
    assert_eq!(b.count(&format!("{section} p.silenced")).await, 0);
    b.wait_text("#announce", &["Notifications back on."]).await;
    let detail: seqhealth_api::InstrumentDetail =
        api_get(&base, &format!("/instruments/{id}")).await;
    assert_eq!(detail.silenced_until, None);
    b.close().await;
    server.stop().await;
}

/// Sets a text field the way typing does: its value, then an `input` event.
async fn set_field(b: &Browser, css: &str, text: &str) {
    b.client
        .execute(
            "const e = document.querySelector(arguments[0]); e.value = arguments[1];
             e.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![css.into(), text.into()],
        )
        .await
        .unwrap();
}
