//! A real SMTP server on loopback for tests: `scripts/smtp-sink.py` (Python's aiosmtpd,
//! from PyPI, in `.tools/smtp-venv`, made here if `make setup-browser` has not). The
//! server sends to it through lettre exactly as to a lab's mail server; the test reads
//! what arrived.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The user and password the sink requires with [`SmtpSink::with_login`].
pub const SINK_USER: &str = "seqhealth";
pub const SINK_PASSWORD: &str = "sink password";

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
    login: bool,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The venv's python, made once (setup.sh makes it too; both are idempotent).
fn python() -> PathBuf {
    static MADE: Mutex<()> = Mutex::new(());
    let _one = MADE.lock().unwrap_or_else(|e| e.into_inner());
    let venv = root().join(".tools/smtp-venv");
    let python = venv.join("bin/python");
    let ready = |p: &Path| {
        Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !ready(&python) {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success())
            && Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "aiosmtpd==1.4.6"])
                .status()
                .is_ok_and(|s| s.success());
        assert!(
            made,
            "could not make {} with aiosmtpd (PyPI)",
            venv.display()
        );
    }
    python
}

impl SmtpSink {
    /// A sink that takes mail without AUTH.
    pub fn start() -> SmtpSink {
        SmtpSink::spawn(false)
    }

    /// A sink that requires AUTH as [`SINK_USER`] / [`SINK_PASSWORD`].
    pub fn with_login() -> SmtpSink {
        SmtpSink::spawn(true)
    }

    fn spawn(login: bool) -> SmtpSink {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut cmd = Command::new(python());
        cmd.args(["-W", "ignore"])
            .arg(root().join("scripts/smtp-sink.py"))
            .arg(dir.path());
        if login {
            cmd.args(["--user", SINK_USER, "--password", SINK_PASSWORD]);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("scripts/smtp-sink.py starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the sink says it is ready");
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("smtp-sink.py said {line:?}"));
        SmtpSink {
            child,
            port,
            dir,
            login,
        }
    }

    /// The server's `--smtp-url` for this sink (plain text: it is on loopback).
    pub fn url(&self) -> String {
        match self.login {
            true => format!(
                "smtp://{SINK_USER}:{}@127.0.0.1:{}?tls=none",
                SINK_PASSWORD.replace(' ', "%20"),
                self.port
            ),
            false => format!("smtp://127.0.0.1:{}?tls=none", self.port),
        }
    }

    /// The messages that have arrived once there are `n` (within 20 s), oldest first, read
    /// as a mail program does: quoted-printable's soft line breaks joined.
    pub async fn messages(&self, n: usize) -> Vec<String> {
        let start = Instant::now();
        loop {
            let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(self.dir.path())
                .expect("the sink's folder")
                .filter_map(|e| {
                    let path = e.ok()?.path();
                    let n = path.file_stem()?.to_str()?.parse().ok()?;
                    (path.extension()? == "eml").then_some((n, path))
                })
                .collect();
            if files.len() >= n {
                files.sort();
                return files
                    .iter()
                    .map(|(_, f)| {
                        std::fs::read_to_string(f)
                            .expect("a message")
                            .replace("=\r\n", "")
                            .replace("=\n", "")
                    })
                    .collect();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{n} message(s) expected at the SMTP server, {} arrived",
                files.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
