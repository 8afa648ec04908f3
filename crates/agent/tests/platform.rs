//! What differs between Windows and Linux: the rotating log (both), Windows paths such as
//! `D:\Illumina\MiSeqOutput` in the configuration and on the command line, and the agent as
//! a Windows service (install, start at once, send, stop, uninstall; start at boot after a
//! reboot mid-spool, run by scripts/windows.sh around a reboot of Wine); on Linux, `service`
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
    finished_run_as(
        runs,
        name,
        &seqhealth_interop::write::SyntheticRun::default().run_id,
    );
}

/// A finished synthetic run in `runs` whose RunInfo.xml gives it the id `run_id`.
fn finished_run_as(runs: &Path, name: &str, run_id: &str) {
    let folder = runs.join(name);
    seqhealth_interop::write::SyntheticRun {
        run_id: run_id.to_string(),
        ..Default::default()
    }
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

/// Issue #24: the service starts at boot and sends, exactly once, what it spooled before a
/// reboot. Under Wine a test cannot reboot the prefix it runs in (`wineserver -k` ends the
/// test too), so scripts/windows.sh runs this test twice, SEQHEALTH_REBOOT_PHASE telling it
/// which half, around a reboot of the prefix:
/// - `spool`: installs the service (two finished runs; a server address nobody listens on),
///   waits until the spool holds them and the log says the server is unavailable, and
///   leaves the service installed;
/// - the script ends every process of the prefix at once (`wineserver -k`), then boots it
///   (`wineboot`), whose service manager starts the automatic-start services;
/// - `deliver`: starts a receiver at that address, starts nothing else, and waits for the
///   service to send every spooled item, each exactly once; the spool is then empty; it
///   uninstalls the service.
///
/// The halves share D:\seqhealth-reboot on the scratch drive.
/// Outside those two runs (the test suite's own pass) it says so and does nothing: a
/// reboot is the script's to make.
#[cfg(windows)]
#[test]
fn the_service_starts_at_boot_and_sends_what_it_spooled_before_a_reboot() {
    use std::time::{Duration, Instant};
    let Ok(phase) = std::env::var("SEQHEALTH_REBOOT_PHASE") else {
        eprintln!(
            "the reboot test runs in two phases from scripts/windows.sh (SEQHEALTH_REBOOT_PHASE)"
        );
        return;
    };
    let drive = std::env::var("SEQHEALTH_TEST_DRIVE").expect("the scratch drive D: under Wine");
    let root = PathBuf::from(format!("{drive}\\seqhealth-reboot"));
    let (spool, state) = (root.join("spool"), root.join("state.txt"));
    let log = root.join("logs").join("seqhealth-agent.log");
    let said = || std::fs::read_to_string(&log).unwrap_or_default();
    let until = |secs: u64, done: &dyn Fn() -> bool| {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !done() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(250));
        }
    };
    match phase.as_str() {
        "spool" => {
            // A run stopped between the phases left its service installed: gone first.
            if let Some(name) = std::fs::read_to_string(&state)
                .ok()
                .and_then(|t| t.lines().next().map(str::to_string))
            {
                drop(Uninstall(name, true));
            }
            let _ = std::fs::remove_dir_all(&root);
            let runs = root.join("runs");
            for id in ["250101_SYN001_0003_AREBOOT", "250101_SYN001_0004_AREBOOT"] {
                finished_run_as(&runs, id, id);
            }
            let token = root.join("token");
            seqhealth_agent::config::write_atomically(&token, b"tok-reboot", true).unwrap();
            // A free port, closed again: the server is down.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let name = format!(
                "seqhealth-agent-reboot-{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis()
            );
            let installed = run_agent(&[
                "service".as_ref(),
                "install".as_ref(),
                "--name".as_ref(),
                name.as_ref(),
                runs.as_os_str(),
                "--server".as_ref(),
                format!("http://127.0.0.1:{port}").as_ref(),
                "--token-file".as_ref(),
                token.as_os_str(),
                "--spool".as_ref(),
                spool.as_os_str(),
                "--every".as_ref(),
                "1".as_ref(),
            ]);
            assert!(installed.status.success(), "{}", stderr(&installed));
            let mut guard = Uninstall(name.clone(), true);
            let kept = "server unavailable";
            until(60, &|| {
                said().contains(kept) && said().contains("2 run(s) kept")
            });
            let (now, ids) = (said(), spooled(&spool));
            assert!(now.contains(&format!("service {name} started")), "{now}");
            assert!(now.contains(kept) && now.contains("2 run(s) kept"), "{now}");
            // Each run and its derived signals.
            assert_eq!(ids.len(), 4, "{ids:?}");
            std::fs::write(&state, format!("{name}\n{port}\n{}\n", ids.join("\n"))).unwrap();
            guard.1 = false;
        }
        "deliver" => {
            let text = std::fs::read_to_string(&state).expect("the `spool` phase ran");
            let mut lines = text.lines();
            let name = lines.next().unwrap().to_string();
            let port = lines.next().unwrap();
            let mut ids: Vec<String> = lines.map(str::to_string).collect();
            ids.sort();
            let guard = Uninstall(name.clone(), true);
            let up = Capture::acking(&format!("127.0.0.1:{port}"));
            until(120, &|| {
                up.requests().len() >= ids.len() && spooled(&spool).is_empty()
            });
            // A few more rounds (every second): a resend would show now.
            std::thread::sleep(Duration::from_secs(3));
            drop(guard);
            let now = said();
            let start = format!("service {name} started");
            assert_eq!(
                now.matches(&start).count(),
                2,
                "installed, then at boot:\n{now}"
            );
            // Ended abruptly: no Stop or Shutdown reached it before the boot.
            let second = now.match_indices(&start).nth(1).unwrap().0;
            assert!(!now[..second].contains("service stopping"), "{now}");
            let mut got: Vec<String> = up.requests().iter().map(|r| id_of(&r.body)).collect();
            got.sort();
            assert_eq!(got, ids, "every spooled item once:\n{now}");
            assert_eq!(spooled(&spool), Vec::<String>::new());
            // Uninstalled: a second uninstall fails.
            let again = run_agent(&[
                "service".as_ref(),
                "uninstall".as_ref(),
                "--name".as_ref(),
                name.as_ref(),
            ]);
            assert!(!again.status.success(), "the service is gone");
        }
        other => panic!("SEQHEALTH_REBOOT_PHASE={other}: spool or deliver"),
    }
}

/// Uninstalls the service when dropped, if still armed (a failed phase leaves nothing
/// installed); the caller checks that it is gone.
#[cfg(windows)]
struct Uninstall(String, bool);

#[cfg(windows)]
impl Drop for Uninstall {
    fn drop(&mut self) {
        if self.1 {
            run_agent(&[
                "service".as_ref(),
                "uninstall".as_ref(),
                "--name".as_ref(),
                self.0.as_ref(),
            ]);
        }
    }
}

/// The run or batch id of a spooled item or a sent body: "run <id>", "batch <id>".
#[cfg(windows)]
fn id_of(json: &[u8]) -> String {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap_or_default();
    match (v["run_id"].as_str(), v["batch_id"].as_str()) {
        (Some(id), _) => format!("run {id}"),
        (None, Some(id)) => format!("batch {id}"),
        _ => format!("neither: {}", String::from_utf8_lossy(json)),
    }
}

/// The ids of what waits in the spool, sorted.
#[cfg(windows)]
fn spooled(spool: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(spool)
        .map(|d| d.flatten().map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .map(|p| id_of(&std::fs::read(p).unwrap_or_default()))
        .collect();
    ids.sort();
    ids
}
