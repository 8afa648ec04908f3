//! The attacker suite: every endpoint of the API, taken from the same table the router is
//! built from (`routes::endpoints()`), is tried by a user of lab A (Northgate) with lab B's
//! (Riverside's) ids, with lab B's instrument token, with no session and with a forged
//! one; a viewer tries every state-changing endpoint. Each attempt answers 401, 403 or 404,
//! carries none of lab B's data, and changes nothing in the database.
//!
//! A new endpoint in the table without a recipe here fails `every_endpoint_resists_*`:
//! it cannot be forgotten.

use super::*;
use chrono::{Duration, Utc};
use seqhealth_api::{PlannedRun, ReplacementList, WarningList};
use seqhealth_server::routes::{endpoints, Access, Endpoint};
use std::collections::BTreeMap;

/// How a request authenticates.
#[derive(Clone, Debug)]
enum Creds {
    None,
    Cookie(String),
    Bearer(String),
}

impl Env {
    async fn call(
        &self,
        method: &Method,
        uri: &str,
        creds: &Creds,
        body: Option<&Value>,
    ) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder().method(method.clone()).uri(uri);
        match creds {
            Creds::None => {}
            Creds::Cookie(c) => req = req.header(header::COOKIE, c),
            Creds::Bearer(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
        }
        let body = match body {
            Some(v) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        let (s, b, _) = self.send(req.body(body).unwrap()).await;
        (s, b)
    }
}

/// Every row of every table (sqlx's bookkeeping aside), as SQL literals: two snapshots
/// are equal exactly when nothing was written.
async fn snapshot(db: &sqlx::AnyPool) -> BTreeMap<String, Vec<String>> {
    let postgres = db::backend(db) == db::Backend::Postgres;
    let tables: Vec<String> = sqlx::query_scalar(if postgres {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name <> '_sqlx_migrations' ORDER BY name"
    })
    .fetch_all(db)
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let sql = if postgres {
            format!("SELECT CAST(row_to_json(t) AS TEXT) FROM \"{t}\" t ORDER BY 1")
        } else {
            let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                .bind(&t)
                .fetch_all(db)
                .await
                .unwrap();
            let row = cols
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || ',' || ");
            format!("SELECT {row} FROM \"{t}\" ORDER BY 1")
        };
        let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(db).await.unwrap();
        out.insert(t, rows);
    }
    out
}

fn assert_unchanged(
    before: &BTreeMap<String, Vec<String>>,
    after: &BTreeMap<String, Vec<String>>,
    what: &str,
) {
    for (table, rows) in before {
        assert_eq!(
            Some(rows),
            after.get(table),
            "{what}: table {table} changed"
        );
    }
    assert_eq!(before.len(), after.len(), "{what}: tables appeared");
}

/// One lab's objects, each created through the API so that it really exists.
#[derive(Debug, Clone)]
struct LabObjects {
    instrument: i64,
    warning: i64,
    replacement: i64,
    planned_run: i64,
    /// A viewer of the lab (whose role or account an attacker would change).
    user: i64,
    /// An open invitation into the lab (which an attacker would withdraw or resend).
    invitation: i64,
    /// A webhook of the lab (which an attacker would test, turn off or remove).
    webhook: i64,
}

/// The world the attacks run in: both labs with a warning, a recommended replacement, a
/// planned run and (lab B) a calendar feed.
struct World {
    env: Env,
    ada: String,
    grace: String,
    a: LabObjects,
    b: LabObjects,
    b_token: String,
    b_calendar: String,
    /// Strings only lab B's data contains.
    b_marks: Vec<String>,
}

/// A chiller reading far above its critical limit: a threshold warning, and from it a
/// recommended replacement.
fn hot_chiller(batch_id: &str) -> Value {
    json!({ "batch_id": batch_id, "readings": [{
        "at": Utc::now() - Duration::hours(1), "subsystem": "thermal",
        "sensor": "chiller_temp_c", "value": 15.0 }] })
}

