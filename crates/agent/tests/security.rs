//! Plain `http://` only to this machine: `enroll`, `watch`, `sharing` and `simulate`
//! refuse an `http://` server that is not loopback before anything is sent (a mistyped
//! URL must not carry the enrollment code or the token in clear), and `simulate` still
//! pushes to a demo server on 127.0.0.1.

mod common;

use common::capture::Capture;
use common::{run_agent, stderr};
use std::ffi::OsStr;
use std::net::{IpAddr, UdpSocket};
use std::path::Path;
use std::time::{Duration, Instant};

/// A listener on this machine's own non-loopback address, when it has one: a request the
/// agent sent in clear to that address would be recorded. Otherwise a documentation
/// address (192.0.2.1) where nothing answers.
fn non_loopback_server() -> (String, Option<Capture>) {
    let lan = UdpSocket::bind("0.0.0.0:0")
        .and_then(|s| s.connect("192.0.2.1:9").map(|()| s))
        .and_then(|s| s.local_addr())
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    match lan {
        Some(IpAddr::V4(ip)) => {
            let c = Capture::acking(&format!("{ip}:0"));
            (c.base(), Some(c))
        }
        _ => {
            eprintln!("no non-loopback IPv4 address here: checking the refusal only");
            ("http://192.0.2.1:9".to_string(), None)
        }
    }
}

fn refused(what: &str, args: &[&OsStr], capture: Option<&Capture>) {
    let start = Instant::now();
    let out = run_agent(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{what}: {err}");
    assert!(
        err.contains("refusing plain http://") && err.contains("https://"),
        "{what}: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{what}: one line: {err}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{what}: refused at once, not after a connection attempt"
    );
    if let Some(c) = capture {
        assert!(
            c.requests().is_empty(),
            "{what}: sent in clear: {:?}",
            c.requests()
        );
    }
}

/// The token file, owner-only (so `watch` has nothing to warn about).
fn token_file(dir: &Path) -> std::path::PathBuf {
    let token = dir.join("token");
    // Owner-only, as `enroll` writes it: mode 0600, or on Windows a protected DACL.
    seqhealth_agent::config::write_atomically(&token, b"tok-secret", true).unwrap();
    token
}

fn write_config(dir: &Path, server: &str) -> std::path::PathBuf {
    let token = token_file(dir);
    let config = dir.join("agent.json");
    let text = serde_json::json!({
        "server": server,
        "token_file": token,
        "sharing": true,
        "sharing_changed_at": "2026-01-01T00:00:00Z",
    });
    std::fs::write(&config, text.to_string()).unwrap();
    config
}

#[test]
fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    let (server, capture) = non_loopback_server();
    let capture = capture.as_ref();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let token = token_file(d);
    let tokens = d.join("tokens.json");
    std::fs::write(&tokens, r#"{"M04210": "tok-secret"}"#).unwrap();
    let runs = d.join("runs");
    std::fs::create_dir(&runs).unwrap();
    let spool = d.join("spool");
    for server in [
        server.as_str(),
        "http://seqhealth.example.org",
        "HTTP://10.1.2.3:8080/",
    ] {
        let s = OsStr::new(server);
        refused(
            "enroll",
            &[
                "enroll".as_ref(),
                "--server".as_ref(),
                s,
                "--code".as_ref(),
                "K7QM2-XR4TD".as_ref(),
                "--config".as_ref(),
                d.join("enrolled.json").as_os_str(),
                "--token-file".as_ref(),
                d.join("enrolled-token").as_os_str(),
            ],
            capture,
        );
        assert!(!d.join("enrolled-token").exists() && !d.join("enrolled.json").exists());
        refused(
            "watch",
            &[
                "watch".as_ref(),
                runs.as_os_str(),
                "--once".as_ref(),
                "--server".as_ref(),
                s,
                "--token-file".as_ref(),
                token.as_os_str(),
                "--spool".as_ref(),
                spool.as_os_str(),
            ],
            capture,
        );
        let config = write_config(d, server);
        refused(
            "watch --config",
            &[
                "watch".as_ref(),
                runs.as_os_str(),
                "--once".as_ref(),
                "--config".as_ref(),
                config.as_os_str(),
                "--spool".as_ref(),
                spool.as_os_str(),
            ],
            capture,
        );
        refused(
            "simulate",
            &[
                "simulate".as_ref(),
                "--server".as_ref(),
                s,
                "--tokens".as_ref(),
                tokens.as_os_str(),
                "--days".as_ref(),
                "2".as_ref(),
            ],
            capture,
        );
        // `sharing` still flips the switch here; the server is not told in clear.
        let out = run_agent(&[
            "sharing".as_ref(),
            "off".as_ref(),
            "--config".as_ref(),
            config.as_os_str(),
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("refusing plain http://"), "{said}");
        if let Some(c) = capture {
            assert!(c.requests().is_empty(), "sharing sent in clear");
        }
    }
}

#[test]
fn simulate_still_pushes_to_a_demo_server_on_this_machine() {
    let capture = Capture::acking("127.0.0.1:0");
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens.json");
    std::fs::write(&tokens, r#"{"M04210": "tok-demo"}"#).unwrap();
    for server in [
        capture.base(),
        format!("http://localhost:{}", capture.addr.port()),
    ] {
        let before = capture.requests().len();
        let out = run_agent(&[
            "simulate".as_ref(),
            "--server".as_ref(),
            server.as_ref(),
            "--tokens".as_ref(),
            tokens.as_os_str(),
            "--days".as_ref(),
            "3".as_ref(),
        ]);
        assert!(out.status.success(), "{server}: {}", stderr(&out));
        let sent = capture.requests().len() - before;
        assert!(sent > 0, "{server}: nothing pushed");
    }
    let raw = String::from_utf8_lossy(&capture.requests()[0].raw).into_owned();
    assert!(raw.contains("Bearer tok-demo"), "{raw}");
}
