//! The Q-score trend (issue 22, part 4): one series per kind of run with its own limits
//! and legend, flagged and newest markers a keyboard reaches, and the control column in
//! view beside %≥Q30.

use crate::harness::*;
use seqhealth::format;

/// Part 4 of issue 22: each kind of run (read structure, flow cell) is its own series with
/// its own limits and a legend; a flagged run's marker can be reached by keyboard and says
/// its run, date, value and rule in plain words; the control column is in view at 1,366 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_q_score_trend_has_a_series_per_kind_and_points_a_keyboard_reaches() {
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    let atlas = server.id("A00317");
    let runs = api_runs(&base, atlas).await;
    assert!(
        runs.control.len() >= 2,
        "the demo's Atlas runs two kinds: {:?}",
        runs.control
    );
    b.client.set_window_size(1366, 900).await.unwrap();
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.client
        .goto(&format!("{base}/instruments/{atlas}"))
        .await
        .unwrap();
    b.text("table.runs tbody tr").await;
    let legend = b.text("figure.chart ul.legend").await;
    for c in &runs.control {
        let name = match &c.flow_cell_type {
            Some(t) => format!("{} on {t}", c.read_structure),
            None => c.read_structure.clone(),
        };
        assert!(
            legend.contains(&format!("{name}: ")) && legend.contains(&format::fixed(c.center, 1)),
            "{name} in {legend}"
        );
    }
    // One polyline per kind; the flagged runs and each kind's newest take the focus.
    assert_eq!(
        b.count("figure.chart:not(.sensor) svg polyline").await,
        runs.control.len()
    );
    let flagged: Vec<&seqhealth_api::RunRow> = runs
        .runs
        .iter()
        .filter(|r| {
            r.q30_signals
                .iter()
                .any(|s| s.severity >= seqhealth_api::Severity::Warning)
        })
        .collect();
    assert!(!flagged.is_empty(), "Atlas has a flagged run");
    let r = flagged.last().unwrap();
    let worst = r.q30_signals.iter().max_by_key(|s| s.severity).unwrap();
    let said: String = serde_json::from_value(
        b.client
            .execute(
                "const p = [...document.querySelectorAll('figure.chart .pt[tabindex=\"0\"]')]
                   .find(p => p.getAttribute('aria-label').startsWith(arguments[0]));
                 p.focus();
                 return document.activeElement === p ? p.getAttribute('aria-label') : 'not focused';",
                vec![serde_json::json!(r.run_id)],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        said.contains(&format::pct(r.pct_q30))
            && said.contains("flagged: ")
            && said.contains(&format::control_rule(worst)),
        "{said}"
    );
    b.screenshot_of("figure.chart:not(.sensor)", "q30-trend-chart")
        .await;
    b.screenshot("q30-trend-1366").await;
    // The control column is in view without scrolling the table sideways.
    let (right, visible): (f64, f64) = serde_json::from_value(
        b.client
            .execute(
                "const c = document.querySelector('table.runs tbody td.control');
                 const w = c.closest('.table-wrap').getBoundingClientRect();
                 return [c.getBoundingClientRect().right, w.right];",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        right <= visible + 0.5,
        "control column ends at {right}, view at {visible}"
    );
    browser.close().await;
    server.stop().await;
}
