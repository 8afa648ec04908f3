//! Italian and Spanish (issue 26): the header's language switch, then every page and its
//! main states wholly in the language (no string looked up without a translation): login,
//! fleet, an instrument (warnings, predictions, replacements, sensors, runs), warnings,
//! replacements with the schedule form open, audit log, team, account, notifications, a
//! page that does not exist, the invitation and reset links; decimals with a comma,
//! `<html lang>`; English loads no catalog.

use crate::harness::*;

/// What a script returns, read as `T`.
async fn js<T: serde::de::DeserializeOwned>(b: &Browser, script: &str) -> T {
    serde_json::from_value(b.client.execute(script, vec![]).await.unwrap()).unwrap()
}

/// The strings shown untranslated on this page so far (`window.seqhealthUntranslated`).
async fn untranslated(b: &Browser) -> Vec<String> {
    js::<Option<Vec<String>>>(b, "return window.seqhealthUntranslated || null;")
        .await
        .expect("the dashboard exposes its untranslated strings")
}

/// The catalogs this page load fetched.
async fn catalogs(b: &Browser) -> Vec<String> {
    js(
        b,
        "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('/i18n/'));",
    )
    .await
}

async fn wait_lang(b: &Browser, lang: &str) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now: String = js(b, "return document.documentElement.lang;").await;
        // The header is drawn once the app has mounted, after its catalog.
        if now == lang && b.count("header select#lang").await == 1 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "<html lang={now:?}>, expected {lang:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Known words of one language.
