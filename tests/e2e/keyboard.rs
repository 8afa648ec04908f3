//! Issue 26, by keyboard only: a manager logs in (typing), opens an instrument,
//! acknowledges a warning, schedules a replacement typing its date, downloads the calendar
//! and logs out, with Tab, Shift+Tab, Enter, Space and Esc alone (WebDriver key actions,
//! never a click), trying Esc on the add-instrument form and the revoke confirmation on the
//! way. After every step the focus is on a real element (never the page's body) that shows
//! a focus indicator; Esc closes an open form and gives the focus back to the button that
//! opened it; the live region says each outcome.

use crate::harness::*;
use chrono::Datelike;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::Value;

/// What has the focus: `None` for the page's body (the focus lost).
#[derive(Debug, Clone)]
struct Focus {
    tag: String,
    text: String,
    id: String,
    href: String,
    opens: String,
    /// A computed outline or box-shadow: the focus can be seen.
    visible: bool,
}

const FOCUSED: &str = "
    const a = document.activeElement;
    if (!a || a === document.body || a === document.documentElement) return null;
    const s = getComputedStyle(a);
    return {
        tag: a.tagName,
        text: (a.getAttribute('aria-label') || a.textContent || '').trim().slice(0, 200),
        id: a.id || '',
        href: a.getAttribute('href') || '',
        opens: a.dataset.opens || '',
        visible: (s.outlineStyle !== 'none' && s.outlineWidth !== '0px') || s.boxShadow !== 'none',
    };";

async fn focused(b: &Browser) -> Option<Focus> {
    let v = b.client.execute(FOCUSED, vec![]).await.unwrap();
    (v != Value::Null).then(|| {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        Focus {
            tag: s("tag"),
            text: s("text"),
            id: s("id"),
            href: s("href"),
            opens: s("opens"),
            visible: v["visible"].as_bool().unwrap_or(false),
        }
    })
}

/// The focus after `step`: on an element, and visibly so.
async fn assert_focus(b: &Browser, step: &str) -> Focus {
    let f = focused(b)
        .await
        .unwrap_or_else(|| panic!("{step}: the focus fell back to the page's body"));
    assert!(f.visible, "{step}: no visible focus indicator on {f:?}");
    f
}

