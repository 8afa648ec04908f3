//! A lab that never saw the demo: `init` on an empty database, then its first manager opens
//! the one-time link in the browser, chooses a password (a weak one is refused with the
//! reason) and lands on an empty fleet; later logs in with it.

use crate::harness::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_lab_s_first_manager_sets_up_an_account_from_the_init_link() {
    let (mut server, browser) = (Server::empty().await, Browser::start().await);
    let base = server.base.clone();
    let b = &browser;
    let now = Utc::now().timestamp();
    let (_, token) = seqhealth_server::domain::invitations::init_lab(
        &server.db,
        "Core Genomics",
        "America/Chicago",
        "ada@core.example",
        false,
        now,
    )
    .await
    .unwrap();

    b.client
        .goto(&format!("{base}/accept/{token}"))
        .await
        .unwrap();
    let intro = b.wait_text("section.accept", &["Core Genomics"]).await;
    assert!(intro.contains("as a manager"), "{intro}");
    assert!(intro.contains("ada@core.example"), "{intro}");
    let fill = |css: &'static str, text: &'static str| async move {
        let field = b.client.find(Locator::Css(css)).await.unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    };
    fill("#name", "Ada Lovelace").await;
    // A weak password: the form says why, and the button stays off.
    fill("#password", "short").await;
    let why = b
        .wait_text("section.accept [role=alert]", &["at least 12"])
        .await;
    assert!(why.contains("at least 12 characters"), "{why}");
    b.screenshot("setup-weak-password").await;
    fill("#password", "violet kettle on the moor").await;
    fill("#again", "violet kettle on the moor").await;
    b.screenshot("setup").await;
    b.click(Locator::Css("section.accept button[type=submit]"))
        .await;
    b.wait_path("/").await;
    let header = b.wait_text("header", &["Ada Lovelace"]).await;
    assert!(header.contains("Core Genomics"), "{header}");
    assert!(header.contains("America/Chicago"), "{header}");
    b.text("main").await;
    b.screenshot("setup-empty-fleet").await;

    // The link worked once: opened again it says so.
    b.client
        .goto(&format!("{base}/accept/{token}"))
        .await
        .unwrap();
    let used = b.wait_text("section.accept", &["already used"]).await;
    assert!(used.contains("log in"), "{used}");

    // Logged out, the manager logs in with the password chosen.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "ada@core.example", "violet kettle on the moor")
        .await;
    b.wait_path("/").await;
    b.wait_text("header", &["Ada Lovelace"]).await;

    // She invites a colleague as a viewer and gets the link to send.
    b.client.goto(&format!("{base}/team")).await.unwrap();
    b.wait_text("table.team", &["Ada Lovelace"]).await;
    let email = b.client.find(Locator::Css("#invite-email")).await.unwrap();
    email.send_keys("lise@core.example").await.unwrap();
    b.click(Locator::Css("form.invite button[type=submit]"))
        .await;
    b.wait_text("table.invited", &["lise@core.example"]).await;
    b.wait_text("#announce", &["Invitation made for lise@core.example."])
        .await;
    let shown = |css: &'static str| async move {
        b.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .expect("the link to send")
    };
    let first = shown("form.invite ~ .code-card input.invite-link").await;
    assert!(first.starts_with(&format!("{base}/accept/")), "{first}");

    // The invitation arrives at the lab's SMTP server, with the same link.
    let mail = server.mail.as_ref().expect("Server::empty sends mail");
    let invitation = &mail.messages(1).await[0];
    assert!(
        invitation.contains("X-Sink-Rcpt: lise@core.example"),
        "{invitation}"
    );
    assert_eq!(link_in(invitation, &format!("{base}/accept/")), first);

    // Lise cannot find it: Ada sends it again; a new link is mailed and shown in the row.
    b.click(Locator::XPath(
        "//table[contains(@class,'invited')]//button[normalize-space()='Send again']",
    ))
    .await;
    b.wait_text("table.invited .code-card", &["Mailed to lise@core.example"])
        .await;
    let link = shown("table.invited input.invite-link").await;
    assert_ne!(link, first, "a new link");
    assert_eq!(
        b.count("form.invite ~ .code-card").await,
        0,
        "the first link, which no longer works, is no longer shown"
    );
    let sent = mail.messages(2).await;
    assert!(
        sent.iter().any(|m| m.contains(&link)),
        "the new link is mailed"
    );
    b.screenshot("team-invited").await;

    // The colleague, in a browser of their own, joins with the mailed link: a viewer, no
    // manager buttons.
    b.client.delete_all_cookies().await.unwrap();
    b.client.goto(&link).await.unwrap();
    let intro = b.wait_text("section.accept", &["as a viewer"]).await;
    assert!(intro.contains("lise@core.example"), "{intro}");
    b.screenshot("accept-invitation").await;
    fill("#name", "Lise Meitner").await;
    fill("#password", "fission at the kitchen table").await;
    fill("#again", "fission at the kitchen table").await;
    b.click(Locator::Css("section.accept button[type=submit]"))
        .await;
    b.wait_path("/").await;
    let header = b.wait_text("header", &["Lise Meitner (viewer)"]).await;
    assert!(header.contains("View-only: ask a lab manager"), "{header}");
    b.wait_text("main", &["No instruments"]).await;
    assert_eq!(
        b.count("section.add-instrument").await,
        0,
        "no manager buttons"
    );
    b.client.goto(&format!("{base}/team")).await.unwrap();
    let team = b.wait_text("table.team", &["Lise Meitner"]).await;
    assert!(team.contains("Ada Lovelace"), "{team}");
    let lede = b.text("main").await;
    assert!(lede.contains("View-only: ask a lab manager"), "{lede}");
    assert_eq!(b.count("form.invite").await, 0);
    b.screenshot("team-viewer").await;

    // Lise's fleet page stays open. Ada, in her own browser, deactivates her from the Team
    // page; at Lise's next request (she opens Warnings) her page goes to the login page.
    b.client.goto(&format!("{base}/")).await.unwrap();
    b.wait_text("main", &["No instruments"]).await;
    let ada_browser = Browser::start().await;
    let a = &ada_browser;
    a.login(&base, "ada@core.example", "violet kettle on the moor")
        .await;
    a.wait_path("/").await;
    a.client.goto(&format!("{base}/team")).await.unwrap();
    a.wait_text("table.team", &["Lise Meitner"]).await;
    a.screenshot("team-before-deactivation").await;
    let loc = Locator::XPath(
        "//table[contains(@class,'team')]//tr[contains(., 'Lise Meitner')]//button[normalize-space()='Deactivate…']",
    );
    // Waited for as `click` does, but a failure shows the table it looked in.
    let deadline = tokio::time::Instant::now() + WAIT;
    let deactivate = loop {
        match a.client.find(loc).await {
            Ok(e) => break e,
            Err(_) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await
            }
            Err(e) => {
                let html = a.client.source().await.unwrap_or_default();
                let i = html.find("<main").unwrap_or(0);
                panic!("{e}: {}", &html[i..(i + 5000).min(html.len())]);
            }
        }
    };
    deactivate.click().await.unwrap();
    a.click(Locator::XPath(
        "//table[contains(@class,'team')]//button[starts-with(normalize-space(), 'Deactivate Lise Meitner')]",
    ))
    .await;
    let row = a.wait_text("table.team", &["Deactivated"]).await;
    assert!(row.contains("Lise Meitner"), "{row}");
    ada_browser.close().await;
    b.click(Locator::Css("header nav a[href='/warnings']"))
        .await;
    b.wait_path("/login").await;
    // Her password no longer opens a session.
    b.submit_login("lise@core.example", "fission at the kitchen table")
        .await;
    b.wait_text("main [role=alert]", &["Wrong email or password"])
        .await;
    b.client.goto(&format!("{base}/login")).await.unwrap();

    // Ada changes her password on her Account page (the header's name leads there).
    b.submit_login("ada@core.example", "violet kettle on the moor")
        .await;
    b.wait_path("/").await;
    b.click(Locator::Css("header a.user")).await;
    b.wait_path("/account").await;
    fill("#current-password", "violet kettle on the moor").await;
    fill("#new-password", "ada@core.example").await;
    let why = b.wait_text("main [role=alert]", &["email"]).await;
    assert!(why.contains("must not be or contain your email"), "{why}");
    fill("#new-password", "analytical engine notes").await;
    fill("#again-password", "analytical engine notes").await;
    b.click(Locator::Css("form:has(#new-password) button[type=submit]"))
        .await;
    b.wait_text("main", &["Password changed"]).await;
    b.screenshot("account").await;
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "ada@core.example", "analytical engine notes")
        .await;
    b.wait_path("/").await;

    // She forgets it: "Forgot password?" says the same for any address (tested through the
    // API), and mails her a link that lets her choose another.
    b.client.delete_all_cookies().await.unwrap();
    b.client.goto(&format!("{base}/login")).await.unwrap();
    b.click(Locator::Css("details.forgot summary")).await;
    fill("#forgot-email", "ada@core.example").await;
    b.click(Locator::Css("details.forgot button[type=submit]"))
        .await;
    let said = b.wait_text("details.forgot", &["on its way"]).await;
    assert!(
        said.contains("If ada@core.example has an account"),
        "{said}"
    );
    b.screenshot("forgot-password").await;
    let sent = mail.messages(3).await;
    let forgot = sent
        .iter()
        .find(|m| m.contains("X-Sink-Rcpt: ada@core.example"))
        .unwrap();
    assert!(forgot.contains("X-Sink-Rcpt: ada@core.example"), "{forgot}");
    assert!(
        forgot.contains("(America/Chicago)"),
        "in the lab's zone: {forgot}"
    );
    let reset = link_in(forgot, &format!("{base}/reset/"));
    b.client.goto(&reset).await.unwrap();
    b.wait_text("section.accept", &["ada@core.example"]).await;
    fill("#password", "babbage owes me tea").await;
    fill("#again", "babbage owes me tea").await;
    b.screenshot("reset").await;
    b.click(Locator::Css("section.accept button[type=submit]"))
        .await;
    b.wait_path("/").await;
    b.wait_text("header", &["Ada Lovelace"]).await;
    browser.close().await;
    server.stop().await;
}

/// The first link in a message that starts with `prefix`, up to the end of its token.
pub(crate) fn link_in(message: &str, prefix: &str) -> String {
    let token: String = message
        .split(prefix)
        .nth(1)
        .unwrap_or_else(|| panic!("no {prefix} link in {message}"))
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64, "{message}");
    format!("{prefix}{token}")
}
