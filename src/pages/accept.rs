//! A one-time link's page (`/accept/{token}`): the first manager of a lab, set up with
//! `seqhealth-server init`, chooses a name and a password here and is logged in.

use crate::api::{self, Mutation};
use crate::components::states::{failure_line, loaded};
use crate::router::use_navigate;
use crate::routes::Route;
use crate::session::use_session;
use leptos::prelude::*;
use seqhealth_api::{Invitation, Role, SessionInfo};

#[component]
pub fn AcceptPage(token: String) -> impl IntoView {
    crate::components::set_title(t!("Set up your account"));
    let invitation = api::invitation(token.clone());
    let retry = Callback::new(move |_| invitation.refetch());
    view! {
        <section class="login accept">
            <h1>{tv!("Set up your account")}</h1>
            {loaded(
                t!("this link"),
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
            Some(t!("the two passwords differ").to_string())
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
        Role::Manager => t!("a manager"),
        Role::Viewer => t!("a viewer"),
    };
    view! {
        <p class="lede">
            {tf!("You join {0} as {1}, with the email {2}.", invitation.lab, role, invitation.email)}
        </p>
        <form on:submit=submit>
            <label for="name">{tv!("Your name")}</label>
            <input id="name" name="name" autocomplete="name" required maxlength="120" bind:value=name />
            <input type="email" name="email" autocomplete="username" hidden readonly value=invitation.email.clone() />
            <label for="password">{tv!("Password")}</label>
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
                {tf!(
                    "At least {0} characters; not your email, nor a common password.",
                    seqhealth_api::people::MIN_PASSWORD_CHARS
                )}
            </p>
            <label for="again">{tv!("The same password again")}</label>
            <input id="again" name="again" type="password" autocomplete="new-password" required bind:value=again />
            {move || problem().map(|p| view! { <p class="state error" role="alert">{p}</p> })}
            <button type="submit" disabled=move || accept.pending() || !ready()>
                {move || if accept.pending() { t!("Setting up…") } else { t!("Set up my account") }}
            </button>
        </form>
        {failure_line(move || accept.failure())}
    }
}

/// A password-reset link's page (`/reset/{token}`): the person chooses a new password and
/// is logged in; every other session of theirs has ended.
#[component]
pub fn ResetPage(token: String) -> impl IntoView {
    crate::components::set_title(t!("Choose a new password"));
    let info = api::reset_info(token.clone());
    let retry = Callback::new(move |_| info.refetch());
    view! {
        <section class="login accept">
            <h1>{tv!("Choose a new password")}</h1>
            {loaded(
                t!("this link"),
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
            Some(t!("the two passwords differ").to_string())
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
        <p class="lede">{tf!("For {0}, of {1}. Your other sessions end.", email, lab)}</p>
        <form on:submit=move |ev| { ev.prevent_default(); if ready() { reset.dispatch(); } }>
            <input type="email" name="email" autocomplete="username" hidden readonly value=email.clone() />
            <label for="password">{tv!("New password")}</label>
            <input id="password" type="password" autocomplete="new-password" required bind:value=password />
            <label for="again">{tv!("The same password again")}</label>
            <input id="again" type="password" autocomplete="new-password" required bind:value=again />
            {move || problem().map(|p| view! { <p class="state error" role="alert">{p}</p> })}
            <button type="submit" disabled=move || reset.pending() || !ready()>{tv!("Set the password")}</button>
        </form>
        {failure_line(move || reset.failure())}
    }
}

/// What is wrong with `password` (by the rule the server enforces), in the user's
/// language: `seqhealth_api::password_problem` says it in English.
pub fn password_problem(password: &str, email: &str) -> Option<String> {
    let why = seqhealth_api::password_problem(password, email)?;
    Some(if why.starts_with("a password needs at least") {
        tf!(
            "a password needs at least {0} characters (this one has {1})",
            seqhealth_api::people::MIN_PASSWORD_CHARS,
            password.chars().count()
        )
    } else if why.contains("email") {
        t!("a password must not be or contain your email address").into()
    } else if why.contains("repeated") {
        t!("a password must not be one character repeated").into()
    } else if why.contains("common") {
        t!("this password is one of the most common ones; choose another").into()
    } else {
        why
    })
}
