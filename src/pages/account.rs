//! One's own account: name, password (the current one asked again; every other session
//! ends), and logging out everywhere.

use crate::api::{self, Mutation};
use crate::routes::Route;
use crate::session::use_session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use seqhealth_api::password_problem;

#[component]
pub fn AccountPage() -> impl IntoView {
    crate::components::set_title("Your account");
    let session = use_session();
    let name = RwSignal::new(
        session
            .0
            .get_untracked()
            .map(|s| s.user.name)
            .unwrap_or_default(),
    );
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
            Some("the two new passwords differ".to_string())
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
        <h1>"Your account"</h1>
        <p class="lede">{move || format!("You log in as {}.", email())}</p>
        <section class="card" aria-labelledby="name-heading">
            <h2 id="name-heading">"Name"</h2>
            <form class="stacked" on:submit=move |ev| { ev.prevent_default(); rename.dispatch(); }>
                <label for="account-name">"Your name, as your lab sees it"</label>
                <input id="account-name" autocomplete="name" required maxlength="120" bind:value=name />
                <button type="submit" disabled=move || rename.pending()>"Save the name"</button>
            </form>
            {move || rename.succeeded().then(|| view! { <p class="state" role="status">"Saved."</p> })}
            {move || rename.failure().map(|e| view! { <p class="state error" role="alert">{e.to_string()}</p> })}
        </section>
        <section class="card" aria-labelledby="password-heading">
            <h2 id="password-heading">"Password"</h2>
            <form class="stacked" on:submit=move |ev| { ev.prevent_default(); if ready() { change.dispatch(); } }>
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" autocomplete="current-password" required bind:value=current />
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" autocomplete="new-password" required aria-describedby="new-password-rule" bind:value=new />
                <p id="new-password-rule" class="hint">
                    "At least 12 characters; not your email, nor a common password. Your other sessions end."
                </p>
                <label for="again-password">"The new password again"</label>
                <input id="again-password" type="password" autocomplete="new-password" required bind:value=again />
                {move || problem().map(|p| view! { <p class="state error" role="alert">{p}</p> })}
                <button type="submit" disabled=move || change.pending() || !ready()>"Change the password"</button>
            </form>
            {move || change.succeeded().then(|| view! {
                <p class="state" role="status">"Password changed; your other sessions have ended."</p>
            })}
            {move || change.failure().map(|e| view! { <p class="state error" role="alert">{e.to_string()}</p> })}
        </section>
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            <p>"Log out on every browser and device, this one included."</p>
            <button type="button" class="secondary" on:click=everywhere>"Log out everywhere"</button>
        </section>
    }
}
