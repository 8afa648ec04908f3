//! One-time links that bring a person into a lab: the first manager's setup link made by
//! `seqhealth-server init`, and (to come) invitations by a manager. A link is 256 random
//! bits of which only the hash is stored; it works once, until it expires.

use crate::domain::audit::{action, said, text, Event};
use crate::domain::credentials::{hash_token, new_token};
use crate::error::{AppError, AppResult};
use crate::store::to_time;
use axum::http::StatusCode;
use seqhealth_api::people::{INVITATION_DAYS, SETUP_LINK_HOURS};
use seqhealth_api::Figure;
use seqhealth_api::{Invitation, InvitationLink, Role};
use sqlx::{AnyConnection, AnyPool};

/// Creates a lab on a database that has none, with a one-time setup link for its first
/// manager (valid [`SETUP_LINK_HOURS`]); `another` allows a further lab on a server that
/// has some. Returns the lab's id and the link's token (the only time it is seen).
pub async fn init_lab(
    db: &AnyPool,
    lab: &str,
    time_zone: &str,
    manager_email: &str,
    another: bool,
    now: i64,
) -> AppResult<(i64, String)> {
    let lab = lab.trim();
    if lab.is_empty() || lab.chars().count() > 120 {
        return Err(AppError::BadRequest(
            "the lab's name must be 1–120 characters".into(),
        ));
    }
    time_zone.parse::<chrono_tz::Tz>().map_err(|_| {
        AppError::BadRequest(format!(
            "{time_zone:?} is not an IANA time zone (for example Europe/Berlin or America/Chicago)"
        ))
    })?;
    let email = checked_email(manager_email)?;
    let mut tx = crate::store::begin_write(db).await?;
    let labs: Vec<String> = sqlx::query_scalar("SELECT name FROM labs ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    if labs.iter().any(|l| l.eq_ignore_ascii_case(lab)) {
        return Err(AppError::Conflict(format!(
            "there is already a lab named {lab:?}"
        )));
    }
    if !labs.is_empty() && !another {
        return Err(AppError::Conflict(format!(
            "this database already has {} lab(s) ({}): seqhealth is set up. To add another lab \
             to this server, run init again with --another-lab",
            labs.len(),
            labs.join(", ")
        )));
    }
    if has_account(&mut tx, &email).await? {
        return Err(AppError::Conflict(format!(
            "{email} already has an account"
        )));
    }
    let lab_id: i64 =
        sqlx::query_scalar("INSERT INTO labs (name, time_zone) VALUES ($1, $2) RETURNING id")
            .bind(lab)
            .bind(time_zone)
            .fetch_one(&mut *tx)
            .await?;
    let token = issue(&mut tx, lab_id, &email, Role::Manager, "setup", None, now).await?;
    let detail = said("audit_lab_set_up", vec![text(&email)]);
    Event::new(lab_id, None, action::LAB_SET_UP, detail)
        .record(&mut tx, now)
        .await?;
    tx.commit().await?;
    Ok((lab_id, token))
}

/// Whether any lab's user has `email` (addresses are unique across the server).
async fn has_account(conn: &mut AnyConnection, email: &str) -> AppResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.is_some())
}

fn checked_email(email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if ok {
        Ok(email)
    } else {
        Err(AppError::bad(
            "bad_email",
            vec![Figure::Text(format!("{email:?}"))],
        ))
    }
}

