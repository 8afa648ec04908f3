//! The screens issue 22's closing note shows, at 1,366 and 375 px: the fleet with Today
//! after a problem is acknowledged and its replacement booked, an instrument page, and the
//! schedule form. Each fits its width (nothing reaches past the screen; a wide table
//! scrolls in its own named, focusable box).

use crate::attention::phone_overflow;
use crate::harness::*;

async fn fits(b: &Browser, what: &str, width: u32) {
    b.client.set_window_size(width, 900).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, wide, unreachable) = phone_overflow(b).await;
    b.screenshot(&format!("closing-{what}-{width}")).await;
    assert!(
        wide.is_empty() && unreachable.is_empty(),
        "{what} at {width} px: too wide {wide:?}; scrolls without a keyboard stop {unreachable:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_closing_screens_fit_1366_and_375_px() {
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    let nimbus = server.id("NB552091");
    // Nimbus's failing chiller: acknowledged, then its replacement booked.
    let (on, open) = handle_nimbus_chiller(&base, nimbus, "engineer called, visit booked").await;
    let atlas_laser = open
        .replacements
        .iter()
        .find(|r| {
            r.instrument_id != nimbus && r.status == seqhealth_api::ReplacementStatus::Recommended
        })
        .expect("another recommendation to schedule");

    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    for width in [1366, 375] {
        b.client.goto(&format!("{base}/")).await.unwrap();
        let row = b
            .wait_text(&format!("tr[data-instrument-id='{nimbus}']"), &["booked"])
            .await;
        assert!(
            row.contains(&format!("Replacement {}", seqhealth::format::day(on))),
            "{row}"
        );
        b.text("section.today").await;
        fits(b, "fleet", width).await;

        b.client
            .goto(&format!("{base}/instruments/{nimbus}"))
            .await
            .unwrap();
        b.text("table.runs tbody tr").await;
        b.text("p.verdict").await;
        fits(b, "instrument", width).await;

        b.client
            .goto(&format!("{base}/replacements"))
            .await
            .unwrap();
        let row = format!("tr[data-replacement-id='{}']", atlas_laser.id);
        b.click(Locator::Css(&format!("{row} .actions button")))
            .await;
        b.text(&format!("{row} form.schedule")).await;
        fits(b, "schedule-form", width).await;
    }
    browser.close().await;
    server.stop().await;
}
