use leptos::prelude::*;
use seqhealth_api::{Health, Subsystem, SubsystemHealth};

/// A subsystem's health as a word and a colour: never colour alone.
#[component]
pub fn HealthBadge(
    health: Health,
    #[prop(optional)] subsystem: Option<Subsystem>,
) -> impl IntoView {
    let label = match subsystem {
        Some(s) => format!("{}: {}", s.label(), health.label()),
        None => health.label().to_string(),
    };
    view! { <span class=format!("badge {}", health.css_class()) title=label>{health.label()}</span> }
}

/// All four subsystems as a labelled list.
#[component]
pub fn SubsystemHealthList(health: SubsystemHealth) -> impl IntoView {
    view! {
        <ul class="subsystems" aria-label="Health per subsystem">
            {Subsystem::ALL
                .into_iter()
                .map(|s| {
                    view! {
                        <li>
                            <span class="subsystem-name">{s.label()}</span>
                            <HealthBadge health=health.get(s) subsystem=s />
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}
