//! The dashboard's addresses, typed: every internal link and navigation takes its path from
//! a [`Route`], so a link cannot name a page that is not there. `app`'s `Page::of` reads the
//! same paths back.

/// A page of the dashboard (with what it is narrowed or scrolled to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route<'a> {
    Fleet,
    Login,
    /// The login page, going on to a same-site path afterwards (see [`safe_next`]).
    LoginThen(&'a str),
    Instrument(i64),
    /// One sensor's chart on an instrument's page (`#sensor-…`).
    Sensor(i64, &'a str),
    /// An instrument's open warnings, on its page.
    InstrumentWarnings(i64),
    Warnings,
    Replacements,
    /// The replacements page narrowed to one instrument.
    InstrumentReplacements(i64),
    Audit,
    Team,
    Account,
    /// The lab's notification settings, webhooks and delivery log (managers).
    Notifications,
}

impl Route<'_> {
    /// The path (with query or fragment) to link to.
    pub fn href(&self) -> String {
        match *self {
            Route::Fleet => "/".into(),
            Route::Login => "/login".into(),
            Route::LoginThen(next) => match safe_next(next) {
                Some(next) if next != "/" && !next.starts_with("/login") => {
                    format!("/login?next={}", encode(next))
                }
                _ => "/login".into(),
            },
            Route::Instrument(id) => format!("/instruments/{id}"),
            Route::Sensor(id, sensor) => format!("/instruments/{id}#{}", sensor_anchor(sensor)),
            Route::InstrumentWarnings(id) => format!("/instruments/{id}#warnings"),
            Route::Warnings => "/warnings".into(),
            Route::Replacements => "/replacements".into(),
            Route::InstrumentReplacements(id) => format!("/replacements?instrument={id}"),
            Route::Audit => "/audit".into(),
            Route::Team => "/team".into(),
            Route::Account => "/account".into(),
            Route::Notifications => "/notifications".into(),
        }
    }
}

/// `next` if it is a path on this site to go to after login: it starts with one `/` (not
/// `//` or `/\`, which a browser reads as another host) and holds no control character or
/// backslash. Anything else is dropped (the login page then goes to the fleet).
pub fn safe_next(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    let ok = !rest.starts_with('/') && !next.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(next)
}

/// Percent-encodes a query value (all but unreserved characters and `/`).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let hex = b"0123456789ABCDEF";
            out.extend([
                '%',
                hex[usize::from(b >> 4)] as char,
                hex[usize::from(b & 15)] as char,
            ]);
        }
    }
    out
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
            (Route::LoginThen("/"), "/login"),
            (Route::LoginThen("/login?next=/x"), "/login"),
            (Route::LoginThen("//evil.example/"), "/login"),
            (
                Route::LoginThen("/instruments/7?a=1&b=2#sensor-x"),
                "/login?next=/instruments/7%3Fa%3D1%26b%3D2%23sensor-x",
            ),
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
            (Route::Notifications, "/notifications"),
        ];
        for (route, href) in cases {
            assert_eq!(route.href(), href, "{route:?}");
        }
    }

    #[test]
    fn only_same_site_paths_come_back_after_login() {
        for ok in ["/", "/instruments/7", "/warnings?status=all", "/a#b"] {
            assert_eq!(safe_next(ok), Some(ok));
        }
        for bad in [
            "",
            "instruments/7",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/a\nb",
            "/a\\b",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
