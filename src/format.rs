//! How numbers and ages read on screen. A missing figure is an em dash, never "NaN".
//! Words come from the user's language (`t!`, `crate::i18n`), and so does the decimal
//! point ("92,1 %" in Italian and Spanish).

pub const MISSING: &str = "—";

pub fn pct(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| fixed(x, 1) + " %")
        .unwrap_or_else(|| MISSING.into())
}

pub fn number(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| fixed(x, decimals))
        .unwrap_or_else(|| MISSING.into())
}

/// `x` scaled by 10^`decimals` and rounded to the nearest integer, ties to even, from its
/// exact binary value (as `format!` rounds): the sign and the digits' value.
fn scaled(x: f64, decimals: usize) -> (bool, u64) {
    let bits = x.to_bits();
    let (exp, frac) = (((bits >> 52) & 0x7ff) as i32, bits & ((1 << 52) - 1));
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, exp - 1075)
    };
    // x · 10^d = m · 10^d · 2^e exactly.
    let n = u128::from(m) * 10u128.pow(decimals.min(17) as u32);
    let k = if e >= 0 {
        n << e.min(40)
    } else if e <= -127 {
        0 // below 2^83 · 2^-127: under a half
    } else {
        let s = -e as u32;
        let (q, r, half) = (n >> s, n & ((1 << s) - 1), 1u128 << (s - 1));
        q + u128::from(r > half || (r == half && q & 1 == 1))
    };
    (bits >> 63 == 1, k.min(u128::from(u64::MAX)) as u64)
}

/// `format!("{x:.decimals$}")` without core's float formatting (kilobytes of wasm): the
/// same digits for every value a screen shows (below 10^19 once scaled), with the
/// language's decimal point (only screens use it).
pub fn fixed(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return format!(
            "{}{}",
            if x < 0.0 { "-" } else { "" },
            if x.is_nan() { "NaN" } else { "inf" }
        );
    }
    let (negative, k) = scaled(x, decimals);
    let mut digits = k.to_string();
    if digits.len() <= decimals {
        digits.insert_str(0, &"0".repeat(decimals + 1 - digits.len()));
    }
    if decimals > 0 {
        digits.insert(digits.len() - decimals, crate::i18n::decimal_point());
    }
    if negative {
        digits.insert(0, '-');
    }
    digits
}

/// `format!("{x}")` for the figures of a sensor table (limits such as 10, 0.5, 85.2): the
/// fewest decimals that read back as `x`.
pub fn shortest(x: f64) -> String {
    (0..17)
        .find(|&d| {
            let (_, k) = scaled(x, d);
            k < 1 << 53 && k as f64 / 10f64.powi(d as i32) == x.abs()
        })
        .map_or_else(|| fixed(x, 17), |d| fixed(x, d))
}

pub fn text(v: &Option<String>) -> String {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(MISSING)
        .to_string()
}

/// "just now", "5 min ago", "3 h ago", "2 days ago" from an age in seconds.
pub fn age(seconds: i64) -> String {
    match seconds {
        s if s < 60 => t!("just now").into(),
        s if s < 3600 => tf!("{0} min ago", s / 60),
        s if s < 48 * 3600 => tf!("{0} h ago", s / 3600),
        s => tf!("{0} days ago", s / 86400),
    }
}

/// What a warning's rule is called on screen, from its code: "threshold:chiller_temp_c"
/// is "Reagent chiller temperature out of range" (labels from the sensor table). The one
/// place rule codes turn into words; a code it does not know is shown as it is.
pub fn rule(code: &str) -> String {
    use seqhealth_api::{domain::sensor_spec, Subsystem};
    let (kind, what) = code.split_once(':').unwrap_or((code, ""));
    let label = || sensor_spec(what).map_or(what, |s| crate::i18n::word(s.label));
    match kind {
        "threshold" => tf!("{0} out of range", label()),
        "rate" => match sensor_spec(what).map(|s| s.max_change_per_day) {
            Some((Some(_), None)) => tf!("{0} rising fast", label()),
            Some((None, Some(_))) => tf!("{0} falling fast", label()),
            _ => tf!("{0} changing fast", label()),
        },
        "missing_data" => tf!(
            "{0} readings missing",
            Subsystem::parse(what).map_or(what, |s| crate::i18n::word(s.label()))
        ),
        "repeated" => tf!("Repeated error {0}", what),
        // "spc:q30:151-8-8-151", or "spc:q30:151-8-8-151:S4" (on S4 flow cells).
        "spc" => {
            let kind = what.strip_prefix("q30:").unwrap_or(what);
            let (runs, cell) = kind.split_once(':').unwrap_or((kind, ""));
            if cell.is_empty() {
                tf!("%≥Q30 out of control ({0})", runs)
            } else {
                tf!("%≥Q30 out of control ({0} on {1})", runs, cell)
            }
        }
        _ => code.to_string(),
    }
}

