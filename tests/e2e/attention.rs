//! "What needs attention today?": what a lab manager hits in the first ten minutes, on
//! the real server and the release build.

use crate::harness::*;

/// The API paths the page has asked for since it was loaded.
async fn api_requests(b: &Browser) -> Vec<String> {
    let v = b
        .client
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/api/'));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_instrument_addresses_say_so_and_a_deep_link_survives_login() {
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    let id = server.id("VH00412");

    // A deep link while logged out: log in, then land on the page that was asked for.
    b.client
        .goto(&format!(
            "{base}/instruments/{id}?x=1#sensor-chiller_temp_c"
        ))
        .await
        .unwrap();
    b.wait_path("/login").await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(
        url.query_pairs()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.into_owned()),
        Some(format!("/instruments/{id}?x=1#sensor-chiller_temp_c")),
        "{url}"
    );
    b.submit_login("ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path(&format!("/instruments/{id}")).await;
    assert!(b.text("h1").await.contains("Vega"));
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("sensor-chiller_temp_c"), "{url}");

    // A `next` that leaves the site is ignored: the fleet, not another host.
    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        b.client
            .goto(&format!("{base}/login?next={}", js_encode(evil)))
            .await
            .unwrap();
        b.submit_login("ada@northgate.example", DEMO_PASSWORD).await;
        b.wait_path("/").await;
        let url = b.client.current_url().await.unwrap();
        assert_eq!(url.host_str(), Some("127.0.0.1"), "{evil}: {url}");
    }

    // Not a number: no instrument has this address; nothing is asked of the server.
    b.client
        .goto(&format!("{base}/instruments/abc"))
        .await
        .unwrap();
    let alert = b.text("main [role=alert]").await;
    assert!(
        alert.contains("There is no instrument at this address"),
        "{alert}"
    );
    assert!(!alert.contains("-1"), "{alert}");
    assert_eq!(b.count("main [role=alert] a[href='/']").await, 1);
    assert_eq!(b.count("main [role=alert] button").await, 0, "no Retry");
    let asked = api_requests(b).await;
    assert!(
        !asked.iter().any(|u| u.contains("/instruments")),
        "no instrument request: {asked:?}"
    );
    b.screenshot("instrument-not-a-number").await;

    // A number the lab does not have: not found in your lab, a way back, no Retry.
    b.client
        .goto(&format!("{base}/instruments/99999"))
        .await
        .unwrap();
    let alert = b.wait_text("main [role=alert]", &["not found"]).await;
    assert!(alert.contains("not found in your lab"), "{alert}");
    assert_eq!(b.count("main [role=alert] button").await, 0, "no Retry");
    b.screenshot("instrument-not-found").await;
    b.click(Locator::Css("main [role=alert] a[href='/']")).await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;

    browser.close().await;
    server.stop().await;
}

