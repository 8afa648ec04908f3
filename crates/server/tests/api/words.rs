//! What the server says travels as codes (issue 26): a warning's cause and a replacement's
//! reason carry a `Said` beside their English, the CSV and calendar exports word them in
//! the requester's language, and a row stored before codes still reads.

use super::replacements::{chiller_recommendation, day};
use super::*;
use seqhealth_api::{Figure, ReplacementList, Said, WarningList};

/// The text of an export (a calendar's lines unfolded, its escaped commas plain).
async fn export(env: &Env, path: &str, cookie: &str, accept: Option<&str>) -> String {
    let mut req = Request::get(path).header(header::COOKIE, cookie);
    if let Some(a) = accept {
        req = req.header(header::ACCEPT_LANGUAGE, a);
    }
    let (s, b, _) = env.send(req.body(Body::empty()).unwrap()).await;
    assert_eq!(s, StatusCode::OK, "{path}: {}", String::from_utf8_lossy(&b));
    let text = String::from_utf8(b).unwrap();
    icalendar::parser::unfold(&text).replace("\\,", ",")
}

#[tokio::test]
async fn causes_travel_as_codes_and_exports_word_them_in_the_requester_s_language() {
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;

    // The chiller's warning: its cause as a code and figures, its English beside it.
    let nimbus = env.id("NB552091");
    let list: WarningList = env
        .get_json(&format!("/api/v1/warnings?instrument={nimbus}"), &ada)
        .await;
    let w = list
        .warnings
        .iter()
        .find(|w| w.rule == "threshold:chiller_temp_c")
        .expect("the chiller's warning");
    let said = w.said.as_ref().expect("a new warning carries its code");
    assert_eq!(said.code, "advised");
    assert_eq!(said.english(), w.message);
    let Figure::Said(cause) = &said.figures[0] else {
        panic!("{said:?}")
    };
    assert_eq!(cause.code, "threshold_above_critical");
    assert_eq!(
        cause.figures[0],
        Figure::Word("Reagent chiller temperature".into())
    );

    // Its recommendation's reason, too; booked, it is in the calendar.
    let rec = chiller_recommendation(&env, &ada).await;
    let reason = rec.reason_said.as_ref().expect("a reason's code");
    assert_eq!(reason.code, "reason_warning");
    assert_eq!(reason.english(), rec.reason);
    let schedule = format!("/api/v1/replacements/{}/schedule", rec.id);
    let (s, b) = post_json(
        &env,
        &schedule,
        &ada,
        json!({ "date": day(10), "slot": "am" }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));

    for file in ["/api/v1/replacements.csv", "/api/v1/replacements.ics"] {
        let english = export(&env, file, &ada, None).await;
        assert!(
            english.contains("Reagent chiller temperature at "),
            "{english}"
        );
        assert!(
            english.contains(", above the 10.0 °C critical limit"),
            "{english}"
        );

        let italian = export(&env, &format!("{file}?lang=it"), &ada, Some("es")).await;
        assert!(
            italian.contains("Avviso emesso il ")
                && italian.contains("Temperatura del refrigeratore dei reagenti a ")
                && italian.contains("sopra il limite critico di 10,0 °C"),
            "{italian}"
        );
        assert!(!italian.contains("critical limit"), "{italian}");

        // No `?lang=`: the browser's language.
        let spanish = export(&env, file, &ada, Some("es-ES,es;q=0.9,en;q=0.5")).await;
        assert!(
            spanish.contains("por encima del límite crítico de 10,0 °C"),
            "{spanish}"
        );
        let english = export(&env, &format!("{file}?lang=en"), &ada, Some("it")).await;
        assert!(english.contains("critical limit"), "{english}");
    }
    // Their own words too: the CSV's header and values, the calendar's labels.
    let csv = export(&env, "/api/v1/replacements.csv?lang=it", &ada, None).await;
    let header = csv.lines().next().unwrap();
    assert!(
        header.starts_with("id,strumento,numero di serie,sottosistema,componente,stato,")
            && header.contains("perché"),
        "{header}"
    );
    assert!(
        csv.contains(",Termico,Refrigeratore dei reagenti,Programmata,"),
        "{csv}"
    );
    let english = export(&env, "/api/v1/replacements.csv", &ada, None).await;
    assert!(english.starts_with("id,instrument,serial,subsystem,component,status,"));
    assert!(
        english.contains(",thermal,Reagent chiller,scheduled,"),
        "{english}"
    );
    let ics = export(&env, "/api/v1/replacements.ics?lang=es", &ada, None).await;
    assert!(
        ics.contains("SUMMARY:Sustituir Enfriador de reactivos — ")
            && ics.contains("DESCRIPTION:Motivo: ")
            && ics.contains("sustituciones de componentes"),
        "{ics}"
    );
    let (s, b) = env
        .get("/api/v1/replacements.csv?lang=de", Some(&ada))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let e: ApiError = serde_json::from_slice(&b).unwrap();
    assert!(e.detail.contains("`lang`"), "{}", e.detail);
}

