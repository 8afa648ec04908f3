//! The lab's notifications (managers): its settings (digest time, escalation delay,
//! reminder interval), its webhooks (added with their signing secret shown once, turned
//! off and on, tested, removed) and the delivery log. What each person is told is theirs
//! to choose, on the Account page.

use crate::api::{self, Mutation};
use crate::components::copy_field::CopyField;
use crate::components::states::{failure_line, loaded, Empty};
use crate::components::{set_title, when_else};
use crate::router::A;
use crate::routes::Route;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::notify::{
    parse_hhmm, Delivery, DeliveryLog, DeliveryStatus, NewWebhook, NotifySettings, Webhook,
    WebhookCreated,
};
use std::time::Duration;

/// How often the delivery log is read again while the page is open.
const LOG_REFRESH: Duration = Duration::from_secs(5);

#[component]
pub fn NotificationsPage() -> impl IntoView {
    set_title(t!("Notifications"));
    let session = use_session();
    view! {
        <h1>{tv!("Notifications")}</h1>
        <p class="lede">
            {crate::components::sentence(
                t!("What the lab is told, by mail and webhooks. What you yourself are told is yours to choose on {0}."),
                vec![view! { <A href=Route::Account.href()>{tv!("your Account page")}</A> }.into_any()],
            )}
        </p>
        {when_else(
            move || session.is_manager(),
            || view! { <Manage /> }.into_any(),
            move || {
                session.0.get().is_some().then(|| view! {
                    <p class="state" role="status">
                        {tv!("View-only: ask a lab manager to change the lab's notification settings or webhooks, or to see the delivery log.")}
                    </p>
                }).into_any()
            },
        )}
    }
}

#[component]
fn Manage() -> impl IntoView {
    let settings = api::notify_settings();
    let hooks = api::webhooks();
    let log = api::deliveries();
    if let Ok(h) = set_interval_with_handle(move || log.refetch(), LOG_REFRESH) {
        on_cleanup(move || h.clear());
    }
    // The table is rebuilt only when the log changed: reading it every few seconds must
    // not pull the table (and a keyboard's or screen reader's place in it) from under
    // whoever is reading it.
    let shown = Memo::new(move |_| log.get());
    let retry_settings = Callback::new(move |_| settings.refetch());
    let retry_hooks = Callback::new(move |_| hooks.refetch());
    let retry_log = Callback::new(move |_| log.refetch());
    view! {
        <nav class="sections" aria-label=tv!("On this page")>
            <a href="#settings">{tv!("The lab's settings")}</a>
            <a href="#webhooks">{tv!("Webhooks")}</a>
            <a href="#deliveries">{tv!("Delivery log")}</a>
        </nav>
        <section id="settings" class="card" aria-labelledby="settings-heading">
            <h2 id="settings-heading">{tv!("The lab's settings")}</h2>
            {loaded(
                t!("the lab's settings"),
                retry_settings,
                move || settings.get().map(|r| r.map(|s| view! { <SettingsForm settings=s /> }.into_any())),
            )}
        </section>
        <section id="webhooks" aria-labelledby="webhooks-heading">
            <h2 id="webhooks-heading">{tv!("Webhooks")}</h2>
            <p class="lede">
                {tv!("Critical warnings (with their escalations and reminders) and instruments gone silent also go to these addresses, as JSON. A Slack or Microsoft Teams incoming-webhook address shows the message's text as it is.")}
            </p>
            {loaded(
                t!("the webhooks"),
                retry_hooks,
                move || hooks.get().map(|r| r.map(|list| view! { <Hooks list=list on_change=retry_hooks on_test=retry_log /> }.into_any())),
            )}
            <AddWebhook on_added=retry_hooks />
        </section>
        <section id="deliveries" aria-labelledby="deliveries-heading">
            <div class="section-head">
                <h2 id="deliveries-heading">{tv!("Delivery log")}</h2>
                <button type="button" class="secondary" on:click=move |_| log.refetch()>{tv!("Refresh")}</button>
            </div>
            {loaded(
                t!("the delivery log"),
                retry_log,
                move || shown.get().map(|r| r.map(|l| view! { <Deliveries log=l /> }.into_any())),
            )}
        </section>
    }
}

