//! What the server says, as data: a [`Said`] is a code and its figures, worded by the
//! reader in its language. [`TEMPLATES`] is the one table of codes and their English
//! templates (`{0}`, `{1}`, … are the figures); the dashboard's catalogs and the server's
//! exports translate a template keyed by its English text, as every other string.
//!
//! Numbers travel as numbers, so each language writes its own decimal point; a sensor's
//! label or a component's name travels as its English word ([`Figure::Word`]), which the
//! catalogs translate like the rest of the contract's words. The English sentence still
//! travels beside a `Said` (old dashboards, old stored rows without a code).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A sentence as data: which one ([`TEMPLATES`]) and what fills it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub code: String,
    #[serde(default)]
    pub figures: Vec<Figure>,
}

/// One blank of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// A number as Rust's `{}` writes it: "8", "92.5".
    N(f64),
    /// A reading or limit: enough digits to read, none to spare ([`readable`]).
    G(f64),
    /// A number with so many decimals: `[0.12, 3]` is "0.120".
    F(f64, u32),
    /// The same with its sign always written: "+0.120".
    Sf(f64, u32),
    /// A duration in seconds, in the largest unit that keeps it readable: "10 min".
    Secs(f64),
    /// A lab's local day: "9 Dec 2026".
    Day(NaiveDate),
    /// A word of the contract (a sensor's label, a component, a unit), translated.
    Word(String),
    /// The same, in lower case: "the laser".
    Lower(String),
    /// Written as it is: a run's id, an error code, a planned run's label.
    Text(String),
    /// A sentence inside the sentence.
    Said(Box<Said>),
}

impl Said {
    pub fn new(code: &str, figures: Vec<Figure>) -> Said {
        Said {
            code: code.to_string(),
            figures,
        }
    }

    /// This sentence in English: the server's text beside the code.
    pub fn english(&self) -> String {
        self.word(&English).unwrap_or_else(|| self.code.clone())
    }

    /// This sentence in a reader's language; `None` for a code this build does not know
    /// (the reader shows the English text that travels with it).
    pub fn word(&self, lexicon: &dyn Lexicon) -> Option<String> {
        let mut out = String::new();
        for piece in Pieces(lexicon.template(&self.code)?) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Blank(k) => match self.figures.get(k) {
                    Some(f) => out.push_str(&f.word(lexicon)?),
                    None => out.push_str(&format!("{{{k}}}")),
                },
            }
        }
        Some(out)
    }
}

/// A template read piece by piece: its text, and its blanks `{0}`, `{1}`, … A `{` that
/// opens no blank is text.
pub struct Pieces<'a>(pub &'a str);

pub enum Piece<'a> {
    Text(&'a str),
    Blank(usize),
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        let rest = self.0;
        if rest.is_empty() {
            return None;
        }
        let blank = rest
            .strip_prefix('{')
            .and_then(|r| r.split_once('}'))
            .and_then(|(k, after)| Some((k.parse::<usize>().ok()?, after)));
        if let Some((k, after)) = blank {
            self.0 = after;
            return Some(Piece::Blank(k));
        }
        // Text up to the next `{` (a lone `{` at the start is text too).
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let end = rest[first..].find('{').map_or(rest.len(), |i| i + first);
        self.0 = &rest[end..];
        Some(Piece::Text(&rest[..end]))
    }
}

/// `template` with `{0}`, `{1}`, … replaced by `args` (a blank without one stays as
/// written): the dashboard's `tf!` and the server's export words.
#[inline(never)]
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for piece in Pieces(template) {
        let _ = match piece {
            Piece::Text(t) => out.write_str(t),
            Piece::Blank(k) => match args.get(k) {
                Some(a) => write!(out, "{a}"),
                None => write!(out, "{{{k}}}"),
            },
        };
    }
    out
}

impl Figure {
    pub fn said(s: Said) -> Figure {
        Figure::Said(Box::new(s))
    }

