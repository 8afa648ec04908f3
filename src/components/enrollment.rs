//! Adding an instrument and enrolling its agent: the form (managers), the one-time code
//! with the exact command to run on the instrument PC, and an instrument's connection
//! (awaiting its agent, connected, revoked) with a new code or revocation for managers.

use crate::api::{self, ApiFailure, Mutation};
use crate::components::copy_field::CopyField;
use crate::components::states::failure_line;
use crate::components::{when, when_else};
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::{Connection, EnrollmentCode, InstrumentDetail, NewInstrumentRequest, MODELS};

fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Models whose control PCs run Windows (the others run Linux).
const ON_WINDOWS: [&str; 6] = [
    "MiSeq",
    "iSeq 100",
    "NextSeq 500",
    "NextSeq 550",
    "NovaSeq 6000",
    "HiSeq 2500",
];

/// The model named in the code's "Bench MiSeq (MiSeq M07777)": the longest that fits.
fn model_of(instrument: &str) -> Option<&'static str> {
    let (_, inside) = instrument.rsplit_once('(')?;
    MODELS
        .iter()
        .filter(|m| inside.starts_with(&format!("{m} ")))
        .max_by_key(|m| m.len())
        .copied()
}

/// The code, its expiry and the commands to run on the instrument PC, shown once, each
/// with a Copy button; the runs folder explained for the instrument's model.
#[component]
pub fn CodeCard(code: EnrollmentCode) -> impl IntoView {
    let session = use_session();
    // The server's public address (`--public-url`); this page's own only if it has none.
    let server = match code.server_url.as_str() {
        "" => origin(),
        url => url.to_string(),
    };
    let model = model_of(&code.instrument);
    let windows = model.is_some_and(|m| ON_WINDOWS.contains(&m));
    let agent = if windows {
        "seqhealth-agent.exe"
    } else {
        "seqhealth-agent"
    };
    let runs_dir = match model {
        Some("MiSeq") => "D:\\Illumina\\MiSeqOutput",
        _ => "<runs-dir>",
    };
    let enroll = format!("{agent} enroll --server {server} --code {}", code.code);
    let watch = format!("{agent} watch {runs_dir} --config seqhealth-agent.json");
    let expires = code.expires_at;
    let id = code.instrument_id;
    let where_runs = match (model, windows) {
        (Some("MiSeq"), _) => tf!("{0} is a MiSeq's runs folder unless its settings name another.", runs_dir),
        (_, true) => tf!("Replace {0} with the output folder set in the control software (its settings screen names it; often on D:, or a network share mapped on the PC).", runs_dir),
        (_, false) => tf!("Replace {0} with the output folder set in the control software: this model runs Linux, and its runs usually go to a network share; use the path it is mounted at.", runs_dir),
    };
    let service = if windows {
        t!("On Windows, seqhealth-agent.exe service install takes the same arguments and starts it at boot.")
    } else {
        t!("A systemd unit starts it at boot.")
    };
    view! {
        <div class="card code-card" role="status">
            <p>
                {move || tf!(
                    "For {0}. Enrollment code (usable once, until {1}):",
                    code.instrument,
                    time::date_time(expires, &session.time_zone())
                )}
            </p>
            <p class="enrollment-code mono">{code.code.clone()}</p>
            <CopyField id=format!("enroll-command-{id}") label=t!("1. On the instrument PC, run:") text=enroll />
            <CopyField id=format!("watch-command-{id}") label=t!("2. Then start it:") text=watch />
            <p class="note">
                {where_runs} " " {service} {tv!(" README, \"Connect an instrument\", has the details.")}
            </p>
        </div>
    }
}

