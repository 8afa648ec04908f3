//! How numbers and ages read on screen. A missing figure is an em dash, never "NaN".

pub const MISSING: &str = "—";

pub fn pct(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.1} %"))
        .unwrap_or_else(|| MISSING.into())
}

pub fn number(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.decimals$}"))
        .unwrap_or_else(|| MISSING.into())
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
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 48 * 3600 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86400),
    }
}

/// What a warning's rule is called on screen, from its code: "threshold:chiller_temp_c"
/// is "Reagent chiller temperature out of range" (labels from the sensor table). The one
/// place rule codes turn into words; a code it does not know is shown as it is.
pub fn rule(code: &str) -> String {
    use seqhealth_api::{domain::sensor_spec, Subsystem};
    let (kind, what) = code.split_once(':').unwrap_or((code, ""));
    let label = || sensor_spec(what).map(|s| s.label).unwrap_or(what);
    match kind {
        "threshold" => format!("{} out of range", label()),
        "rate" => {
            let how = match sensor_spec(what).map(|s| s.max_change_per_day) {
                Some((Some(_), None)) => "rising fast",
                Some((None, Some(_))) => "falling fast",
                _ => "changing fast",
            };
            format!("{} {how}", label())
        }
        "missing_data" => match Subsystem::parse(what) {
            Some(s) => format!("{} readings missing", s.label()),
            None => format!("Readings missing ({what})"),
        },
        "repeated" => format!("Repeated error {what}"),
        // "spc:q30:151-8-8-151" or "spc:q30:151-8-8-151:S4".
        "spc" => {
            let mut parts = what.splitn(3, ':').skip(1);
            let runs = parts.next().unwrap_or_default();
            match parts.next() {
                Some(cell) => format!("%≥Q30 out of control ({runs} runs on {cell})"),
                None => format!("%≥Q30 out of control ({runs} runs)"),
            }
        }
        _ => code.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
                "%≥Q30 out of control (151-8-8-151 runs on S4)",
            ),
            ("spc:q30:2x150", "%≥Q30 out of control (2x150 runs)"),
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
    fn ages_read_naturally() {
        assert_eq!(age(5), "just now");
        assert_eq!(age(300), "5 min ago");
        assert_eq!(age(3 * 3600 + 10), "3 h ago");
        assert_eq!(age(3 * 86400), "3 days ago");
    }
}
