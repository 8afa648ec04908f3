//! End to end: the real server on a loopback port with a fresh SQLite file, filled through
//! the ingest API by simulated instruments, serving the real release build of the
//! dashboard, driven in headless Chromium through chromedriver.
//!
//! Needs `dist/` (`make build`) and Debian's chromium + chromium-driver (`make setup`);
//! `make test` provides both.

mod a11y;
mod enrollment;
mod harness;
mod i18n;
use seqhealth::format;
mod attention;
mod installed;
mod keyboard;
mod language;
mod notify;
mod real_runs;
mod replacements;
mod screens;
mod setup;
mod theme;
mod today;
mod trend;
mod worklists;

use harness::*;

/// In a phone-sized window, the first element `css` matches is within the page's width:
/// tables of cards, not tables that scroll sideways. On a wide one its table is laid out
/// as a table (a card style that leaks into it broke every row once). Restores the window.
async fn assert_in_view_when_narrow(b: &Browser, css: &str, shot: &str) {
    let display = b
        .client
        .execute(
            "return getComputedStyle(document.querySelector(arguments[0]).closest('table')).display;",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
    assert_eq!(
        display,
        serde_json::json!("table"),
        "{css} on a wide screen"
    );
    b.client.set_window_size(420, 900).await.unwrap();
    let (right, width): (f64, f64) = serde_json::from_value(
        b.client
            .execute(
                "const r = document.querySelector(arguments[0]).getBoundingClientRect();
                 return [r.right, document.documentElement.clientWidth];",
                vec![serde_json::json!(css)],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert!(
        width <= 700.0 && right <= width,
        "{css}: {right} of {width}"
    );
    b.screenshot(shot).await;
    b.client.set_window_size(1280, 900).await.unwrap();
}

/// Rows the runs table shows before "Show all" (the dashboard's `RUNS_SHOWN`).
const RUNS_SHOWN: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_manager_logs_in_sees_the_fleet_and_an_instrument_and_logs_out() {
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;

    // Without a session the dashboard goes to the login page.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_path("/login").await;

    // A wrong password says so and stays on the login page.
    b.login(&base, "ada@northgate.example", "not-the-password")
        .await;
    assert_eq!(
        b.text("section.login [role=alert]").await,
        "Wrong email or password."
    );

    // The fleet lists exactly Northgate's instruments.
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;
    let mut serials = Vec::new();
    for row in b
        .client
        .find_all(Locator::Css("table.fleet tbody tr"))
        .await
        .unwrap()
    {
        serials.push(
            row.find(Locator::Css("td.mono"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
    }
    serials.sort();
    let mut expected: Vec<String> = NORTHGATE.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(
        serials, expected,
        "Northgate's instruments and none of Riverside's"
    );
    let page = b.client.source().await.unwrap();
    for other in RIVERSIDE {
        assert!(!page.contains(other), "{other} belongs to Riverside");
    }
    assert!(b
        .text("header .lab")
        .await
        .contains("Northgate Genomics Core"));
    let head = b.text("table.fleet thead").await;
    assert!(
        head.contains("Last report") && head.contains("Europe/London"),
        "the zone is named: {head}"
    );
    // Each last run's %≥Q30 says its control status in words, as the API judged it.
    assert!(head.contains("Coming up"), "{head}");
    let fleet: seqhealth_api::Fleet = api_get(&base, "/fleet").await;
    let mut judged = 0;
    for i in &fleet.instruments {
        let cell = b
            .text(&format!(
                "tr[data-instrument-id='{}'] td[data-label='Last run %≥Q30']",
                i.id
            ))
            .await;
        let words = match &i.last_run_control {
            seqhealth_api::RunControl::NoLimits => None,
            seqhealth_api::RunControl::InControl => Some("✓ in control".to_string()),
            seqhealth_api::RunControl::Flagged(s) => Some(format::control_rule(s)),
        };
        judged += usize::from(words.is_some());
        match words {
            Some(w) => assert!(cell.contains(&w), "{}: {cell} lacks {w}", i.serial),
            None => assert!(!cell.contains("control"), "{}: {cell}", i.serial),
        }
    }
    assert!(
        judged > 0,
        "the demo's runs are judged: {:?}",
        fleet.instruments
    );
    // The failing chiller shows as critical, in words.
    let chiller = format!("tr[data-instrument-id='{}']", server.id("NB552091"));
    let row = b.text(&chiller).await;
    assert!(row.contains("Critical"), "{row}");
    // Its badge links to the instrument's open warnings and names the cause.
    let cause = b
        .client
        .find(Locator::Css(&format!("{chiller} a.cause")))
        .await
        .unwrap();
    assert_eq!(
        cause.attr("href").await.unwrap(),
        Some(format!("/instruments/{}#warnings", server.id("NB552091")))
    );
    let named: String = serde_json::from_value(
        b.client
            .execute(
                "return document.querySelector(arguments[0]).textContent;",
                vec![serde_json::json!(format!("{chiller} a.cause"))],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(named, "Critical: Reagent chiller temperature out of range");
    b.screenshot("fleet").await;

    // On a phone-sized window each instrument is a card: its health is in view, not off
    // to the right of a table that scrolls sideways.
    assert_in_view_when_narrow(b, &format!("{chiller} .badge"), "fleet-narrow").await;

    // Clicking an instrument opens its page: chart and a runs table equal to the API's runs.
    let id = server.id("VH00412");
    b.click(Locator::Css(&format!("tr[data-instrument-id='{id}'] a")))
        .await;
    b.wait_path(&format!("/instruments/{id}")).await;
    assert!(b.text("h1").await.contains("Vega"));
    b.text("table.runs tbody tr").await;
    let expected = api_runs(&base, id).await;
    // A year of runs is more than the table shows at first; a button shows all of them.
    assert!(expected.runs.len() > RUNS_SHOWN, "{}", expected.runs.len());
    assert_eq!(b.count("table.runs tbody tr").await, RUNS_SHOWN);
    let show_all = "section[aria-labelledby=trend-heading] .table-actions button";
    assert_eq!(
        b.text(show_all).await,
        format!("Show all {} runs", expected.runs.len())
    );
    b.click(Locator::Css(show_all)).await;
    b.wait_count("table.runs tbody tr", expected.runs.len())
        .await;
    assert!(b.text(show_all).await.contains("newest"));
    let with_q30 = expected.runs.iter().filter(|r| r.pct_q30.is_some()).count();
    assert_eq!(
        b.count("figure.chart svg .pt").await,
        with_q30,
        "one chart marker per run"
    );
    // Every cell of every row is the API's run, newest first, its time in the lab's zone.
    let cells = b.table_cells("table.runs").await;
    assert_eq!(cells.len(), expected.runs.len());
    let london: chrono_tz::Tz = "Europe/London".parse().unwrap();
    for ((datetime, row), run) in cells.iter().zip(expected.runs.iter().rev()) {
        let local = run.started_at.with_timezone(&london);
        let flags: Vec<String> = run
            .q30_signals
            .iter()
            .filter(|s| s.severity >= seqhealth_api::Severity::Warning)
            .map(format::control_rule)
            .collect();
        let judged = expected.control.iter().any(|c| {
            c.read_structure == run.read_structure && c.flow_cell_type == run.flow_cell_type
        });
        assert_eq!(
            datetime.as_deref(),
            Some(run.started_at.to_rfc3339().as_str())
        );
        assert!(
            row[0].starts_with(&local.format("%-d ").to_string())
                && row[0].contains(&local.format("%Y, %H:%M").to_string()),
            "{} shown as {:?} in Europe/London",
            run.started_at,
            row[0]
        );
        let expected_row = [
            run.run_id.clone(),
            match &run.flow_cell_type {
                Some(t) => format!("{} on {t}", run.read_structure),
                None => run.read_structure.clone(),
            },
            format::pct(run.pct_q30),
            match (flags.is_empty(), judged) {
                (false, _) => flags.join("; "),
                (true, true) => "In control".to_string(),
                (true, false) => "No limits yet".to_string(),
            },
            format::number(run.yield_gb, 1),
            format::pct(run.pct_pf),
            format::number(run.cluster_density_k_mm2, 0),
            format::pct(run.error_rate),
            format::text(&run.reagent_kit_lot),
            format::text(&run.flow_cell_lot),
        ];
        assert_eq!(&row[1..], &expected_row[..], "run {}", run.run_id);
    }
    let caption = b.text("figure.chart:not(.sensor) figcaption").await;
    assert!(caption.contains("control limits"), "{caption}");
    // The legend names each kind of run with its own limits.
    let mut kinds: Vec<_> = expected
        .runs
        .iter()
        .map(|r| (&r.read_structure, &r.flow_cell_type))
        .collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        b.count("figure.chart ul.legend li").await,
        kinds.len(),
        "{caption}"
    );
    let flagged_in_api = expected
        .runs
        .iter()
        .filter(|r| {
            r.q30_signals
                .iter()
                .any(|s| s.severity >= seqhealth_api::Severity::Warning)
        })
        .count();
    assert_eq!(
        b.count("table.runs tbody tr.flagged").await,
        flagged_in_api,
        "flagged rows follow the API"
    );
    let subsystems = b.text("ul.subsystems").await;
    assert!(
        subsystems.contains("last reading") && subsystems.contains("ago"),
        "freshness per subsystem: {subsystems}"
    );
    let config = b.text("dl.config").await;
    assert!(
        config.contains("VH00412") && config.contains("1.5.0.42699") && config.contains("On"),
        "{config}"
    );
    b.screenshot("instrument").await;

    // Sensor charts, one per sensor the instrument reported (not every sensor a model
    // could have), drawn from buckets; a data table opens on demand with one row per
    // bucket the API returns.
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("figure.sensor svg polygon"))
        .await
        .unwrap();
    let reported = api_get::<seqhealth_api::InstrumentDetail>(&base, &format!("/instruments/{id}"))
        .await
        .sensors;
    assert!(
        reported.len() >= 6 && reported.len() < seqhealth_api::domain::SENSORS.len(),
        "a simulated instrument reports its model's sensors: {reported:?}"
    );
    assert_eq!(b.count("figure.sensor").await, reported.len());
    let series = api_get::<seqhealth_api::TelemetrySeries>(
        &base,
        &format!("/instruments/{id}/telemetry?metric=chiller_temp_c"),
    )
    .await;
    assert!(series.points.len() > 50, "{}", series.points.len());
    let chiller = "figure.sensor[data-sensor='chiller_temp_c']";
    b.click(Locator::Css(&format!("{chiller} summary"))).await;
    b.wait_count(
        &format!("{chiller} table.data tbody tr"),
        series.points.len(),
    )
    .await;
    // Its values are the buckets', in order.
    let cells = b.table_cells(&format!("{chiller} table.data")).await;
    for ((_, row), p) in cells.iter().zip(&series.points) {
        let local = p.at.with_timezone(&london);
        assert!(
            row[0].contains(&local.format("%Y, %H:%M").to_string()),
            "{row:?} vs {}",
            p.at
        );
        let expected_row = [
            format::number(Some(p.mean), 2),
            format::number(Some(p.min), 2),
            format::number(Some(p.max), 2),
            p.n.to_string(),
        ];
        assert_eq!(&row[1..], &expected_row[..], "bucket at {}", p.at);
    }

    // A shorter period shows only its runs, from the same API.
    let since = Utc::now() - TimeDelta::days(90);
    let recent = expected
        .runs
        .iter()
        .filter(|r| r.started_at >= since)
        .count();
    assert!(recent > 0 && recent < expected.runs.len());
    b.client
        .find(Locator::Css(
            "section[aria-labelledby=trend-heading] select",
        ))
        .await
        .unwrap()
        .select_by_value("90")
        .await
        .unwrap();
    b.wait_count("table.runs tbody tr", recent.min(RUNS_SHOWN))
        .await;
    let caption = b.text("table.runs caption").await;
    let count = if recent > RUNS_SHOWN {
        format!("the newest {RUNS_SHOWN} of {recent})")
    } else {
        format!("({recent})")
    };
    assert!(caption.contains(&count), "{caption}");

    // The breadcrumb works from the keyboard: Enter on the focused link goes back to the fleet.
    let back = b
        .client
        .find(Locator::Css("nav.breadcrumb a"))
        .await
        .unwrap();
    back.send_keys(&fantoccini::key::Key::Enter.to_string())
        .await
        .unwrap();
    b.wait_path("/").await;
    assert_eq!(
        b.client.title().await.unwrap(),
        "Fleet overview · seqhealth"
    );

    // The decaying laser has a predicted replacement, with its fitted trend on the chart.
    let atlas = server.id("A00317");
    b.client
        .goto(&format!("{base}/instruments/{atlas}"))
        .await
        .unwrap();
    let laser = b.text("table.predictions tr[data-component='Laser']").await;
    assert!(laser.contains("Laser output power falls"), "{laser}");
    let open = b.text("table.warnings tbody").await;
    assert!(
        open.contains("Laser output power"),
        "the laser warning is on the instrument page: {open}"
    );
    let caption = b
        .text("figure.sensor[data-sensor='laser_power_pct'] figcaption")
        .await;
    assert!(caption.contains("fitted trend"), "{caption}");
    b.screenshot("predictions").await;
    for sensor in ["laser_power_pct", "focus_fwhm_px"] {
        let css = format!("figure.sensor[data-sensor='{sensor}']");
        b.screenshot_of(&css, &format!("predicted-{sensor}")).await;
    }

    // The failing chiller's chart marks when its warning was raised.
    b.client
        .goto(&format!("{base}/instruments/{}", server.id("NB552091")))
        .await
        .unwrap();
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(
            "figure.sensor[data-sensor='chiller_temp_c'] svg",
        ))
        .await
        .unwrap();
    b.wait_text(
        "figure.sensor[data-sensor='chiller_temp_c'] figcaption",
        &["warning was raised", "warnings were raised"],
    )
    .await;

    // Another lab's instrument by URL: the page says it is not found.
    let other = server.id("M03302");
    b.client
        .goto(&format!("{base}/instruments/{other}"))
        .await
        .unwrap();
    assert!(b
        .text("[role=alert]")
        .await
        .contains("not found in your lab"));

    // The warnings page lists the failing chiller; a manager acknowledges it with a reason.
    b.click(Locator::LinkText("Warnings")).await;
    b.wait_path("/warnings").await;
    let chiller_row = "table.warnings tbody tr";
    b.text(chiller_row).await;
    let rows = b.client.find_all(Locator::Css(chiller_row)).await.unwrap();
    let mut chiller = None;
    for row in rows {
        let text = row.text().await.unwrap();
        if text.contains("NB552091") && text.contains("Reagent chiller temperature out of range") {
            assert!(
                text.contains("Critical") && text.contains("Thermal"),
                "{text}"
            );
            chiller = Some(row);
        }
    }
    let chiller = chiller.expect("a warning for the failing chiller");
    // On a phone, its Acknowledge button is in view too.
    assert_in_view_when_narrow(b, "table.warnings tbody tr button", "warnings-narrow").await;
    let warning_id = chiller.attr("data-warning-id").await.unwrap().unwrap();
    chiller
        .find(Locator::Css("button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let reason = b
        .client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Id(&format!("ack-reason-{warning_id}")))
        .await
        .unwrap();
    // Untrusted text is shown as text, never parsed as HTML.
    reason
        .send_keys("Engineer booked for Tuesday <img src=x onerror=window.__xss=1>")
        .await
        .unwrap();
    b.click(Locator::Css("form.ack button[type=submit]")).await;
    let row = format!("tr[data-warning-id='{warning_id}']");
    b.wait_text(&row, &["Acknowledged by Ada Lovelace"]).await;
    let acked = b.text(&row).await;
    assert!(
        acked.contains("Engineer booked for Tuesday <img src=x onerror=window.__xss=1>"),
        "{acked}"
    );
    assert_eq!(
        b.count(&format!("{row} img")).await,
        0,
        "no element made from the reason"
    );
    let xss = b
        .client
        .execute("return window.__xss === undefined", vec![])
        .await
        .unwrap();
    assert_eq!(xss, serde_json::json!(true));
    b.screenshot("warnings").await;

    // A large fleet is shown 100 rows at a time; the summary still counts every
    // instrument, and the pager works from the keyboard.
    let ada = as_ada(&base).await;
    for n in 0..120 {
        let r = ada
            .post(format!("{base}/api/v1/instruments"))
            .json(&serde_json::json!({ "model": "MiSeq", "serial": format!("M9{n:04}"), "nickname": format!("Spare {n:03}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_text("nav.pager", &["Instruments 1–100 of 123 (page 1 of 2)"])
        .await;
    b.wait_count("table.fleet tbody tr", 100).await;
    assert!(b
        .text(".fleet-summary")
        .await
        .starts_with("123 instruments"));
    let button = |n: usize| {
        let css = format!("nav.pager button:nth-of-type({n})");
        async move { b.client.find(Locator::Css(&css)).await.unwrap() }
    };
    let disabled = |e: fantoccini::elements::Element| async move {
        e.attr("disabled").await.unwrap().is_some()
    };
    assert!(disabled(button(1).await).await, "no page before the first");
    button(2)
        .await
        .send_keys(&fantoccini::key::Key::Enter.to_string())
        .await
        .unwrap();
    b.wait_text("nav.pager", &["Instruments 101–123 of 123 (page 2 of 2)"])
        .await;
    b.wait_count("table.fleet tbody tr", 23).await;
    assert!(disabled(button(2).await).await, "no page after the last");
    b.screenshot("fleet-paged").await;

    // Logging out returns to the login page, and the session is gone.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("button.logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait_path("/login").await;
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_path("/login").await;

    // A viewer sees the warnings but is offered no way to acknowledge them.
    b.login(&base, "grace@northgate.example", DEMO_PASSWORD)
        .await;
    b.wait_path("/").await;
    b.client.goto(&format!("{base}/warnings")).await.unwrap();
    b.text("table.warnings tbody tr").await;
    assert_eq!(
        b.count("table.warnings button").await,
        0,
        "no Acknowledge for a viewer"
    );
    b.click(Locator::Css("button.logout")).await;
    b.wait_path("/login").await;

    // The whole journey ran under the strict CSP without one violation; and the report
    // mechanism works: an injected inline script is blocked and reported.
    let reports = || {
        server
            .csp_reports
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    assert_eq!(reports(), 0, "CSP violations during the journey");
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.text("section.login").await;
    let ran = b
        .client
        .execute(
            "window.__injected = false; const s = document.createElement('script'); \
             s.textContent = 'window.__injected = true'; document.body.appendChild(s); return window.__injected;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        ran,
        serde_json::json!(false),
        "the CSP blocks inline script"
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    while reports() == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the violation was not reported"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // With the server stopped, navigating shows an error state, not a blank screen.
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.text("table.fleet tbody tr").await;
    server.stop().await;
    b.click(Locator::Css("table.fleet tbody tr a")).await;
    let error = b.text("[role=alert]").await;
    assert!(
        error.contains("Cannot reach the seqhealth server"),
        "{error}"
    );
    assert!(b.count("[role=alert] button").await >= 1, "a Retry button");
    b.screenshot("server-down").await;

    browser.close().await;
}