/// A query value, percent-encoded.
fn js_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Visible text (each element's own text, and each line of the page) that starts like an
/// internal rule code.
async fn rule_codes_on_screen(b: &Browser) -> Vec<String> {
    let v = b
        .client
        .execute(
            "const code = /^(threshold|rate|missing_data|repeated|spc):/;
             const seen = document.body.innerText.split('\\n').map(s => s.trim()).filter(s => code.test(s));
             const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
             for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                 const t = n.textContent.trim();
                 const el = n.parentElement;
                 if (code.test(t) && el && el.offsetParent !== null) seen.push(t);
             }
             return seen;",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warnings_name_their_rules_in_words() {
    let (mut server, browser) = start_as("ada@northgate.example").await;
    let base = server.base.clone();
    let b = &browser;

    // Every warning the lab has had, open or not.
    b.client.goto(&format!("{base}/warnings")).await.unwrap();
    b.text("table.warnings tbody tr").await;
    b.client
        .find(Locator::Css("form.filters select"))
        .await
        .unwrap()
        .select_by_value("all")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.text("table.warnings tbody tr").await;
    let rows = b.count("table.warnings tbody tr").await;
    let words = b.text("table.warnings tbody").await;
    assert!(
        words.contains("Reagent chiller temperature out of range"),
        "{words}"
    );
    // The code stays, out of sight, as a data attribute.
    assert_eq!(b.count("table.warnings tbody [data-rule]").await, rows);
    let codes = rule_codes_on_screen(b).await;
    assert!(
        codes.is_empty(),
        "rule codes on the warnings page: {codes:?}"
    );
    b.screenshot("warnings-words").await;

    // The instrument with the failing chiller: its open warnings, in words.
    let id = server.id("NB552091");
    b.client
        .goto(&format!("{base}/instruments/{id}"))
        .await
        .unwrap();
    b.text("table.warnings tbody tr").await;
    b.text("table.runs tbody tr").await;
    let codes = rule_codes_on_screen(b).await;
    assert!(
        codes.is_empty(),
        "rule codes on the instrument page: {codes:?}"
    );

    browser.close().await;
    server.stop().await;
}

/// Visible text and chart labels that are not in the dashboard's date style: ISO dates
/// ("2026-12-14") and "Sept". The audit log's details are the server's own words, stored
/// when the entry was made (they still write ISO dates): not looked at here.
async fn off_style_dates(b: &Browser) -> Vec<String> {
    let v = b
        .client
        .execute(
            "const bad = /\\b\\d{4}-\\d{2}-\\d{2}\\b|\\bSept\\b/;
             const seen = [];
             const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
             for (let n = walk.nextNode(); n; n = walk.nextNode()) {
                 const el = n.parentElement;
                 if (!el || el.closest('script, style, option, table.audit td:nth-child(5)')) continue;
                 if (bad.test(n.textContent)) seen.push(n.textContent.trim());
             }
             return seen;",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dates_read_one_way_and_captions_say_the_data_s_step() {
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    let nimbus = server.id("NB552091");

    // A run planned in September: "Sep", as every other date, never "Sept" or ISO.
    let year = Utc::now().format("%Y").to_string().parse::<i32>().unwrap() + 1;
    let r = as_ada(&base)
        .await
        .post(format!("{base}/api/v1/instruments/{nimbus}/planned-runs"))
        .json(&serde_json::json!({
            "starts_on": format!("{year}-09-14"),
            "ends_on": format!("{year}-09-16"),
            "label": "Autumn WGS"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.client
        .goto(&format!("{base}/instruments/{nimbus}"))
        .await
        .unwrap();
    let planned = b.wait_text("ul.planned", &["Autumn WGS"]).await;
    assert!(
        planned.contains(&format!("14 Sep {year} to 16 Sep {year}")),
        "{planned}"
    );
    assert_eq!(
        b.count(&format!("ul.planned time[datetime='{year}-09-14']"))
            .await,
        1,
        "the ISO date stays for machines"
    );
    b.text("table.runs tbody tr").await;
    b.wait_count("figure.sensor figcaption", 6).await;
    // The chiller's trend is fitted to daily peaks: they are drawn beside it, and said.
    assert!(
        b.count("figure.sensor circle.fitted").await >= 20,
        "the daily peaks the chiller's trend follows are drawn"
    );
    let chiller = b.text("section[aria-labelledby=sensors-heading]").await;
    assert!(chiller.contains("daily peaks (purple dots)"), "{chiller}");

    // Readings arrive every 6 h: the captions say so, not "per hour".
    let captions = b.text("section[aria-labelledby=sensors-heading]").await;
    assert!(!captions.contains("per hour"), "{captions}");
    assert!(captions.contains("mean and range per 6 h"), "{captions}");
    let odd = off_style_dates(b).await;
    assert!(odd.is_empty(), "dates off the dashboard's style: {odd:?}");
    b.screenshot("instrument-dates").await;

    // A year of readings: a point a day.
    b.client
        .find(Locator::Css(
            "section[aria-labelledby=sensors-heading] select",
        ))
        .await
        .unwrap()
        .select_by_value("365")
        .await
        .unwrap();
    b.wait_text(
        "figure.sensor[data-sensor='chiller_temp_c'] figcaption",
        &["per day"],
    )
    .await;
    let odd = off_style_dates(b).await;
    assert!(odd.is_empty(), "dates off the dashboard's style: {odd:?}");

    // The replacements, warnings and audit pages too.
    for path in ["/replacements", "/warnings", "/audit", "/"] {
        b.client.goto(&format!("{base}{path}")).await.unwrap();
        b.text("main table tbody tr").await;
        let odd = off_style_dates(b).await;
        assert!(
            odd.is_empty(),
            "{path}: dates off the dashboard's style: {odd:?}"
        );
    }

    browser.close().await;
    server.stop().await;
}

/// At the window's current width: elements whose box reaches past the viewport (not
/// counting those inside a box that scrolls or clips sideways: that box is checked
/// instead), and boxes that scroll sideways without a keyboard stop and a name.
pub(crate) async fn phone_overflow(b: &Browser) -> (f64, Vec<String>, Vec<String>) {
    let v = b
        .client
        .execute(
            "const vw = document.documentElement.clientWidth;
             const clips = el => { const o = getComputedStyle(el).overflowX; return o !== 'visible'; };
             const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                 + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
             const wide = [];
             const unreachable = [];
             for (const el of document.body.querySelectorAll('*')) {
                 let a = el.parentElement, inside = false;
                 while (a && a !== document.body) { if (clips(a)) { inside = true; break; } a = a.parentElement; }
                 if (inside) continue;
                 const r = el.getBoundingClientRect();
                 if (r.width === 0 && r.height === 0) continue;
                 // (Off to the left is how the skip link hides until focused.)
                 if (r.right > vw + 0.5) wide.push(name(el) + ' ' + Math.round(r.left) + '–' + Math.round(r.right));
                 const o = getComputedStyle(el).overflowX;
                 if ((o === 'auto' || o === 'scroll') && el.scrollWidth > el.clientWidth + 1
                     && !(el.tabIndex === 0 && (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))))
                     unreachable.push(name(el));
             }
             if (document.documentElement.scrollWidth > vw) wide.push('page ' + document.documentElement.scrollWidth);
             return [vw, wide, unreachable];",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone() {
    let (mut server, browser) = start_as("ada@northgate.example").await;
    let base = server.base.clone();
    let b = &browser;
    let nimbus = server.id("NB552091");
    let pages = [
        ("/".to_string(), "table.fleet tbody tr", "fleet"),
        (
            format!("/instruments/{nimbus}"),
            "table.runs tbody tr",
            "instrument",
        ),
        ("/warnings".into(), "table.warnings tbody tr", "warnings"),
        (
            "/replacements".into(),
            "table.replacements tbody tr",
            "replacements",
        ),
        ("/audit".into(), "table.audit tbody tr", "audit"),
        ("/team".into(), "table.team tbody tr", "team"),
        ("/account".into(), "#notify-warning", "account"),
        (
            "/notifications".into(),
            "#deliveries .state:not(.loading)",
            "notifications",
        ),
    ];
    // A 375 px viewport: the window is wider by its scroll bar.
    b.client.set_window_size(375, 800).await.unwrap();
    let vw: f64 = serde_json::from_value(
        b.client
            .execute("return document.documentElement.clientWidth", vec![])
            .await
            .unwrap(),
    )
    .unwrap();
    b.client
        .set_window_size(375 + (375.0 - vw) as u32, 800)
        .await
        .unwrap();
    let mut problems = Vec::new();
    for (path, ready, shot) in &pages {
        b.client.goto(&format!("{base}{path}")).await.unwrap();
        b.text(ready).await;
        if shot == &"instrument" {
            b.wait_count("figure.sensor figcaption", 6).await;
            b.text(
                "section[aria-labelledby=predictions-heading] table tbody tr, ul.planned, p.state",
            )
            .await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (vw, wide, unreachable) = phone_overflow(b).await;
        assert_eq!(vw, 375.0, "a phone's width");
        if !wide.is_empty() {
            problems.push(format!("{path}: wider than {vw} px: {wide:?}"));
        }
        if !unreachable.is_empty() {
            problems.push(format!(
                "{path}: scrolls sideways with no keyboard stop or name: {unreachable:?}"
            ));
        }
        if shot == &"instrument" {
            b.screenshot_of("figure#sensor-chiller_temp_c", "phone-sensor-chart")
                .await;
            b.screenshot_of(
                "section[aria-labelledby=predictions-heading]",
                "phone-predictions",
            )
            .await;
        }
        let png = b.client.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("phone-{shot}.png")), png).unwrap();
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    browser.close().await;
    server.stop().await;
}

/// One replace-by date per component: the predictions table and the replacements table of
/// an instrument page show the same date for the same component.
#[tokio::test]
async fn a_component_has_one_replace_by_date_on_its_page() {
    let (mut server, browser) = start_as("ada@northgate.example").await;
    let base = server.base.clone();
    let b = &browser;
    let atlas = server.id("A00317");
    b.client
        .goto(&format!("{base}/instruments/{atlas}"))
        .await
        .unwrap();
    let first_date = |text: &str| -> String {
        let words: Vec<&str> = text.split_whitespace().collect();
        words
            .windows(3)
            .find(|w| {
                w[0].parse::<u32>().is_ok()
                    && w[1].len() == 3
                    && w[2].len() >= 4
                    && w[2][..4].parse::<i32>().is_ok()
            })
            .map(|w| format!("{} {} {}", w[0], w[1], &w[2][..4]))
            .unwrap_or_else(|| panic!("no date in {text:?}"))
    };
    let predicted = b
        .wait_text(
            "table.predictions tr[data-component='Laser'] td:last-child",
            &["20"],
        )
        .await;
    b.wait_text("table.replacements", &["Laser"]).await;
    let replacement = b
        .table_cells("table.replacements")
        .await
        .into_iter()
        .map(|(_, cells)| cells)
        .find(|cells| cells.get(1).is_some_and(|c| c.starts_with("Laser")))
        .map(|cells| cells[3].clone())
        .expect("the laser's replacement row");
    assert_eq!(
        first_date(&predicted),
        first_date(&replacement),
        "predictions: {predicted:?}; replacements: {replacement:?}"
    );
    assert!(!predicted.contains("Now"), "{predicted}");
    browser.close().await;
    server.stop().await;
}
