use crate::api::{self, Mutation};
use crate::components::states::failure_line;
use crate::router::use_navigate;
use crate::routes::Route;
use crate::session::use_session;
use leptos::prelude::*;

#[component]
pub fn LoginPage() -> impl IntoView {
    crate::components::set_title(t!("Log in"));
    let session = use_session();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let login = Mutation::<seqhealth_api::SessionInfo>::new(move || {
        api::login(email.get_untracked(), password.get_untracked())
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(info)) = login.value() {
            session.0.set(Some(info));
            // Back to the page that was asked for (a same-site path only), else the fleet.
            let next = next_path();
            let to = next
                .as_deref()
                .and_then(crate::routes::safe_next)
                .map(str::to_string)
                .unwrap_or_else(|| Route::Fleet.href());
            navigate(&to, Default::default());
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        login.dispatch();
    };
    let setup = api::setup_status();
    view! {
        <section class="login">
            <h1>{tv!("Log in to seqhealth")}</h1>
            {move || setup.get().and_then(Result::ok).filter(|s| !s.set_up).map(|_| view! {
                <div class="card" role="note">
                    <h2>{tv!("This server has no lab yet")}</h2>
                    <p>{tv!("Its operator makes one on the server's machine, then opens the one-time link it prints:")}</p>
                    <pre class="mono command">"seqhealth-server init --lab \"Lab name\" --time-zone Region/City --manager-email you@lab.example"</pre>
                </div>
            })}
            <form on:submit=submit>
                <label for="email">{tv!("Email")}</label>
                <input id="email" name="email" type="email" autocomplete="username" required bind:value=email />
                <label for="password">{tv!("Password")}</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    bind:value=password
                />
                <button type="submit" disabled=move || login.pending()>
                    {move || if login.pending() { t!("Logging in…") } else { t!("Log in") }}
                </button>
            </form>
            <Forgot email=email />
            {move || {
                login
                    .failure()
                    .map(|e| {
                        let msg = match e {
                            api::ApiFailure::Unauthenticated
                            | api::ApiFailure::Server { status: 401, .. } => {
                                t!("Wrong email or password.").to_string()
                            }
                            other => other.to_string(),
                        };
                        view! { <p class="state error" role="alert">{msg}</p> }
                    })
            }}
        </section>
    }
}

/// The login page's `?next=`, decoded.
fn next_path() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let value = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("next="))?;
    js_sys::decode_uri_component(value).ok().map(String::from)
}

/// "Forgot password?": a link by mail. The page says the same whatever the address.
#[component]
fn Forgot(email: RwSignal<String>) -> impl IntoView {
    let ask = Mutation::<()>::new(move || api::forgot_password(email.get_untracked()));
    view! {
        <details class="forgot">
            <summary>{tv!("Forgot password?")}</summary>
            <form on:submit=move |ev| { ev.prevent_default(); ask.dispatch(); }>
                <label for="forgot-email">{tv!("Your email")}</label>
                <input id="forgot-email" type="email" autocomplete="username" required bind:value=email />
                <button type="submit" class="secondary" disabled=move || ask.pending()>{tv!("Mail me a link")}</button>
            </form>
            {move || ask.succeeded().then(|| view! {
                <p class="state" role="status">
                    {tf!(
                        "If {0} has an account, a link to choose a new password is on its way (it works for an hour).",
                        email.get_untracked()
                    )}
                </p>
            })}
            {failure_line(move || ask.failure())}
        </details>
    }
}