async fn lab_objects(env: &Env, serial: &str, manager: &str, label: &str) -> LabObjects {
    let instrument = env.id(serial);
    let token = env.token(serial).to_string();
    let (s, v) = env
        .ingest("telemetry", &token, &hot_chiller(&format!("hot-{serial}")))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let warnings: WarningList = env.get_json("/api/v1/warnings", manager).await;
    let warning = warnings
        .warnings
        .iter()
        .find(|w| w.instrument_id == instrument)
        .expect("the hot chiller raised a warning")
        .id;
    let list: ReplacementList = env.get_json("/api/v1/replacements", manager).await;
    let replacement = list
        .replacements
        .iter()
        .find(|r| r.instrument_id == instrument)
        .expect("the warning recommends a replacement")
        .id;
    let today = Utc::now().date_naive();
    let (s, b) = post_json(
        env,
        &format!("/api/v1/instruments/{instrument}/planned-runs"),
        manager,
        json!({ "starts_on": today + Duration::days(20), "ends_on": today + Duration::days(22), "label": label }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let planned: PlannedRun = serde_json::from_slice(&b).unwrap();
    let team: seqhealth_api::Team = env.get_json("/api/v1/users", manager).await;
    let user = team
        .users
        .iter()
        .find(|u| u.role == seqhealth_api::Role::Viewer)
        .expect("each demo lab has a viewer")
        .id;
    let (s, b) = post_json(
        env,
        "/api/v1/invitations",
        manager,
        json!({ "email": format!("invited-{serial}@lab.example").to_lowercase(), "role": "viewer" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let team: seqhealth_api::Team = env.get_json("/api/v1/users", manager).await;
    let invitation = team.invited.first().expect("the invitation is open").id;
    let (s, b) = post_json(
        env,
        "/api/v1/webhooks",
        manager,
        json!({ "name": format!("{label} chat"), "url": "https://hooks.lab.example/x" }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{}", String::from_utf8_lossy(&b));
    let webhook = serde_json::from_slice::<seqhealth_api::notify::WebhookCreated>(&b)
        .unwrap()
        .webhook
        .id;
    LabObjects {
        webhook,
        instrument,
        warning,
        replacement,
        planned_run: planned.id,
        user,
        invitation,
    }
}

async fn world() -> World {
    let env = env().await;
    let ada = env.login("ada@northgate.example").await;
    let grace = env.login("grace@northgate.example").await;
    let rosalind = env.login("rosalind@riverside.example").await;
    // A run each, so that run lists have something to leak.
    for p in &env.fleet {
        let run = runs(p.instrument, &cfg()).into_iter().next().unwrap();
        let (s, v) = env
            .ingest("runs", &p.token, &serde_json::to_value(&run).unwrap())
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let a = lab_objects(&env, "NB552091", &ada, "Northgate planned run").await;
    let b = lab_objects(&env, "M03302", &rosalind, "Riverside-only planned run").await;
    let (s, body) = post_json(&env, "/api/v1/calendar/token", &rosalind, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let feed: seqhealth_api::CalendarFeed = serde_json::from_slice(&body).unwrap();
    let b_calendar = feed
        .path
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches(".ics")
        .to_string();
    // Lab B's feed opens with its secret (so a 404 below means the secret, not the feed).
    let (s, _) = env
        .get(&format!("/api/v1/calendar/{b_calendar}.ics"), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let rio = env
        .fleet
        .iter()
        .find(|p| p.instrument.serial == "M03302")
        .unwrap()
        .instrument;
    let b_marks = vec![
        rio.serial.to_string(),
        rio.nickname.to_string(),
        rio.site.to_string(),
        "Riverside".into(),
        "rosalind".into(),
        "America/Chicago".into(),
    ];
    World {
        b_token: env.token("M03302").to_string(),
        env,
        ada,
        grace,
        a,
        b,
        b_calendar,
        b_marks,
    }
}

/// What to send to an endpoint: its path with ids filled in and a body the endpoint
/// would accept from its rightful caller, so that a refusal is about who asks, not about
/// a malformed request.
struct Recipe {
    uri: String,
    body: Option<Value>,
    /// The instrument id is a query filter (`?instrument=`) rather than a path segment.
    filters_by_instrument: bool,
}

/// The recipe for `e` with the ids of `ids` (and the calendar secret `calendar`).
/// Panics for an endpoint it does not know: teach it the new endpoint.
fn recipe(e: &Endpoint, ids: &LabObjects, calendar: &str) -> Recipe {
    let day = |d: i64| (Utc::now() + Duration::days(d)).date_naive();
    let slot = json!({ "date": day(10), "slot": "am" });
    let (query, body): (&str, Option<Value>) = match (e.method.as_str(), e.path) {
        ("POST", "/session") => (
            "",
            Some(json!({ "email": "rosalind@riverside.example", "password": "guess" })),
        ),
        ("GET", "/session") | ("DELETE", "/session") | ("DELETE", "/sessions") => ("", None),
        ("GET", "/fleet") | ("GET", "/today") => ("", None),
        ("POST", "/instruments") => (
            "",
            Some(
                json!({ "model": "MiSeq", "serial": "M09999", "nickname": "Intruder", "site": "" }),
            ),
        ),
        ("POST", "/instruments/{id}/enrollment-code") | ("POST", "/instruments/{id}/revoke") => {
            ("", None)
        }
        ("POST", "/enroll") => ("", Some(json!({ "code": "K7QM2-XR4TD" }))),
        ("POST", "/ingest/sharing") => ("", Some(json!({ "enabled": false, "at": Utc::now() }))),
        ("GET", "/instruments/{id}") | ("GET", "/instruments/{id}/predictions") => ("", None),
        ("GET", "/instruments/{id}/runs") => ("?from=2000-01-01", None),
        ("GET", "/instruments/{id}/telemetry") => ("?metric=chiller_temp_c", None),
        ("GET", "/warnings") => ("?status=all&instrument={instrument}", None),
        ("POST", "/warnings/{id}/acknowledge") => ("", Some(json!({ "reason": "attack" }))),
        ("POST", "/instruments/{id}/planned-runs") => (
            "",
            Some(json!({ "starts_on": day(40), "ends_on": day(41), "label": "attack" })),
        ),
        ("GET", "/planned-runs") => ("?instrument={instrument}", None),
        ("DELETE", "/planned-runs/{id}") => ("", None),
        ("GET", "/replacements") | ("GET", "/replacements.csv") => {
            ("?status=all&instrument={instrument}", None)
        }
        ("GET", "/replacements.ics") => ("", None),
        ("POST", "/replacements/{id}/schedule") | ("POST", "/replacements/{id}/reschedule") => {
            ("", Some(slot))
        }
        ("POST", "/replacements/{id}/cancel") => ("", Some(json!({ "reason": "attack" }))),
        ("POST", "/replacements/{id}/complete") => ("", Some(json!({ "note": "attack" }))),
        ("GET", "/audit") | ("GET", "/audit.csv") => ("?instrument={instrument}", None),
        ("GET", "/calendar") => ("", None),
        ("POST", "/calendar/token") => ("", None),
        ("GET", "/calendar/{file}") => ("", None),
        ("POST", "/csp-report") => ("", Some(json!({ "csp-report": { "blocked-uri": "x" } }))),
        ("POST", "/ingest/runs") => {
            let run = runs(&seqhealth_agent::fleet::DEMO_FLEET[0], &cfg())
                .into_iter()
                .nth(1)
                .unwrap();
            ("", Some(serde_json::to_value(run).unwrap()))
        }
        ("POST", "/ingest/telemetry") => ("", Some(hot_chiller("attack-batch"))),
        ("GET", "/users") | ("GET", "/setup") => ("", None),
        ("POST", "/account/name") => ("", Some(json!({ "name": "Mallory" }))),
        ("POST", "/account/language") => ("", Some(json!({ "language": "it" }))),
        ("POST", "/account/password") => (
            "",
            Some(json!({ "current": "guess", "new": "a long enough password" })),
        ),
        ("POST", "/users/{id}/role") => ("", Some(json!({ "role": "manager" }))),
        ("POST", "/users/{id}/deactivate") => ("", None),
        ("POST", "/team/invitations/{id}/resend") | ("DELETE", "/team/invitations/{id}") => {
            ("", None)
        }
        ("POST", "/invitations") => (
            "",
            Some(json!({ "email": "mallory@evil.example", "role": "manager" })),
        ),
        ("GET", "/invitations/{token}") | ("GET", "/resets/{token}") => ("", None),
        // An address with no account: the same 202 as any, and nothing is written.
        ("POST", "/password-reset") => ("", Some(json!({ "email": "nobody@nowhere.example" }))),
        ("POST", "/resets/{token}") => ("", Some(json!({ "password": "a long enough password" }))),
        ("POST", "/invitations/{token}/accept") => (
            "",
            Some(json!({ "name": "Mallory", "password": "a long enough password" })),
        ),
        ("GET", "/account/notifications")
        | ("GET", "/notifications/settings")
        | ("GET", "/notifications/deliveries")
        | ("GET", "/webhooks")
        | ("POST", "/webhooks/{id}/test")
        | ("DELETE", "/webhooks/{id}")
        | ("DELETE", "/instruments/{id}/silence")
        | ("GET", "/unsubscribe/{token}")
        | ("POST", "/unsubscribe/{token}") => ("", None),
        ("PUT", "/account/notifications") => (
            "",
            Some(json!({ "modes": [["warning", "never"]], "quiet_from": null, "quiet_to": null })),
        ),
        ("PUT", "/notifications/settings") => (
            "",
            Some(
                json!({ "digest_at": "06:00", "escalate_after_minutes": 30, "remind_every_hours": 12 }),
            ),
        ),
        ("POST", "/webhooks") => (
            "",
            Some(json!({ "name": "attack", "url": "https://hooks.evil.example/x" })),
        ),
        ("POST", "/webhooks/{id}/enabled") => ("", Some(json!({ "enabled": false }))),
        ("POST", "/instruments/{id}/silence") => (
            "",
            Some(json!({ "until": Utc::now() + Duration::hours(2), "reason": "attack" })),
        ),
        (m, p) => panic!(
            "no attack recipe for {m} {p}: add one to tests/api/attacks.rs::recipe \
             (a body its rightful caller would send, and which ids it takes)"
        ),
    };
    let id = if e.path.starts_with("/instruments/{id}") {
        ids.instrument
    } else if e.path.starts_with("/warnings/{id}") {
        ids.warning
    } else if e.path.starts_with("/replacements/{id}") {
        ids.replacement
    } else if e.path.starts_with("/planned-runs/{id}") {
        ids.planned_run
    } else if e.path.starts_with("/users/{id}") {
        ids.user
    } else if e.path.starts_with("/team/invitations/{id}") {
        ids.invitation
    } else if e.path.starts_with("/webhooks/{id}") {
        ids.webhook
    } else {
        assert!(
            !e.path.contains("{id}"),
            "{}: which kind of id? teach tests/api/attacks.rs::recipe",
            e.path
        );
        0
    };
    let path = e
        .path
        .replace("{id}", &id.to_string())
        .replace("{file}", &format!("{calendar}.ics"))
        // A link nobody was given: 256 bits no one can guess.
        .replace("{token}", &"0".repeat(64));
    assert!(!path.contains('{'), "{}: an unknown path parameter", e.path);
    Recipe {
        filters_by_instrument: query.contains("{instrument}"),
        uri: format!(
            "/api/v1{path}{}",
            query.replace("{instrument}", &ids.instrument.to_string())
        ),
        body,
    }
}

/// Counts of attack cases run, by kind, printed at the end.
#[derive(Default)]
struct Tally(BTreeMap<&'static str, usize>);

impl Tally {
    fn add(&mut self, kind: &'static str) {
        *self.0.entry(kind).or_default() += 1;
    }
    fn total(&self) -> usize {
        self.0.values().sum()
    }
}

impl World {
    fn assert_no_b_data(&self, what: &str, body: &[u8]) {
        let text = String::from_utf8_lossy(body).to_lowercase();
        for mark in &self.b_marks {
            assert!(
                !text.contains(&mark.to_lowercase()),
                "{what}: the answer carries lab B's {mark:?}: {text}"
            );
        }
    }

    /// Sends the attack and checks: the status is one of `allowed`, the body has none of
    /// lab B's data, and the database is unchanged (whatever the method).
    #[allow(clippy::too_many_arguments)]
    async fn attack(
        &self,
        tally: &mut Tally,
        kind: &'static str,
        e: &Endpoint,
        r: &Recipe,
        creds: &Creds,
        allowed: &[StatusCode],
    ) -> StatusCode {
        let what = format!("{kind}: {} {}", e.method, r.uri);
        let before = snapshot(&self.env.db).await;
        let (s, b) = self
            .env
            .call(&e.method, &r.uri, creds, r.body.as_ref())
            .await;
        assert!(
            allowed.contains(&s),
            "{what}: answered {s}, expected one of {allowed:?}: {}",
            String::from_utf8_lossy(&b)
        );
        if !s.is_success() {
            // Refusals are the API's JSON errors, never an HTML page or a stack trace.
            let err = error_of(&b);
            assert!(!err.detail.is_empty(), "{what}");
        }
        self.assert_no_b_data(&what, &b);
        // After every attack, a read's too: a GET that writes is a finding as well.
        assert_unchanged(&before, &snapshot(&self.env.db).await, &what);
        tally.add(kind);
        s
    }
}

const DENIED: &[StatusCode] = &[
    StatusCode::UNAUTHORIZED,
    StatusCode::FORBIDDEN,
    StatusCode::NOT_FOUND,
];
const UNAUTHENTICATED: &[StatusCode] = &[StatusCode::UNAUTHORIZED];
/// What a public endpoint may answer an attacker: done-with-nothing (a CSP report is
/// counted, a logout without a session ends nothing) or a refusal.
const PUBLIC_REFUSALS: &[StatusCode] = &[
    StatusCode::ACCEPTED,
    StatusCode::NO_CONTENT,
    StatusCode::BAD_REQUEST,
    StatusCode::UNAUTHORIZED,
    StatusCode::FORBIDDEN,
    StatusCode::NOT_FOUND,
];

/// Public reads that answer anyone (never anything of a lab).
const PUBLIC_INFO: &[(&str, &str)] = &[("GET", "/setup")];

/// State-changing endpoints a viewer may call: they change only the caller's own account
/// (their sessions, name, password).
const VIEWER_MAY: &[(&str, &str)] = &[
    ("PUT", "/account/notifications"),
    ("DELETE", "/sessions"),
    ("POST", "/account/name"),
    ("POST", "/account/language"),
    ("POST", "/account/password"),
];

#[tokio::test]
async fn every_endpoint_resists_another_labs_ids_tokens_and_missing_or_forged_sessions() {
    let w = world().await;
    let mut tally = Tally::default();
    let table = endpoints();
    assert!(table.len() >= 29, "the table lists the whole API");
    let forged = Creds::Cookie("seqhealth_session=0123456789abcdef".into());
    let ada = Creds::Cookie(w.ada.clone());
    let grace = Creds::Cookie(w.grace.clone());
    let b_token = Creds::Bearer(w.b_token.clone());
    for e in &table {
        // The recipe aimed at lab B's objects, and a wrong calendar secret.
        let at_b = recipe(
            e,
            &w.b,
            "0000000000000000000000000000000000000000000000000000000000000000",
        );
        // The same request aimed at lab A's own objects.
        let at_a = recipe(e, &w.a, &w.b_calendar);
        match e.access {
            Access::User | Access::Manager => {
                for (kind, creds) in [
                    ("no session", &Creds::None),
                    ("forged session", &forged),
                    ("lab B's instrument token as a session", &b_token),
                ] {
                    w.attack(&mut tally, kind, e, &at_a, creds, UNAUTHENTICATED)
                        .await;
                }
                // Lab B's ids by lab A's manager (so a refusal is not about the role).
                if e.path.contains("{id}") {
                    w.attack(
                        &mut tally,
                        "lab B's id in the path (manager of lab A)",
                        e,
                        &at_b,
                        &ada,
                        &[StatusCode::NOT_FOUND],
                    )
                    .await;
                    w.attack(
                        &mut tally,
                        "lab B's id in the path (viewer of lab A)",
                        e,
                        &at_b,
                        &grace,
                        DENIED,
                    )
                    .await;
                } else if at_b.filters_by_instrument {
                    // A filter on another lab's instrument: refused, or nothing of it shown.
                    let s = w
                        .attack(
                            &mut tally,
                            "lab B's instrument as a filter",
                            e,
                            &at_b,
                            &ada,
                            &[StatusCode::OK, StatusCode::NOT_FOUND],
                        )
                        .await;
                    if s == StatusCode::OK {
                        let (_, body) = w.env.call(&e.method, &at_b.uri, &ada, None).await;
                        assert_empty_listing(e.path, &body);
                    }
                }
            }
            Access::Instrument => {
                for (kind, creds) in [
                    ("no instrument token", &Creds::None),
                    ("forged instrument token", &Creds::Bearer("f".repeat(64))),
                    ("a user's session instead of an instrument token", &ada),
                ] {
                    w.attack(&mut tally, kind, e, &at_a, creds, UNAUTHENTICATED)
                        .await;
                }
            }
            Access::CalendarSecret => {
                for (kind, creds) in [
                    ("wrong calendar secret", &Creds::None),
                    ("wrong calendar secret with lab A's session", &ada),
                ] {
                    w.attack(&mut tally, kind, e, &at_b, creds, &[StatusCode::NOT_FOUND])
                        .await;
                }
            }
            Access::Public => {
                // Anyone may call these (log in, log out, report a CSP violation): without
                // a session or with a forged one they answer nothing of lab B and write
                // nothing (a wrong password is counted in memory, not stored).
                let info = PUBLIC_INFO.contains(&(e.method.as_str(), e.path));
                let may = if info {
                    &[StatusCode::OK][..]
                } else {
                    PUBLIC_REFUSALS
                };
                for (kind, creds) in [
                    ("public endpoint, no session", &Creds::None),
                    ("public endpoint, forged session", &forged),
                ] {
                    w.attack(&mut tally, kind, e, &at_a, creds, may).await;
                }
            }
        }
        // Lab A's own reads, by lab A's manager, show nothing of lab B.
        if e.method == Method::GET && matches!(e.access, Access::User) {
            let (s, body) = w.env.call(&e.method, &at_a.uri, &ada, None).await;
            assert_eq!(
                s,
                StatusCode::OK,
                "{} {}: {}",
                e.method,
                at_a.uri,
                String::from_utf8_lossy(&body)
            );
            w.assert_no_b_data(&format!("lab A reads {}", at_a.uri), &body);
            tally.add("lab A's own read shows nothing of lab B");
        }
    }
    eprintln!(
        "attacks: {} endpoints, {} cases: {:#?}",
        table.len(),
        tally.total(),
        tally.0
    );
}

/// A listing filtered on an instrument of another lab holds no rows.
fn assert_empty_listing(path: &str, body: &[u8]) {
    if path.ends_with(".csv") {
        let text = String::from_utf8_lossy(body);
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
        assert_eq!(lines, 1, "{path}: only the header row: {text}");
        return;
    }
    let v: Value = serde_json::from_slice(body).unwrap();
    let lists: Vec<&Vec<Value>> = v
        .as_object()
        .unwrap()
        .values()
        .filter_map(|x| x.as_array())
        .collect();
    assert!(!lists.is_empty(), "{path}: a listing: {v}");
    assert!(lists.iter().all(|l| l.is_empty()), "{path}: {v}");
}

#[tokio::test]
async fn a_viewer_is_refused_every_state_changing_endpoint_and_nothing_changes() {
    let w = world().await;
    let mut tally = Tally::default();
    let grace = Creds::Cookie(w.grace.clone());
    // Every manager's endpoint, reads too (the delivery log, the webhooks), and every
    // state-changing one.
    for e in endpoints()
        .iter()
        .filter(|e| e.changes_state() || e.access == Access::Manager)
    {
        let allowed_to_viewer = VIEWER_MAY.contains(&(e.method.as_str(), e.path));
        match e.access {
            Access::Manager => {
                let r = recipe(e, &w.a, &w.b_calendar);
                w.attack(
                    &mut tally,
                    "viewer on a manager's endpoint",
                    e,
                    &r,
                    &grace,
                    &[StatusCode::FORBIDDEN],
                )
                .await;
            }
            Access::User => assert!(
                allowed_to_viewer,
                "{} {} changes state and is open to every user: make it Manager, or add it \
                 to VIEWER_MAY with the reason",
                e.method, e.path
            ),
            Access::Public | Access::Instrument | Access::CalendarSecret => {}
        }
    }
    let managers = endpoints()
        .iter()
        .filter(|e| e.access == Access::Manager)
        .count();
    assert!(
        managers >= 8,
        "acknowledge, plan, schedule… are managers' endpoints"
    );
    assert_eq!(tally.total(), managers, "{:?}", tally.0);
    eprintln!("viewer attacks: {} cases", tally.total());
}

#[tokio::test]
async fn an_instrument_token_writes_only_its_own_instrument() {
    let w = world().await;
    let env = &w.env;
    let a_ids: Vec<i64> = env
        .fleet
        .iter()
        .filter(|p| p.instrument.lab == "northgate")
        .map(|p| p.id)
        .collect();
    async fn rows_of(db: &sqlx::AnyPool, instrument: i64) -> Vec<i64> {
        let mut out = vec![];
        for table in [
            "runs",
            "telemetry_batches",
            "sensor_readings",
            "sensor_latest",
            "sensor_buckets",
            "operation_events",
            "warnings",
        ] {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE instrument_id = $1"
            ))
            .bind(instrument)
            .fetch_one(db)
            .await
            .unwrap();
            out.push(n);
        }
        out
    }
    let mut before = vec![];
    for id in &a_ids {
        before.push(rows_of(&env.db, *id).await);
    }
    let b_before = rows_of(&env.db, w.b.instrument).await;
    // Lab B's token pushes a run that claims to be from lab A's NovaSeq (its run id and
    // serial-bearing name), and telemetry with events: all of it lands on lab B's MiSeq.
    let atlas = env
        .fleet
        .iter()
        .find(|p| p.instrument.serial == "A00317")
        .unwrap()
        .instrument;
    let mut run = runs(atlas, &cfg()).into_iter().nth(2).unwrap();
    run.run_id = format!("{}_A00317_9999_ATTACK", run.run_id);
    let (s, v) = env
        .ingest("runs", &w.b_token, &serde_json::to_value(&run).unwrap())
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let t = Utc::now() - Duration::minutes(30);
    let batch = json!({ "batch_id": "b-attack", "readings": [
        { "at": t, "subsystem": "thermal", "sensor": "chiller_temp_c", "value": 4.0 },
        { "at": t, "subsystem": "optical", "sensor": "laser_power_pct", "value": 50.0 } ],
        "events": [{ "at": t, "subsystem": "fluidics", "code": "FLUIDICS_BUBBLE_DETECTED", "severity": "error" }] });
    let (s, v) = env.ingest("telemetry", &w.b_token, &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for (id, rows) in a_ids.iter().zip(&before) {
        assert_eq!(
            &rows_of(&env.db, *id).await,
            rows,
            "lab A's instrument {id}"
        );
    }
    let b_after = rows_of(&env.db, w.b.instrument).await;
    assert_eq!(
        b_after[0],
        b_before[0] + 1,
        "the run is lab B's: {b_after:?}"
    );
    assert_eq!(b_after[1], b_before[1] + 1, "the batch is lab B's");
    assert_eq!(b_after[2], b_before[2] + 2, "the readings are lab B's");
    assert_eq!(b_after[5], b_before[5] + 1, "the event is lab B's");
    let stored: String = sqlx::query_scalar("SELECT i.serial FROM runs r JOIN instruments i ON i.id = r.instrument_id WHERE r.run_id = $1")
        .bind(&run.run_id)
        .fetch_one(&env.db)
        .await
        .unwrap();
    assert_eq!(stored, "M03302");
    // And lab A's users see none of it.
    let (_, body) = env.get("/api/v1/fleet", Some(&w.ada)).await;
    w.assert_no_b_data("fleet after lab B's push", &body);
}

#[tokio::test]
async fn the_endpoint_table_is_true_every_other_method_answers_405() {
    let env = env().await;
    let table = endpoints();
    let mut paths: BTreeMap<&str, Vec<Method>> = BTreeMap::new();
    for e in &table {
        let methods = paths.entry(e.path).or_default();
        assert!(
            !methods.contains(&e.method),
            "{} {} is listed twice",
            e.method,
            e.path
        );
        methods.push(e.method.clone());
    }
    let all = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::TRACE,
    ];
    let mut cases = 0;
    for (path, listed) in &paths {
        let uri = format!(
            "/api/v1{}",
            path.replace("{id}", "1").replace("{file}", "x.ics")
        );
        for m in &all {
            // axum answers HEAD wherever GET is routed (without the body).
            let answers =
                listed.contains(m) || (*m == Method::HEAD && listed.contains(&Method::GET));
            let (s, b) = env.call(m, &uri, &Creds::None, None).await;
            if answers {
                assert_ne!(
                    s,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{m} {uri} is in the table"
                );
                if s == StatusCode::NOT_FOUND && *m != Method::HEAD {
                    assert_ne!(
                        error_of(&b).detail,
                        "no such API endpoint",
                        "{m} {uri} is in the table but not routed"
                    );
                }
            } else {
                assert_eq!(
                    s,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{m} {uri} is not in the table, so it must not answer"
                );
            }
            cases += 1;
        }
    }
    // Paths near the table's are not routed at all.
    for uri in [
        "/api/v1/instrument",
        "/api/v1/sessions/all",
        "/api/v1/ingest",
        "/api/v1/admin",
    ] {
        let (s, b) = env.get(uri, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(error_of(&b).detail, "no such API endpoint");
    }
    eprintln!(
        "method table: {} paths × {} methods = {cases} cases",
        paths.len(),
        all.len()
    );
}