    fn word(&self, lexicon: &dyn Lexicon) -> Option<String> {
        Some(match self {
            Figure::N(v) => lexicon.shortest(*v),
            Figure::G(v) => readable(lexicon, *v),
            Figure::F(v, dp) => lexicon.fixed(*v, *dp as usize),
            Figure::Sf(v, dp) => {
                let s = lexicon.fixed(*v, *dp as usize);
                if v.is_sign_positive() && !v.is_nan() {
                    format!("+{s}")
                } else {
                    s
                }
            }
            Figure::Secs(s) => {
                let (code, n) = duration(*s);
                Said::new(code, vec![n]).word(lexicon)?
            }
            Figure::Day(d) => format!(
                "{} {} {}",
                d.day(),
                lexicon.tr(MONTHS[d.month0() as usize]),
                d.year()
            ),
            Figure::Word(w) => lexicon.tr(w).to_string(),
            Figure::Lower(w) => lexicon.lower(lexicon.tr(w)),
            Figure::Text(t) => t.clone(),
            Figure::Said(s) => s.word(lexicon)?,
        })
    }
}

/// What a reader translates with: English text → its language's, and how it writes
/// numbers. The defaults use core's float formatting with [`Lexicon::decimal_point`]; the
/// dashboard writes numbers its own way (core's float formatting costs kilobytes of wasm).
pub trait Lexicon {
    /// `english` in the reader's language, or `english` itself.
    fn tr<'a>(&'a self, english: &'a str) -> &'a str;

    /// The template of `code` ([`TEMPLATES`]) in the reader's language; `None` for a code
    /// it does not know.
    fn template<'a>(&'a self, code: &'a str) -> Option<&'a str> {
        template(code).map(|t| self.tr(t))
    }

    fn decimal_point(&self) -> char {
        '.'
    }

    /// `format!("{v:.decimals$}")` with this reader's decimal point.
    fn fixed(&self, v: f64, decimals: usize) -> String {
        point(format!("{v:.decimals$}"), self.decimal_point())
    }

    /// `format!("{v}")`: the fewest decimals that read back as `v`.
    fn shortest(&self, v: f64) -> String {
        point(format!("{v}"), self.decimal_point())
    }

    /// `s` in lower case ("the reagent chiller").
    fn lower(&self, s: &str) -> String {
        s.to_lowercase()
    }

    /// `format!("{v:.2e}")`: "1.50e-5".
    fn exponent(&self, v: f64) -> String {
        point(format!("{v:.2e}"), self.decimal_point())
    }
}

fn point(s: String, point: char) -> String {
    match point {
        '.' => s,
        c => s.replace('.', &c.to_string()),
    }
}

/// The English reader: every word as it is.
pub struct English;

impl Lexicon for English {
    fn tr<'a>(&'a self, english: &'a str) -> &'a str {
        english
    }
}

/// The months' short names, as the dashboard's dates write them ("9 Dec 2026").
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A number for a message: enough digits to read, none to spare.
pub fn readable(lexicon: &dyn Lexicon, v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".to_owned()
    } else if !(0.01..1e6).contains(&a) {
        // Tiny, huge, infinite or NaN: scientific notation says it plainly.
        lexicon.exponent(v)
    } else if a >= 100.0 {
        lexicon.fixed(v, 0)
    } else if a >= 10.0 {
        lexicon.fixed(v, 1)
    } else {
        lexicon.fixed(v, 2)
    }
}

/// A duration's code and figure: "{0} min" and 10 for 600 s, "{0} h" and 5.0.
fn duration(seconds: f64) -> (&'static str, Figure) {
    let s = seconds.max(0.0);
    if s < 120.0 {
        ("secs", Figure::F(s, 0))
    } else if s < 7_200.0 {
        ("mins", Figure::F(s / 60.0, 0))
    } else if s < 172_800.0 {
        ("hours", Figure::F(s / 3_600.0, 1))
    } else {
        ("days", Figure::F(s / 86_400.0, 1))
    }
}