/// "Add instrument" on the fleet page; `on_added` refreshes the fleet.
#[component]
pub fn AddInstrument(on_added: Callback<()>) -> impl IntoView {
    let session = use_session();
    let open = RwSignal::new(false);
    let (model, serial, nickname, site) = (
        RwSignal::new(MODELS[0].to_string()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let add = Mutation::<EnrollmentCode>::new(move || {
        api::add_instrument(NewInstrumentRequest {
            model: model.get_untracked(),
            serial: serial.get_untracked(),
            nickname: nickname.get_untracked(),
            site: site.get_untracked(),
        })
    });
    Effect::new(move |_| {
        if add.succeeded() {
            open.set(false);
            crate::components::done(
                &tf!(
                    "{0} added: its enrollment code is below.",
                    nickname.get_untracked()
                ),
                ".add-instrument .code-card",
            );
            on_added.run(());
        }
    });
    view! {
        {when(move || session.is_manager(), move || view! {
            <section class="add-instrument" aria-labelledby="add-heading">
                <h2 id="add-heading" class="visually-hidden">{tv!("Add an instrument")}</h2>
                {when_else(move || open.get(), move || view! {
                    <form
                        class="add"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            add.dispatch();
                        }
                    >
                        <label for="add-model">{tv!("Model")}</label>
                        <select id="add-model" autofocus on:change=move |ev| model.set(event_target_value(&ev))>
                            {MODELS.iter().map(|m| view! { <option value=*m>{*m}</option> }).collect_view()}
                        </select>
                        <label for="add-serial">{tv!("Serial number")}</label>
                        <input id="add-serial" type="text" required maxlength="40" autocomplete="off" bind:value=serial />
                        <label for="add-nickname">{tv!("Nickname")}</label>
                        <input id="add-nickname" type="text" required maxlength="60" bind:value=nickname />
                        <label for="add-site">{tv!("Site (room, building)")}</label>
                        <input id="add-site" type="text" maxlength="120" bind:value=site />
                        <div class="actions">
                            <button type="submit" disabled=move || add.pending()>{tv!("Add and get a code")}</button>
                            <button type="button" class="secondary" data-closes="add" on:click=move |_| open.set(false)>{tv!("Cancel")}</button>
                        </div>
                    </form>
                }.into_any(), move || view! {
                    <button type="button" data-opens="add" on:click=move |_| open.set(true)>
                        {tv!("Add instrument")}
                    </button>
                }.into_any())}
                {move || {
                    add.value().map(|r| match r {
                        Ok(code) => view! { <CodeCard code=code /> }.into_any(),
                        Err(e) => view! { <p class="state error" role="alert">{e.to_string()}</p> }.into_any(),
                    })
                }}
            </section>
        }.into_any())}
    }
}

/// The instrument's link to its agent, on the instrument page.
#[component]
pub fn ConnectionCard(detail: InstrumentDetail, on_change: Callback<()>) -> impl IntoView {
    let session = use_session();
    let tz = move || session.time_zone();
    let id = detail.id;
    let d = detail;
    let status = {
        let d = d.clone();
        move || {
            match d.connection {
            Connection::AwaitingEnrollment => {
                t!("Awaiting its agent: run the enrollment command on the instrument PC.").to_string()
            }
            Connection::Revoked => tf!(
                "Token revoked on {0}: the agent's pushes are refused until it enrolls with a new code.",
                d.token_revoked_at.map(|t| time::date_time(t, &tz())).unwrap_or_default()
            ),
            Connection::Enrolled => match d.last_contact_at {
                Some(t) => tf!(
                    "Connected, last heard from {0} ({1}).",
                    time::age(t),
                    time::date_time(t, &tz())
                ),
                None => t!("Enrolled; the agent has not reported yet.").to_string(),
            },
        }
        }
    };
    let sharing = {
        let d = d.clone();
        move || {
            let since = d.data_sharing_since.map(|t| time::date_time(t, &tz()));
            match (d.data_sharing, since) {
                (true, Some(s)) => tf!("Sending performance data: on since {0}.", s),
                (true, None) => t!("Sending performance data: on.").to_string(),
                (false, Some(s)) => tf!("Sending performance data: off since {0}. The agent sends nothing until it is turned on again.", s),
                (false, None) => t!("Sending performance data: off. The agent sends nothing until it is turned on again.").to_string(),
            }
        }
    };
    let new_code = Mutation::<EnrollmentCode>::new(move || api::new_enrollment_code(id));
    let revoke = Mutation::<()>::new(move || api::revoke_token(id));
    let confirming = RwSignal::new(false);
    Effect::new(move |_| {
        if new_code.succeeded() {
            crate::components::done(
                t!("New enrollment code made: it is below, with the commands to run."),
                ".connection .code-card",
            );
        }
    });
    Effect::new(move |_| {
        if revoke.succeeded() {
            confirming.set(false);
            crate::components::done(t!("Token revoked."), ".connection-status");
            on_change.run(());
        }
    });
    let connection = d.connection;
    let error = move || -> Option<ApiFailure> { new_code.failure().or_else(|| revoke.failure()) };
    view! {
        <section class="card connection" aria-labelledby="connection-heading">
            <h2 id="connection-heading">{tv!("Agent")}</h2>
            <p class="connection-status" data-connection=format!("{connection:?}")>{status}</p>
            <p class="sharing">{sharing}</p>
            {when(move || session.is_manager(), move || view! {
                <div class="actions">
                    {(connection != Connection::Enrolled).then(|| view! {
                        <button type="button" disabled=move || new_code.pending() on:click=move |_| new_code.dispatch()>
                            {tv!("New enrollment code")}
                        </button>
                    })}
                    {when(move || connection == Connection::Enrolled && !confirming.get(), move || view! {
                        <button type="button" class="secondary" data-opens="revoke" on:click=move |_| confirming.set(true)>
                            {tv!("Revoke token…")}
                        </button>
                    }.into_any())}
                    {when(move || confirming.get(), move || view! {
                        <p role="alert">{tv!("Revoke this instrument's token? Its agent stops sending until it enrolls again.")}</p>
                        <button type="button" class="danger" autofocus on:click=move |_| revoke.dispatch()>
                            {tv!("Revoke token")}
                        </button>
                        <button type="button" class="secondary" data-closes="revoke" on:click=move |_| confirming.set(false)>
                            {tv!("Keep it")}
                        </button>
                    }.into_any())}
                </div>
            }.into_any())}
            {move || new_code.value().and_then(|r| r.ok()).map(|code| view! { <CodeCard code=code /> })}
            {failure_line(error)}
        </section>
    }
}
