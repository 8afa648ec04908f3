//! Activation: a manager adds an instrument in the browser and reads its one-time code
//! off the page; a real agent process enrolls with it and pushes a real run folder; the
//! run appears on the instrument's page. A viewer gets no "Add instrument" and the API
//! refuses the viewer.

use crate::harness::*;

/// The agent binary `cargo test --workspace` builds beside this test's executable.
fn agent_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap()
        .join("seqhealth-agent");
    assert!(
        bin.is_file(),
        "no agent binary at {}: build it with `cargo build -p seqhealth-agent` (make test does)",
        bin.display()
    );
    bin
}

async fn agent(args: &[&str]) -> std::process::Output {
    let out = tokio::process::Command::new(agent_binary())
        .args(args)
        .output()
        .await
        .unwrap();
    eprintln!(
        "seqhealth-agent {args:?}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_adds_an_instrument_whose_agent_enrolls_and_sends_a_real_run() {
    let Some(shared) = shared_runs() else {
        return;
    };
    let (mut server, browser) = start().await;
    let base = server.base.clone();
    let b = &browser;

    // The manager adds the instrument and reads the code off the page.
    b.login(&base, "ada@northgate.example", DEMO_PASSWORD).await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;
    b.click(Locator::Css("section.add-instrument button")).await;
    b.text("form.add").await;
    b.client
        .find(Locator::Id("add-model"))
        .await
        .unwrap()
        .select_by_value("MiSeq")
        .await
        .unwrap();
    for (id, value) in [
        ("add-serial", "M09999"),
        ("add-nickname", "Mira"),
        ("add-site", "Building C, room 1.04"),
    ] {
        b.client
            .find(Locator::Id(id))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    b.click(Locator::Css("form.add button[type=submit]")).await;
    let code = b.text(".code-card .enrollment-code").await;
    assert_eq!(code.len(), 11, "{code}");
    let card = b.text(".code-card").await;
    assert!(card.contains("For Mira (MiSeq M09999)."), "{card}");
    assert!(card.contains("D:\\Illumina\\MiSeqOutput"), "{card}");
    let command = b.value(".code-card input.command").await;
    // A MiSeq's PC runs Windows: the commands say so, with its usual runs folder.
    assert_eq!(
        command,
        format!("seqhealth-agent.exe enroll --server {base} --code {code}")
    );
    let watch = b.value(".code-card input[id^=watch-command]").await;
    assert_eq!(
        watch,
        "seqhealth-agent.exe watch D:\\Illumina\\MiSeqOutput --config seqhealth-agent.json"
    );
    // Copy: the clipboard has it, or (where the browser refuses) it is selected and the
    // card says to press Ctrl+C; either way the card says which.
    b.click(Locator::Css(".code-card .copy-field button")).await;
    let said = b.wait_text(".code-card .copy-field .copied", &["."]).await;
    let selected: (u64, u64) = serde_json::from_value(
        b.client
            .execute(
                "const i = document.querySelector('.code-card input.command');
                 return [i.selectionStart, i.selectionEnd];",
                vec![],
            )
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(selected, (0, command.chars().count() as u64), "{said}");
    assert!(
        said == "Copied." || said == "Selected: press Ctrl+C to copy.",
        "{said}"
    );
    let row = b.wait_text("table.fleet", &["Mira"]).await;
    assert!(row.contains("Awaiting its agent"), "{row}");
    b.screenshot("add-instrument").await;

    // On Mira's page, "New enrollment code" puts the focus on the new code and says so in
    // the live region; a second one is said again (the region is emptied first, so the
    // same words are a change). The newest code is the one that enrolls.
    b.click(Locator::LinkText("Mira")).await;
    let new_code = Locator::XPath("//button[normalize-space()='New enrollment code']");
    b.click(new_code).await;
    b.wait_text("#announce", &["New enrollment code made"])
        .await;
    b.client
        .execute(
            "const r = document.getElementById('announce');
             window.said = [];
             new MutationObserver(() => window.said.push(r.textContent))
                 .observe(r, { childList: true, characterData: true, subtree: true });",
            vec![],
        )
        .await
        .unwrap();
    b.click(new_code).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let said: Vec<String> = loop {
        let v = b
            .client
            .execute("return window.said;", vec![])
            .await
            .unwrap();
        let said: Vec<String> = serde_json::from_value(v).unwrap();
        if said
            .iter()
            .any(|t| t.starts_with("New enrollment code made"))
        {
            break said;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not said again: {said:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(said.first().map(String::as_str), Some(""), "{said:?}");
    let focus_in_card = "return !!(document.activeElement && document.activeElement.closest('.connection .code-card'));";
    let deadline = tokio::time::Instant::now() + WAIT;
    while b.client.execute(focus_in_card, vec![]).await.unwrap() != serde_json::Value::Bool(true) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the focus is not on the new code"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let code = b.text(".connection .code-card .enrollment-code").await;
    assert_eq!(code.len(), 11, "{code}");

    // On the "instrument PC": a wrong code is refused and writes nothing; the right one enrolls.
    let pc = tempfile::tempdir().unwrap();
    let config = pc.path().join("seqhealth-agent.json");
    let token = pc.path().join("seqhealth-token");
    let (config_s, token_s) = (config.to_str().unwrap(), token.to_str().unwrap());
    let wrong = agent(&[
        "enroll",
        "--server",
        &base,
        "--code",
        "ZZZZZ-ZZZZZ",
        "--config",
        config_s,
        "--token-file",
        token_s,
    ])
    .await;
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("no such enrollment code"));
    assert!(!config.exists() && !token.exists());
    let ok = agent(&[
        "enroll",
        "--server",
        &base,
        "--code",
        &code,
        "--config",
        config_s,
        "--token-file",
        token_s,
    ])
    .await;
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Enrolled as Mira"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the token is readable by its owner only"
        );
    }
    let again = agent(&[
        "enroll",
        "--server",
        &base,
        "--code",
        &code,
        "--config",
        config_s,
        "--token-file",
        token_s,
    ])
    .await;
    assert!(String::from_utf8_lossy(&again.stderr).contains("already used"));

    // A real run folder finishes; the agent sends it.
    let runs = pc.path().join("runs");
    let folder = "illuminate_miseq_2013-04_16_2-index";
    copy_dir(&shared.join(folder), &runs.join(folder));
    std::fs::write(runs.join(folder).join("RTAComplete.txt"), "done").unwrap();
    let spool = pc.path().join("spool");
    let sent = agent(&[
        "watch",
        runs.to_str().unwrap(),
        "--config",
        config_s,
        "--spool",
        spool.to_str().unwrap(),
        "--once",
    ])
    .await;
    assert!(sent.status.success());

    // The run is on the instrument's page, and the agent shows as connected.
    let fleet: Fleet = api_get(&base, "/fleet").await;
    let mira = fleet
        .instruments
        .iter()
        .find(|i| i.serial == "M09999")
        .unwrap();
    b.client
        .goto(&format!("{base}/instruments/{}", mira.id))
        .await
        .unwrap();
    let status = b.wait_text(".connection-status", &["Connected"]).await;
    assert!(
        status.contains("last heard from")
            && (status.contains("just now") || status.contains("min ago")),
        "heard from just now, though the run is from 2013: {status}"
    );
    let runs_api: RunList = api_get(
        &base,
        &format!("/instruments/{}/runs?from=2000-01-01", mira.id),
    )
    .await;
    assert_eq!(runs_api.runs.len(), 1, "the real run arrived once");
    let run_id = runs_api.runs[0].run_id.clone();
    // The run is from 2013: the period "All" shows it in the runs table.
    b.text("section[aria-labelledby=trend-heading] select")
        .await;
    b.client
        .find(Locator::Css(
            "section[aria-labelledby=trend-heading] select",
        ))
        .await
        .unwrap()
        .select_by_value("36500")
        .await
        .unwrap();
    b.wait_text("main", &[run_id.as_str()]).await;
    // Its derived signals are from 2013 too: an empty period says where they are, and
    // "All readings" charts them.
    b.wait_text(
        "figure.sensor[data-sensor=run_fwhm_px]",
        &["choose “All readings”"],
    )
    .await;
    b.client
        .find(Locator::Css(
            "section[aria-labelledby=sensors-heading] select",
        ))
        .await
        .unwrap()
        .select_by_value("36500")
        .await
        .unwrap();
    let caption = b
        .wait_text(
            "figure.sensor[data-sensor=run_fwhm_px] figcaption",
            &["latest"],
        )
        .await;
    assert!(
        caption.contains("normal 1.8–3.6 px"),
        "MiSeq's band: {caption}"
    );
    assert!(
        b.count("figure.sensor[data-sensor=run_fwhm_px] div.svg")
            .await
            == 1,
        "charted"
    );
    b.screenshot("enrolled-instrument").await;

    // Sharing off: the dashboard says so; a run finished meanwhile stays on the
    // instrument, and is sent, with no gap, once sharing is on again.
    let off = agent(&["sharing", "off", "--config", config_s]).await;
    assert!(off.status.success());
    b.client.refresh().await.unwrap();
    b.wait_text(".connection .sharing", &["off since"]).await;
    let second = "illuminate_miseq_2014-02_11_50kit_single_read";
    copy_dir(&shared.join(second), &runs.join(second));
    std::fs::write(runs.join(second).join("RTAComplete.txt"), "done").unwrap();
    let watch = |spool: PathBuf| {
        let (runs, config) = (runs.clone(), config.clone());
        async move {
            agent(&[
                "watch",
                runs.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
                "--spool",
                spool.to_str().unwrap(),
                "--once",
            ])
            .await
        }
    };
    let held = watch(spool.clone()).await;
    assert!(String::from_utf8_lossy(&held.stdout).contains("sending performance data is off"));
    let count = || async {
        let l: RunList = api_get(
            &base,
            &format!("/instruments/{}/runs?from=2000-01-01", mira.id),
        )
        .await;
        l.runs.len()
    };
    assert_eq!(
        count().await,
        1,
        "nothing left the instrument while sharing was off"
    );
    assert!(agent(&["sharing", "on", "--config", config_s])
        .await
        .status
        .success());
    assert!(watch(spool.clone()).await.status.success());
    assert_eq!(
        count().await,
        2,
        "the held run arrived once sharing was on again"
    );

    // A revoked token: the agent says what happened and keeps its runs.
    let ada = as_ada(&base).await;
    let r = ada
        .post(format!("{base}/api/v1/instruments/{}/revoke", mira.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let third = "illuminate_nextseq500_160404_HW37NBGXX";
    copy_dir(&shared.join(third), &runs.join(third));
    std::fs::write(runs.join(third).join("RTAComplete.txt"), "done").unwrap();
    let refused = watch(spool.clone()).await;
    assert_eq!(refused.status.code(), Some(4));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("revoked by a lab manager"), "{said}");
    b.client.refresh().await.unwrap();
    b.wait_text(".connection-status", &["Token revoked"]).await;

    // A viewer gets no "Add instrument"; the API refuses the viewer.
    b.client.delete_all_cookies().await.unwrap();
    b.login(&base, "grace@northgate.example", DEMO_PASSWORD)
        .await;
    b.wait_path("/").await;
    b.text("table.fleet tbody tr").await;
    assert_eq!(b.count("section.add-instrument").await, 0);
    let grace = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = grace
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({ "email": "grace@northgate.example", "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = grace
        .post(format!("{base}/api/v1/instruments"))
        .json(&serde_json::json!({ "model": "MiSeq", "serial": "M08888", "nickname": "No" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    assert_eq!(
        server
            .csp_reports
            .load(std::sync::atomic::Ordering::Relaxed),
        0,
        "CSP violations during the journey"
    );
    browser.close().await;
    server.stop().await;
}
