//! A manager schedules a replacement from the replacements page, clear of a planned
//! run; sees it shaded on the instrument's chart and in the .ics the page downloads; a
//! viewer gets no schedule button, and the API refuses the viewer.

use crate::harness::*;
use chrono::{Datelike, NaiveDate};
use seqhealth_api::{PlannedRunList, ReplacementList};

/// Northgate's local date `days` from today.
fn day(days: i64) -> NaiveDate {
    (Utc::now().with_timezone(&chrono_tz::Europe::London) + TimeDelta::days(days)).date_naive()
}

/// Sets a date field the way typing does (a London lab's dd/mm/yyyy): its text, then an
/// `input` event.
async fn set_date(b: &Browser, css: &str, date: NaiveDate) {
    b.client
        .execute(
            "const el = document.querySelector(arguments[0]); el.value = arguments[1]; \
             el.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![css.into(), date.format("%d/%m/%Y").to_string().into()],
        )
        .await
        .unwrap();
}

/// An HTTP client logged in as `email`.
async fn logged_in(base: &str, email: &str) -> reqwest::Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let body = serde_json::json!({ "email": email, "password": DEMO_PASSWORD });
    let r = http
        .post(format!("{base}/api/v1/session"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    http
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_schedules_a_replacement_that_shows_on_the_chart_and_in_the_calendar() {
    use icalendar::Component;
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    let nimbus = server.id("NB552091");

    // A run is planned on Nimbus a week from now: the default day the form offers.
    let ada = logged_in(&base, "ada@northgate.example").await;
    let (first, last) = (day(6), day(8));
    let r = ada
        .post(format!("{base}/api/v1/instruments/{nimbus}/planned-runs"))
        .json(&serde_json::json!({ "starts_on": first, "ends_on": last, "label": "WGS batch 14" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.click(Locator::LinkText("Replacements")).await;
    b.wait_path("/replacements").await;
    b.text("table.replacements tbody tr").await;
    let list: ReplacementList = api_get(&base, "/replacements?status=open").await;
    let chiller = list
        .replacements
        .iter()
        .find(|r| r.instrument_id == nimbus && r.sensor == "chiller_temp_c")
        .expect("the failing chiller is recommended for replacement");
    let row = format!("tr[data-replacement-id='{}']", chiller.id);
    let text = b.text(&row).await;
    assert!(
        text.contains("Nimbus") && text.contains("Reagent chiller") && text.contains("Recommended"),
        "{text}"
    );
    b.screenshot("replacements").await;

    // Schedule: the form warns of the planned run on the day it offers first.
    b.click(Locator::Css(&format!("{row} .actions button")))
        .await;
    let form = format!("{row} form.schedule");
    b.text(&form).await;
    let planned = b.text(&format!("{form} .planned-list")).await;
    assert!(
        planned.contains("WGS batch 14"),
        "the form lists Nimbus's planned runs: {planned}"
    );
    // It proposes the first weekday free of Nimbus's planned runs, in the morning.
    let shown = b
        .client
        .find(Locator::Css(&format!("{form} input[inputmode=numeric]")))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let proposed = NaiveDate::parse_from_str(&shown, "%d/%m/%Y").expect("dd/mm/yyyy in London");
    let mine: PlannedRunList = api_get(&base, &format!("/planned-runs?instrument={nimbus}")).await;
    assert_eq!(
        proposed,
        seqhealth_api::first_free_weekday(day(0), &mine.planned_runs)
    );
    assert!(
        proposed.weekday().num_days_from_monday() < 5 && !(first..=last).contains(&proposed),
        "{proposed}"
    );
    set_date(b, &format!("{form} input[inputmode=numeric]"), day(7)).await;
    let warning = b
        .wait_text(&format!("{form} .collision"), &["WGS batch 14"])
        .await;
    assert!(warning.contains("planned run"), "{warning}");
    assert_eq!(
        b.text(&format!("{form} button[type=submit]")).await,
        "Schedule anyway"
    );
    b.screenshot("replacement-collision").await;
    // A clear day, in the afternoon.
    let chosen = day(10);
    set_date(b, &format!("{form} input[inputmode=numeric]"), chosen).await;
    b.wait_count(&format!("{form} .collision"), 0).await;
    // The day is said with its weekday beside the field.
    assert_eq!(
        b.text(&format!("{form} .weekday")).await,
        seqhealth::format::weekday(chosen)
    );
    let slot = b
        .client
        .find(Locator::Css(&format!("{form} select")))
        .await
        .unwrap();
    slot.select_by_value("pm").await.unwrap();
    // Who comes, and the vendor's case number (both optional).
    for (field, text) in [("engineer", "Sam Okafor"), ("case", "CS-00481516")] {
        b.client
            .find(Locator::Id(&format!("schedule-{field}-{}", chiller.id)))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    b.screenshot("schedule-form").await;
    b.click(Locator::Css(&format!("{form} button[type=submit]")))
        .await;
    let scheduled = b.wait_text(&row, &["Scheduled"]).await;
    assert!(scheduled.contains("Afternoon"), "{scheduled}");
    assert!(
        scheduled.contains("engineer Sam Okafor; case CS-00481516"),
        "{scheduled}"
    );

    // The instrument page shades the appointment on the chiller's chart and says so.
    b.click(Locator::Css(&format!("{row} th a"))).await;
    b.wait_path(&format!("/instruments/{nimbus}")).await;
    let caption = b
        .wait_text("#sensor-chiller_temp_c figcaption", &["shaded"])
        .await;
    assert!(
        caption.contains("Reagent chiller replacement on"),
        "{caption}"
    );
    let svg = b.text("#sensor-chiller_temp_c .svg").await;
    assert!(
        svg.contains("Reagent chiller replacement"),
        "the region is labelled: {svg}"
    );
    b.screenshot("instrument-replacement").await;
    let verdict = b.text("p.verdict").await;
    assert!(verdict.starts_with("Critical: Thermal"), "{verdict}");

    // The fleet's critical badge says the problem is booked, and when.
    b.click(Locator::Css("header nav a[href='/']")).await;
    b.wait_path("/").await;
    let nimbus = format!("tr[data-instrument-id='{}']", chiller.instrument_id);
    let said = b.wait_text(&nimbus, &["booked"]).await;
    assert!(
        said.contains("Critical"),
        "still critical until the part is replaced: {said}"
    );
    // Its row says what is coming up: the appointment booked, and the planned run.
    let coming = b
        .text(&format!("{nimbus} td[data-label='Coming up']"))
        .await;
    assert!(
        coming.contains(&format!("Replacement {}", seqhealth::format::day(chosen)))
            && coming.contains(&format!("Run planned {}", seqhealth::format::day(first))),
        "{coming}"
    );
    b.screenshot("fleet-booked").await;
    // The warning says it too, beside its own status.
    b.click(Locator::LinkText("Warnings")).await;
    b.wait_path("/warnings").await;
    let warning = b
        .wait_text("table.warnings", &["Replacement booked: muted until"])
        .await;
    assert!(warning.contains("Active. Replacement booked"), "{warning}");

    // The .ics the replacements page links to, fetched with the browser's own session.
    b.click(Locator::LinkText("Replacements")).await;
    b.wait_path("/replacements").await;
    let href = b
        .client
        .find(Locator::LinkText("Download calendar (.ics)"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let cookie = b
        .client
        .get_named_cookie("seqhealth_session")
        .await
        .unwrap();
    let ics = reqwest::Client::new()
        .get(format!("{base}{href}"))
        .header("cookie", format!("seqhealth_session={}", cookie.value()))
        .send()
        .await
        .unwrap();
    assert_eq!(ics.status(), 200);
    assert!(ics.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let text = ics.text().await.unwrap();
    let cal: icalendar::Calendar =
        icalendar::parser::read_calendar(&icalendar::parser::unfold(&text))
            .unwrap_or_else(|e| panic!("{e}: {text}"))
            .into();
    let events: Vec<_> = cal.components.iter().filter_map(|c| c.as_event()).collect();
    assert_eq!(events.len(), 1, "{text}");
    let ev = events[0];
    assert!(ev.get_summary().unwrap().contains("Nimbus"));
    let start = ev.properties().get("DTSTART").unwrap();
    assert_eq!(
        start.params().get("TZID").map(|p| p.value()),
        Some("Europe/London")
    );
    assert_eq!(start.value(), format!("{}T130000", chosen.format("%Y%m%d")));

    // A viewer sees the appointment but no button, and the API refuses the viewer.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "grace@northgate.example", DEMO_PASSWORD)
        .await;
    b.wait_path("/").await;
    b.click(Locator::LinkText("Replacements")).await;
    b.wait_text(&row, &["Scheduled"]).await;
    assert_eq!(
        b.count("table.replacements button").await,
        0,
        "no buttons for viewers"
    );
    assert_eq!(b.count("section.calendar button").await, 0);
    let grace = logged_in(&base, "grace@northgate.example").await;
    let other = list.replacements.iter().find(|r| r.id != chiller.id);
    let slot = serde_json::json!({ "date": day(12), "slot": "am" });
    let refused = [
        (chiller.id, "reschedule", slot.clone()),
        (chiller.id, "complete", serde_json::json!({})),
        (
            chiller.id,
            "cancel",
            serde_json::json!({ "reason": "not mine to cancel" }),
        ),
    ];
    for (id, verb, body) in refused
        .into_iter()
        .chain(other.map(|o| (o.id, "schedule", slot.clone())))
    {
        let r = grace
            .post(format!("{base}/api/v1/replacements/{id}/{verb}"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "{verb}");
    }

    assert_eq!(
        server
            .csp_reports
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "CSP violations during the journey"
    );
    browser.close().await;
    server.stop().await;
}

/// Types `date` into the date field `css` with the keyboard, as a London lab writes it
/// (dd/mm/yyyy, whatever the browser's language), over what the field held, and checks the
/// field then holds it and says its weekday.
async fn type_date(b: &Browser, css: &str, date: NaiveDate) {
    let typed = date.format("%d/%m/%Y").to_string();
    let input = b.client.find(Locator::Css(css)).await.unwrap();
    input.clear().await.unwrap();
    input.send_keys(&typed).await.unwrap();
    assert_eq!(
        input.prop("value").await.unwrap().as_deref(),
        Some(typed.as_str()),
        "{css} after typing {typed}"
    );
    let id = input.attr("id").await.unwrap().unwrap();
    b.wait_text(&format!("#{id}-day"), &[&seqhealth::format::weekday(date)])
        .await;
}

/// Typing the appointment's date with the keyboard keeps it. A day "01"–"09" passes through
/// day 0, when the field's value is "" for a moment; the form once wrote that back into
/// the field, which wiped it (it showed mm/09/yyyy and could not be saved). The planned-run
/// form did the same to a date typed over another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_types_the_appointment_date_with_the_keyboard() {
    use chrono::Datelike;
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    let nimbus = server.id("NB552091");

    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.click(Locator::LinkText("Replacements")).await;
    b.wait_path("/replacements").await;
    b.text("table.replacements tbody tr").await;
    let list: ReplacementList = api_get(&base, "/replacements?status=open").await;
    let chiller = list
        .replacements
        .iter()
        .find(|r| r.instrument_id == nimbus && r.sensor == "chiller_temp_c")
        .expect("the failing chiller is recommended for replacement");
    let row = format!("tr[data-replacement-id='{}']", chiller.id);
    b.click(Locator::Css(&format!("{row} .actions button")))
        .await;
    let form = format!("{row} form.schedule");
    b.text(&form).await;

    // A day whose number starts with 0, other than the one the form offers (a week ahead).
    let chosen = (10..60)
        .map(day)
        .find(|d| d.day() < 10)
        .expect("a day 1-9 within 50 days");
    let input = format!("{form} input[inputmode=numeric]");
    type_date(b, &input, chosen).await;
    b.screenshot_of(&form, "schedule-typed-date").await;
    b.click(Locator::Css(&format!("{form} button[type=submit]")))
        .await;
    let scheduled = b.wait_text(&row, &["Scheduled"]).await;
    assert!(scheduled.contains("Morning"), "{scheduled}");
    let list: ReplacementList = api_get(&base, "/replacements?status=open").await;
    let booked = list
        .replacements
        .iter()
        .find(|r| r.id == chiller.id)
        .and_then(|r| r.appointment.as_ref())
        .expect("the chiller's replacement has an appointment");
    assert_eq!(booked.date, chosen);

    // The planned-run form keeps a date typed over another one too.
    b.click(Locator::Css(&format!("{row} th a"))).await;
    b.wait_path(&format!("/instruments/{nimbus}")).await;
    b.text("form.planned-add").await;
    type_date(b, "#planned-starts", day(70)).await;
    type_date(b, "#planned-starts", chosen).await;
    type_date(b, "#planned-ends", chosen + TimeDelta::days(1)).await;
    b.client
        .find(Locator::Id("planned-label"))
        .await
        .unwrap()
        .send_keys("Typed run")
        .await
        .unwrap();
    b.click(Locator::Css("form.planned-add button[type=submit]"))
        .await;
    b.wait_text("ul.planned", &["Typed run"]).await;
    b.wait_text("#announce", &["Planned run added."]).await;
    let runs: PlannedRunList = api_get(&base, &format!("/planned-runs?instrument={nimbus}")).await;
    let typed = runs
        .planned_runs
        .iter()
        .find(|p| p.label == "Typed run")
        .expect("the typed run is planned");
    assert_eq!(
        (typed.starts_on, typed.ends_on),
        (chosen, chosen + TimeDelta::days(1))
    );

    browser.close().await;
    server.stop().await;
}
