//! The agent's watch path against the real server: runs finished while the server is
//! down are spooled, delivered once it is back, exactly once, in order.

use seqhealth_agent::push::Pusher;
use seqhealth_agent::spool::{DrainEnd, Spool};
use seqhealth_agent::watch::{queue_new, Handled};
use seqhealth_api::RunList;
use seqhealth_demo::run_folders::{copy_dir, shared_runs};
use seqhealth_demo::{provision, DEMO_PASSWORD};
use seqhealth_server::{app, serve, store as db, AppState};

#[tokio::test]
async fn runs_finished_while_the_server_is_down_arrive_once_when_it_returns() {
    let Some(shared) = shared_runs() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let pool = db::connect(&format!("sqlite://{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let fleet = provision(&pool, Some(&["M04210"])).await.unwrap().unwrap();
    let (instrument, token) = (fleet[0].id, fleet[0].token.clone());

    // The server's address is known but nothing listens there yet.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let base = format!("http://{addr}");
    let pusher = Pusher::with_ca(&base, &token, None).unwrap();
    let spool = Spool::open(&dir.path().join("spool")).unwrap();

    // Three runs finish on the instrument.
    let runs_dir = dir.path().join("runs");
    let folders = [
        "illuminate_miseq_2013-04_16_2-index",
        "illuminate_miseq_2014-02_11_50kit_single_read",
        "illuminate_nextseq500_160404_HW37NBGXX",
    ];
    for f in folders {
        copy_dir(&shared.join(f), &runs_dir.join(f));
        std::fs::write(runs_dir.join(f).join("RTAComplete.txt"), "done").unwrap();
    }
    // A run still in progress is left alone.
    copy_dir(
        &shared.join("illuminate_hiseq2500_140213_average_run"),
        &runs_dir.join("in-progress"),
    );
    std::fs::remove_file(runs_dir.join("in-progress/RTAComplete.txt")).unwrap();

    let handled = queue_new(&runs_dir, &spool).unwrap();
    assert_eq!(handled.len(), 3, "{handled:?}");
    assert!(
        handled.iter().all(|h| matches!(h, Handled::Queued { .. })),
        "{handled:?}"
    );
    let report = spool.drain(&pusher).await.unwrap();
    assert!(matches!(report.end, DrainEnd::Paused(_)), "{report:?}");
    // Each run and its derived hardware signals (a telemetry batch).
    assert_eq!((report.sent, report.remaining), (0, 6));
    assert_eq!(
        spool.pending().unwrap().len(),
        6,
        "nothing lost while the server is down"
    );

    // The server comes up; the spool drains in order; a second scan finds nothing new.
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(
        listener,
        app(AppState::new(pool.clone()), None),
        async {
            let _ = stopped.await;
        },
    ));
    let report = spool.drain(&pusher).await.unwrap();
    assert_eq!(report.end, DrainEnd::Empty);
    assert_eq!(
        (report.sent, report.duplicates, report.remaining),
        (6, 0, 0)
    );
    assert!(
        queue_new(&runs_dir, &spool).unwrap().is_empty(),
        "handled folders are not summarised again"
    );

    // A resend of a delivered run (a crash after sending, before deleting) changes nothing.
    let summary = seqhealth_interop::summarize(&runs_dir.join(folders[0])).unwrap();
    let again = seqhealth_agent::extract::run_ingest(&summary);
    spool.put(&again).unwrap();
    let report = spool.drain(&pusher).await.unwrap();
    assert_eq!((report.sent, report.duplicates), (0, 1));

    // The runs are on the instrument's page, once each, with the real figures.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = serde_json::json!({ "email": "ada@northgate.example", "password": DEMO_PASSWORD });
    assert!(http
        .post(format!("{base}/api/v1/session"))
        .json(&login)
        .send()
        .await
        .unwrap()
        .status()
        .is_success());
    let list: RunList = http
        .get(format!(
            "{base}/api/v1/instruments/{instrument}/runs?from=2010-01-01&to=2030-01-01"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.runs.len(), 3);
    let two_index = list
        .runs
        .iter()
        .find(|r| r.run_id.contains("A2D9U"))
        .expect("the MiSeq 2-index run");
    assert!(
        (two_index.pct_q30.unwrap() - 89.5).abs() < 1.0,
        "{:?}",
        two_index.pct_q30
    );

    // A revoked (wrong) token: the agent stops and says so, keeping its spool.
    let stranger = Pusher::with_ca(&base, "not-a-token", None).unwrap();
    spool.put(&again).unwrap();
    let report = spool.drain(&stranger).await.unwrap();
    assert!(
        matches!(report.end, DrainEnd::TokenRefused(_)),
        "{report:?}"
    );
    assert_eq!(spool.pending().unwrap().len(), 1);

    // The demo's real runs: MiSeq folders go to the MiSeq, the rest wait for their model.
    let real = seqhealth_demo::push_real_runs(&base, &fleet, &shared).await;
    assert!(real.iter().any(|id| id.contains("A2D9U")), "{real:?}");
    assert!(
        real.iter().all(|id| !id.contains("HW37NBGXX")),
        "no NextSeq 550 in this fleet: {real:?}"
    );

    let _ = stop.send(());
    let _ = server.await;
}