/// The English template of `code`.
pub fn template(code: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

/// Every code and its English template: the one table the server, its exports and the
/// dashboard word from (the catalogs `public/i18n/*.json` translate the templates).
pub const TEMPLATES: &[(&str, &str)] = &[
    // Durations (their figure is written with the reader's decimal point).
    ("secs", "{0} s"),
    ("mins", "{0} min"),
    ("hours", "{0} h"),
    ("days", "{0} d"),
    // Warning causes.
    ("threshold_above_critical", "{0} at {1} {2}, above the {3} {2} critical limit"),
    ("threshold_below_critical", "{0} at {1} {2}, below the {3} {2} critical limit"),
    ("threshold_above_warning", "{0} at {1} {2}, above the {3} {2} warning limit"),
    ("threshold_below_warning", "{0} at {1} {2}, below the {3} {2} warning limit"),
    ("advised", "{0}; {1}"),
    ("rate_rising", "{0} rising {1} {2}/day over the last {3} (limit {4} {2}/day)"),
    ("rate_falling", "{0} falling {1} {2}/day over the last {3} (limit {4} {2}/day)"),
    ("rate_runs_rising", "{0} rising {1} {2} a run over the last {3} runs (limit {4} {2} a run)"),
    ("rate_runs_falling", "{0} falling {1} {2} a run over the last {3} runs (limit {4} {2} a run)"),
    ("repeated_error", "error {0} logged {1} times in the last {2} (limit {3})"),
    ("missing_data", "no {0} for {1} (usually every {2})"),
    (
        "run_quality",
        "Run quality: %≥Q30 {0} % on {1} ({2}) completes \"{3}\" against its baseline of {4} % \
         (control limits {5}–{6} %); check the reagent and flow-cell lots, then the optics",
    ),
    ("run_kind_on", "{0} on {1}"),
    // Control rules.
    ("spc_1_beyond_3sd", "1 beyond 3σ"),
    ("spc_2_of_3_beyond_2sd", "2 of 3 beyond 2σ"),
    ("spc_4_of_5_beyond_1sd", "4 of 5 beyond 1σ"),
    ("spc_8_on_one_side", "8 in a row on one side"),
    ("spc_below_floor", "below spec floor"),
    // What to do about a sensor past its band.
    ("advice_book", "{0}; if it does not recover, book a replacement of the {1}"),
    ("advice_laser", "check the optics are clean and the laser's hours"),
    (
        "advice_optics",
        "check the flow cell is clean and seated, then run the instrument's optics check",
    ),
    ("advice_stage", "check the flow cell is seated flat, then run the stage calibration"),
    ("advice_heater", "check the flow-cell door and heater contacts, then the room's temperature"),
    (
        "advice_chiller",
        "check the reagent chiller's door, fan and coolant, and move reagents elsewhere while it is warm",
    ),
    ("advice_wash", "run a maintenance wash and check the lines and reagent positions"),
    ("advice_lot", "compare with the next run's reagent lot, then check the optics"),
    (
        "advice_channels",
        "compare its channels with the other laser's, then run the instrument's optics check",
    ),
    ("advice_room", "check the room's air conditioning: the instrument's operating range is exceeded"),
    ("advice_diagnostics", "check the instrument's own diagnostics"),
    // Replacement reasons.
    (
        "reason_reached",
        "{0} has reached its limit of {1} {2}: its fitted trend crossed it about {3} ({4})",
    ),
    (
        "reason_predicted",
        "{0} is predicted to reach its limit of {1} {2} about {3} (between {4} and {5}), from {6}",
    ),
    ("trend_runs", "a trend of {0} {1} a run over {2} runs"),
    ("trend_days", "a trend of {0} {1}/day over {2} days"),
    ("reason_warning", "Warning raised {0}: {1}"),
    ("moved_rises", "{0} now rises {1} {2} per day"),
    ("moved_falls", "{0} now falls {1} {2} per day"),
    ("moved_peaks_rise", "{0}'s daily peaks now rise {1} {2} per day"),
    ("moved_peaks_fall", "{0}'s daily peaks now fall {1} {2} per day"),
    // The audit log's details (user-typed text, names and e-mails travel as `Text`).
    ("audit_as_is", "{0}"),
    ("audit_named", "{0}: {1}"),
    ("audit_noted", "{0} — {1}"),
    ("audit_reset_link", "A password-reset link was made for {0}"),
    ("audit_password_reset", "{0} chose a new password with a reset link; their sessions ended"),
    ("audit_logged_out_everywhere", "{0} logged out everywhere ({1} sessions ended)"),
    ("audit_password_changed", "{0} changed their password; {1} other sessions ended"),
    ("audit_renamed", "{0} is now called {1}"),
    ("audit_silenced", "{0} until {1}: {2}"),
    (
        "audit_token_revoked",
        "The agent's token was revoked; its pushes are refused until it enrolls again",
    ),
    ("audit_enrolled", "The agent of {0} ({1}) enrolled with a one-time code"),
    ("audit_code_issued", "A new enrollment code was issued; earlier unused codes no longer work"),
    ("audit_sharing_on", "The instrument's agent turned \"send performance data\" on"),
    ("audit_sharing_off", "The instrument's agent turned \"send performance data\" off"),
    ("audit_acknowledged", "Acknowledged warning: {0} — {1}"),
    ("audit_acknowledged_again", "Acknowledged again after it got worse: {0} — {1}"),
    ("audit_planned_run", "Planned run \"{0}\" on {1}, {2} to {3}"),
    ("audit_planned_run_removed", "Planned run \"{0}\" on {1}, {2} to {3}, removed"),
    ("audit_instrument_added", "{0} {1} \"{2}\" added; an enrollment code was issued"),
    ("audit_role_changed", "{0} is now a {1} (was a {2})"),
    ("audit_deactivated", "{0} was deactivated; their sessions ended"),
    ("audit_lab_set_up", "Lab set up; a setup link was issued for its first manager, {0}"),
    ("audit_joined", "{0} ({1}) joined as {2}"),
    ("audit_invited", "{0} invited as {1}"),
    ("audit_invited_again", "{0} invited again as {1}: a new link, the old one stopped working"),
    ("audit_invitation_withdrawn", "The invitation of {0} was withdrawn; its link no longer works"),
    ("audit_slot", "{0} {1}"),
    ("audit_scheduled", "{0} replacement scheduled for {1}{2}"),
    ("audit_moved", "{0} replacement moved from {1} to {2}{3}"),
    ("audit_engineer_case", " (engineer {0}, case {1})"),
    ("audit_engineer", " (engineer {0})"),
    ("audit_case", " (case {0})"),
    ("audit_cancelled", "{0} replacement cancelled: {1}"),
    (
        "audit_completed",
        "{0} replaced; {1} warnings resolved; its prediction starts a new baseline",
    ),
    (
        "audit_completed_one",
        "{0} replaced; 1 warning resolved; its prediction starts a new baseline",
    ),
    ("audit_feed_new", "New calendar subscription link; the previous link no longer works"),
    ("audit_feed_created", "Calendar subscription link created"),
    ("audit_notify_settings", "digest at {0}, escalate after {1} min, remind every {2} h"),
    // The fleet's Today.
    ("today_silent", "Has stopped sending data"),
    ("today_replace", "Replace the {0}: {1}"),
    ("today_at_risk", "Planned run “{0}” at risk: {1}"),
    ("risk_due", "the {0} is due by then, not booked"),
    ("risk_critical", "the instrument has an open critical warning"),
    // API errors: the detail of an error body (`ApiError::said`).
    (
        "error_unavailable",
        "the database cannot take this now (full, read-only or failing); nothing was stored: send it again later",
    ),
    ("error_internal", "the server could not complete the request; it has been logged"),
    ("error_not_logged_in", "not logged in"),
    ("managers_only", "only a lab manager can {0}"),
    (
        "bad_date",
        "`{0}` must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z), not {1}",
    ),
    ("bad_window", "`from` ({0}) must be before `to` ({1})"),
    ("field_length", "`{0}` must be 1–{1} characters"),
    ("field_max", "`{0}` must be at most {1} characters"),
    ("field_line", "`{0}` must be at most {1} characters of text, on one line"),
    ("bad_email", "{0} is not an email address"),
    ("bad_time", "`{0}` must be a time as HH:MM, not {1}"),
    ("bad_model", "`model` must be one of {0}, not {1}"),
    (
        "bad_serial",
        "`serial` must be 1–40 letters, digits, '-' or '_' (as on the instrument's label)",
    ),
    ("serial_taken", "an instrument with serial {0} is already registered in your lab: {1}"),
    ("no_token", "this instrument has no active token to revoke"),
    (
        "agent_enrolled",
        "this instrument's agent is enrolled; revoke its token first, then issue a new code",
    ),
    ("no_instrument", "no instrument with id {0} in your lab"),
    ("no_warning", "no warning with id {0} in your lab"),
    (
        "warning_refused",
        "warning {0} is {1}; only an active warning, or an acknowledged one that got worse since, can be acknowledged",
    ),
    ("no_replacement", "no replacement with id {0} in your lab"),
    ("replacement_refused", "replacement {0} is {1}; {2}"),
    ("only_scheduled_reschedule", "only a scheduled replacement can be rescheduled"),
    (
        "only_recommended_schedule",
        "only a recommended replacement can be scheduled (reschedule moves an appointment)",
    ),
    ("only_open_cancel", "only a recommended or scheduled replacement can be cancelled"),
    ("only_scheduled_complete", "only a scheduled replacement can be marked completed"),
    ("changed_meanwhile", "someone else changed it a moment ago; reload to see the appointment"),
    ("no_slot", "{0} has no such slot"),
    ("slot_started", "the {0} slot of {1} has already started; pick a later one"),
    ("slot_too_far", "{0} is more than {1} days ahead"),
    (
        "planned_run_collision",
        "{0} has a planned run on {1}: {2}; pick another slot or book it anyway",
    ),
    ("planned_run_past", "the planned run ends {0} — in the past"),
    ("planned_run_order", "`ends_on` ({0}) is before `starts_on` ({1})"),
    ("planned_run_long", "a planned run is at most {0} days, not {1}"),
    ("no_planned_run", "no planned run with id {0} in your lab"),
    (
        "silence_reason",
        "`reason` must be 1–200 characters: the audit log says why the instrument was silenced",
    ),
    ("silence_until", "`until` must be in the future and at most 30 days ahead"),
    ("quiet_hours", "quiet hours need both `quiet_from` and `quiet_to`, and they must differ"),
    ("escalate_range", "`escalate_after_minutes` must be from 1 to 10080 (7 days)"),
    ("remind_range", "`remind_every_hours` must be from 1 to 168 (7 days)"),
    ("webhook_url_one", "`url` must be one address of at most 2,000 characters"),
    ("webhook_url_https", "`url` must start with https://"),
    (
        "webhook_url_credentials",
        "`url` must not hold a user name or password: the secret signs each delivery",
    ),
    ("webhook_url_host", "`url` has no host"),
    (
        "webhook_url_plain",
        "`url` must be https:// (plain http:// only to this machine): deliveries name your instruments",
    ),
    ("webhooks_max", "a lab has at most {0} webhooks: remove one first"),
    ("no_webhook", "no webhook with id {0}"),
    ("no_user", "no user with id {0} in your lab"),
    ("last_manager", "{0} is the lab's last active manager: make someone else a manager first"),
    ("already_deactivated", "{0} is already deactivated"),
    ("account_exists", "{0} already has a seqhealth account; ask them to log in"),
    ("account_log_in", "{0} already has an account; log in instead"),
    (
        "no_invitation",
        "no open invitation with id {0} in your lab (it may have been used, withdrawn or expired)",
    ),
    (
        "link_invalid",
        "this link is not valid: check that it was copied whole, or ask for a new one",
    ),
    ("link_used", "this link was already used; ask for a new one"),
    ("invitation_used", "this link was already used; log in, or ask for a new link"),
    ("link_expired", "this link has expired; ask for a new one"),
    (
        "unsubscribe_invalid",
        "this unsubscribe link is not valid: check that it was copied whole, or change what you are told on your Account page",
    ),
    ("password_not_right", "the current password is not right"),
    ("password_short", "a password needs at least {0} characters (this one has {1})"),
    ("password_email", "a password must not be or contain your email address"),
    ("password_repeated", "a password must not be one character repeated"),
    ("password_common", "this password is one of the most common ones; choose another"),
    (
        "password_listed",
        "this password is among the 10,000 most common ones (a published list of leaked passwords), even with digits or signs added; choose another, such as a few unrelated words",
    ),
    ("wrong_login", "wrong email or password"),
    ("too_many_logins", "too many failed logins; wait 15 minutes and try again"),
    ("too_many_attempts", "too many attempts; wait 15 minutes and try again"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_with_any_text_between_their_blanks() {
        let shown = |t: &str| fill(t, &[&"a", &2.5]);
        assert_eq!(shown("{1} di {0}"), "2.5 di a");
        assert_eq!(shown("–{1} %) {0}–{0}"), "–2.5 %) a–a");
        assert_eq!(shown("{x} {9} {"), "{x} {9} {");
        assert_eq!(shown("é{{0}}"), "é{a}");
        assert_eq!(shown(""), "");
    }

    struct Italian;
    impl Lexicon for Italian {
        fn tr<'a>(&'a self, english: &'a str) -> &'a str {
            match english {
                "{0} at {1} {2}, above the {3} {2} critical limit" => {
                    "{0} a {1} {2}, sopra il limite critico di {3} {2}"
                }
                "Chiller temperature" => "Temperatura del refrigeratore",
                "{0} min" => "{0} min",
                "Dec" => "dic",
                e => e,
            }
        }
        fn decimal_point(&self) -> char {
            ','
        }
    }

    #[test]
    fn a_said_is_worded_in_each_language() {
        let s = Said::new(
            "threshold_above_critical",
            vec![
                Figure::Word("Chiller temperature".into()),
                Figure::G(11.94),
                Figure::Text("°C".into()),
                Figure::G(10.0),
            ],
        );
        assert_eq!(
            s.english(),
            "Chiller temperature at 11.9 °C, above the 10.0 °C critical limit"
        );
        assert_eq!(
            s.word(&Italian).unwrap(),
            "Temperatura del refrigeratore a 11,9 °C, sopra il limite critico di 10,0 °C"
        );
        assert_eq!(Said::new("nope", vec![]).word(&English), None);
    }

    #[test]
    fn figures_read_as_numbers_days_and_durations() {
        let w = |f: Figure| Said::new("advised", vec![f, Figure::Text("x".into())]).english();
        assert_eq!(w(Figure::Secs(600.0)), "10 min; x");
        assert_eq!(w(Figure::Secs(3.0 * 86_400.0)), "3.0 d; x");
        assert_eq!(w(Figure::Sf(0.1204, 3)), "+0.120; x");
        assert_eq!(w(Figure::N(8.0)), "8; x");
        assert_eq!(w(Figure::Sf(-0.0004, 3)), "-0.000; x");
        assert_eq!(w(Figure::G(-1e-5)), "-1.00e-5; x");
        assert_eq!(w(Figure::G(f64::NAN)), "NaN; x");
        assert_eq!(w(Figure::G(250.4)), "250; x");
        let day = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        assert_eq!(w(Figure::Day(day)), "9 Dec 2026; x");
        let said = Said::new("today_replace", vec![Figure::Lower("Laser".into())]);
        let json = serde_json::to_string(&Figure::said(said.clone())).unwrap();
        assert_eq!(
            json,
            r#"{"said":{"code":"today_replace","figures":[{"lower":"Laser"}]}}"#
        );
        assert_eq!(
            serde_json::from_str::<Figure>(&json).unwrap(),
            Figure::said(said)
        );
    }

    #[test]
    fn every_code_is_once_in_the_table() {
        for (i, (code, _)) in TEMPLATES.iter().enumerate() {
            assert!(
                TEMPLATES[..i].iter().all(|(c, _)| c != code),
                "{code} twice"
            );
        }
    }
}
