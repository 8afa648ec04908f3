use crate::time;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use seqhealth_api::{Health, Subsystem, SubsystemFreshness, SubsystemHealth};

fn freshness_text(at: Option<DateTime<Utc>>, from_run: bool) -> String {
    match at {
        Some(t) if from_run => {
            let tz = crate::session::use_session().time_zone();
            tf!("from the last run, {0}", time::date(t, &tz))
        }
        Some(t) => tf!("last reading {0}", time::age(t)),
        None => t!("no readings yet").into(),
    }
}

/// A subsystem's health as a word and a colour: never colour alone. Its freshness is in
/// the title, apart from the health: late data is not a fault by itself.
#[component]
pub fn HealthBadge(
    health: Health,
    #[prop(optional)] subsystem: Option<Subsystem>,
    #[prop(default = None)] fresh: Option<DateTime<Utc>>,
    #[prop(default = false)] from_run: bool,
    /// What made it so, in words (the worst open warning's rule).
    #[prop(default = None)]
    cause: Option<String>,
) -> impl IntoView {
    let word = crate::i18n::word(health.label());
    let label = match subsystem {
        Some(s) => format!(
            "{}: {}{}; {}",
            crate::i18n::word(s.label()),
            word,
            cause.map(|c| format!(" ({c})")).unwrap_or_default(),
            freshness_text(fresh, from_run)
        ),
        None => word.to_string(),
    };
    view! { <span class=format!("badge {}", health.css_class()) title=label>{word}</span> }
}

/// All four subsystems as a labelled list, each with how fresh its data is.
#[component]
pub fn SubsystemHealthList(
    health: SubsystemHealth,
    freshness: SubsystemFreshness,
) -> impl IntoView {
    view! {
        <ul class="subsystems" aria-label=tv!("Health per subsystem")>
            {Subsystem::ALL
                .into_iter()
                .map(|s| {
                    view! {
                        <li data-subsystem=s.as_str()>
                            <span class="subsystem-name">
                                {crate::i18n::word(s.label())}
                                <span class="sub">{freshness_text(freshness.get(s), freshness.from_run(s))}</span>
                            </span>
                            <HealthBadge health=health.get(s) subsystem=s fresh=freshness.get(s) from_run=freshness.from_run(s) />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
