//! A one-time link's page (`/accept/{token}`): the first manager of a lab, set up with
//! `seqhealth-server init`, chooses a name and a password here and is logged in.

use crate::api::{self, Mutation};
use crate::components::states::{failure_line, loaded};
use crate::router::use_navigate;
use crate::routes::Route;
use crate::session::use_session;
use leptos::prelude::*;
use seqhealth_api::{password_problem, Invitation, Role, SessionInfo};

#[component]
pub fn AcceptPage(token: String) -> impl IntoView {
    crate::components::set_title("Set up your account");
    let invitation = api::invitation(token.clone());
    let retry = Callback::new(move |_| invitation.refetch());
    view! {
        <section class="login accept">
            <h1>"Set up your account"</h1>
            {loaded(
                "this link",
                retry,
                move || {
                    invitation
                        .get()
                        .map(|r| r.map(|inv| view! { <AcceptForm token=token.clone() invitation=inv /> }.into_any()))
                },
            )}
        </section>
    }
}

#[component]
fn AcceptForm(token: String, invitation: Invitation) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let email = StoredValue::new(invitation.email.clone());
    // Said as the person types, by the rule the server enforces.
    let problem = move || {
        let p = password.get();
        if p.is_empty() {
            None
        } else if let Some(why) = email.with_value(|e| password_problem(&p, e)) {
            Some(why)
        } else if !again.get().is_empty() && again.get() != p {
            Some("the two passwords differ".to_string())
        } else {
            None
        }
    };
    let accept = Mutation::<SessionInfo>::new(move || {
        api::accept_invitation(&token, name.get_untracked(), password.get_untracked())
    });
    Effect::new(move |_| {
        if let Some(Ok(info)) = accept.value() {
            session.0.set(Some(info));
            navigate(&Route::Fleet.href(), Default::default());
        }
    });
    let ready = move || {
        !name.get().trim().is_empty()
            && !password.get().is_empty()
            && password.get() == again.get()
            && problem().is_none()
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if ready() {
            accept.dispatch();
        }
    };
    let role = match invitation.role {
        Role::Manager => "a manager",
        Role::Viewer => "a viewer",
    };
    view! {
        <p class="lede">
            {format!("You join {} as {role}, with the email {}.", invitation.lab, invitation.email)}
        </p>
        <form on:submit=submit>
            <label for="name">"Your name"</label>
            <input id="name" name="name" autocomplete="name" required maxlength="120" bind:value=name />
            <input type="email" name="email" autocomplete="username" hidden readonly value=invitation.email.clone() />
            <label for="password">"Password"</label>
            <input
                id="password"
                name="password"
                type="password"
                autocomplete="new-password"
                required
                aria-describedby="password-rule"
                bind:value=password
            />
            <p id="password-rule" class="hint">
                {format!(
                    "At least {} characters; not your email, nor a common password.",
                    seqhealth_api::people::MIN_PASSWORD_CHARS
                )}
            </p>
            <label for="again">"The same password again"</label>
            <input id="again" name="again" type="password" autocomplete="new-password" required bind:value=again />
            {move || problem().map(|p| view! { <p class="state error" role="alert">{p}</p> })}
            <button type="submit" disabled=move || accept.pending() || !ready()>
                {move || if accept.pending() { "Setting up…" } else { "Set up my account" }}
            </button>
        </form>
        {failure_line(move || accept.failure())}
    }
}

/// A password-reset link's page (`/reset/{token}`): the person chooses a new password and
/// is logged in; every other session of theirs has ended.
#[component]
pub fn ResetPage(token: String) -> impl IntoView {
    crate::components::set_title("Choose a new password");
    let info = api::reset_info(token.clone());
    let retry = Callback::new(move |_| info.refetch());
    view! {
        <section class="login accept">
            <h1>"Choose a new password"</h1>
            {loaded(
                "this link",
                retry,
                move || {
                    info.get()
                        .map(|r| r.map(|i| view! { <ResetForm token=token.clone() email=i.email lab=i.lab /> }.into_any()))
                },
            )}
        </section>
    }
}

#[component]
fn ResetForm(token: String, email: String, lab: String) -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let password = RwSignal::new(String::new());
    let again = RwSignal::new(String::new());
    let who = StoredValue::new(email.clone());
    let problem = move || {
        let p = password.get();
        if p.is_empty() {
            None
        } else if let Some(why) = who.with_value(|e| password_problem(&p, e)) {
            Some(why)
        } else if !again.get().is_empty() && again.get() != p {
            Some("the two passwords differ".to_string())
        } else {
            None
        }
    };
    let reset =
        Mutation::<SessionInfo>::new(move || api::reset_password(&token, password.get_untracked()));
    Effect::new(move |_| {
        if let Some(Ok(info)) = reset.value() {
            session.0.set(Some(info));
            navigate(&Route::Fleet.href(), Default::default());
        }
    });
    let ready =
        move || !password.get().is_empty() && password.get() == again.get() && problem().is_none();
    view! {
        <p class="lede">{format!("For {email}, of {lab}. Your other sessions end.")}</p>
        <form on:submit=move |ev| { ev.prevent_default(); if ready() { reset.dispatch(); } }>
            <input type="email" name="email" autocomplete="username" hidden readonly value=email.clone() />
            <label for="password">"New password"</label>
            <input id="password" type="password" autocomplete="new-password" required bind:value=password />
            <label for="again">"The same password again"</label>
            <input id="again" type="password" autocomplete="new-password" required bind:value=again />
            {move || problem().map(|p| view! { <p class="state error" role="alert">{p}</p> })}
            <button type="submit" disabled=move || reset.pending() || !ready()>"Set the password"</button>
        </form>
        {failure_line(move || reset.failure())}
    }
}
