//! One's own account: name, password (the current one asked again; every other session
//! ends), what one is told by mail (per kind of event, and quiet hours), and logging out
//! everywhere.

use crate::api::{self, Mutation};
use crate::components::states::{failure_line, loaded};
use crate::components::when;
use crate::pages::accept::password_problem;
use crate::router::use_navigate;
use crate::routes::Route;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use seqhealth_api::notify::{parse_hhmm, NotifyKind, NotifyMode, NotifyPrefs};

#[component]
pub fn AccountPage() -> impl IntoView {
    crate::components::set_title(t!("Your account"));
    let session = use_session();
    let name = RwSignal::new(
        session
            .0
            .get_untracked()
            .map(|s| s.user.name)
            .unwrap_or_default(),
    );
    // The page opened by its address: the session (and so the name) arrives after it.
    Effect::new(move |_| {
        if let Some(s) = session.0.get() {
            if name.get_untracked().is_empty() {
                name.set(s.user.name);
            }
        }
    });
    let (current, new, again) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let email = move || session.0.get().map(|s| s.user.email).unwrap_or_default();
    let rename = Mutation::<()>::new(move || api::set_name(name.get_untracked()));
    let change = Mutation::<()>::new(move || {
        api::set_password(current.get_untracked(), new.get_untracked())
    });
    Effect::new(move |_| {
        if rename.succeeded() {
            spawn_local(async move {
                if let Ok(info) = api::session().await {
                    session.0.set(Some(info));
                }
            });
        }
    });
    let problem = move || {
        let p = new.get();
        if p.is_empty() {
            None
        } else if let Some(why) = password_problem(&p, &email()) {
            Some(why)
        } else if !again.get().is_empty() && again.get() != p {
            Some(t!("the two new passwords differ").to_string())
        } else {
            None
        }
    };
    let ready =
        move || !current.get().is_empty() && new.get() == again.get() && problem().is_none();
    let navigate = use_navigate();
    let everywhere = move |_| {
        let navigate = navigate.clone();
        spawn_local(async move {
            let _ = api::logout_everywhere().await;
            session.0.set(None);
            navigate(&Route::Login.href(), Default::default());
        });
    };
    view! {
        <h1>{tv!("Your account")}</h1>
        <p class="lede">{move || tf!("You log in as {0}.", email())}</p>
        <section class="card" aria-labelledby="name-heading">
            <h2 id="name-heading">{tv!("Name")}</h2>
            <form class="stacked" on:submit=move |ev| { ev.prevent_default(); rename.dispatch(); }>
                <label for="account-name">{tv!("Your name, as your lab sees it")}</label>
                <input id="account-name" autocomplete="name" required maxlength="120" bind:value=name />
                <button type="submit" disabled=move || rename.pending()>{tv!("Save the name")}</button>
            </form>
            {move || rename.succeeded().then(|| view! { <p class="state" role="status">{tv!("Saved.")}</p> })}
            {failure_line(move || rename.failure())}
        </section>
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">{tv!("Password")}</h2>
            <form class="stacked" on:submit=move |ev| { ev.prevent_default(); if ready() { change.dispatch(); } }>
                <label for="current-password">{tv!("Current password")}</label>
                <input id="current-password" type="password" autocomplete="current-password" required bind:value=current />
                <label for="new-password">{tv!("New password")}</label>
                <input id="new-password" type="password" autocomplete="new-password" required aria-describedby="new-password-rule" bind:value=new />
                <p id="new-password-rule" class="hint">
                    {tv!("At least 12 characters; not your email, nor a common password. Your other sessions end.")}
                </p>
                <label for="again-password">{tv!("The new password again")}</label>
                <input id="again-password" type="password" autocomplete="new-password" required bind:value=again />
                {move || problem().map(|p| view! { <p class="state error" role="alert">{p}</p> })}
                <button type="submit" disabled=move || change.pending() || !ready()>{tv!("Change the password")}</button>
            </form>
            {move || change.succeeded().then(|| view! {
                <p class="state" role="status">{tv!("Password changed; your other sessions have ended.")}</p>
            })}
            {failure_line(move || change.failure())}
        </section>
        <Notifications />
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">{tv!("Sessions")}</h2>
            <p>{tv!("Log out on every browser and device, this one included.")}</p>
            <button type="button" class="secondary" on:click=everywhere>{tv!("Log out everywhere")}</button>
        </section>
    }
}

/// What one is told by mail, and when.
#[component]
fn Notifications() -> impl IntoView {
    let prefs = api::my_notifications();
    let retry = Callback::new(move |_| prefs.refetch());
    view! {
        <section class="card" aria-labelledby="notify-heading">
            <h2 id="notify-heading">{tv!("Notifications")}</h2>
            <p class="hint">
                {tv!("What you are told by email about your lab's instruments, and when. The daily digest goes out at the time your lab's managers set.")}
            </p>
            {loaded(
                t!("your notification choices"),
                retry,
                move || prefs.get().map(|r| r.map(|p| view! { <PrefsForm prefs=p /> }.into_any())),
            )}
        </section>
    }
}

