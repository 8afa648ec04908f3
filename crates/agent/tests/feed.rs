//! The local feed through `seqhealth-agent watch --once --feed`: readings of declared
//! sensors arrive once, across passes and outages; a malformed line is skipped with its
//! file and line named; an undeclared sensor is refused; no free text leaves.

mod common;

use common::capture::{Capture, ACK};
use common::{run_agent, stdout};
use seqhealth_api::TelemetryBatch;
use std::io::Write;
use std::path::Path;
use std::process::Output;

const MARKER: &str = "PLANTED-JANE-DOE-4711";

fn watch_once(root: &Path, server: &str, feed: &Path) -> Output {
    let runs = root.join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    let token = root.join("token");
    std::fs::write(&token, "tok-feed").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let spool = root.join("spool");
    run_agent(&[
        "watch".as_ref(),
        runs.as_os_str(),
        "--once".as_ref(),
        "--spool".as_ref(),
        spool.as_os_str(),
        "--server".as_ref(),
        server.as_ref(),
        "--token-file".as_ref(),
        token.as_os_str(),
        "--feed".as_ref(),
        feed.as_os_str(),
        "--feed-sensor".as_ref(),
        "room_temp_c".as_ref(),
        "--feed-sensor".as_ref(),
        "room_humidity_pct".as_ref(),
    ])
}

fn append(path: &Path, lines: &[String]) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
}

fn reading(sensor: &str, hour: u32, value: f64) -> String {
    format!(r#"{{"sensor":"{sensor}","at":"2026-03-01T{hour:02}:00:00Z","value":{value}}}"#)
}

/// Every reading the capture server received, in order.
fn received(server: &Capture) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    for r in server.requests() {
        assert!(
            r.line.starts_with("POST /api/v1/ingest/telemetry "),
            "{}",
            r.line
        );
        let raw = String::from_utf8_lossy(&r.raw);
        assert!(!raw.contains(MARKER), "free text left: {raw}");
        let b: TelemetryBatch = serde_json::from_slice(&r.body).unwrap();
        out.extend(b.readings.into_iter().map(|x| (x.sensor, x.value)));
    }
    out
}

