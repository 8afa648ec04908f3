//! Time buckets of readings and the predictions drawn from them.

use super::*;

#[tokio::test]
async fn telemetry_comes_as_buckets_never_more_than_a_thousand_points() {
    use seqhealth_api::TelemetrySeries;
    let env = env().await;
    env.fill().await;
    let ada = env.login("ada@northgate.example").await;
    let id = env.id("NB552091");
    let get = |q: String| {
        let env = &env;
        let ada = ada.clone();
        async move {
            let (s, b) = env
                .get(
                    &format!("/api/v1/instruments/{id}/telemetry?{q}"),
                    Some(&ada),
                )
                .await;
            (s, b)
        }
    };
    // A month: hourly buckets, and every stored reading counted once.
    let (s, b) = get("metric=chiller_temp_c&from=2026-06-01&to=2026-06-30".into()).await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let month: TelemetrySeries = serde_json::from_slice(&b).unwrap();
    assert_eq!(month.bucket_seconds, 3600);
    assert_eq!(month.sensor.label, "Reagent chiller temperature");
    let stored: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sensor_readings WHERE instrument_id = $1 AND sensor = 'chiller_temp_c' AND at >= $2 AND at < $3",
    )
    .bind(id)
    .bind(month.from.timestamp())
    .bind(month.to.timestamp())
    .fetch_one(&env.db)
    .await
    .unwrap();
    assert!(stored > 100);
    assert_eq!(month.points.iter().map(|p| p.n).sum::<i64>(), stored);
    assert!(month
        .points
        .iter()
        .all(|p| p.min <= p.mean && p.mean <= p.max));
    assert!(month.points.windows(2).all(|w| w[0].at < w[1].at));
    // Each point is its stored bucket, to the last bit.
    let stored: Vec<(i64, i64, f64, f64, f64)> = sqlx::query_as(
        "SELECT start, n, sum, min, max FROM sensor_buckets
         WHERE instrument_id = $1 AND sensor = 'chiller_temp_c' AND width = 3600 AND start >= $2 AND start < $3
         ORDER BY start",
    )
    .bind(id)
    .bind(month.from.timestamp())
    .bind(month.to.timestamp())
    .fetch_all(&env.db)
    .await
    .unwrap();
    assert_eq!(stored.len(), month.points.len());
    for (p, (start, n, sum, min, max)) in month.points.iter().zip(&stored) {
        assert_eq!((p.at.timestamp(), p.n), (*start, *n));
        let bits = [p.mean, p.min, p.max].map(f64::to_bits);
        assert_eq!(
            bits,
            [sum / *n as f64, *min, *max].map(f64::to_bits),
            "{p:?}"
        );
    }

    // Resending a batch changes no bucket.
    let batch = serde_json::to_value(
        &telemetry(
            env.fleet.iter().find(|p| p.id == id).unwrap().instrument,
            &cfg(),
        )[0],
    )
    .unwrap();
    env.ingest("telemetry", env.token("NB552091"), &batch).await;
    let mut again = batch.clone();
    again["batch_id"] = json!("a-new-id-with-old-readings");
    env.ingest("telemetry", env.token("NB552091"), &again).await;
    let (_, b) = get("metric=chiller_temp_c&from=2026-06-01&to=2026-06-30".into()).await;
    assert_eq!(
        serde_json::from_slice::<TelemetrySeries>(&b).unwrap(),
        month
    );

    // Two years: daily; ten years: several days a point; always at most 1,000 points.
    for (q, width) in [
        ("from=2025-01-01&to=2026-12-31", 86_400),
        ("from=2017-01-01&to=2026-12-31", 4 * 86_400),
    ] {
        let (s, b) = get(format!("metric=laser_power_pct&{q}")).await;
        assert_eq!(s, StatusCode::OK);
        let series: TelemetrySeries = serde_json::from_slice(&b).unwrap();
        assert_eq!(series.bucket_seconds, width, "{q}");
        assert!(
            !series.points.is_empty() && series.points.len() <= 1000,
            "{q}: {}",
            series.points.len()
        );
    }

    // Bad metric, bad range, another lab's instrument.
    let (s, b) = get("metric=sample_names".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        error_of(&b).detail.contains("laser_power_pct"),
        "names the valid metrics"
    );
    let (s, _) = get("metric=chiller_temp_c&from=2026-07-01&to=2026-06-01".into()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let other = env.id("M03302");
    let (s, _) = env
        .get(
            &format!("/api/v1/instruments/{other}/telemetry?metric=chiller_temp_c"),
            Some(&ada),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_decaying_laser_gets_a_predicted_replacement_and_a_healthy_one_does_not() {
    use seqhealth_server::domain::predictions::for_instrument;
    let env = env().await;
    env.fill().await;
    // Thirty days before the simulated end: the simulator's laser crossed 80 % of rated
    // power on day 307.45 of its one-year story (100 − 25·f^1.3 = 80), about 2026-05-03.
    let now = (cfg().end - chrono::Duration::days(30)).timestamp();
    let atlas = for_instrument(&env.db, env.id("A00317"), now)
        .await
        .unwrap();
    let laser = atlas
        .iter()
        .find(|p| p.component == "Laser")
        .expect("a prediction for the laser");
    assert_eq!(laser.limit, 80.0);
    assert!(laser.slope_per_day < 0.0);
    let truth = (cfg().end - chrono::Duration::days(365)).timestamp()
        + (0.8f64.powf(1.0 / 1.3) * 365.0 * 86_400.0) as i64;
    let t = |d: chrono::DateTime<chrono::Utc>| d.timestamp();
    assert!(
        (t(laser.predicted_at) - truth).abs() < 7 * 86_400,
        "predicted {} vs true {truth}",
        laser.predicted_at
    );
    assert!(
        t(laser.earliest) - 3 * 86_400 <= truth && truth <= t(laser.latest) + 3 * 86_400,
        "{laser:?}"
    );
    assert!(laser.earliest <= laser.predicted_at && laser.predicted_at <= laser.latest);
    assert!(laser.replace_by <= laser.earliest);
    assert!(laser.basis_days >= 14);
    // The trend drawn as evidence runs from the first day fitted to the crossing.
    let (first, last) = (laser.fit.first().unwrap(), laser.fit.last().unwrap());
    assert!(laser.fit.len() >= 2, "{laser:?}");
    assert_eq!(first.at, laser.fit_from);
    assert!((first.value - laser.fit_from_value).abs() < 1e-6);
    assert_eq!(last.at, laser.predicted_at);
    assert!((last.value - laser.limit).abs() < 0.05, "{laser:?}");
    assert!(laser.fit.windows(2).all(|w| w[0].at < w[1].at));
    let nimbus = for_instrument(&env.db, env.id("NB552091"), now)
        .await
        .unwrap();
    assert!(
        nimbus.iter().all(|p| p.component != "Laser"),
        "a healthy laser is not predicted to fail: {nimbus:?}"
    );

    // Over HTTP: scoped to the lab like every read.
    let ada = env.login("ada@northgate.example").await;
    let (s, b) = env
        .get(
            &format!("/api/v1/instruments/{}/predictions", env.id("A00317")),
            Some(&ada),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    serde_json::from_slice::<seqhealth_api::PredictionList>(&b).unwrap();
    let (s, _) = env
        .get(
            &format!("/api/v1/instruments/{}/predictions", env.id("M03302")),
            Some(&ada),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_chiller_is_forecast_by_its_peaks_and_a_pump_by_its_level() {
    use seqhealth_api::domain::LimitOn;
    use seqhealth_server::domain::predictions::for_instrument;
    let env = env().await;
    // 40 days to `now`, four readings a day at four phases of a daily swing: the mean
    // stays put while the swing grows. The chiller's 5 ± (1 + 0.02·day) °C peaks reach
    // 7 °C on day 50, ten days after `now` (and 2 °C only on day 100); the pump's
    // 105 ± (4 + 0.3·day) kPa swing would reach 125 kPa on day 53, but its level stays.
    let day0 = (cfg().end - chrono::Duration::days(60)).timestamp() / 86_400 * 86_400;
    let now = day0 + 40 * 86_400;
    let serial = "M03302";
    for (sensor, subsystem, mean, amp0, grow) in [
        ("chiller_temp_c", "thermal", 5.0, 1.0, 0.02),
        ("line_pressure_kpa", "fluidics", 105.0, 4.0, 0.3),
    ] {
        for week in 0..6 {
            let readings: Vec<Value> = (week * 7..(week * 7 + 7).min(40))
                .flat_map(|d| {
                    let amp = amp0 + grow * d as f64;
                    [1.0, 0.0, -1.0, 0.0]
                        .into_iter()
                        .enumerate()
                        .map(move |(k, s)| {
                            let at = day0 + d * 86_400 + k as i64 * 6 * 3_600 + 3_600;
                            json!({
                                "at": chrono::DateTime::from_timestamp(at, 0).unwrap(),
                                "subsystem": subsystem,
                                "sensor": sensor,
                                "value": mean + amp * s,
                            })
                        })
                })
                .collect();
            let batch = json!({ "batch_id": format!("{sensor}-{week}"), "readings": readings });
            let (s, v) = env.ingest("telemetry", env.token(serial), &batch).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
    }
    let predictions = for_instrument(&env.db, env.id(serial), now).await.unwrap();
    let chiller = predictions
        .iter()
        .find(|p| p.sensor == "chiller_temp_c")
        .expect("the chiller's growing peaks are forecast");
    assert_eq!(chiller.fitted, LimitOn::Peaks);
    assert_eq!(chiller.limit, 7.0);
    let days = (chiller.predicted_at.timestamp() - now) as f64 / 86_400.0;
    assert!((days - 10.0).abs() < 2.0, "{days} days: {chiller:?}");
    assert!(
        predictions.iter().all(|p| p.sensor != "line_pressure_kpa"),
        "a level-judged sensor whose level does not move is not forecast: {predictions:?}"
    );
}
