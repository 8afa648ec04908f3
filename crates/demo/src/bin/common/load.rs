//! Load shared by the benchmark binaries (not a binary itself: no `main.rs` here).

use std::time::{Duration, Instant};

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