#[component]
fn SettingsForm(settings: NotifySettings) -> impl IntoView {
    let session = use_session();
    let digest = RwSignal::new(settings.digest_at);
    let escalate = RwSignal::new(settings.escalate_after_minutes.to_string());
    let remind = RwSignal::new(settings.remind_every_hours.to_string());
    let edited = RwSignal::new(false);
    let save = Mutation::<NotifySettings>::new(move || {
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse().unwrap_or(0);
        api::set_notify_settings(NotifySettings {
            digest_at: digest.get_untracked(),
            escalate_after_minutes: number(escalate),
            remind_every_hours: number(remind),
        })
    });
    view! {
        <form
            class="stacked settings"
            on:input=move |_| edited.set(true)
            on:submit=move |ev| {
                ev.prevent_default();
                edited.set(false);
                save.dispatch();
            }
        >
            <label for="digest-at">{tv!("The daily digest goes out at")}</label>
            <input
                id="digest-at"
                type="time"
                required
                aria-describedby="digest-at-hint"
                prop:value=digest.get_untracked()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    if parse_hhmm(&v).is_some() {
                        digest.set(v);
                    }
                }
            />
            <p id="digest-at-hint" class="hint">
                {move || tf!("In {0}. No digest is sent on a day when nothing changed.", session.time_zone())}
            </p>
            <label for="escalate-after">{tv!("Escalate a critical warning nobody acknowledged after (minutes)")}</label>
            <input
                id="escalate-after"
                type="number"
                min="1"
                max="10080"
                required
                aria-describedby="escalate-after-hint"
                bind:value=escalate
            />
            <p id="escalate-after-hint" class="hint">
                {tv!("It then goes to every manager and to the webhooks, marked escalated. 120 is two hours.")}
            </p>
            <label for="remind-every">{tv!("Remind of a critical warning still open every (hours)")}</label>
            <input id="remind-every" type="number" min="1" max="168" required bind:value=remind />
            <button type="submit" disabled=move || save.pending()>{tv!("Save the lab's settings")}</button>
        </form>
        {move || (save.succeeded() && !edited.get()).then(|| view! { <p class="state" role="status">{tv!("Saved.")}</p> })}
        {failure_line(move || save.failure())}
    }
}

