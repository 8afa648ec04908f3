//! What differs between Windows and Linux: the rotating log (both), Windows paths such as
//! `D:\Illumina\MiSeqOutput` in the configuration and on the command line, and the agent as
//! a Windows service (install, start at once, send, stop, uninstall); on Linux, `service`
//! points to systemd. Under Wine (scripts/windows.sh) drive D: is a scratch folder
//! (SEQHEALTH_TEST_DRIVE=D:); on Windows without it the temporary folder stands in.

mod common;

use common::capture::Capture;
use common::{run_agent, stderr, stdout};
use std::ffi::OsStr;
use std::path::Path;
#[cfg(windows)]
use std::path::PathBuf;

/// A finished synthetic run in `runs`.
fn finished_run(runs: &Path, name: &str) {
    let folder = runs.join(name);
    seqhealth_interop::write::SyntheticRun::default()
        .write(&folder)
        .unwrap();
    std::fs::write(folder.join("RTAComplete.txt"), "done").unwrap();
}

#[test]
fn watch_keeps_what_it_says_in_a_rotating_log() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    finished_run(&runs, "250101_SYN001_0001_ASYNTHETIC");
    let token = dir.path().join("token");
    seqhealth_agent::config::write_atomically(&token, b"tok-log", true).unwrap();
    let logs = dir.path().join("logs");
    let down = Capture::start(
        "127.0.0.1:0",
        Box::new(|_| (503, r#"{"error":"unavailable","detail":"down"}"#.into())),
    );
    let base = down.base();
    let args: Vec<&OsStr> = vec![
        "watch".as_ref(),
        runs.as_os_str(),
        "--once".as_ref(),
        "--server".as_ref(),
        base.as_ref(),
        "--token-file".as_ref(),
        token.as_os_str(),
        "--spool".as_ref(),
        dir.path().join("spool").into_os_string().leak(),
        "--log-dir".as_ref(),
        logs.as_os_str(),
    ];
    let out = run_agent(&args);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let log = std::fs::read_to_string(logs.join("seqhealth-agent.log")).unwrap();
    // The same lines as on stdout, each with its UTC time and level.
    assert!(
        log.lines().any(|l| l.ends_with(
            " INFO queued 250101_SYN001_0001_ASYNTHETIC (250101_SYN001_0001_ASYNTHETIC)"
        )),
        "{log}"
    );
    assert!(log.contains(" INFO server unavailable"), "{log}");
    for line in stdout(&out).lines() {
        assert!(log.contains(line), "{line:?} not in the log:\n{log}");
    }
    assert!(
        log.lines()
            .all(|l| l.len() > 24 && l.as_bytes()[10] == b'T'),
        "{log}"
    );
}

#[cfg(unix)]
#[test]
fn service_on_linux_points_to_systemd() {
    let out = run_agent(&["service".as_ref(), "uninstall".as_ref()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("systemd"), "{}", stderr(&out));
}

/// `D:\Illumina` under Wine, else a folder in the temporary folder (a Windows path too).
#[cfg(windows)]
fn illumina_root() -> (Option<tempfile::TempDir>, PathBuf) {
    match std::env::var("SEQHEALTH_TEST_DRIVE") {
        Ok(drive) if Path::new(&format!("{drive}\\")).is_dir() => {
            let root = PathBuf::from(format!(
                "{drive}\\Illumina-{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ));
            (None, root)
        }
        _ => {
            let t = tempfile::tempdir().unwrap();
            let root = t.path().join("Illumina");
            (Some(t), root)
        }
    }
}

/// `watch D:\Illumina\MiSeqOutput --config D:\Illumina\seqhealth\seqhealth-agent.json`: a
/// configuration whose paths are Windows paths (backslashes, a drive letter) and arguments
/// given with backslashes, forward slashes and `..` all reach the same files.
#[cfg(windows)]
#[test]
fn windows_paths_in_the_configuration_and_the_arguments() {
    let (_keep, root) = illumina_root();
    let output = root.join("MiSeqOutput");
    finished_run(&output, "250101_M00001_0001_000000000-ABCDE");
    let home = root.join("seqhealth");
    std::fs::create_dir_all(&home).unwrap();
    let token = home.join("seqhealth-token");
    seqhealth_agent::config::write_atomically(&token, b"tok-windows", true).unwrap();
    let up = Capture::acking("127.0.0.1:0");
    let root_s = root.to_str().unwrap().to_string();
    assert!(
        root_s.as_bytes()[1] == b':' && root_s.contains('\\'),
        "{root_s}"
    );
    // The configuration as a person on Windows would write it (JSON escapes backslashes).
    let config = home.join("seqhealth-agent.json");
    let text = format!(
        r#"{{"server": "{}", "token_file": "{}", "sharing": true, "sharing_changed_at": "2026-01-01T00:00:00Z"}}"#,
        up.base(),
        format!("{root_s}\\seqhealth\\seqhealth-token").replace('\\', "\\\\")
    );
    std::fs::write(&config, text).unwrap();
    let loaded = seqhealth_agent::config::AgentConfig::load(&config).unwrap();
    assert_eq!(loaded.token_file, token);
    assert!(loaded.token_file.is_absolute());
    assert_eq!(loaded.token_file.parent(), Some(home.as_path()));

    // summarize with backslashes and with forward slashes: the same report.
    let run = format!("{root_s}\\MiSeqOutput\\250101_M00001_0001_000000000-ABCDE");
    let a = run_agent(&["summarize".as_ref(), run.as_ref(), "--json".as_ref()]);
    let b = run_agent(&[
        "summarize".as_ref(),
        run.replace('\\', "/").as_ref(),
        "--json".as_ref(),
    ]);
    assert!(a.status.success(), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout);

    // watch with the runs folder given through `..` and the spool with forward slashes.
    let runs_arg = format!("{root_s}\\seqhealth\\..\\MiSeqOutput");
    let spool_arg = format!("{root_s}/seqhealth/spool");
    let out = run_agent(&[
        "watch".as_ref(),
        runs_arg.as_ref(),
        "--once".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--spool".as_ref(),
        spool_arg.as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("(250101_M00001_0001_000000000-ABCDE)"),
        "{}",
        stdout(&out)
    );
    // The run, and the hardware signals derived from its folder.
    assert!(
        stdout(&out).contains("sent 2, already there 0, refused 0"),
        "{}",
        stdout(&out)
    );
    assert!(home.join("spool").join("handled.txt").is_file());
    assert_eq!(up.requests().len(), 2);
    let _ = std::fs::remove_dir_all(&root);
}

/// `service install` registers and starts the agent as a service; it sends the spooled run
/// and logs; `service uninstall` stops and removes it (a second uninstall fails: gone).
#[cfg(windows)]
#[test]
fn the_service_installs_sends_logs_and_uninstalls() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    finished_run(&runs, "250101_SYN001_0002_ASERVICE");
    let token = dir.path().join("token");
    seqhealth_agent::config::write_atomically(&token, b"tok-service", true).unwrap();
    let up = Capture::acking("127.0.0.1:0");
    let name = format!(
        "seqhealth-agent-test-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let base = up.base();
    let spool = dir.path().join("spool");
    let install = || {
        run_agent(&[
            "service".as_ref(),
            "install".as_ref(),
            "--name".as_ref(),
            name.as_ref(),
            runs.as_os_str(),
            "--server".as_ref(),
            base.as_ref(),
            "--token-file".as_ref(),
            token.as_os_str(),
            "--spool".as_ref(),
            spool.as_os_str(),
            "--every".as_ref(),
            "1".as_ref(),
        ])
    };
    let installed = install();
    assert!(installed.status.success(), "{}", stderr(&installed));
    let log = dir.path().join("logs").join("seqhealth-agent.log");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut said = String::new();
    while std::time::Instant::now() < deadline && !said.contains("sent 2") {
        std::thread::sleep(std::time::Duration::from_millis(250));
        said = std::fs::read_to_string(&log).unwrap_or_default();
    }
    let uninstall = run_agent(&[
        "service".as_ref(),
        "uninstall".as_ref(),
        "--name".as_ref(),
        name.as_ref(),
    ]);
    assert!(said.contains(&format!("service {name} started")), "{said}");
    // The run and its derived signals.
    assert!(
        said.contains("sent 2, already there 0, refused 0"),
        "{said}"
    );
    assert_eq!(up.requests().len(), 2);
    assert!(uninstall.status.success(), "{}", stderr(&uninstall));
    let after = std::fs::read_to_string(&log).unwrap();
    assert!(after.contains("service stopping"), "{after}");
    let again = run_agent(&[
        "service".as_ref(),
        "uninstall".as_ref(),
        "--name".as_ref(),
        name.as_ref(),
    ]);
    assert!(!again.status.success(), "the service is gone");
}
