//! `seqhealth-agent watch --once` against a plain-HTTP capture server on 127.0.0.1: the
//! exit status and the line it says for each way a round can end (delivered, server
//! unavailable, token refused, sharing off).

mod common;

use common::capture::{Capture, ACK};
use common::{run_agent, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::Output;

struct Setup {
    _dir: tempfile::TempDir,
    runs: PathBuf,
    token: PathBuf,
    spool: PathBuf,
    root: PathBuf,
}

/// A runs directory with one finished synthetic run, an owner-only token, a spool.
fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let runs = root.join("runs");
    let run = seqhealth_interop::write::SyntheticRun::default();
    let folder = runs.join("250101_SYN001_0001_ASYNTHETIC");
    run.write(&folder).unwrap();
    std::fs::write(folder.join("RTAComplete.txt"), "done").unwrap();
    let token = root.join("token");
    // Owner-only, as `enroll` writes it: mode 0600, or on Windows a protected DACL.
    seqhealth_agent::config::write_atomically(&token, b"tok-watch", true).unwrap();
    Setup {
        spool: root.join("spool"),
        _dir: dir,
        runs,
        token,
        root,
    }
}

fn watch_once(s: &Setup, server: &str, config: Option<&Path>) -> Output {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "watch".as_ref(),
        s.runs.as_os_str(),
        "--once".as_ref(),
        "--spool".as_ref(),
        s.spool.as_os_str(),
    ];
    match config {
        Some(c) => args.extend(["--config".as_ref(), c.as_os_str()]),
        None => args.extend([
            "--server".as_ref(),
            server.as_ref(),
            "--token-file".as_ref(),
            s.token.as_os_str(),
        ]),
    }
    run_agent(&args)
}

fn answering(status: u16, body: &'static str) -> Capture {
    Capture::start("127.0.0.1:0", Box::new(move |_| (status, body.to_string())))
}

#[test]
fn delivered_unavailable_refused_token_and_sharing_off() {
    // The server fails (503): exit 3, the run stays in the spool.
    let s = setup();
    let down = answering(503, r#"{"error":"unavailable","detail":"down"}"#);
    let out = watch_once(&s, &down.base(), None);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("queued 250101_SYN001_0001_ASYNTHETIC"),
        "{said}"
    );
    assert!(
        said.contains("server unavailable")
            && said.contains("1 run(s) kept in the spool with 1 telemetry batch(es)"),
        "{said}"
    );

    // The token is refused (401): exit 4, told to enroll again, still kept.
    let refused = answering(401, r#"{"error":"unauthorized","detail":"revoked"}"#);
    let out = watch_once(&s, &refused.base(), None);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("enroll the instrument again"),
        "{}",
        stderr(&out)
    );

    // Sharing off (configuration): nothing sent, exit 0, the run kept.
    let up = answering(200, ACK);
    let config = s.root.join("agent.json");
    let text = serde_json::json!({
        "server": up.base(),
        "token_file": s.token,
        "sharing": false,
        "sharing_changed_at": "2026-01-01T00:00:00Z",
    });
    std::fs::write(&config, text.to_string()).unwrap();
    let out = watch_once(&s, "", Some(&config));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("sending performance data is off: 1 run(s) kept"),
        "{}",
        stdout(&out)
    );
    assert!(up.requests().is_empty(), "sent while sharing is off");

    // Delivered: exit 0, said, the spool empty.
    let out = watch_once(&s, &up.base(), None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("sent 2, already there 0, refused 0"),
        "the run and its derived signals: {}",
        stdout(&out)
    );
    assert_eq!(up.requests().len(), 2);
    let raw = String::from_utf8_lossy(&up.requests()[0].raw).into_owned();
    assert!(raw.contains("Bearer tok-watch"), "{raw}");
}
