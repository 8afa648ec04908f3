//! What the server's messages say: each is a [`Letter`] of paragraphs and one link, written
//! once and rendered twice (plain text and HTML), with the lab's name and times in the
//! lab's own time zone, its name said; worded in the reader's language (the dashboard's
//! catalogs, [`crate::domain::words`]).

use crate::domain::words::{self, lexicon};
use chrono::{DateTime, Utc};
use seqhealth_api::{LabInfo, Language, Role};

/// A message: subject, paragraphs, the link it exists for, and a closing line.
#[derive(Debug, Clone)]
pub struct Letter {
    pub subject: String,
    lang: Language,
    lab: String,
    before: Vec<String>,
    link: (String, String),
    after: Vec<String>,
}

impl Letter {
    /// Plain text: paragraphs, the link on a line of its own (mail programs make it
    /// clickable), and who sent it.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for p in &self.before {
            out.push_str(p);
            out.push_str("\n\n");
        }
        out.push_str(&format!("{}:\n\n  {}\n\n", self.link.0, self.link.1));
        for p in &self.after {
            out.push_str(p);
            out.push_str("\n\n");
        }
        let by = lexicon(self.lang).t("seqhealth for {0}", &[&self.lab]);
        out.push_str(&format!("-- \n{by}\n"));
        out
    }

    /// HTML: the same words, the link as a button and in full (for those who copy it).
    pub fn html(&self) -> String {
        let para = |p: &String| format!("<p>{}</p>\n", escape(p));
        let (label, url) = (escape(&self.link.0), escape(&self.link.1));
        let words = lexicon(self.lang);
        let or_open = escape(&words.t("Or open this address:", &[]));
        let mut out = String::from(
            "<!doctype html>\n<html><body style=\"font-family:sans-serif;color:#1a1a1a;max-width:36em\">\n",
        );
        self.before.iter().for_each(|p| out.push_str(&para(p)));
        out.push_str(&format!(
            "<p><a href=\"{url}\" style=\"display:inline-block;padding:.6em 1.2em;background:#0b5394;\
             color:#fff;text-decoration:none;border-radius:4px\">{label}</a></p>\n\
             <p style=\"font-size:90%\">{or_open} <a href=\"{url}\">{url}</a></p>\n"
        ));
        self.after.iter().for_each(|p| out.push_str(&para(p)));
        out.push_str(&format!(
            "<p style=\"color:#555;font-size:90%\">{}</p>\n</body></html>\n",
            escape(&words.t("seqhealth for {0}", &[&self.lab]))
        ));
        out
    }
}

/// A colleague's invitation into the lab, in `lang` (the inviting manager's: the person
/// invited has no account, so no language of their own yet).
pub fn invitation(
    inviter: &str,
    lab: &LabInfo,
    role: Role,
    url: &str,
    expires: DateTime<Utc>,
    lang: Language,
) -> Letter {
    let w = lexicon(lang);
    let what = match role {
        Role::Manager => w.t(
            "a manager (you can change settings, schedule replacements and invite others)",
            &[],
        ),
        Role::Viewer => w.t(
            "a viewer (you can see everything; a manager makes the changes)",
            &[],
        ),
    };
    let until = words::local(lang, expires, &lab.time_zone);
    Letter {
        subject: w.t("You are invited to {0} on seqhealth", &[&lab.name]),
        lang,
        lab: lab.name.clone(),
        before: vec![
            w.t(
                "{0} invited you to {1}, where the lab follows its sequencers' health, as {2}.",
                &[&inviter, &lab.name, &what],
            ),
            w.t(
                "Choose your name and password with this link. It works once, until {0}.",
                &[&until],
            ),
        ],
        link: (w.t("Accept the invitation", &[]), url.into()),
        after: vec![w.t(
            "If you did not expect this, ignore it: nothing happens until the link is used.",
            &[],
        )],
    }
}

/// A link to choose a new password, asked for with "Forgot password?", in the language
/// of the account's owner (`lang`).
pub fn reset(
    email: &str,
    lab: &LabInfo,
    url: &str,
    expires: DateTime<Utc>,
    lang: Language,
) -> Letter {
    let w = lexicon(lang);
    let until = words::local(lang, expires, &lab.time_zone);
    Letter {
        subject: w.t("Choose a new seqhealth password", &[]),
        lang,
        lab: lab.name.clone(),
        before: vec![
            w.t(
                "Someone (you, we hope) asked for a new password for {0} at {1} on seqhealth.",
                &[&email, &lab.name],
            ),
            w.t(
                "Choose it with this link. It works once, until {0}; when it is used, your other sessions end.",
                &[&until],
            ),
        ],
        link: (w.t("Choose a new password", &[]), url.into()),
        after: vec![w.t(
            "If it was not you, do nothing: your password stays as it is.",
            &[],
        )],
    }
}

/// `at` in the lab's zone, the zone named: "13 Dec 2026, 14:05 CET (Europe/Berlin)".
pub fn local(at: DateTime<Utc>, time_zone: &str) -> String {
    words::local(Language::En, at, time_zone)
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn lab() -> LabInfo {
        LabInfo {
            name: "Genomics <Core> & Co".into(),
            time_zone: "Europe/Berlin".into(),
        }
    }

    #[test]
    fn times_are_the_labs_with_the_zone_named() {
        let at = Utc.with_ymd_and_hms(2026, 12, 13, 13, 5, 0).unwrap();
        assert_eq!(
            local(at, "Europe/Berlin"),
            "13 Dec 2026, 14:05 CET (Europe/Berlin)"
        );
        let summer = Utc.with_ymd_and_hms(2026, 7, 1, 13, 5, 0).unwrap();
        assert_eq!(
            local(summer, "America/Chicago"),
            "1 Jul 2026, 08:05 CDT (America/Chicago)"
        );
        assert_eq!(local(at, "Mars/Olympus"), "13 Dec 2026, 13:05 UTC (UTC)");
    }

    #[test]
    fn a_letter_says_the_same_in_text_and_html_and_escapes_names() {
        let at = Utc.with_ymd_and_hms(2026, 12, 13, 13, 5, 0).unwrap();
        let url = "https://seqhealth.example.org/accept/ab?x=1&y=2";
        let l = invitation("Ana <ana@x>", &lab(), Role::Viewer, url, at, Language::En);
        let text = l.text();
        assert!(
            text.contains("Ana <ana@x> invited you to Genomics <Core> & Co"),
            "{text}"
        );
        assert!(
            text.contains("until 13 Dec 2026, 14:05 CET (Europe/Berlin)"),
            "{text}"
        );
        assert!(text.contains(&format!("\n  {url}\n")), "{text}");
        let html = l.html();
        assert!(html.contains("Ana &lt;ana@x&gt; invited you to Genomics &lt;Core&gt; &amp; Co"));
        assert!(html.contains("href=\"https://seqhealth.example.org/accept/ab?x=1&amp;y=2\""));
        assert!(!html.contains("<Core>"), "{html}");
        assert!(html.contains("until 13 Dec 2026, 14:05 CET (Europe/Berlin)"));
    }
}