#[tokio::test]
async fn a_row_stored_before_codes_still_reads_in_its_english() {
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let rec = chiller_recommendation(&env, &ada).await;
    // As an older server left them: the English only.
    sqlx::query("UPDATE warnings SET said = NULL, message = 'Chiller warm (old words)'")
        .execute(&env.db)
        .await
        .unwrap();
    sqlx::query("UPDATE replacements SET reason_said = NULL, reason = 'An old reason'")
        .execute(&env.db)
        .await
        .unwrap();

    let list: WarningList = env.get_json("/api/v1/warnings", &ada).await;
    let w = &list.warnings[0];
    assert_eq!(
        (w.said.as_ref(), w.message.as_str()),
        (None, "Chiller warm (old words)")
    );
    let list: ReplacementList = env.get_json("/api/v1/replacements", &ada).await;
    let row = list.replacements.iter().find(|r| r.id == rec.id).unwrap();
    assert_eq!(
        (row.reason_said.as_ref(), row.reason.as_str()),
        (None, "An old reason")
    );
    let csv = export(&env, "/api/v1/replacements.csv?lang=it", &ada, None).await;
    assert!(csv.contains("An old reason"), "{csv}");

    // Today says the old cause as it is, inside its Italian sentence.
    let today: seqhealth_api::Today = env.get_json("/api/v1/today", &ada).await;
    let item = today
        .items
        .iter()
        .find(|i| i.replacement_id == Some(rec.id))
        .expect("the chiller's replacement is due");
    let title = item
        .title_said
        .as_ref()
        .expect("today's own words are codes");
    assert_eq!(title.figures[1], Figure::Text("An old reason".into()));
}