#[component]
fn Hooks(list: Vec<Webhook>, on_change: Callback<()>, on_test: Callback<()>) -> impl IntoView {
    if list.is_empty() {
        return view! {
            <Empty>
                <p>{tv!("No webhook yet: add one below.")}</p>
            </Empty>
        }
        .into_any();
    }
    let session = use_session();
    let tz = move || session.time_zone();
    let rows = list
        .into_iter()
        .map(|h| {
            let added = h.created_at;
            // Turning a webhook off or on changes this row only: the button keeps the focus.
            let enabled = RwSignal::new(h.enabled);
            view! {
                <tr data-webhook=h.id>
                    <th scope="row">{h.name.clone()}</th>
                    <td data-label=tv!("Address") class="mono target">{h.url}</td>
                    <td data-label=tv!("State")>
                        {move || if enabled.get() {
                            view! { <span class="badge health-ok">{tv!("On")}</span> }.into_any()
                        } else {
                            view! { <span class="badge health-unknown">{tv!("Off: sends nothing")}</span> }.into_any()
                        }}
                    </td>
                    <td data-label=tv!("Added")>
                        <time datetime=added.to_rfc3339()>{move || time::date_time(added, &tz())}</time>
                    </td>
                    <td data-label="" class="row-actions">
                        <HookActions id=h.id name=h.name enabled=enabled on_change on_test />
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=tv!("Webhooks")>
            <table class="webhooks narrow-cards">
                <caption>{move || tf!("The lab's webhooks; times in {0}", tz())}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tv!("Name")}</th>
                        <th scope="col">{tv!("Address")}</th>
                        <th scope="col">{tv!("State")}</th>
                        <th scope="col">{tv!("Added")}</th>
                        <th scope="col">
                            <span class="visually-hidden">{tv!("Actions")}</span>
                        </th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A webhook's buttons: turn off or on, send a test, remove (asked twice).
#[component]
fn HookActions(
    id: i64,
    name: String,
    enabled: RwSignal<bool>,
    on_change: Callback<()>,
    on_test: Callback<()>,
) -> impl IntoView {
    let toggle =
        Mutation::<Webhook>::new(move || api::enable_webhook(id, !enabled.get_untracked()));
    let test = Mutation::<()>::new(move || api::test_webhook(id));
    let remove = Mutation::<()>::new(move || api::remove_webhook(id));
    let confirming = RwSignal::new(false);
    // The focus follows the question: to the confirmation, and back to "Remove…" on
    // "Keep it".
    let kept = RwSignal::new(false);
    let (confirm, ask_again) = (
        NodeRef::<leptos::html::Button>::new(),
        NodeRef::<leptos::html::Button>::new(),
    );
    Effect::new(move |_| {
        if let Some(b) = confirm.get() {
            let _ = b.focus();
        }
        if let Some(b) = ask_again.get().filter(|_| kept.get_untracked()) {
            let _ = b.focus();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(hook)) = toggle.value() {
            enabled.set(hook.enabled);
        }
    });
    Effect::new(move |_| {
        if remove.succeeded() {
            on_change.run(());
        }
    });
    Effect::new(move |_| {
        if test.succeeded() {
            on_test.run(());
        }
    });
    // These two are never disabled while their request is on its way: a disabled button
    // drops the focus (a second press is ignored instead).
    let verb = move || {
        if enabled.get() {
            t!("Turn off")
        } else {
            t!("Turn on")
        }
    };
    let label = {
        let name = name.clone();
        move || {
            if enabled.get() {
                tf!("Turn off {0}", name)
            } else {
                tf!("Turn on {0}", name)
            }
        }
    };
    // The visible words first, as spoken (WCAG 2.5.3, label in name).
    let test_label = tf!("Send test to {0}", name);
    let remove_label = tf!("Remove {0}", name);
    let ask = tf!("Remove {0}: nothing more is sent there. Confirm", name);
    view! {
        <div class="actions">
            <button type="button" class="secondary" aria-label=label on:click=move |_| if !toggle.pending() { toggle.dispatch() }>
                {verb}
            </button>
            <button type="button" class="secondary" aria-label=test_label on:click=move |_| if !test.pending() { test.dispatch() }>
                {tv!("Send test")}
            </button>
            {move || if confirming.get() {
                view! {
                    <button type="button" class="danger" node_ref=confirm disabled=move || remove.pending() on:click=move |_| remove.dispatch()>
                        {ask.clone()}
                    </button>
                    <button type="button" class="secondary" data-closes="remove" on:click=move |_| { kept.set(true); confirming.set(false); }>{tv!("Keep it")}</button>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="secondary" node_ref=ask_again data-opens="remove" aria-label=remove_label.clone() on:click=move |_| confirming.set(true)>{tv!("Remove…")}</button>
                }.into_any()
            }}
        </div>
        {move || test.succeeded().then(|| view! {
            <p class="hint" role="status">{tv!("Test queued: it shows in the delivery log below within seconds.")}</p>
        })}
        {failure_line(move || toggle.failure().or_else(|| test.failure()).or_else(|| remove.failure()))}
    }
}

/// A manager's form for a new webhook, and its secret (shown once).
#[component]
fn AddWebhook(on_added: Callback<()>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let url = RwSignal::new(String::new());
    let add = Mutation::<WebhookCreated>::new(move || {
        api::add_webhook(NewWebhook {
            name: name.get_untracked().trim().to_string(),
            url: url.get_untracked().trim().to_string(),
        })
    });
    Effect::new(move |_| {
        if add.succeeded() {
            name.set(String::new());
            url.set(String::new());
            on_added.run(());
        }
    });
    view! {
        <h3 id="add-webhook-heading">{tv!("Add a webhook")}</h3>
        <form
            class="webhook-add"
            aria-labelledby="add-webhook-heading"
            on:submit=move |ev| {
                ev.prevent_default();
                add.dispatch();
            }
        >
            <label for="webhook-name">{tv!("Name")}</label>
            <input id="webhook-name" required maxlength="80" autocomplete="off" placeholder=tv!("Lab chat") bind:value=name />
            <label for="webhook-url">{tv!("Address")}</label>
            <input
                id="webhook-url"
                type="url"
                required
                autocomplete="off"
                placeholder="https://hooks.slack.com/services/…"
                aria-describedby="webhook-url-hint"
                bind:value=url
            />
            <p id="webhook-url-hint" class="hint">
                {tv!("An https:// address (plain http:// only to this machine): deliveries name your instruments.")}
            </p>
            <div class="actions">
                <button type="submit" disabled=move || add.pending()>{tv!("Add the webhook")}</button>
            </div>
        </form>
        {move || add.value().map(|r| match r {
            Ok(made) => view! { <Secret made=made /> }.into_any(),
            Err(e) => view! { <p class="state error" role="alert">{e.to_string()}</p> }.into_any(),
        })}
    }
}

/// A new webhook's signing secret, this once, with how a receiver checks a signature.
#[component]
fn Secret(made: WebhookCreated) -> impl IntoView {
    view! {
        <div class="card code-card secret" role="status">
            <p>
                <strong>{tf!("Webhook “{0}” added.", made.webhook.name)}</strong>
                {tv!(" Its signing secret is shown this once: copy it into the receiver's settings now.")}
            </p>
            <CopyField
                id="webhook-secret".to_string()
                label=t!("Signing secret")
                text=made.secret
                button=t!("Copy the secret")
            />
            <p class="hint">
                {crate::components::sentence(
                    t!("Each request carries {0}: the hex HMAC-SHA256, keyed with this secret, of {1} (the t, a dot, then the raw request body). A receiver recomputes it, compares in constant time and refuses a t more than five minutes old. {2} is the same on every retry of one delivery."),
                    vec![
                        view! { <code>"X-Seqhealth-Signature: t=<unix seconds>,v1=<hex>"</code> }.into_any(),
                        view! { <code>"<t>.<body>"</code> }.into_any(),
                        view! { <code>"Idempotency-Key"</code> }.into_any(),
                    ],
                )}
            </p>
        </div>
    }
}

fn status_word(s: DeliveryStatus) -> (&'static str, &'static str) {
    match s {
        DeliveryStatus::Pending => (t!("Pending"), "health-unknown"),
        DeliveryStatus::Retrying => (t!("Retrying"), "health-warning"),
        DeliveryStatus::Sent => (t!("Sent"), "health-ok"),
        DeliveryStatus::Failed => (t!("Failed"), "health-critical"),
    }
}

#[component]
fn Deliveries(log: DeliveryLog) -> impl IntoView {
    if log.deliveries.is_empty() {
        return view! {
            <Empty>
                <p>{tv!("No notifications sent yet.")}</p>
                <p class="hint">{tv!("Every email and webhook delivery shows here, with its status.")}</p>
            </Empty>
        }
        .into_any();
    }
    let session = use_session();
    let tz = move || session.time_zone();
    let rows = log
        .deliveries
        .into_iter()
        .map(|d| view! { <DeliveryRow d=d /> })
        .collect_view();
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=tv!("Delivery log")>
            <table class="deliveries narrow-cards">
                <caption>{move || tf!("The newest deliveries first; times in {0}", tz())}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tv!("When")}</th>
                        <th scope="col">{tv!("Subject")}</th>
                        <th scope="col">{tv!("Channel")}</th>
                        <th scope="col">{tv!("To")}</th>
                        <th scope="col">{tv!("Status")}</th>
                        <th scope="col">{tv!("Attempts")}</th>
                        <th scope="col">{tv!("Last error")}</th>
                        <th scope="col">{tv!("Next attempt")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn DeliveryRow(d: Delivery) -> impl IntoView {
    let session = use_session();
    let tz = move || session.time_zone();
    let (word, class) = status_word(d.status);
    let (made, sent) = (d.created_at, d.sent_at);
    let next = d
        .next_at
        .filter(|_| matches!(d.status, DeliveryStatus::Pending | DeliveryStatus::Retrying));
    let channel = match d.channel.as_str() {
        "email" => t!("Email").to_string(),
        "webhook" => t!("Webhook").to_string(),
        other => other.to_string(),
    };
    view! {
        <tr data-delivery=d.id data-status=d.status.as_str()>
            <td data-label=tv!("When") class="when">
                <time datetime=made.to_rfc3339()>{move || time::date_time(made, &tz())}</time>
            </td>
            <th scope="row">{d.subject}</th>
            <td data-label=tv!("Channel")>{channel}</td>
            <td data-label=tv!("To") class="mono target">{d.target}</td>
            <td data-label=tv!("Status") class="delivery-status">
                <span class=format!("badge {class}")>{word}</span>
                {sent.map(|t| view! { <span class="sub">{move || tf!("at {0}", time::date_time(t, &tz()))}</span> })}
            </td>
            <td data-label=tv!("Attempts") class="num">{d.attempts}</td>
            <td data-label=tv!("Last error") class="target">{d.last_error.unwrap_or_else(|| "—".into())}</td>
            <td data-label=tv!("Next attempt") class="when">
                {match next {
                    Some(t) => view! { <time datetime=t.to_rfc3339()>{move || time::date_time(t, &tz())}</time> }.into_any(),
                    None => "—".into_any(),
                }}
            </td>
        </tr>
    }
}