#[test]
fn a_feed_arrives_once_skips_bad_lines_and_refuses_undeclared_sensors() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let feeds = root.join("feeds");
    std::fs::create_dir_all(&feeds).unwrap();
    let file = feeds.join("room.jsonl");
    append(
        &file,
        &[
            reading("room_temp_c", 10, 21.5),
            reading("room_humidity_pct", 10, 41.0),
            // Malformed: not JSON; a string value; an extra free-text field.
            "21.7 degrees".to_string(),
            r#"{"sensor":"room_temp_c","at":"2026-03-01T11:00:00Z","value":"warm"}"#.to_string(),
            format!(
                r#"{{"sensor":"room_temp_c","at":"2026-03-01T11:00:00Z","value":21.6,"note":"{MARKER}"}}"#
            ),
            // Undeclared: a sensor the server knows but the lab did not declare, and a
            // name carrying free text.
            reading("chiller_temp_c", 11, 4.0),
            reading(MARKER, 11, 1.0),
        ],
    );

    // 1. The server is away: the readings wait in the spool.
    let away = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let away_url = format!("http://{}", away.local_addr().unwrap());
    drop(away);
    let out = watch_once(root, &away_url, &feeds);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let said = stdout(&out);
    assert!(
        said.contains("feed room.jsonl line 3: not a reading"),
        "{said}"
    );
    assert!(
        said.contains("feed room.jsonl line 4: not a reading"),
        "{said}"
    );
    assert!(
        said.contains("feed room.jsonl line 5: not a reading"),
        "{said}"
    );
    assert!(
        said.contains(r#"feed room.jsonl line 6: sensor "chiller_temp_c" is not declared"#),
        "{said}"
    );
    assert!(said.contains("line 7: sensor"), "{said}");
    assert!(
        said.contains("feed: 2 reading(s) queued, 5 line(s) skipped"),
        "{said}"
    );

    // 2. The server is back: the two readings arrive, and only they.
    let up = Capture::start("127.0.0.1:0", Box::new(|_| (200, ACK.to_string())));
    let out = watch_once(root, &up.base(), &feeds);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        received(&up),
        [
            ("room_temp_c".to_string(), 21.5),
            ("room_humidity_pct".to_string(), 41.0)
        ]
    );
    assert!(
        !stdout(&out).contains("line 3"),
        "bad lines are reported once"
    );

    // 3. The file grows (the last line still being written): only the new whole line
    //    is sent, and nothing twice.
    append(&file, &[reading("room_temp_c", 12, 22.0)]);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&file)
        .unwrap()
        .write_all(br#"{"sensor":"room_temp_c","at":"2026-03-01T13:00"#)
        .unwrap();
    let out = watch_once(root, &up.base(), &feeds);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(received(&up).len(), 3);
    assert_eq!(received(&up)[2], ("room_temp_c".to_string(), 22.0));

    // 4. The line is finished: it arrives whole.
    append(&file, &[r#":00Z","value":22.4}"#.to_string()]);
    let out = watch_once(root, &up.base(), &feeds);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(received(&up).len(), 4);
    assert_eq!(received(&up)[3], ("room_temp_c".to_string(), 22.4));
}

#[test]
fn undeclarable_sensors_are_refused_at_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("f.jsonl");
    std::fs::write(&feed, "").unwrap();
    for (name, why) in [
        ("run_fwhm_px", "derived from runs"),
        ("my_sensor", "not a sensor the server knows"),
    ] {
        let out = run_agent(&[
            "watch".as_ref(),
            dir.path().as_os_str(),
            "--once".as_ref(),
            "--server".as_ref(),
            "http://127.0.0.1:9".as_ref(),
            "--token-file".as_ref(),
            feed.as_os_str(),
            "--feed".as_ref(),
            feed.as_os_str(),
            "--feed-sensor".as_ref(),
            name.as_ref(),
        ]);
        assert!(!out.status.success());
        assert!(
            common::stderr(&out).contains(why),
            "{}",
            common::stderr(&out)
        );
    }
}

/// The feed declared in the configuration `enroll` wrote (`feed`, `feed_sensors`), for a
/// `watch --config` that takes no feed flag (the Windows service's, for one).
#[test]
fn a_feed_in_the_configuration_is_read_like_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let runs = root.join("runs");
    std::fs::create_dir_all(&runs).unwrap();
    let feed = root.join("room.jsonl");
    append(
        &feed,
        &[
            reading("room_temp_c", 9, 20.5),
            reading("room_humidity_pct", 9, 45.0),
        ],
    );
    let up = Capture::start("127.0.0.1:0", Box::new(|_| (200, ACK.to_string())));
    let token = root.join("token");
    seqhealth_agent::config::write_atomically(&token, b"tok-feed", true).unwrap();
    let config = root.join("seqhealth-agent.json");
    let c = seqhealth_agent::config::AgentConfig {
        server: format!("http://{}", up.addr),
        token_file: token,
        ca: None,
        sharing: true,
        sharing_changed_at: chrono::Utc::now(),
        instrument: None,
        feed: Some(feed.clone()),
        feed_sensors: vec!["room_temp_c".into()],
    };
    c.save(&config).unwrap();
    let spool = root.join("spool");
    let out = run_agent(&[
        "watch".as_ref(),
        runs.as_os_str(),
        "--once".as_ref(),
        "--spool".as_ref(),
        spool.as_os_str(),
        "--config".as_ref(),
        config.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // room_humidity_pct is not declared there: refused, the temperature arrives.
    assert_eq!(received(&up), vec![("room_temp_c".to_string(), 20.5)]);
}
