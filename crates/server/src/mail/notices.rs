//! What a notification says: the events of one message (one instrument's within a few
//! minutes, or a person's digest), each with its link, escalations marked, times in the
//! lab's zone with the zone named, and one unsubscribe link per kind of event in it.
//! Rendered as plain text and HTML, in the recipient's language (the items come worded
//! in it; the fixed words and the months are worded here); a webhook's `text` is the plain
//! text's first part.

use super::letters::escape;
use crate::domain::words::{lexicon, local, Catalog};
use chrono::{DateTime, Utc};
use seqhealth_api::Language;

/// One event in a message.
#[derive(Debug, Clone)]
pub struct Item {
    pub title: String,
    pub detail: String,
    pub link: String,
    pub escalated: bool,
    /// A reminder of a still-open warning.
    pub reminder: bool,
    pub at: DateTime<Utc>,
}

/// A notification message.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The recipient's language (a webhook's: English).
    pub lang: Language,
    pub subject: String,
    pub lab: String,
    pub time_zone: String,
    pub items: Vec<Item>,
    /// (what, link) per kind of event in the message.
    pub unsubscribe: Vec<(String, String)>,
    /// Where people change what they are told.
    pub preferences: String,
}

fn mark(w: &Catalog, i: &Item) -> String {
    match (i.escalated, i.reminder) {
        (true, _) => w.t("ESCALATED (not acknowledged in time): ", &[]),
        (_, true) => w.t("Reminder, still open: ", &[]),
        _ => String::new(),
    }
}

impl Notice {
    fn words(&self) -> &'static Catalog {
        lexicon(self.lang)
    }

    /// The events alone, as chat apps show a webhook's `text`.
    pub fn summary(&self) -> String {
        self.items
            .iter()
            .map(|i| {
                let m = mark(self.words(), i);
                format!("{m}{}: {} ({})", i.title, i.detail, i.link)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn text(&self) -> String {
        let w = self.words();
        let mut out = String::new();
        for i in &self.items {
            out.push_str(&format!(
                "{}{}\n{}\n{}\n  {}\n\n",
                mark(w, i),
                i.title,
                i.detail,
                local(self.lang, i.at, &self.time_zone),
                i.link
            ));
        }
        out.push_str(&format!(
            "-- \n{}\n",
            w.t(
                "seqhealth for {0}. Choose what you are told: {1}",
                &[&self.lab, &self.preferences]
            )
        ));
        for (what, url) in &self.unsubscribe {
            out.push_str(&w.t("Stop mail about {0}: {1}", &[what, url]));
            out.push('\n');
        }
        out
    }

    pub fn html(&self) -> String {
        let w = self.words();
        let mut out = String::from(
            "<!doctype html>\n<html><body style=\"font-family:sans-serif;color:#1a1a1a;max-width:40em\">\n",
        );
        for i in &self.items {
            let flag = match mark(w, i) {
                m if m.is_empty() => m,
                m => format!("<strong style=\"color:#a50e0e\">{}</strong>", escape(&m)),
            };
            out.push_str(&format!(
                "<h2 style=\"font-size:110%\">{flag}<a href=\"{link}\">{title}</a></h2>\n\
                 <p>{detail}<br><span style=\"color:#555\">{at}</span></p>\n",
                link = escape(&i.link),
                title = escape(&i.title),
                detail = escape(&i.detail),
                at = escape(&local(self.lang, i.at, &self.time_zone)),
            ));
        }
        out.push_str(&format!(
            "<p style=\"color:#555;font-size:90%\">{} \
             <a href=\"{}\">{}</a>.",
            escape(&w.t("seqhealth for {0}.", &[&self.lab])),
            escape(&self.preferences),
            escape(&w.t("Choose what you are told", &[]))
        ));
        for (what, url) in &self.unsubscribe {
            out.push_str(&format!(
                " <a href=\"{}\">{}</a>.",
                escape(url),
                escape(&w.t("Stop mail about {0}", &[what]))
            ));
        }
        out.push_str("</p>\n</body></html>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_notice_names_each_event_with_its_link_in_the_labs_zone() {
        let n = Notice {
            lang: Language::En,
            subject: "Vesta: critical".into(),
            lab: "Core <Lab>".into(),
            time_zone: "Europe/Berlin".into(),
            items: vec![Item {
                title: "Vesta (VH00788): critical warning".into(),
                detail: "at 11.9 °C, above the 10.0 °C critical limit".into(),
                link: "https://seq.example.org/instruments/3#warnings".into(),
                escalated: true,
                reminder: false,
                at: Utc.with_ymd_and_hms(2026, 12, 13, 20, 0, 0).unwrap(),
            }],
            unsubscribe: vec![(
                "critical warnings".into(),
                "https://seq.example.org/api/v1/unsubscribe/1.x.y".into(),
            )],
            preferences: "https://seq.example.org/account".into(),
        };
        let text = n.text();
        assert!(text.starts_with("ESCALATED"), "{text}");
        assert!(
            text.contains("13 Dec 2026, 21:00 CET (Europe/Berlin)"),
            "{text}"
        );
        assert!(text.contains("  https://seq.example.org/instruments/3#warnings"));
        assert!(text.contains(
            "Stop mail about critical warnings: https://seq.example.org/api/v1/unsubscribe/1.x.y"
        ));
        let html = n.html();
        assert!(html.contains("Core &lt;Lab&gt;"), "{html}");
        assert!(html.contains("href=\"https://seq.example.org/instruments/3#warnings\""));

        // In Italian: the fixed words and the month (the items come worded).
        let it = Notice {
            lang: Language::It,
            ..n
        };
        let text = it.text();
        assert!(
            text.starts_with("ESCALATION (non preso in carico in tempo): "),
            "{text}"
        );
        assert!(
            text.contains("13 dic 2026, 21:00 CET (Europe/Berlin)"),
            "{text}"
        );
        assert!(text.contains("seqhealth per Core <Lab>. Scegli cosa ti viene comunicato:"));
        let html = it.html();
        assert!(
            html.contains(">Non ricevere più email su critical warnings</a>."),
            "{html}"
        );
    }
}
