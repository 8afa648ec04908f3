//! Load shared by the benchmark binaries (not a binary itself: no `main.rs` here).

use seqhealth_agent::fleet::{DemoInstrument, DEMO_FLEET};
use seqhealth_api::Role;
use seqhealth_server::domain::provision::{
    create_instrument, create_lab, create_user, NewInstrument,
};
use std::time::{Duration, Instant};

/// A benchmark's lab: "Bench Lab" with its manager (bench@lab.example / bench-password)
/// and `instruments` instruments cycling through the demo fleet's models, serials made
/// unique. Returns each instrument's template, id and token.
pub async fn bench_lab(
    pool: &sqlx::AnyPool,
    instruments: usize,
) -> Result<Vec<(&'static DemoInstrument, i64, String)>, String> {
    let e = |x: &dyn std::fmt::Display| x.to_string();
    let lab = create_lab(pool, "Bench Lab", "Europe/London")
        .await
        .map_err(|x| e(&x))?;
    create_user(
        pool,
        lab,
        "bench@lab.example",
        "Bench",
        Role::Manager,
        "bench-password",
    )
    .await
    .map_err(|x| e(&x))?;
    let mut fleet = Vec::new();
    for i in 0..instruments {
        let template = &DEMO_FLEET[i % DEMO_FLEET.len()];
        let serial = format!("{}-{i:04}", template.serial);
        let new = NewInstrument {
            serial: &serial,
            model: template.model.name(),
            nickname: &serial,
            site: template.site,
        };
        let (id, token) = create_instrument(pool, lab, &new)
            .await
            .map_err(|x| e(&x))?;
        fleet.push((template, id, token));
    }
    Ok(fleet)
}

/// Response times of `requests` GETs of `url` from `clients` clients at once: sorted, and
/// the wall time they took.
pub async fn measure(
    http: &reqwest::Client,
    url: &str,
    clients: usize,
    requests: usize,
) -> Result<(Vec<Duration>, f64), String> {
    let per_client = requests.div_ceil(clients);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (http, url) = (http.clone(), url.to_string());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(per_client);
            for _ in 0..per_client {
                let t = Instant::now();
                let r = http.get(&url).send().await.map_err(|x| x.to_string())?;
                if !r.status().is_success() {
                    return Err(format!("{url}: {}", r.status()));
                }
                r.bytes().await.map_err(|x| x.to_string())?;
                times.push(t.elapsed());
            }
            Ok::<_, String>(times)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|x| x.to_string())??);
    }
    let wall = started.elapsed().as_secs_f64();
    all.sort();
    Ok((all, wall))
}

/// A benchmark binary's end: bad flags exit 2, a failed run 1, each said on stderr as
/// `name: why`.
pub async fn finish<A, F>(
    name: &str,
    args: Result<A, String>,
    run: impl FnOnce(A) -> F,
) -> std::process::ExitCode
where
    F: std::future::Future<Output = Result<(), String>>,
{
    let a = match args {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{name}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(a).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{name}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