/// A control rule a run completes, in plain words: "4 of the last 5 runs more than 1 SD
/// below the mean" (from the rule's code; from its English name, `spc::rule_label`, as
/// older servers sent only that).
pub fn control_rule(s: &seqhealth_api::Q30Signal) -> String {
    let side = match s.side.as_str() {
        "below" => t!("below"),
        "above" => t!("above"),
        other => other,
    };
    let of = |k: u8, n: u8, sd: u8| {
        tf!(
            "{0} of the last {1} runs more than {2} SD {3} the mean",
            k,
            n,
            sd,
            side
        )
    };
    match (s.code.as_str(), s.rule.as_str()) {
        ("1_beyond_3sd", _) | (_, "1 beyond 3σ") => tf!("more than {0} SD {1} the mean", 3, side),
        ("2_of_3_beyond_2sd", _) | (_, "2 of 3 beyond 2σ") => of(2, 3, 2),
        ("4_of_5_beyond_1sd", _) | (_, "4 of 5 beyond 1σ") => of(4, 5, 1),
        ("8_on_one_side", _) | (_, "8 in a row on one side") => {
            tf!("{0} runs in a row {1} the mean", 8, side)
        }
        ("below_floor", _) | (_, "below spec floor") => {
            t!("below the model's specification").into()
        }
        (_, other) => other.into(),
    }
}

/// A month's short name ("Dec"; "dic" in Italian and Spanish), `m0` from 0.
fn month(m0: u32) -> &'static str {
    match m0 {
        0 => t!("Jan"),
        1 => t!("Feb"),
        2 => t!("Mar"),
        3 => t!("Apr"),
        4 => t!("May"),
        5 => t!("Jun"),
        6 => t!("Jul"),
        7 => t!("Aug"),
        8 => t!("Sep"),
        9 => t!("Oct"),
        10 => t!("Nov"),
        _ => t!("Dec"),
    }
}

/// The dashboard's one date style, "9 Dec 2026" (always "Sep", never "Sept"): every date
/// people read (`time::date` and `time::date_time` build on it). ISO dates are for inputs
/// and machine attributes only.
pub fn day(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {} {}", d.day(), month(d.month0()), d.year())
}

/// A name put inside a sentence: "Reagent chiller temperature" → "reagent chiller
/// temperature". Only an ASCII capital is lowered, and only the first letter, when the
/// second is not a capital too ("XY stage" stays): `str::to_lowercase` would bring
/// Unicode's case tables into the wasm (kilobytes) for names that are ASCII.
pub fn mid_sentence(name: &str) -> String {
    let mut s = name.to_string();
    let b = s.as_bytes();
    if b.first().is_some_and(u8::is_ascii_uppercase)
        && !b.get(1).is_some_and(u8::is_ascii_uppercase)
    {
        s[..1].make_ascii_lowercase();
    }
    s
}

/// A chosen date with its weekday: "Thursday 10 Dec 2026" (beside date fields).
pub fn weekday(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let name = match d.weekday().num_days_from_monday() {
        0 => t!("Monday"),
        1 => t!("Tuesday"),
        2 => t!("Wednesday"),
        3 => t!("Thursday"),
        4 => t!("Friday"),
        5 => t!("Saturday"),
        _ => t!("Sunday"),
    };
    format!("{name} {}", day(d))
}

/// A time span as a caption says it after "per": "hour", "6 h", "day", "7 days".
pub fn span(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => tf!("{0} min", (s / 60).max(1)),
        3600 => t!("hour").into(),
        s if s < 86_400 => tf!("{0} h", s / 3600),
        86_400 => t!("day").into(),
        s => tf!("{0} days", s / 86_400),
    }
}

