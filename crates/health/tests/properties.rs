//! Property tests: invariants that must hold for any input, not just hand-made series.

use proptest::prelude::*;
use seqhealth_health::predict::{
    forecast_from_daily, time_to_limit, Aggregate, DailyAggregate, ForecastMethod, Limit,
    PredictConfig,
};
use seqhealth_health::spc::{self, Baseline};
use seqhealth_health::trend::theil_sen;
use seqhealth_health::warning::{
    apply, reconcile, transition, Reconcile, WarningEvent, WarningState, WarningStatus,
};

/// Points with integer x (so |dx| ≥ 1 and slopes stay well conditioned) and moderate y.
fn series() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((-500i32..500, -1_000.0f64..1_000.0), 2..60)
        .prop_map(|v| v.into_iter().map(|(x, y)| (f64::from(x), y)).collect())
}

/// Relative-plus-absolute tolerance: rounding in y ± c or k·y moves each pairwise slope
/// by a few ulps of the inputs, and an order statistic moves by no more than that.
fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + scale)
}

fn event() -> impl Strategy<Value = WarningEvent> {
    let who = prop_oneof![
        Just(String::new()),
        Just("maria".to_owned()),
        Just(" ".to_owned())
    ];
    let why = prop_oneof![
        Just(String::new()),
        Just("part ordered".to_owned()),
        Just("  ".to_owned())
    ];
    prop_oneof![
        (who, why, 0i64..1_000).prop_map(|(by, reason, at)| WarningEvent::Acknowledge {
            by,
            at,
            reason
        }),
        (0i64..1_000).prop_map(|at| WarningEvent::ConditionHeld { at }),
        (0i64..1_000).prop_map(|at| WarningEvent::ConditionCleared { at }),
        (0i64..1_000).prop_map(|at| WarningEvent::ComponentReplaced { at }),
    ]
}

