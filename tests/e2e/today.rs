//! "Today" (issue 22): the fleet page opens with what needs a manager now, ranked, each
//! with its state and action; the nav counts what nobody has handled, and the count
//! follows a warning acknowledged elsewhere.

use crate::harness::*;
use seqhealth_agent::push::Pusher;
use seqhealth_api::{TelemetryBatch, Today, TodayKind};

/// The "Today" list's items as their texts.
async fn today_items(b: &Browser) -> Vec<String> {
    let v = b
        .client
        .execute(
            "return [...document.querySelectorAll('section.today li')].map(li => li.textContent.trim());",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v).unwrap()
}

/// The nav's count, "" when none is shown.
async fn nav_count(b: &Browser) -> String {
    let v = b
        .client
        .execute(
            "const c = document.querySelector('header nav .count'); return c ? c.textContent.trim() : '';",
            vec![],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

async fn wait_nav_count(b: &Browser, want: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = nav_count(b).await;
        if now == want {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "nav count {now:?}, expected {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The page at `width` px wide, in target/screenshots/; nothing may be wider than it.
async fn shot(b: &Browser, name: &str, width: u32) {
    b.client.set_window_size(width, 1300).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let wide = b
        .client
        .execute(
            "return [...document.querySelectorAll('section.today, section.today *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        wide.as_u64(),
        Some(0),
        "{name} at {width} px: nothing of Today is cut off"
    );
    let png = b.client.screenshot().await.unwrap();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    b.client.set_window_size(1280, 900).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fleet_opens_with_today_and_the_nav_counts_what_nobody_handled() {
    let (mut server, browser) = start_as("ada@northgate.example").await;
    let base = server.base.clone();
    let b = &browser;
    // A chiller gone critical just now, on top of what the simulated history left open.
    let nimbus = server
        .fleet
        .iter()
        .find(|p| p.instrument.serial == "NB552091")
        .unwrap();
    let batch: TelemetryBatch = serde_json::from_value(serde_json::json!({
        "batch_id": "today-chiller",
        "readings": [{ "at": Utc::now(), "subsystem": "thermal",
                       "sensor": "chiller_temp_c", "value": 14.5 }],
    }))
    .unwrap();
    Pusher::new(&base, &nimbus.token)
        .telemetry(&batch)
        .await
        .unwrap();
    let today: Today = api_get(&base, "/today").await;
    assert!(today.unhandled > 0, "{today:?}");
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_text("section.today", &["need", "needs a manager"])
        .await;
    let items = today_items(b).await;
    assert_eq!(items.len(), today.items.len().min(8));
    for (shown, item) in items.iter().zip(&today.items) {
        assert!(
            shown.contains(&item.instrument_nickname),
            "{shown} / {item:?}"
        );
    }
    // Ranked: unhandled criticals lead, each with its action.
    assert_eq!(today.items[0].kind, TodayKind::Critical);
    assert!(
        items[0].starts_with("Critical") && items[0].ends_with("Acknowledge"),
        "{}",
        items[0]
    );
    assert!(
        items
            .iter()
            .any(|i| i.contains("Nimbus") && i.contains("14.5")),
        "{items:?}"
    );
    wait_nav_count(b, &today.unhandled.to_string()).await;
    shot(b, "today", 1366).await;
    shot(b, "today", 375).await;

    // The action opens the instrument's warnings.
    b.click(Locator::Css("section.today li:first-child a.action"))
        .await;
    let url = b.client.current_url().await.unwrap();
    assert_eq!(url.fragment(), Some("warnings"), "{url}");
    assert!(url.path().starts_with("/instruments/"));

    // Acknowledged through the API (as on the instrument page): the nav's count follows
    // the next navigation; the item stays listed, handled.
    let first = today.items[0].warning_id.unwrap();
    let r = as_ada(&base)
        .await
        .post(format!("{base}/api/v1/warnings/{first}/acknowledge"))
        .json(&serde_json::json!({ "reason": "engineer on the way" }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    b.click(Locator::Css("header nav a[href='/warnings']"))
        .await;
    let left = today.unhandled - 1;
    wait_nav_count(
        b,
        &if left == 0 {
            String::new()
        } else {
            left.to_string()
        },
    )
    .await;
    b.click(Locator::Css("header nav a[href='/']")).await;
    b.wait_text("section.today", &["Acknowledged"]).await;
    browser.close().await;
    server.stop().await;
}