/// Waits until the focus is on an element `want` accepts (the page answers first).
async fn wait_focus(b: &Browser, step: &str, want: impl Fn(&Focus) -> bool) -> Focus {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let f = focused(b).await;
        if let Some(f) = f.as_ref().filter(|f| want(f)) {
            assert!(f.visible, "{step}: no visible focus indicator on {f:?}");
            return f.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{step}: the focus is on {f:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Presses `chord` together (e.g. Shift+Tab), on whatever has the focus.
async fn press(b: &Browser, chord: &[Key]) {
    let mut a = KeyActions::new("keyboard".into());
    for k in chord {
        a = a.then(KeyAction::Down { value: (*k).into() });
    }
    for k in chord.iter().rev() {
        a = a.then(KeyAction::Up { value: (*k).into() });
    }
    b.client.perform_actions(a).await.unwrap();
}

/// Types `text` into whatever has the focus.
async fn type_text(b: &Browser, text: &str) {
    let mut a = KeyActions::new("keyboard".into());
    for c in text.chars() {
        a = a
            .then(KeyAction::Down { value: c })
            .then(KeyAction::Up { value: c });
    }
    b.client.perform_actions(a).await.unwrap();
}

/// Tabs (or, `back`, Shift+Tabs) until the focus is on an element `want` accepts; the focus
/// is visible at every stop on the way.
async fn tab_to(b: &Browser, back: bool, step: &str, want: impl Fn(&Focus) -> bool) -> Focus {
    let chord: &[Key] = if back {
        &[Key::Shift, Key::Tab]
    } else {
        &[Key::Tab]
    };
    for _ in 0..400 {
        press(b, chord).await;
        if let Some(f) = focused(b).await {
            assert!(f.visible, "{step}: no visible focus indicator on {f:?}");
            if want(&f) {
                return f;
            }
        }
    }
    panic!("{step}: 400 presses of Tab never reached it");
}

async fn announced(b: &Browser, needles: &[&str]) -> String {
    b.wait_text("#announce", needles).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_does_the_whole_journey_by_keyboard_alone() {
    let mut server = Server::start().await;
    let base = server.base.clone();
    let nimbus = server.id("NB552091");
    let b = Browser::start().await;

    // Log in, typing.
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.text("section.login form").await;
    tab_to(&b, false, "the email field", |f| f.id == "email").await;
    type_text(&b, "ada@northgate.example").await;
    tab_to(&b, false, "the password field", |f| f.id == "password").await;
    type_text(&b, DEMO_PASSWORD).await;
    press(&b, &[Key::Enter]).await;
    b.wait_path("/").await;
    // The login form went with its page: the focus is on the fleet's heading.
    wait_focus(&b, "logged in", |f| f.tag == "H1").await;

    // Add instrument opens its form on its first field; Esc closes it.
    tab_to(&b, false, "Add instrument", |f| f.opens == "add").await;
    press(&b, &[Key::Enter]).await;
    wait_focus(&b, "the add-instrument form", |f| f.id == "add-model").await;
    press(&b, &[Key::Escape]).await;
    b.wait_count("form.add", 0).await;
    wait_focus(&b, "Esc on the add-instrument form", |f| f.opens == "add").await;

    // Open Nimbus.
    let href = format!("/instruments/{nimbus}");
    tab_to(&b, false, "Nimbus in the fleet", |f| {
        f.tag == "A" && f.href == href
    })
    .await;
    press(&b, &[Key::Enter]).await;
    b.wait_path(&href).await;
    wait_focus(&b, "Nimbus opened", |f| {
        f.tag == "H1" && f.text.contains("Nimbus")
    })
    .await;
    b.screenshot("keyboard-instrument").await;

    // Acknowledge its warning: Esc first closes the form and gives the focus back.
    let ack = tab_to(&b, false, "Acknowledge", |f| f.opens == "ack").await;
    press(&b, &[Key::Enter]).await;
    wait_focus(&b, "the acknowledge form", |f| {
        f.tag == "INPUT" && f.id.starts_with("ack-reason-")
    })
    .await;
    press(&b, &[Key::Escape]).await;
    b.wait_count("form.ack", 0).await;
    wait_focus(&b, "Esc on the acknowledge form", |f| {
        f.opens == "ack" && f.text == ack.text
    })
    .await;
    // Space opens it too.
    press(&b, &[Key::Space]).await;
    wait_focus(&b, "the acknowledge form again", |f| {
        f.id.starts_with("ack-reason-")
    })
    .await;
    type_text(&b, "Chiller checked by keyboard").await;
    press(&b, &[Key::Enter]).await;
    announced(&b, &["Warning acknowledged"]).await;
    let status = wait_focus(&b, "acknowledged", |f| f.text.contains("Acknowledged by")).await;
    assert!(
        status.text.contains("Chiller checked by keyboard"),
        "{status:?}"
    );
    b.screenshot("keyboard-acknowledged").await;

    // Revoke token… asks first, its first button focused; Esc keeps the token.
    tab_to(&b, false, "Revoke token…", |f| f.opens == "revoke").await;
    press(&b, &[Key::Enter]).await;
    wait_focus(&b, "the revoke confirmation", |f| f.text == "Revoke token").await;
    press(&b, &[Key::Escape]).await;
    wait_focus(&b, "Esc on the revoke confirmation", |f| {
        f.opens == "revoke"
    })
    .await;
    assert_eq!(b.count("section.connection button.danger").await, 0);

    // Schedule the chiller's replacement, typing the date: a Thursday at least four days on.
    let mut day = Utc::now().date_naive() + TimeDelta::days(4);
    while day.weekday() != chrono::Weekday::Thu {
        day += TimeDelta::days(1);
    }
    let schedule = tab_to(&b, false, "Schedule", |f| {
        f.opens == "schedule" && f.text == "Schedule"
    })
    .await;
    press(&b, &[Key::Enter]).await;
    wait_focus(&b, "the schedule form", |f| {
        f.tag == "INPUT" && f.id.starts_with("schedule-date-")
    })
    .await;
    press(&b, &[Key::Escape]).await;
    b.wait_count("form.schedule", 0).await;
    wait_focus(&b, "Esc on the schedule form", |f| {
        f.opens == "schedule" && f.text == schedule.text
    })
    .await;
    press(&b, &[Key::Enter]).await;
    let field = wait_focus(&b, "the schedule form again", |f| {
        f.id.starts_with("schedule-date-")
    })
    .await;
    // Typed as a London lab writes a date, whatever the browser's language.
    let typed = day.format("%d/%m/%Y").to_string();
    type_text(&b, &typed).await;
    let value = b
        .client
        .execute(
            "return document.getElementById(arguments[0]).value",
            vec![Value::String(field.id.clone())],
        )
        .await
        .unwrap();
    assert_eq!(value.as_str(), Some(typed.as_str()), "typed {typed}");
    let weekday = seqhealth::format::weekday(day);
    b.wait_text("form.schedule .weekday", &[&weekday]).await;
    // On to Close, back with Shift+Tab to the submit button, and Space.
    tab_to(&b, false, "Close", |f| f.text == "Close").await;
    tab_to(&b, true, "the schedule button", |f| {
        f.tag == "BUTTON" && f.text.starts_with("Schedule")
    })
    .await;
    press(&b, &[Key::Space]).await;
    let said = announced(&b, &["scheduled for"]).await;
    assert!(
        said.contains(&format!("scheduled for {weekday}, morning")),
        "{said}"
    );
    wait_focus(&b, "scheduled", |f| f.text == "Scheduled").await;
    b.screenshot("keyboard-scheduled").await;

    // The replacements page, from the header's link (Shift+Tab back up), and its calendar.
    tab_to(&b, true, "the Replacements link", |f| {
        f.tag == "A" && f.href == "/replacements"
    })
    .await;
    press(&b, &[Key::Enter]).await;
    b.wait_path("/replacements").await;
    assert_focus(&b, "the replacements page").await;
    let ics = tab_to(&b, false, "Download calendar", |f| {
        f.text == "Download calendar (.ics)"
    })
    .await;
    press(&b, &[Key::Enter]).await;
    // The download leaves the page and the focus where they were; what it downloads,
    // fetched with the page's session, has the appointment.
    tokio::time::sleep(Duration::from_millis(500)).await;
    b.wait_path("/replacements").await;
    let after = assert_focus(&b, "the calendar downloaded").await;
    assert_eq!(after.text, ics.text);
    let text = b
        .client
        .execute_async(
            "const done = arguments[1];
             fetch(arguments[0]).then(r => r.text()).then(done, e => done(String(e)));",
            vec![Value::String(ics.href.clone())],
        )
        .await
        .unwrap();
    let text = text.as_str().unwrap_or_default();
    assert!(text.contains("BEGIN:VCALENDAR"), "{text}");
    assert!(
        text.contains(&format!(
            "DTSTART;TZID=Europe/London:{}T",
            day.format("%Y%m%d")
        )),
        "{text}"
    );

    // Log out.
    tab_to(&b, true, "Log out", |f| f.text == "Log out").await;
    press(&b, &[Key::Enter]).await;
    b.wait_path("/login").await;
    wait_focus(&b, "logged out", |f| f.tag == "H1").await;

    b.close().await;
    server.stop().await;
}