struct Words {
    lang: &'static str,
    log_in: &'static str,
    forgot: &'static str,
    wrong: &'static str,
    nav: [&'static str; 3],
    title: &'static str,
    columns: [&'static str; 3],
    critical: &'static str,
    q30_label: &'static str,
    today: &'static str,
    /// The instrument page's section headings.
    instrument: [&'static str; 4],
    /// Each page's (path, what to wait for, a word its text holds).
    pages: [(&'static str, &'static str, &'static str); 9],
    /// A label of the schedule form.
    slot: &'static str,
    /// A warning's cause, which the server sends as a code (Today's list words it).
    cause: &'static str,
    /// The server's refusal of a plain http:// webhook, sent as a code.
    refused: &'static str,
}

const ITALIAN: Words = Words {
    lang: "it",
    log_in: "Accedi a seqhealth",
    forgot: "Password dimenticata?",
    wrong: "Email o password errati.",
    nav: ["Strumenti", "Avvisi", "Sostituzioni"],
    title: "Panoramica degli strumenti · seqhealth",
    columns: ["Strumento", "Ultimo invio", "Termico"],
    critical: "Critico",
    q30_label: "Ultimo run %≥Q30",
    today: "Oggi",
    instrument: [
        "Avvisi aperti",
        "Sostituzioni previste",
        "Sensori dei sottosistemi",
        "Andamento del Q-score",
    ],
    pages: [
        ("/warnings", "table.warnings tbody tr", "Gravità"),
        (
            "/audit",
            "table.audit tbody tr",
            // An action and a detail the server sent as codes.
            "raccomandata",
        ),
        ("/team", "table.team tbody tr", "Ultimo accesso"),
        (
            "/account",
            "section[aria-labelledby=notify-heading] select",
            "Ore di silenzio",
        ),
        ("/notifications", "#digest-at", "Registro degli invii"),
        ("/no-such-page", "main h1", "Pagina non trovata"),
        (
            "/accept/not-a-token",
            ".state.error",
            "Configura il tuo account",
        ),
        (
            "/reset/not-a-token",
            ".state.error",
            "Scegli una nuova password",
        ),
        (
            "/replacements",
            "table.replacements tbody tr",
            "Scarica calendario",
        ),
    ],
    slot: "Fascia",
    cause: "sopra il limite critico di",
    refused: "`url` deve essere https:// (http:// semplice solo verso questa macchina)",
};

const SPANISH: Words = Words {
    lang: "es",
    log_in: "Inicia sesión en seqhealth",
    forgot: "¿Olvidaste la contraseña?",
    wrong: "Correo o contraseña incorrectos.",
    nav: ["Instrumentos", "Avisos", "Sustituciones"],
    title: "Resumen de instrumentos · seqhealth",
    columns: ["Instrumento", "Último envío", "Térmico"],
    critical: "Crítico",
    q30_label: "Últ. carrera %≥Q30",
    today: "Hoy",
    instrument: [
        "Avisos abiertos",
        "Sustituciones previstas",
        "Sensores de los subsistemas",
        "Tendencia del Q-score",
    ],
    pages: [
        ("/warnings", "table.warnings tbody tr", "Gravedad"),
        ("/audit", "table.audit tbody tr", "recomendada"),
        ("/team", "table.team tbody tr", "Último acceso"),
        (
            "/account",
            "section[aria-labelledby=notify-heading] select",
            "Horas de silencio",
        ),
        ("/notifications", "#digest-at", "Registro de envíos"),
        ("/no-such-page", "main h1", "Página no encontrada"),
        ("/accept/not-a-token", ".state.error", "Configura tu cuenta"),
        (
            "/reset/not-a-token",
            ".state.error",
            "Elige una contraseña nueva",
        ),
        (
            "/replacements",
            "table.replacements tbody tr",
            "Descargar calendario",
        ),
    ],
    slot: "Franja",
    cause: "por encima del límite crítico de",
    refused: "`url` debe ser https:// (http:// simple solo hacia esta máquina)",
};

/// The login page, then the fleet, in `w`'s language (the page is loaded afresh).
async fn check_language(server: &Server, b: &Browser, w: &Words) {
    let base = &server.base;
    b.client.goto(&format!("{base}/login")).await.unwrap();
    wait_lang(b, w.lang).await;
    assert_eq!(b.text("section.login h1").await, w.log_in);
    assert_eq!(b.text("details.forgot summary").await, w.forgot);
    // An error says so in the language too.
    b.submit_login("ada@northgate.example", "not-the-password")
        .await;
    assert_eq!(b.text("section.login [role=alert]").await, w.wrong);
    assert_eq!(untranslated(b).await, Vec::<String>::new(), "login page");
    assert_eq!(catalogs(b).await.len(), 1, "its catalog, once");

    // This load (login page, then the fleet in the app) shows every string translated.

    b.login(base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;
    b.client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("section.today ol, section.today .state.empty"))
        .await
        .unwrap();
    let nav = b.text("header nav").await;
    for word in w.nav {
        assert!(nav.contains(word), "{word} in {nav}");
    }
    assert_eq!(b.client.title().await.unwrap(), w.title);
    let head = b.text("table.fleet thead").await;
    for word in w.columns {
        assert!(head.contains(word), "{word} in {head}");
    }
    assert!(b.text("section.today h2").await.contains(w.today));
    let today = b.text("section.today ol").await;
    assert!(
        today.contains(w.cause) && !today.contains("critical limit"),
        "{today}"
    );
    let chiller = format!("tr[data-instrument-id='{}']", server.id("NB552091"));
    let row = b.text(&chiller).await;
    assert!(row.contains(w.critical), "{row}");
    // Decimals with a comma: "92,1 %".
    let cell = b
        .text(&format!(
            "table.fleet td[data-label='{}'] .q30",
            w.q30_label
        ))
        .await;
    let digits: Vec<char> = cell.chars().collect();
    assert!(
        digits
            .windows(3)
            .any(|c| c[0].is_ascii_digit() && c[1] == ',' && c[2].is_ascii_digit())
            && cell.ends_with(" %")
            && !cell.contains('.'),
        "{cell}"
    );
    assert_eq!(
        js::<String>(b, "return document.documentElement.lang;").await,
        w.lang
    );
    assert_eq!(untranslated(b).await, Vec::<String>::new(), "fleet page");
    b.screenshot(&format!("i18n-fleet-{}", w.lang)).await;
    check_pages(server, b, w).await;
}

/// Fails, listing them, when the page has shown strings without a translation.
async fn all_translated(b: &Browser, page: &str) {
    let missed = untranslated(b).await;
    assert!(
        missed.is_empty(),
        "{page}: {} untranslated:\n{}",
        missed.len(),
        missed.join("\n")
    );
}

/// Every other page in `w`'s language (the browser already shows it), each loaded afresh.
async fn check_pages(server: &Server, b: &Browser, w: &Words) {
    let base = &server.base;
    // The instrument with a critical warning, a prediction and a recommended replacement.
    let nimbus = server.id("NB552091");
    b.client
        .goto(&format!("{base}/instruments/{nimbus}"))
        .await
        .unwrap();
    b.text("p.verdict").await;
    b.text("table.runs tbody tr").await;
    b.text("table.warnings tbody tr").await;
    b.text("table.predictions tbody tr, #predictions-heading ~ .state")
        .await;
    b.text("table.replacements tbody tr, #replacements-heading ~ .state")
        .await;
    b.text("figure.chart.sensor figcaption").await;
    let main = b.text("main").await;
    for word in w.instrument {
        assert!(main.contains(word), "{word} on the instrument page");
    }
    b.client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .unwrap();
    b.screenshot(&format!("i18n-instrument-{}", w.lang)).await;
    if w.lang == "es" {
        // The dark theme, then back to light.
        b.click(Locator::Css("header button.theme")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        b.screenshot("i18n-instrument-es-dark").await;
        b.click(Locator::Css("header button.theme")).await;
        // A phone's width: the longer Spanish words still fit.
        let (width, height) = b.client.get_window_size().await.unwrap();
        b.client.set_window_size(375, 900).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        b.screenshot("i18n-instrument-es-375").await;
        let (_, wide, _) = crate::attention::phone_overflow(b).await;
        assert!(wide.is_empty(), "wider than a phone in Spanish: {wide:?}");
        b.client
            .set_window_size(width as u32, height as u32)
            .await
            .unwrap();
    }
    // A chart's data table, as a screen reader's user opens it.
    b.click(Locator::Css("figure.chart.sensor details summary"))
        .await;
    b.text("figure.chart.sensor table.data thead").await;
    all_translated(b, "instrument page").await;

    for (path, ready, word) in w.pages {
        b.client.goto(&format!("{base}{path}")).await.unwrap();
        wait_lang(b, w.lang).await;
        b.text(ready).await;
        b.wait_text("main", &[word]).await;
        if path == "/replacements" {
            // The schedule form of an open replacement.
            b.click(Locator::Css(
                "table.replacements button[data-opens=schedule]",
            ))
            .await;
            let form = b.text("form.schedule").await;
            assert!(form.contains(w.slot), "{} in {form}", w.slot);
        }
        if path == "/notifications" {
            // An error the server sends: its detail in the language too.
            let field = |id| b.client.find(Locator::Id(id));
            field("webhook-name")
                .await
                .unwrap()
                .send_keys("Chat")
                .await
                .unwrap();
            let url = field("webhook-url").await.unwrap();
            url.send_keys("http://example.com/hook").await.unwrap();
            url.send_keys("\u{E007}").await.unwrap();
            b.wait_text("section#webhooks [role=alert]", &[w.refused])
                .await;
        }
        if path == "/audit" {
            // The log's actions and details, sent as codes, in the language.
            b.screenshot(&format!("i18n-audit-{}", w.lang)).await;
        }
        all_translated(b, path).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn italian_and_spanish_show_every_page_translated() {
    let (server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;
    // More states to say: Nimbus's chiller warning acknowledged and its replacement booked.
    let nimbus = server.id("NB552091");
    handle_nimbus_chiller(&base, nimbus, "engineer called").await;

    // English (headless Chromium's language): English words, and no catalog fetched.
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;
    wait_lang(b, "en").await;
    assert!(b.text("header nav").await.contains("Warnings"));
    assert!(b.text("table.fleet thead").await.contains("Last report"));
    assert_eq!(
        catalogs(b).await,
        Vec::<String>::new(),
        "English loads no catalog"
    );
    assert_eq!(untranslated(b).await, Vec::<String>::new());

    // Italian, chosen in the header: the page loads again in Italian, and stays so.
    let select = b
        .client
        .find(Locator::Css("header select#lang"))
        .await
        .unwrap();
    assert_eq!(
        b.attr("label[for=lang]", "class").await.as_deref(),
        Some("visually-hidden"),
        "the switch is labelled"
    );
    select.select_by_value("it").await.unwrap();
    wait_lang(b, "it").await;
    b.wait_text("header nav", &["Avvisi"]).await;
    let stored: String = js(b, "return localStorage.getItem('seqhealth-lang');").await;
    assert_eq!(stored, "it");
    b.click(Locator::Css("button.logout")).await;
    b.wait_path("/login").await;
    check_language(&server, b, &ITALIAN).await;

    // Spanish, chosen in the header (kept for her account: `language.rs`).
    b.client
        .find(Locator::Css("header select#lang"))
        .await
        .unwrap()
        .select_by_value("es")
        .await
        .unwrap();
    wait_lang(b, "es").await;
    b.click(Locator::Css("button.logout")).await;
    b.wait_path("/login").await;
    check_language(&server, b, &SPANISH).await;

    // Back to English from the header: no catalog, English words.
    b.client
        .find(Locator::Css("header select#lang"))
        .await
        .unwrap()
        .select_by_value("en")
        .await
        .unwrap();
    wait_lang(b, "en").await;
    b.wait_text("header nav", &["Warnings"]).await;
    assert_eq!(catalogs(b).await, Vec::<String>::new());

    browser.close().await;
}
