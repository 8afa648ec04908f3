//! Dark mode (issue 26): the header's switch turns it on and off, the choice survives a
//! reload, and the pages and their charts follow it.

use crate::harness::*;

async fn theme(b: &Browser) -> (String, String) {
    serde_json::from_value(
        b.client
            .execute(
                "return [document.documentElement.dataset.theme || '',
                         getComputedStyle(document.documentElement).backgroundColor];",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dark_theme_is_switched_remembered_and_followed_by_the_charts() {
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;
    // Headless Chromium's system choice is light, and nothing is remembered yet.
    assert_eq!(
        theme(b).await,
        ("light".into(), "rgb(246, 247, 249)".into())
    );
    let switch = "header button.theme";
    assert_eq!(
        b.attr(switch, "aria-pressed").await.as_deref(),
        Some("false")
    );
    b.click(Locator::Css(switch)).await;
    assert_eq!(theme(b).await, ("dark".into(), "rgb(18, 20, 24)".into()));
    assert_eq!(
        b.attr(switch, "aria-pressed").await.as_deref(),
        Some("true")
    );
    b.screenshot("dark-fleet").await;

    // Remembered: a new page load (an instrument, by its address) opens dark.
    let nimbus = server.id("NB552091");
    b.client
        .goto(&format!("{base}/instruments/{nimbus}"))
        .await
        .unwrap();
    b.text("table.runs tbody tr").await;
    assert_eq!(theme(b).await.0, "dark");
    // The charts follow: their background is the card's, their text the page's ink.
    let chart: (String, String) = serde_json::from_value(
        b.client
            .execute(
                "const svg = document.querySelector('figure.chart svg');
                 return [getComputedStyle(svg.querySelector('rect')).fill,
                         getComputedStyle(svg.querySelector('text')).fill];",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        chart,
        ("rgb(28, 32, 38)".into(), "rgb(232, 234, 237)".into())
    );
    b.screenshot("dark-instrument").await;

    // Off again, and remembered as light.
    b.click(Locator::Css(switch)).await;
    b.client.refresh().await.unwrap();
    b.text("table.runs tbody tr").await;
    assert_eq!(theme(b).await.0, "light");
    browser.close().await;
    server.stop().await;
}
