//! The lab's people: who has an account (and their role, last login), who is invited; a
//! manager invites a colleague here and gets the one-time link to send them.

use crate::api::{self, Mutation};
use crate::components::states::{failure_line, loaded, Empty};
use crate::components::when_else;
use crate::session::use_session;
use crate::time;
use leptos::prelude::*;
use seqhealth_api::{InvitationLink, InviteRequest, Role, Team};

#[component]
pub fn TeamPage() -> impl IntoView {
    crate::components::set_title(t!("Team"));
    let session = use_session();
    let team = api::team();
    let retry = Callback::new(move |_| team.refetch());
    // The link the invitation form made, shown above the table until that invitation is
    // sent again (its link then stops working; the row shows the new one).
    let made = RwSignal::new(None::<InvitationLink>);
    view! {
        <h1>{tv!("Team")}</h1>
        {when_else(
            move || session.is_manager(),
            move || view! { <Invite on_invited=retry made=made /> }.into_any(),
            || view! { <p class="lede">{tv!("View-only: ask a lab manager to invite someone.")}</p> }.into_any(),
        )}
        {loaded(t!("the team"), retry, move || team.get().map(|r| r.map(|t| view! { <People team=t on_change=retry made=made /> }.into_any())))}
    }
}

#[component]
fn People(
    team: Team,
    on_change: Callback<()>,
    made: RwSignal<Option<InvitationLink>>,
) -> impl IntoView {
    let session = use_session();
    let tz = move || session.time_zone();
    let role = |r: Role| match r {
        Role::Manager => t!("Manager"),
        Role::Viewer => t!("Viewer"),
    };
    let users = team
        .users
        .into_iter()
        .map(|u| {
            let last = u.last_login;
            let active = u.deactivated_at.is_none();
            let email = u.email.clone();
            view! {
                <tr data-user=email>
                    <th scope="row">{u.name.clone()}</th>
                    <td data-label=tv!("Email")>{u.email}</td>
                    <td data-label=tv!("Role")>{if active { role(u.role) } else { t!("Deactivated") }}</td>
                    <td data-label=tv!("Last login")>{move || last.map(|t| time::date_time(t, &tz())).unwrap_or_else(|| "—".into())}</td>
                    <td data-label="">
                        // Reactive: the list may arrive before the session says who is asking.
                        {move || (active && session.is_manager()).then(|| view! {
                            <MemberActions id=u.id name=u.name.clone() role=u.role on_change=on_change />
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let invited = if team.invited.is_empty() {
        view! { <Empty><p>{tv!("No invitation is waiting.")}</p></Empty> }.into_any()
    } else {
        let rows = team
            .invited
            .into_iter()
            .map(|i| {
                let until = i.expires_at;
                let id = i.id;
                view! {
                    <tr>
                        <th scope="row">{i.email}</th>
                        <td data-label=tv!("Role")>{role(i.role)}</td>
                        <td data-label=tv!("Invited by")>{i.invited_by.unwrap_or_else(|| "seqhealth init".into())}</td>
                        <td data-label=tv!("Link works until")>{move || time::date_time(until, &tz())}</td>
                        <td data-label="">
                            {move || session.is_manager().then(|| view! { <InvitationActions id=id on_change=on_change made=made /> })}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap" tabindex="0" role="region" aria-label=tv!("Invitations")>
                <table class="invited narrow-cards">
                    <caption>{move || tf!("Invited, not yet joined; times in {0}", tz())}</caption>
                    <thead>
                        <tr>
                            <th scope="col">{tv!("Email")}</th>
                            <th scope="col">{tv!("Role")}</th>
                            <th scope="col">{tv!("Invited by")}</th>
                            <th scope="col">{tv!("Link works until")}</th>
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
    };
    view! {
        <div class="table-wrap" tabindex="0" role="region" aria-label=tv!("People")>
            <table class="team narrow-cards">
                <caption>{move || tf!("The lab's people; times in {0}", tz())}</caption>
                <thead>
                    <tr>
                        <th scope="col">{tv!("Name")}</th>
                        <th scope="col">{tv!("Email")}</th>
                        <th scope="col">{tv!("Role")}</th>
                        <th scope="col">{tv!("Last login")}</th>
                        <th scope="col">
                            <span class="visually-hidden">{tv!("Actions")}</span>
                        </th>
                    </tr>
                </thead>
                <tbody>{users}</tbody>
            </table>
        </div>
        <h2>{tv!("Invitations")}</h2>
        {invited}
    }
}

/// A manager's buttons for one person: the other role, or deactivation (asked twice).
#[component]
fn MemberActions(id: i64, name: String, role: Role, on_change: Callback<()>) -> impl IntoView {
    let other = match role {
        Role::Manager => Role::Viewer,
        Role::Viewer => Role::Manager,
    };
    let change = Mutation::<()>::new(move || api::set_role(id, other));
    let deactivate = Mutation::<()>::new(move || api::deactivate(id));
    let confirming = RwSignal::new(false);
    let label = match other {
        Role::Manager => tf!("Make {0} a manager", name),
        Role::Viewer => tf!("Make {0} a viewer", name),
    };
    let (made, gone) = (
        if other == Role::Manager {
            tf!("{0} is now a manager.", name)
        } else {
            tf!("{0} is now a viewer.", name)
        },
        tf!("{0} deactivated.", name),
    );
    Effect::new(move |_| {
        let said = match (change.succeeded(), deactivate.succeeded()) {
            (true, _) => &made,
            (_, true) => &gone,
            _ => return,
        };
        // The table is made anew: the focus goes to its caption.
        crate::components::done(said, "table.team caption");
        on_change.run(());
    });
    let ask = tf!("Deactivate {0}: their sessions end now. Confirm", name);
    view! {
        <div class="actions">
            <button type="button" class="secondary" disabled=move || change.pending() on:click=move |_| change.dispatch()>
                {label}
            </button>
            {move || if confirming.get() {
                view! {
                    <button type="button" class="danger" autofocus on:click=move |_| deactivate.dispatch()>{ask.clone()}</button>
                    <button type="button" class="secondary" data-closes="deactivate" on:click=move |_| confirming.set(false)>{tv!("Keep it")}</button>
                }.into_any()
            } else {
                view! {
                    <button type="button" class="secondary" data-opens="deactivate" on:click=move |_| confirming.set(true)>{tv!("Deactivate…")}</button>
                }.into_any()
            }}
        </div>
        {failure_line(move || change.failure().or_else(|| deactivate.failure()))}
    }
}

/// A manager's buttons for an open invitation: a new link (mailed and shown), or withdraw.
#[component]
fn InvitationActions(
    id: i64,
    on_change: Callback<()>,
    made: RwSignal<Option<InvitationLink>>,
) -> impl IntoView {
    let resend = Mutation::<InvitationLink>::new(move || api::resend_invitation(id));
    let withdraw = Mutation::<()>::new(move || api::withdraw_invitation(id));
    Effect::new(move |_| {
        if withdraw.succeeded() {
            on_change.run(());
        }
    });
    // The form's card may show this invitation's first link, which no longer works.
    Effect::new(move |_| {
        if let Some(Ok(new)) = resend.value() {
            let stale = made.with_untracked(|m| m.as_ref().is_some_and(|m| m.email == new.email));
            if stale {
                made.set(None);
            }
        }
    });
    view! {
        <div class="actions">
            <button type="button" class="secondary" disabled=move || resend.pending() on:click=move |_| resend.dispatch()>
                {tv!("Send again")}
            </button>
            <button type="button" class="secondary" disabled=move || withdraw.pending() on:click=move |_| withdraw.dispatch()>
                {tv!("Withdraw")}
            </button>
        </div>
        {move || resend.value().map(|r| r.map(|link| view! { <LinkCard link=link /> }))}
        {failure_line(move || resend.failure().or_else(|| withdraw.failure()))}
    }
}

/// A new invitation's link: mailed already, and shown once to copy should the mail not
/// arrive.
#[component]
fn LinkCard(link: InvitationLink) -> impl IntoView {
    let session = use_session();
    let url = format!(
        "{}/accept/{}",
        web_sys::window()
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default(),
        link.token
    );
    let until = link.expires_at;
    let id = format!("link-{}", link.token.get(..8).unwrap_or_default());
    view! {
        <div class="card code-card" role="status">
            <label for=id.clone()>
                {move || tf!(
                    "Mailed to {0}. The link is here too, should the mail not arrive: it works once, until {1}.",
                    link.email,
                    time::date_time(until, &session.time_zone())
                )}
            </label>
            <input
                id=id
                class="mono command invite-link"
                type="text"
                readonly
                value=url
                on:focus=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    input.select();
                }
            />
        </div>
    }
}

/// A manager's invitation form, and the link it makes (shown once).
#[component]
fn Invite(on_invited: Callback<()>, made: RwSignal<Option<InvitationLink>>) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Viewer);
    let invite = Mutation::<InvitationLink>::new(move || {
        api::invite(InviteRequest {
            email: email.get_untracked(),
            role: role.get_untracked(),
        })
    });
    Effect::new(move |_| {
        match invite.value() {
            Some(Ok(link)) => {
                made.set(Some(link));
                let said = tf!("Invitation made for {0}.", email.get_untracked());
                email.set(String::new());
                on_invited.run(());
                crate::components::done(&said, "form.invite ~ .code-card");
            }
            // The error takes the card's place, as the answer to this attempt.
            Some(Err(_)) => made.set(None),
            None => {}
        }
    });
    view! {
        <form
            class="filters invite"
            on:submit=move |ev| {
                ev.prevent_default();
                invite.dispatch();
            }
        >
            <label>
                {tv!("Email")}
                <input id="invite-email" type="email" required autocomplete="off" bind:value=email />
            </label>
            <label>
                {tv!("Role")}
                <select on:change=move |ev| {
                    role.set(if event_target_value(&ev) == "manager" { Role::Manager } else { Role::Viewer })
                }>
                    <option value="viewer" selected=true>{tv!("Viewer")}</option>
                    <option value="manager">{tv!("Manager")}</option>
                </select>
            </label>
            <button type="submit" disabled=move || invite.pending()>{tv!("Invite")}</button>
        </form>
        <p class="hint">{tv!("A viewer sees everything and changes nothing; a manager also acknowledges, books, and invites.")}</p>
        {move || made.get().map(|link| view! { <LinkCard link=link /> })}
        {move || invite.failure().map(|e| view! { <p class="state error" role="alert">{e.to_string()}</p> })}
    }
}
