//! The lists a manager works through (issue 22): the fleet sorted by any column, filters
//! that stay in the address, and a warning that got worse after it was acknowledged.

use crate::harness::*;
use seqhealth_agent::push::Pusher;
use seqhealth_api::{TelemetryBatch, WarningList};

/// The instruments' names in the fleet table, top to bottom.
async fn fleet_names(b: &Browser) -> Vec<String> {
    let v = b
        .client
        .execute(
            "return [...document.querySelectorAll('table.fleet tbody th')].map(t => t.textContent.trim());",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// The `aria-sort` of each fleet header that has one: (its text, ascending/descending).
async fn sorted_headers(b: &Browser) -> Vec<(String, String)> {
    let v = b
        .client
        .execute(
            "return [...document.querySelectorAll('table.fleet th[aria-sort]')].map(t => [t.querySelector('button').textContent.trim(), t.getAttribute('aria-sort')]);",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

fn header_button(label: &str) -> String {
    format!(
        "//table[contains(@class,'fleet')]//th/button[starts-with(normalize-space(.), '{label}')]"
    )
}

async fn path_and_query(b: &Browser) -> String {
    let url = b.client.current_url().await.unwrap();
    format!("{}?{}", url.path(), url.query().unwrap_or(""))
}

/// A select's current value.
async fn select_value(b: &Browser, css: &str) -> String {
    let v = b
        .client
        .execute(
            "return document.querySelector(arguments[0]).value;",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

async fn choose(b: &Browser, css: &str, value: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// The page at `width` px wide (its first 1,400 px), in target/screenshots/.
async fn shot(b: &Browser, name: &str, width: u32) {
    b.client.set_window_size(width, 1400).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = b.client.screenshot().await.unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    b.client.set_window_size(1280, 900).await.unwrap();
}

/// One chiller reading of `serial`, `minutes_ago`.
async fn chiller(server: &Server, serial: &str, id: &str, minutes_ago: i64, value: f64) {
    let token = &server
        .fleet
        .iter()
        .find(|p| p.instrument.serial == serial)
        .unwrap()
        .token;
    let batch: TelemetryBatch = serde_json::from_value(serde_json::json!({
        "batch_id": id,
        "readings": [{
            "at": Utc::now() - TimeDelta::minutes(minutes_ago),
            "subsystem": "thermal", "sensor": "chiller_temp_c", "value": value,
        }],
    }))
    .unwrap();
    Pusher::new(&server.base, token)
        .telemetry(&batch)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_sorts_filters_stay_in_the_address_and_a_worse_warning_is_acknowledged_again() {
    let (mut server, browser) = start_as("ada@northgate.example").await;
    let base = server.base.clone();
    let b = &browser;

    // (a) The fleet: what needs attention first, then sorted by any column.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_count("table.fleet tbody tr", NORTHGATE.len()).await;
    let attention = fleet_names(b).await;
    assert!(
        sorted_headers(b).await.is_empty(),
        "no column claims the default order"
    );
    b.click(Locator::XPath(&header_button("Instrument"))).await;
    let ascending = fleet_names(b).await;
    let mut expected = attention.clone();
    expected.sort_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(ascending, expected);
    assert_eq!(
        sorted_headers(b).await,
        [("Instrument ▲".to_string(), "ascending".to_string())]
    );
    assert!(b
        .text("table.fleet caption")
        .await
        .contains("sorted by Instrument (ascending)"));
    b.click(Locator::XPath(&header_button("Instrument"))).await;
    let descending = fleet_names(b).await;
    expected.reverse();
    assert_eq!(descending, expected);
    assert_eq!(sorted_headers(b).await[0].1, "descending");
    // A third press goes back to what needs attention first.
    b.click(Locator::XPath(&header_button("Instrument"))).await;
    assert_eq!(fleet_names(b).await, attention);
    assert!(sorted_headers(b).await.is_empty());
    // From the keyboard: the header is a button.
    b.client
        .find(Locator::XPath(&header_button("Thermal")))
        .await
        .unwrap()
        .send_keys(&fantoccini::key::Key::Enter.to_string())
        .await
        .unwrap();
    assert_eq!(sorted_headers(b).await[0].0, "Thermal ▲");
    let by_thermal = fleet_names(b).await;
    let fleet: Fleet = api_get(&base, "/fleet").await;
    let thermal = |name: &String| {
        let i = fleet
            .instruments
            .iter()
            .find(|i| &i.nickname == name)
            .unwrap();
        match i.health.thermal {
            seqhealth_api::Health::Critical => 0,
            seqhealth_api::Health::Warning => 1,
            seqhealth_api::Health::Unknown => 2,
            seqhealth_api::Health::Ok => 3,
        }
    };
    let ranks: Vec<i32> = by_thermal.iter().map(thermal).collect();
    assert!(
        ranks.windows(2).all(|w| w[0] <= w[1]),
        "{by_thermal:?} {ranks:?}"
    );
    shot(b, "fleet-sorted", 1366).await;
    shot(b, "fleet-sorted", 375).await;

    // (b) The warnings page's filters live in the address: a reload keeps them.
    b.client.goto(&format!("{base}/warnings")).await.unwrap();
    b.text("table.warnings tbody tr").await;
    let selects = "form.filters label:nth-of-type";
    choose(b, &format!("{selects}(1) select"), "all").await;
    choose(b, &format!("{selects}(2) select"), "critical").await;
    choose(b, &format!("{selects}(3) select"), "thermal").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        path_and_query(b).await,
        "/warnings?status=all&severity=critical&subsystem=thermal"
    );
    b.client.refresh().await.unwrap();
    b.text("table.warnings tbody tr").await;
    assert_eq!(
        select_value(b, &format!("{selects}(1) select")).await,
        "all"
    );
    assert_eq!(
        select_value(b, &format!("{selects}(2) select")).await,
        "critical"
    );
    assert_eq!(
        select_value(b, &format!("{selects}(3) select")).await,
        "thermal"
    );
    let severities = b
        .client
        .execute(
            "return [...document.querySelectorAll('table.warnings tbody tr')].map(r => r.querySelector('td').textContent.trim());",
            vec![],
        )
        .await
        .unwrap();
    let severities: Vec<String> = serde_json::from_value(severities).unwrap();
    assert!(severities.iter().all(|s| s == "Critical"), "{severities:?}");
    let listed: WarningList = api_get(
        &base,
        "/warnings?status=all&severity=critical&subsystem=thermal",
    )
    .await;
    assert_eq!(
        b.count("table.warnings tbody tr").await,
        listed.warnings.len()
    );
    // A bookmark opens filtered, as does the replacements page's.
    b.client
        .goto(&format!("{base}/replacements?status=all"))
        .await
        .unwrap();
    b.text("h1").await;
    assert_eq!(select_value(b, "form.filters select").await, "all");
    choose(b, "form.filters select", "scheduled").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(path_and_query(b).await, "/replacements?status=scheduled");
    b.client.refresh().await.unwrap();
    b.text("h1").await;
    assert_eq!(select_value(b, "form.filters select").await, "scheduled");

    // (c) Vesta's chiller runs warm (a warning) and is acknowledged; then it turns
    // critical: the warning says so and offers "Acknowledge again".
    let vesta = server.id("VH00412");
    chiller(&server, "VH00412", "warm", 3, 8.2).await;
    let ada = as_ada(&base).await;
    let open: WarningList = api_get(&base, &format!("/warnings?instrument={vesta}")).await;
    let w = open
        .warnings
        .iter()
        .find(|w| w.rule == "threshold:chiller_temp_c")
        .expect("Vesta's chiller warning");
    let r = ada
        .post(format!("{base}/api/v1/warnings/{}/acknowledge", w.id))
        .json(&serde_json::json!({ "reason": "door left open" }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    chiller(&server, "VH00412", "hot", 0, 11.4).await;
    b.client
        .goto(&format!("{base}/warnings?instrument={vesta}"))
        .await
        .unwrap();
    let row = format!("tr[data-warning-id='{}']", w.id);
    let text = b.wait_text(&row, &["Got worse on"]).await;
    assert!(text.contains("Acknowledged by Ada Lovelace"), "{text}");
    b.click(Locator::XPath(&format!(
        "//tr[@data-warning-id='{}']//button[normalize-space(.)='Acknowledge again']",
        w.id
    )))
    .await;
    let reason = b
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("ack-reason-{}", w.id)))
        .await
        .unwrap();
    reason
        .send_keys("compressor replaced Friday")
        .await
        .unwrap();
    shot(b, "warning-worse", 1366).await;
    shot(b, "warning-worse", 375).await;
    b.click(Locator::Css("form.ack button[type=submit]")).await;
    let text = b.wait_text(&row, &["compressor replaced Friday"]).await;
    assert!(text.contains("Acknowledged by Ada Lovelace on"), "{text}");
    assert!(text.contains("(after it got worse on"), "{text}");
    assert!(!text.contains("door left open"), "{text}");
    assert!(!text.contains("Acknowledge again"), "{text}");
    shot(b, "warning-acknowledged-again", 1366).await;
    // The fleet's badge says it is handled again.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_count("table.fleet tbody tr", NORTHGATE.len()).await;
    let vesta_row = b
        .text(&format!("table.fleet tr[data-instrument-id='{vesta}']"))
        .await;
    assert!(vesta_row.contains("acknowledged"), "{vesta_row}");

    browser.close().await;
    server.stop().await;
}