const MODES: [NotifyMode; 3] = [
    NotifyMode::Immediately,
    NotifyMode::Digest,
    NotifyMode::Never,
];

fn mode_label(m: NotifyMode) -> &'static str {
    match m {
        NotifyMode::Immediately => t!("Immediately"),
        NotifyMode::Digest => t!("In the daily digest"),
        NotifyMode::Never => t!("Never"),
    }
}

/// A time field's `on:input`: `time` follows the field's last valid `HH:MM` (while an
/// hour or minute is being typed the field's value is "", which must not wipe it).
fn follow_time(time: RwSignal<String>) -> impl Fn(web_sys::Event) + Clone + 'static {
    move |ev| {
        let value = event_target_value(&ev);
        if parse_hhmm(&value).is_some() {
            time.set(value);
        }
    }
}

#[component]
fn PrefsForm(prefs: NotifyPrefs) -> impl IntoView {
    let session = use_session();
    let modes = RwSignal::new(prefs.modes);
    let quiet = RwSignal::new(prefs.quiet_from.is_some());
    let from = RwSignal::new(prefs.quiet_from.unwrap_or_else(|| "22:00".into()));
    let to = RwSignal::new(prefs.quiet_to.unwrap_or_else(|| "07:00".into()));
    let escalations = RwSignal::new(prefs.quiet_escalations);
    // Changed since the last save: "Saved." goes away.
    let edited = RwSignal::new(false);
    let save = Mutation::<NotifyPrefs>::new(move || {
        let on = quiet.get_untracked();
        api::set_my_notifications(NotifyPrefs {
            modes: modes.get_untracked(),
            quiet_from: on.then(|| from.get_untracked()),
            quiet_to: on.then(|| to.get_untracked()),
            quiet_escalations: on && escalations.get_untracked(),
        })
    });
    let problem = move || {
        (quiet.get() && from.get() == to.get())
            .then(|| t!("Quiet hours must start and end at different times."))
    };
    let rows = NotifyKind::ALL
        .into_iter()
        .map(|kind| {
            let id = format!("notify-{}", kind.as_str());
            let now = modes.with_untracked(|all| all.iter().find(|(k, _)| *k == kind).map(|(_, m)| *m));
            let options = MODES
                .into_iter()
                .map(|m| view! { <option value=m.as_str() selected=now == Some(m)>{mode_label(m)}</option> })
                .collect_view();
            view! {
                <label for=id.clone()>{crate::i18n::word(kind.label())}</label>
                <select
                    id=id
                    on:change=move |ev| {
                        if let Some(m) = NotifyMode::parse(&event_target_value(&ev)) {
                            modes.update(|all| match all.iter_mut().find(|(k, _)| *k == kind) {
                                Some(entry) => entry.1 = m,
                                None => all.push((kind, m)),
                            });
                            edited.set(true);
                        }
                    }
                >
                    {options}
                </select>
            }
        })
        .collect_view();
    view! {
        <form
            class="prefs"
            on:input=move |_| edited.set(true)
            on:submit=move |ev| {
                ev.prevent_default();
                if problem().is_none() {
                    edited.set(false);
                    save.dispatch();
                }
            }
        >
            <fieldset>
                <legend>{tv!("How you hear about each kind of event")}</legend>
                <div class="modes">{rows}</div>
            </fieldset>
            <fieldset>
                <legend>{tv!("Quiet hours")}</legend>
                <label class="check">
                    <input
                        id="quiet-on"
                        type="checkbox"
                        prop:checked=quiet.get_untracked()
                        on:change=move |ev| quiet.set(event_target_checked(&ev))
                    />
                    {tv!("Hold my messages back during quiet hours")}
                </label>
                {when(
                    move || quiet.get(),
                    move || view! {
                        <div class="quiet">
                            <label for="quiet-from">{tv!("From")}</label>
                            <input id="quiet-from" type="time" required prop:value=from.get_untracked() on:input=follow_time(from) />
                            <label for="quiet-to">{tv!("to")}</label>
                            <input id="quiet-to" type="time" required prop:value=to.get_untracked() on:input=follow_time(to) />
                            <span class="hint">{move || tf!("in {0}", session.time_zone())}</span>
                        </div>
                        <p class="hint">{tv!("A message due in quiet hours waits until they end. Escalations (a critical warning nobody acknowledged) still reach you unless you tick this:")}</p>
                        <label class="check">
                            <input
                                id="quiet-escalations"
                                type="checkbox"
                                prop:checked=escalations.get_untracked()
                                on:change=move |ev| escalations.set(event_target_checked(&ev))
                            />
                            {tv!("Also hold back escalations")}
                        </label>
                    }.into_any(),
                )}
            </fieldset>
            {move || problem().map(|p| view! { <p class="state error" role="alert">{p}</p> })}
            <button type="submit" disabled=move || save.pending()>{tv!("Save notification choices")}</button>
        </form>
        {move || (save.succeeded() && !edited.get()).then(|| view! { <p class="state" role="status">{tv!("Saved.")}</p> })}
        {failure_line(move || save.failure())}
    }
}
