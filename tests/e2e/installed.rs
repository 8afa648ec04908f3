//! The server as a lab installs it: `make install PREFIX=target/install` (which `make test`
//! runs first), then the installed binary alone in an empty directory, no `dist/` anywhere
//! near: started on the empty directory it says (on stderr and its login page) how to make
//! a lab; `init`; and the dashboard it carries inside loads in Chromium, where the first
//! manager sets up their account.

use crate::harness::*;

fn installed() -> PathBuf {
    let prefix = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/install");
    let bin = prefix.join("bin/seqhealth-server");
    assert!(
        bin.is_file(),
        "no installed server at {}: run `make install PREFIX=$PWD/target/install` \
         (`make test` does)",
        bin.display()
    );
    prefix
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_installed_binary_alone_serves_its_dashboard_and_a_lab_sets_up() {
    let prefix = installed();
    let bin = prefix.join("bin/seqhealth-server");
    let unit = std::fs::read_to_string(prefix.join("lib/systemd/system/seqhealth.service"))
        .expect("the systemd unit is installed");
    assert!(
        unit.contains(&format!("ExecStart={}", bin.display())),
        "the unit starts the installed binary: {unit}"
    );
    // The common-password list is inside the binary: its licence is installed with it.
    let notice =
        std::fs::read_to_string(prefix.join("share/doc/seqhealth/common-passwords.LICENSE"))
            .expect("the common-password list's licence is installed");
    assert!(notice.contains("Dropbox, Inc."), "{notice}");
    for hardening in [
        "User=seqhealth",
        "StateDirectory=seqhealth",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.contains(hardening), "{hardening}");
    }
    // systemd's own check of the unit (syntax, known options, the binary it starts).
    if Path::new("/usr/bin/systemd-analyze").exists() {
        let check = Command::new("/usr/bin/systemd-analyze")
            .arg("verify")
            .arg(prefix.join("lib/systemd/system/seqhealth.service"))
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&check.stderr);
        assert!(
            check.status.success() && said.trim().is_empty(),
            "systemd-analyze verify: {said}"
        );
    }

    // An empty directory, as /var/lib/seqhealth is on the first start.
    let home = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Command::new(&bin)
        .current_dir(home.path())
        .env_clear()
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let up = async {
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    };
    assert!(up.await, "the installed server listens on {base}");
    let index = reqwest::get(&base).await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.text().await.unwrap().contains("<title>seqhealth"));
    let files: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !files.iter().any(|f| f == "dist"),
        "nothing but the binary serves it: {files:?}"
    );

    // Before init: the login page says how to make the first lab.
    let browser = Browser::start().await;
    let b = &browser;
    b.client.goto(&format!("{base}/login")).await.unwrap();
    let said = b
        .wait_text("section.login", &["This server has no lab yet"])
        .await;
    assert!(said.contains("seqhealth-server init --lab"), "{said}");
    b.screenshot("installed-no-lab-yet").await;

    let out = Command::new(&bin)
        .current_dir(home.path())
        .env_clear()
        .args([
            "init",
            "--lab",
            "Installed Lab",
            "--time-zone",
            "Europe/Berlin",
        ])
        .args([
            "--manager-email",
            "ada@installed.example",
            "--public-url",
            &base,
        ])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = said
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{base}/accept/")))
        .unwrap_or_else(|| panic!("init prints the setup link: {said}"))
        .to_string();

    b.client.goto(&link).await.unwrap();
    b.wait_text(
        "section.accept",
        &["Installed Lab", "ada@installed.example"],
    )
    .await;
    for (css, text) in [
        ("#name", "Ada Lovelace"),
        ("#password", "a kettle on the installed server"),
        ("#again", "a kettle on the installed server"),
    ] {
        b.client
            .find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    b.click(Locator::Css("section.accept button[type=submit]"))
        .await;
    b.wait_path("/").await;
    let header = b
        .wait_text("header", &["Ada Lovelace", "Installed Lab"])
        .await;
    assert!(header.contains("Europe/Berlin"), "{header}");
    b.screenshot("installed-empty-fleet").await;
    browser.close().await;
    server.kill().unwrap();
    let out = server.wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("seqhealth-server init --lab"),
        "started on an empty database, it said how to run init on stderr: {log}"
    );
}