/// Daily aggregates with arbitrary (possibly absurd) values, days in any order.
fn daily() -> impl Strategy<Value = Vec<DailyAggregate>> {
    prop::collection::vec(
        (0i64..120, 0u32..6, -1e3f64..1e3, 0.0f64..50.0, 0.0f64..50.0),
        0..100,
    )
    .prop_map(|v| {
        v.into_iter()
            .map(|(day, n, mean, below, above)| DailyAggregate {
                start: day * 86_400,
                n,
                mean,
                min: mean - below,
                max: mean + above,
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn forecasts_are_ordered_and_use_only_allowed_days(
        days in daily(),
        since in prop::option::of(0i64..120 * 86_400),
        now_day in 10i64..130,
    ) {
        let now = now_day * 86_400;
        for aggregate in [Aggregate::Mean, Aggregate::Extreme, Aggregate::Peak] {
            let m = ForecastMethod { aggregate, ..ForecastMethod::default() };
            if let Some(f) = forecast_from_daily(&days, (-100.0, 100.0), now, since, &m) {
                let t = f.time;
                prop_assert!(t.earliest <= t.crossing && t.crossing <= t.latest);
                prop_assert!(t.replace_by <= t.earliest);
                prop_assert!(f.days_used >= m.min_days);
                prop_assert!(f.fit_from < now);
                prop_assert!((f.fitted_at(now, f.fit_from) - f.fit_from_value).abs() < 1e-6);
                if let Some(s) = since {
                    prop_assert!(f.fit_from > s);
                }
            }
        }
    }

    #[test]
    fn theil_sen_is_shift_invariant(pts in series(), c in -1_000.0f64..1_000.0) {
        let shifted: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (x, y + c)).collect();
        match (theil_sen(&pts), theil_sen(&shifted)) {
            (Ok(a), Ok(b)) => {
                let scale = 2_000.0 + c.abs();
                prop_assert!(close(a.slope, b.slope, scale), "{} vs {}", a.slope, b.slope);
                prop_assert!(close(a.level + c, b.level, scale * 1_000.0));
                prop_assert!(close(a.residual_scale, b.residual_scale, scale * 1_000.0));
            }
            (a, b) => prop_assert_eq!(a.err(), b.err()),
        }
    }

    #[test]
    fn theil_sen_scales_with_y(pts in series(), k in prop_oneof![-100.0f64..-0.01, 0.01f64..100.0]) {
        let scaled: Vec<(f64, f64)> = pts.iter().map(|&(x, y)| (x, k * y)).collect();
        match (theil_sen(&pts), theil_sen(&scaled)) {
            (Ok(a), Ok(b)) => {
                let scale = 2_000.0 * k.abs();
                prop_assert!(close(k * a.slope, b.slope, scale), "{} vs {}", k * a.slope, b.slope);
                prop_assert!(close(k * a.level, b.level, scale * 1_000.0));
            }
            (a, b) => prop_assert_eq!(a.err(), b.err()),
        }
    }

    #[test]
    fn theil_sen_and_prediction_never_panic(
        pts in prop::collection::vec((any::<f64>(), any::<f64>()), 0..40),
        limit in any::<f64>(),
    ) {
        if let Ok(fit) = theil_sen(&pts) {
            let cfg = PredictConfig::default();
            if let Some(p) = time_to_limit(&fit, Limit::lower(limit), &cfg) {
                prop_assert!(p.earliest <= p.crossing && p.crossing <= p.latest);
                prop_assert!(p.replace_by <= p.earliest);
            }
            let _ = time_to_limit(&fit, Limit::upper(limit), &cfg);
        }
    }

    #[test]
    fn slope_interval_contains_the_slope(pts in series()) {
        if let Ok(fit) = theil_sen(&pts) {
            if let Some(ci) = fit.slope_interval {
                prop_assert!(ci.low <= fit.slope && fit.slope <= ci.high);
            }
        }
    }

    #[test]
    fn resolved_never_goes_back(events in prop::collection::vec(event(), 0..20)) {
        let mut state = WarningState::open(0);
        let mut status = state.status();
        for e in events {
            if let Ok(next) = apply(&state, e) {
                state = next;
            }
            // Status only moves forward, so once resolved it stays resolved.
            prop_assert!(state.status() >= status);
            if status == WarningStatus::Resolved {
                prop_assert_eq!(state.status(), WarningStatus::Resolved);
            }
            status = state.status();
        }
    }

    #[test]
    fn apply_follows_the_status_transitions(events in prop::collection::vec(event(), 0..20)) {
        let mut state = WarningState::open(0);
        for e in events {
            let kind = e.kind();
            let by_status = transition(state.status(), kind);
            let applied = apply(&state, e);
            // A transition the status refuses never succeeds; one it allows may still fail
            // its checks (who, why, order).
            if by_status.is_err() {
                prop_assert!(applied.is_err());
            }
            if let Ok(next) = applied {
                // What the server decides from the stored status alone.
                prop_assert_eq!(Ok(next.status()), by_status);
                state = next;
            }
        }
    }

    #[test]
    fn one_open_warning_per_key_that_follows_the_condition(
        steps in prop::collection::vec((any::<bool>(), any::<bool>()), 0..40),
    ) {
        // The server's warnings of one key: evaluations, and now and then a manager's
        // acknowledgement of the open one.
        let mut rows: Vec<WarningStatus> = Vec::new();
        for (holds, acknowledge) in steps {
            let open = rows.last().copied().filter(|s| *s != WarningStatus::Resolved);
            match reconcile(open, holds) {
                Reconcile::Open => rows.push(WarningStatus::Active),
                Reconcile::Follow { status } => {
                    prop_assert_eq!(Some(status), open);
                }
                Reconcile::Resolve => {
                    let last = rows.last_mut().expect("an open warning to resolve");
                    *last = WarningStatus::Resolved;
                }
                Reconcile::Nothing => prop_assert_eq!(open, None),
            }
            if acknowledge {
                if let Some(last) = rows.last_mut() {
                    if let Ok(next) = seqhealth_health::warning::acknowledge(*last) {
                        *last = next;
                    }
                }
            }
            // At most one open warning, the newest, and open exactly while the condition
            // holds; history is never reopened.
            let open_rows = rows.iter().filter(|s| **s != WarningStatus::Resolved).count();
            prop_assert_eq!(open_rows, usize::from(holds));
            if let Some((_, older)) = rows.split_last() {
                prop_assert!(older.iter().all(|s| *s == WarningStatus::Resolved));
            }
        }
    }

    #[test]
    fn spc_limits_contain_the_baseline_mean(
        values in prop::collection::vec(0.0f64..100.0, 2..50),
        runs in 2usize..60,
    ) {
        if let Ok(b) = Baseline::from_first_runs(&values, runs) {
            let l = b.limits();
            prop_assert!(l.lower <= b.mean && b.mean <= l.upper);
            prop_assert!(l.lower < l.upper);
            // The mean of in-range values is itself in range.
            prop_assert!((0.0..=100.0).contains(&b.mean));
        }
    }

    #[test]
    fn spc_signals_point_at_real_runs(
        values in prop::collection::vec(prop_oneof![Just(f64::NAN), 50.0f64..100.0], 0..40),
    ) {
        let b = Baseline::new(90.0, 2.0).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for s in spc::evaluate(&values, &b, Some(75.0)) {
            prop_assert!(s.run_index < values.len());
            prop_assert!(values[s.run_index].is_finite());
        }
    }
}