#[tokio::test]
async fn audit_details_travel_as_codes_and_the_log_s_csv_words_them() {
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let rec = chiller_recommendation(&env, &ada).await;
    let schedule = format!("/api/v1/replacements/{}/schedule", rec.id);
    let booking = json!({ "date": day(10), "slot": "am", "engineer": "Marco Rossi" });
    let (s, b) = post_json(&env, &schedule, &ada, booking).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    // An entry as an older server left it: its English only (the log is append-only, so
    // it is added, not changed).
    sqlx::query(
        "INSERT INTO audit_log (lab_id, at, action, detail)
         SELECT lab_id, 0, 'acknowledged', 'Old words, kept as they were' FROM instruments WHERE id = $1",
    )
    .bind(env.id("NB552091"))
    .execute(&env.db)
    .await
    .unwrap();

    let log: seqhealth_api::AuditList = env.get_json("/api/v1/audit", &ada).await;
    let booked = log
        .entries
        .iter()
        .find(|e| e.action == "scheduled")
        .expect("the booking is logged");
    let said = booked.said.as_ref().expect("a new entry carries its code");
    assert_eq!(said.code, "audit_scheduled");
    assert_eq!(said.english(), booked.detail);
    assert!(
        booked
            .detail
            .starts_with("Reagent chiller replacement scheduled for ")
            && booked
                .detail
                .ends_with(" Morning (08:00–12:00) (engineer Marco Rossi)"),
        "the English reads as before: {}",
        booked.detail
    );
    let recommended = log.entries.iter().find(|e| e.action == "recommended");
    let reason = recommended
        .and_then(|e| e.said.as_ref())
        .expect("its reason");
    assert_eq!(reason.code, "reason_warning");
    let old = log.entries.iter().find(|e| e.at.timestamp() == 0).unwrap();
    assert_eq!(old.said, None);

    let italian = export(&env, "/api/v1/audit.csv?lang=it", &ada, None).await;
    assert!(
        italian.starts_with("id,quando (") && italian.contains("),chi,azione,strumento,"),
        "{italian}"
    );
    assert!(
        italian.contains(",programmata,")
            && italian.contains(",Sostituzione di Refrigeratore dei reagenti programmata per ")
            && italian.contains(" Mattina (08:00–12:00) (tecnico Marco Rossi)")
            && italian.contains(",raccomandata,")
            && italian.contains("Avviso emesso il ")
            && italian.contains("Old words, kept as they were"),
        "{italian}"
    );
    let spanish = export(&env, "/api/v1/audit.csv", &ada, Some("es")).await;
    assert!(
        spanish.contains(" Mañana (08:00–12:00) (técnico Marco Rossi)"),
        "{spanish}"
    );
    let english = export(&env, "/api/v1/audit.csv", &ada, None).await;
    assert!(
        english.starts_with("id,when (")
            && english.contains("),who,action,")
            && english.contains(",scheduled,")
            && english.contains(&booked.detail),
        "{english}"
    );
}

/// An error's detail travels as a code too (`ApiError::said`), its English `detail` as
/// before: a form's validation, a conflict, a manager's action refused to a viewer; an
/// error without a code carries none.
#[tokio::test]
async fn error_details_travel_as_codes_beside_their_english() {
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let rec = chiller_recommendation(&env, &ada).await;
    let cancel = format!("/api/v1/replacements/{}/cancel", rec.id);

    let (s, b) = post_json(&env, &cancel, &ada, json!({ "reason": " " })).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let e = error_of(&b);
    assert_eq!(e.error, "bad_request");
    assert_eq!(e.detail, "`reason` must be 1–500 characters");
    let said = e.said.expect("a validation error's code");
    assert_eq!(said.code, "field_length");
    assert_eq!(
        said.figures,
        [Figure::Text("reason".into()), Figure::N(500.0)]
    );
    assert_eq!(said.english(), e.detail);

    let (s, b) = post_json(&env, &cancel, &ada, json!({ "reason": "not needed" })).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let (s, b) = post_json(&env, &cancel, &ada, json!({ "reason": "again" })).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let e = error_of(&b);
    assert_eq!(e.error, "conflict");
    assert_eq!(
        e.detail,
        format!(
            "replacement {} is cancelled; only a recommended or scheduled replacement can be cancelled",
            rec.id
        )
    );
    let said = e.said.expect("a conflict's code");
    assert_eq!(said.code, "replacement_refused");
    assert_eq!(
        said.figures,
        [
            Figure::N(rec.id as f64),
            Figure::Lower("Cancelled".into()),
            Figure::said(Said::new("only_open_cancel", Vec::new())),
        ]
    );
    assert_eq!(said.english(), e.detail);

    let (s, b) = post_json(&env, &cancel, &grace, json!({ "reason": "x" })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let e = error_of(&b);
    assert_eq!(e.detail, "only a lab manager can cancel replacements");
    let said = e.said.expect("a refusal's code");
    assert_eq!(said.code, "managers_only");
    assert_eq!(said.figures, [Figure::Word("cancel replacements".into())]);

    // A detail without a code (an endpoint that does not exist): no `said` at all.
    let (s, b) = env.get("/api/v1/nowhere", Some(&ada)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!String::from_utf8_lossy(&b).contains("said"));
    assert_eq!(error_of(&b).said, None);
}
