//! The agent only connects out: while `watch` runs (here against an unreachable server,
//! retrying), none of its sockets is listening.
#![cfg(target_os = "linux")]

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Inodes of the process's sockets, from /proc/<pid>/fd.
fn socket_inodes(pid: u32) -> HashSet<String> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| std::fs::read_link(e.path()).ok())
                .filter_map(|l| {
                    let l = l.to_string_lossy().into_owned();
                    l.strip_prefix("socket:[")
                        .and_then(|s| s.strip_suffix(']'))
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Inodes of every listening TCP socket on the machine (state 0A in /proc/net/tcp*).
fn listening_inodes() -> HashSet<String> {
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .flat_map(|t| {
            t.lines()
                .skip(1)
                .filter_map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    (f.get(3) == Some(&"0A"))
                        .then(|| f.get(9).map(|s| s.to_string()))
                        .flatten()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn watch_opens_no_listening_socket() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("runs")).unwrap();
    std::fs::write(dir.path().join("token"), "t").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_seqhealth-agent"))
        .args([
            "watch",
            "runs",
            "--server",
            "http://127.0.0.1:9",
            "--token-file",
            "token",
            "--spool",
            "spool",
            "--every",
            "1",
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut seen_sockets = 0;
    for _ in 0..15 {
        std::thread::sleep(Duration::from_millis(200));
        let mine = socket_inodes(child.id());
        seen_sockets += mine.len();
        let listening: Vec<_> = mine.intersection(&listening_inodes()).cloned().collect();
        assert!(
            listening.is_empty(),
            "the agent listens on a socket: {listening:?}"
        );
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "watch keeps running while the server is away"
    );
    let _ = child.kill();
    let _ = child.wait();
    // The sampling saw the process alive; sockets may or may not have been open at the
    // instants sampled (connections are short), which is fine: none of them listened.
    eprintln!("sampled {seen_sockets} socket(s), none listening");
}
