//! The dashboard's language is the person's (issue 26): chosen in the header while logged
//! in, it is kept on the server and follows them to a browser that never saw the choice.

use crate::harness::*;

/// `<html lang>` once the app has mounted in it (the header's select is drawn).
async fn wait_lang(b: &Browser, lang: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = b
            .client
            .execute("return document.documentElement.lang;", vec![])
            .await
            .unwrap();
        if now.as_str() == Some(lang) && b.count("header select#lang").await == 1 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "<html lang={now}>, expected {lang:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Chooses `code` in the header's language select, as a person does.
async fn choose(b: &Browser, code: &str) {
    b.client
        .find(Locator::Css(&format!("select#lang option[value='{code}']")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn account_language(base: &str) -> Option<seqhealth_api::Language> {
    let me: seqhealth_api::SessionInfo = api_get(base, "/session").await;
    me.user.language
}

#[tokio::test]
async fn the_language_chosen_follows_the_person_to_another_browser() {
    let mut server = Server::provisioned().await;
    let base = server.base.clone();
    let first = Browser::start().await;
    first
        .login(&base, "ada@northgate.example", DEMO_PASSWORD)
        .await;
    first.wait_path("/").await;
    wait_lang(&first, "en").await;
    assert_eq!(account_language(&base).await, None, "not chosen yet");

    choose(&first, "it").await;
    wait_lang(&first, "it").await;
    first.wait_text("header nav", &["Avvisi"]).await;
    assert_eq!(
        account_language(&base).await,
        Some(seqhealth_api::Language::It)
    );

    // A browser that never saw the choice: English until she logs in, then hers.
    let second = Browser::start().await;
    second.client.goto(&format!("{base}/login")).await.unwrap();
    wait_lang(&second, "en").await;
    second
        .login(&base, "ada@northgate.example", DEMO_PASSWORD)
        .await;
    wait_lang(&second, "it").await;
    second.wait_text("header nav", &["Avvisi"]).await;

    // Changed there, it is Spanish here too on the next load.
    choose(&second, "es").await;
    wait_lang(&second, "es").await;
    second.wait_text("header nav", &["Avisos"]).await;
    first.client.refresh().await.unwrap();
    wait_lang(&first, "es").await;
    first.wait_text("header nav", &["Avisos"]).await;
    assert_eq!(
        account_language(&base).await,
        Some(seqhealth_api::Language::Es)
    );
    first.close().await;
    second.close().await;
    server.stop().await;
}
