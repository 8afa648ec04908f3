//! A lab's people: who is in it, their roles, and deactivation. A lab always keeps at
//! least one active manager, so someone can always invite, book and acknowledge.

use crate::domain::audit::{action, said, text, Event};
use crate::error::{AppError, AppResult};
use crate::store::to_time;
use seqhealth_api::Figure;
use seqhealth_api::{Invited, Member, Role, Team};
use sqlx::{AnyConnection, AnyPool};

/// A user as stored: id, name, email, role, last login, deactivation time.
type MemberRow = (i64, String, String, String, Option<i64>, Option<i64>);

/// The lab's people and its open invitations.
pub async fn team(db: &AnyPool, lab_id: i64, now: i64) -> AppResult<Team> {
    let users: Vec<MemberRow> = sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.role, u.last_login_at, u.deactivated_at
         FROM users u WHERE u.lab_id = $1 ORDER BY u.deactivated_at IS NOT NULL, u.role, u.name",
    )
    .bind(lab_id)
    .fetch_all(db)
    .await?;
    let invited: Vec<(i64, String, String, Option<String>, i64)> = sqlx::query_as(
        "SELECT v.id, v.email, v.role, u.name, v.expires_at FROM invitations v
         LEFT JOIN users u ON u.id = v.created_by
         WHERE v.lab_id = $1 AND v.used_at IS NULL AND v.expires_at > $2 ORDER BY v.created_at",
    )
    .bind(lab_id)
    .bind(now)
    .fetch_all(db)
    .await?;
    let role =
        |r: &str| Role::parse(r).ok_or_else(|| AppError::Internal(format!("stored role {r:?}")));
    Ok(Team {
        users: users
            .into_iter()
            .map(|(id, name, email, r, last, gone)| {
                Ok(Member {
                    id,
                    name,
                    email,
                    role: role(&r)?,
                    last_login: last.map(to_time),
                    deactivated_at: gone.map(to_time),
                })
            })
            .collect::<AppResult<_>>()?,
        invited: invited
            .into_iter()
            .map(|(id, email, r, by, expires_at)| {
                Ok(Invited {
                    id,
                    email,
                    role: role(&r)?,
                    invited_by: by,
                    expires_at: to_time(expires_at),
                })
            })
            .collect::<AppResult<_>>()?,
    })
}

/// The lab's user `user_id` (their name, role, whether active), or the one 404.
async fn member(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
) -> AppResult<(String, String, bool)> {
    let found: Option<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT name, role, deactivated_at FROM users WHERE id = $1 AND lab_id = $2",
    )
    .bind(user_id)
    .bind(lab_id)
    .fetch_optional(&mut *conn)
    .await?;
    let (name, role, gone) =
        found.ok_or_else(|| AppError::not_found("no_user", vec![Figure::N(user_id as f64)]))?;
    Ok((name, role, gone.is_none()))
}

/// Refuses to leave the lab without an active manager.
async fn keep_a_manager(conn: &mut AnyConnection, lab_id: i64, name: &str) -> AppResult<()> {
    let managers: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE lab_id = $1 AND role = 'manager' AND deactivated_at IS NULL",
    )
    .bind(lab_id)
    .fetch_one(&mut *conn)
    .await?;
    if managers <= 1 {
        return Err(AppError::conflict(
            "last_manager",
            vec![Figure::Text(name.into())],
        ));
    }
    Ok(())
}

/// A manager changes `user_id`'s role, in the write transaction `conn`.
pub async fn set_role(
    conn: &mut AnyConnection,
    lab_id: i64,
    manager_id: i64,
    user_id: i64,
    role: Role,
    now: i64,
) -> AppResult<()> {
    let (name, was, active) = member(conn, lab_id, user_id).await?;
    if was == role.as_str() {
        return Ok(());
    }
    if active && was == "manager" {
        keep_a_manager(conn, lab_id, &name).await?;
    }
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let (now_a, was_a) = (Figure::Word(role.as_str().into()), Figure::Word(was));
    let detail = said("audit_role_changed", vec![text(name), now_a, was_a]);
    Event::new(lab_id, Some(manager_id), action::ROLE_CHANGED, detail)
        .record(conn, now)
        .await
}

/// A manager (or, `None`, an operator) deactivates `user_id`, in the write transaction
/// `conn`: their sessions end
/// at once and they cannot log in; what they did stays in the audit log.
pub async fn deactivate(
    conn: &mut AnyConnection,
    lab_id: i64,
    manager_id: Option<i64>,
    user_id: i64,
    now: i64,
) -> AppResult<()> {
    let (name, role, active) = member(conn, lab_id, user_id).await?;
    if !active {
        return Err(AppError::conflict(
            "already_deactivated",
            vec![Figure::Text(name)],
        ));
    }
    if role == "manager" {
        keep_a_manager(conn, lab_id, &name).await?;
    }
    sqlx::query("UPDATE users SET deactivated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    crate::domain::sessions::end_all_in(conn, user_id).await?;
    let detail = said("audit_deactivated", vec![text(name)]);
    Event::new(lab_id, manager_id, action::DEACTIVATED, detail)
        .record(conn, now)
        .await
}

/// Every lab's people, for operators: (lab, name, email, role, active), by lab then name.
/// A person's stored row for the operators' list: lab, name, email, role, deactivated at,
/// last login.
type PersonRow = (String, String, String, String, Option<i64>, Option<i64>);

pub async fn everyone(db: &AnyPool, now: i64) -> AppResult<Vec<Listed>> {
    let rows: Vec<PersonRow> = sqlx::query_as(
        "SELECT l.name, u.name, u.email, u.role, u.deactivated_at, u.last_login_at FROM users u
         JOIN labs l ON l.id = u.lab_id ORDER BY l.name, u.name",
    )
    .fetch_all(db)
    .await?;
    let mut out: Vec<Listed> = rows
        .into_iter()
        .map(|(lab, name, email, role, gone, last_login)| Listed {
            lab,
            name,
            email,
            role,
            state: if gone.is_none() {
                "active"
            } else {
                "deactivated"
            },
            last_login,
        })
        .collect();
    // Invitations still open: people on their way in.
    let invited: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT l.name, i.email, i.role FROM invitations i JOIN labs l ON l.id = i.lab_id
         WHERE i.used_at IS NULL AND i.expires_at > $1 ORDER BY l.name, i.email",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    out.extend(invited.into_iter().map(|(lab, email, role)| Listed {
        lab,
        name: String::new(),
        email,
        role,
        state: "invited",
        last_login: None,
    }));
    Ok(out)
}

/// One line of `seqhealth-server users list`.
pub struct Listed {
    pub lab: String,
    pub name: String,
    pub email: String,
    pub role: String,
    /// active, deactivated or invited.
    pub state: &'static str,
    /// Unix seconds.
    pub last_login: Option<i64>,
}

/// The user with `email` (lab id, user id), or the one 404.
pub async fn by_email(db: &AnyPool, email: &str) -> AppResult<(i64, i64)> {
    let email = email.trim().to_lowercase();
    sqlx::query_as("SELECT lab_id, id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user with email {email}")))
}