/// Stores a new link for `email` to join `lab_id` as `role`; returns its token. A setup
/// link lasts [`SETUP_LINK_HOURS`], an invitation [`INVITATION_DAYS`].
async fn issue(
    conn: &mut AnyConnection,
    lab_id: i64,
    email: &str,
    role: Role,
    kind: &str,
    by: Option<i64>,
    now: i64,
) -> AppResult<String> {
    let lasts = if kind == "setup" {
        SETUP_LINK_HOURS * 3600
    } else {
        INVITATION_DAYS * 86_400
    };
    let token = new_token();
    sqlx::query(
        "INSERT INTO invitations (lab_id, email, role, kind, token_hash, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(lab_id)
    .bind(email)
    .bind(role.as_str())
    .bind(kind)
    .bind(hash_token(&token))
    .bind(by)
    .bind(now)
    .bind(now + lasts)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// A link as stored: its id, lab, email, role, expiry and when it was used.
type Stored = (i64, i64, String, String, String, i64, Option<i64>);

/// The link `token` names, if it still works: unknown is 404, used or expired 410 (the
/// person asks for a new one). Never says more than that about other links.
async fn usable(conn: &mut AnyConnection, token: &str, now: i64) -> AppResult<Stored> {
    let found: Option<Stored> = sqlx::query_as(
        "SELECT v.id, v.lab_id, l.name, v.email, v.role, v.expires_at, v.used_at
         FROM invitations v JOIN labs l ON l.id = v.lab_id WHERE v.token_hash = $1",
    )
    .bind(hash_token(token))
    .fetch_optional(&mut *conn)
    .await?;
    let gone = |code: &str| AppError::said(StatusCode::GONE, "link_gone", code, Vec::new());
    match found {
        None => Err(AppError::not_found("link_invalid", Vec::new())),
        Some((.., Some(_))) => Err(gone("invitation_used")),
        Some((.., expires_at, None)) if expires_at <= now => Err(gone("link_expired")),
        Some(found) => Ok(found),
    }
}

/// What the link is for, for the page that accepts it.
pub async fn find(db: &AnyPool, token: &str, now: i64) -> AppResult<Invitation> {
    let (_, _, lab, email, role, expires_at, _) =
        usable(&mut *db.acquire().await?, token, now).await?;
    Ok(Invitation {
        lab,
        email,
        role: Role::parse(&role)
            .ok_or_else(|| AppError::Internal(format!("stored invitation has role {role:?}")))?,
        expires_at: to_time(expires_at),
    })
}

/// Whether `password` may be this link's person's: the policy's reason if not.
pub async fn check_password(db: &AnyPool, token: &str, password: &str, now: i64) -> AppResult<()> {
    let invitation = find(db, token, now).await?;
    match crate::domain::passwords::problem(password, &invitation.email) {
        Some(why) => Err(AppError::bad_password(why)),
        None => Ok(()),
    }
}

/// Accepts the link once, in the write transaction `conn`: the person's account is made
/// with `name` and the argon2 `password_hash`, the link is used up, and the audit log
/// says so. Returns the new user's id.
pub async fn accept(
    conn: &mut AnyConnection,
    token: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> AppResult<i64> {
    let (id, lab_id, _, email, role, _, _) = usable(conn, token, now).await?;
    if has_account(conn, &email).await? {
        return Err(AppError::conflict(
            "account_log_in",
            vec![Figure::Text(email)],
        ));
    }
    let user_id: i64 = sqlx::query_scalar(
        "INSERT INTO users (lab_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(lab_id)
    .bind(&email)
    .bind(name)
    .bind(&role)
    .bind(password_hash)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE invitations SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let as_role = Figure::Word(role.to_string());
    let detail = said("audit_joined", vec![text(name), text(&email), as_role]);
    Event::new(lab_id, Some(user_id), action::JOINED, detail)
        .record(conn, now)
        .await?;
    Ok(user_id)
}

/// Whether the database has any lab (a server without one says how to run `init`).
pub async fn has_labs(db: &AnyPool) -> AppResult<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM labs")
        .fetch_one(db)
        .await?;
    Ok(n > 0)
}

/// A manager (or, `None`, an operator with `seqhealth-server users add`) invites `email`
/// into the lab as `role`, in the write transaction `conn`:
/// refused (409) when the address has an account; an earlier open invitation of the same
/// address to this lab stops working. Returns the new link, shown once.
pub async fn invite(
    conn: &mut AnyConnection,
    lab_id: i64,
    manager_id: Option<i64>,
    email: &str,
    role: Role,
    now: i64,
) -> AppResult<InvitationLink> {
    let email = checked_email(email)?;
    if has_account(conn, &email).await? {
        // The same words whichever lab has the account: which one is not this lab's to learn.
        return Err(AppError::conflict(
            "account_exists",
            vec![Figure::Text(email)],
        ));
    }
    expire(conn, lab_id, &email, now).await?;
    let token = issue(conn, lab_id, &email, role, "invite", manager_id, now).await?;
    let detail = said(
        "audit_invited",
        vec![text(&email), Figure::Word(role.as_str().into())],
    );
    Event::new(lab_id, manager_id, action::INVITED, detail)
        .record(conn, now)
        .await?;
    Ok(InvitationLink {
        token,
        email,
        expires_at: to_time(now + INVITATION_DAYS * 86_400),
    })
}

/// The open invitation `id` of the lab: its email and role (else 404, whichever lab it is).
async fn open_invitation(
    conn: &mut AnyConnection,
    lab_id: i64,
    id: i64,
    now: i64,
) -> AppResult<(String, Role)> {
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT email, role FROM invitations
         WHERE id = $1 AND lab_id = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(id)
    .bind(lab_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let (email, role) =
        found.ok_or_else(|| AppError::not_found("no_invitation", vec![Figure::N(id as f64)]))?;
    let role =
        Role::parse(&role).ok_or_else(|| AppError::Internal(format!("stored role {role:?}")))?;
    Ok((email, role))
}

/// A manager sends open invitation `id` again, in the write transaction `conn`: a new link
/// (7 days from now) replaces the old one, which stops working.
pub async fn resend(
    conn: &mut AnyConnection,
    lab_id: i64,
    manager_id: i64,
    id: i64,
    now: i64,
) -> AppResult<(InvitationLink, Role)> {
    let (email, role) = open_invitation(conn, lab_id, id, now).await?;
    expire(conn, lab_id, &email, now).await?;
    let token = issue(conn, lab_id, &email, role, "invite", Some(manager_id), now).await?;
    let as_role = Figure::Word(role.as_str().into());
    let detail = said("audit_invited_again", vec![text(&email), as_role]);
    Event::new(lab_id, Some(manager_id), action::INVITATION_RESENT, detail)
        .record(conn, now)
        .await?;
    let link = InvitationLink {
        token,
        email,
        expires_at: to_time(now + INVITATION_DAYS * 86_400),
    };
    Ok((link, role))
}

/// A manager withdraws open invitation `id`: its link stops working at once.
pub async fn withdraw(
    conn: &mut AnyConnection,
    lab_id: i64,
    manager_id: i64,
    id: i64,
    now: i64,
) -> AppResult<()> {
    let (email, _) = open_invitation(conn, lab_id, id, now).await?;
    expire(conn, lab_id, &email, now).await?;
    let detail = said("audit_invitation_withdrawn", vec![text(&email)]);
    Event::new(
        lab_id,
        Some(manager_id),
        action::INVITATION_WITHDRAWN,
        detail,
    )
    .record(conn, now)
    .await?;
    Ok(())
}

/// Every open link of `email` into the lab stops working now.
async fn expire(conn: &mut AnyConnection, lab_id: i64, email: &str, now: i64) -> AppResult<()> {
    sqlx::query(
        "UPDATE invitations SET expires_at = $1
         WHERE lab_id = $2 AND email = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(lab_id)
    .bind(email)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The lab named `name` (operators name labs, not ids).
pub async fn lab_named(db: &AnyPool, name: &str) -> AppResult<i64> {
    let labs: Vec<(i64, String)> = sqlx::query_as("SELECT id, name FROM labs ORDER BY id")
        .fetch_all(db)
        .await?;
    let names = labs
        .iter()
        .map(|l| l.1.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    labs.iter()
        .find(|l| l.1.eq_ignore_ascii_case(name.trim()))
        .map(|l| l.0)
        .ok_or_else(|| AppError::NotFound(format!("no lab named {name:?} (labs: {names})")))
}
