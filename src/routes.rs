//! The dashboard's addresses, typed: every internal link and navigation takes its path from
//! a [`Route`], so a link cannot name a page that is not there. `app`'s `Page::of` reads the
//! same paths back.

/// A page of the dashboard (with what it is narrowed or scrolled to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    Fleet,
    Login,
    Instrument(i64),
    /// One sensor's chart on an instrument's page (`#sensor-…`).
    Sensor(i64, &'a str),
    Warnings,
    Replacements,
    /// The replacements page narrowed to one instrument.
    InstrumentReplacements(i64),
    Audit,
}

impl Route<'_> {
    /// The path (with query or fragment) to link to.
    pub fn href(&self) -> String {
        match *self {
            Route::Fleet => "/".into(),
            Route::Login => "/login".into(),
            Route::Instrument(id) => format!("/instruments/{id}"),
            Route::Sensor(id, sensor) => format!("/instruments/{id}#{}", sensor_anchor(sensor)),
            Route::Warnings => "/warnings".into(),
            Route::Replacements => "/replacements".into(),
            Route::InstrumentReplacements(id) => format!("/replacements?instrument={id}"),
            Route::Audit => "/audit".into(),
        }
    }
}

/// The id of a sensor's chart on an instrument's page, the fragment of [`Route::Sensor`].
pub fn sensor_anchor(sensor: &str) -> String {
    format!("sensor-{sensor}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs() {
        let cases = [
            (Route::Fleet, "/"),
            (Route::Login, "/login"),
            (Route::Instrument(7), "/instruments/7"),
            (
                Route::Sensor(7, "chiller_temp_c"),
                "/instruments/7#sensor-chiller_temp_c",
            ),
            (Route::Warnings, "/warnings"),
            (Route::Replacements, "/replacements"),
            (
                Route::InstrumentReplacements(7),
                "/replacements?instrument=7",
            ),
            (Route::Audit, "/audit"),
        ];
        for (route, href) in cases {
            assert_eq!(route.href(), href, "{route:?}");
        }
    }
}