/// The time one point of a series stands for: its bucket (`bucket_seconds`), or the
/// usual gap between its points when readings come less often than that (hourly buckets
/// of readings sent every 6 h are a point per 6 h). `starts`: the points' times, oldest
/// first, in seconds.
pub fn spacing(bucket_seconds: i64, starts: &[i64]) -> i64 {
    let step = bucket_seconds.max(1);
    let gaps: Vec<i64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
    // The median gap, found by counting (a sort costs kilobytes of wasm; a series has at
    // most a few hundred points).
    let mid = gaps.len() / 2;
    let median = gaps.iter().copied().find(|&g| {
        let below = gaps.iter().filter(|&&x| x < g).count();
        let up_to = gaps.iter().filter(|&&x| x <= g).count();
        below <= mid && mid < up_to
    });
    // In whole buckets: a point stands for one or more of them.
    median.map_or(step, |g| (g / step).max(1) * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_inside_a_sentence_loses_only_its_first_capital() {
        assert_eq!(
            mid_sentence("Reagent chiller temperature"),
            "reagent chiller temperature"
        );
        assert_eq!(
            mid_sentence("XY stage position error"),
            "XY stage position error"
        );
        assert_eq!(
            mid_sentence("Temperatura del Chiller"),
            "temperatura del Chiller"
        );
        assert_eq!(mid_sentence("Ötzi"), "Ötzi");
        assert_eq!(mid_sentence(""), "");
    }

    #[test]
    fn a_chosen_date_says_its_weekday() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(weekday(d(2026, 12, 10)), "Thursday 10 Dec 2026");
        assert_eq!(weekday(d(2026, 12, 13)), "Sunday 13 Dec 2026");
        assert_eq!(weekday(d(2024, 2, 29)), "Thursday 29 Feb 2024");
    }

    #[test]
    fn fixed_and_shortest_write_what_format_writes() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut values = vec![
            0.0,
            -0.0,
            0.25,
            0.35,
            1.15,
            2.5,
            -2.5,
            0.5,
            1.5,
            -0.04,
            0.05,
            1.005,
            91.25,
            99.95,
            1e-9,
            123456.789,
            1e15,
            -7.0,
            10.0,
            85.2,
            0.1,
            3.3,
            f64::NAN,
            f64::INFINITY,
            -f64::INFINITY,
        ];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push((x % 2_000_000) as f64 / 1000.0 - 1000.0);
            values.push((x % 100_000) as f64 / 997.0);
            values.push(f64::from_bits(x) % 1e6);
        }
        for v in values {
            for d in 0..=3 {
                assert_eq!(fixed(v, d), format!("{v:.d$}"), "{v:e} to {d}");
            }
            if v.is_finite() && format!("{v}").len() <= 12 {
                assert_eq!(shortest(v), format!("{v}"), "{v:e}");
            }
        }
    }

    #[test]
    fn missing_figures_are_a_dash() {
        assert_eq!(pct(None), MISSING);
        assert_eq!(pct(Some(f64::NAN)), MISSING);
        assert_eq!(pct(Some(91.234)), "91.2 %");
        assert_eq!(number(Some(1234.56), 0), "1235");
        assert_eq!(text(&Some(String::new())), MISSING);
    }

    #[test]
    fn rules_are_words() {
        let cases = [
            (
                "threshold:chiller_temp_c",
                "Reagent chiller temperature out of range",
            ),
            ("rate:laser_power_pct", "Laser output power falling fast"),
            ("missing_data:thermal", "Thermal readings missing"),
            ("repeated:E123", "Repeated error E123"),
            (
                "spc:q30:151-8-8-151:S4",
                "%≥Q30 out of control (151-8-8-151 on S4)",
            ),
            ("spc:q30:2x150", "%≥Q30 out of control (2x150)"),
            ("something_new", "something_new"),
        ];
        for (code, words) in cases {
            assert_eq!(rule(code), words, "{code}");
        }
        // Every sensor's rules read as words, none as its code.
        for s in seqhealth_api::domain::SENSORS {
            for kind in ["threshold", "rate"] {
                let shown = rule(&format!("{kind}:{}", s.name));
                assert!(shown.starts_with(s.label), "{shown}");
            }
        }
    }

    #[test]
    fn control_rules_are_words_from_their_code_or_an_older_name() {
        let signal = |rule: &str, code: &str| seqhealth_api::Q30Signal {
            rule: rule.into(),
            code: code.into(),
            side: "below".into(),
            severity: seqhealth_api::Severity::Warning,
        };
        let words = "4 of the last 5 runs more than 1 SD below the mean";
        assert_eq!(control_rule(&signal("", "4_of_5_beyond_1sd")), words);
        assert_eq!(control_rule(&signal("4 of 5 beyond 1σ", "")), words);
        assert_eq!(control_rule(&signal("new rule", "new")), "new rule");
    }

    #[test]
    fn dates_have_one_style() {
        let d = |s: &str| day(s.parse().unwrap());
        assert_eq!(d("2026-12-09"), "9 Dec 2026");
        assert_eq!(d("2026-09-14"), "14 Sep 2026");
        assert_eq!(d("2027-01-01"), "1 Jan 2027");
    }

    #[test]
    fn spans_say_the_data_s_own_step() {
        assert_eq!(span(900), "15 min");
        assert_eq!(span(3600), "hour");
        assert_eq!(span(6 * 3600), "6 h");
        assert_eq!(span(86_400), "day");
        assert_eq!(span(7 * 86_400), "7 days");
        let h = 3600;
        // Hourly buckets of readings every 6 h (one late, one missing).
        let six: Vec<i64> = [0, 6, 12, 19, 24, 36, 42].iter().map(|x| x * h).collect();
        assert_eq!(spacing(h, &six), 6 * h);
        // Hourly readings, a gap of a day among them.
        let hourly: Vec<i64> = (0..48).chain(72..96).map(|x| x * h).collect();
        assert_eq!(spacing(h, &hourly), h);
        assert_eq!(spacing(86_400, &[0, 86_400, 2 * 86_400]), 86_400);
        assert_eq!(spacing(h, &[]), h);
        assert_eq!(spacing(h, &[5]), h);
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(5), "just now");
        assert_eq!(age(300), "5 min ago");
        assert_eq!(age(3 * 3600 + 10), "3 h ago");
        assert_eq!(age(3 * 86400), "3 days ago");
    }
}
