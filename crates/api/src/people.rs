//! A lab's people: the one-time links that bring them in (the first manager's setup link,
//! invitations) and the rules their passwords follow.

use crate::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long the first manager's setup link works.
pub const SETUP_LINK_HOURS: i64 = 24;

/// How long an invitation to join a lab works.
pub const INVITATION_DAYS: i64 = 7;

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// `GET /invitations/{token}`: what a one-time link is for, before its person accepts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invitation {
    pub lab: String,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// Body of `POST /invitations/{token}/accept`: the person's name and password. Answers
/// the new session (`SessionInfo`), its cookie set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitation {
    pub name: String,
    pub password: String,
}

/// `GET /users`: the lab's people, and the invitations still open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    pub users: Vec<Member>,
    pub invited: Vec<Invited>,
}

/// Someone with an account in the lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// When they last logged in (`None`: not since they joined by a link).
    pub last_login: Option<DateTime<Utc>>,
    /// Set when a manager deactivated them: they cannot log in.
    pub deactivated_at: Option<DateTime<Utc>>,
}

/// `GET /setup` (no session): whether the server has a lab yet, so that the login page of a
/// fresh install can say how to make one. Says nothing of any lab.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetupStatus {
    pub set_up: bool,
}

/// How long a password-reset link made by an operator (`users reset-link`) works: it is
/// passed on by hand.
pub const RESET_LINK_HOURS: i64 = 24;

/// How long a password-reset link mailed for "Forgot password?" works.
pub const MAILED_RESET_LINK_HOURS: i64 = 1;

/// `GET /resets/{token}`: whose password a reset link sets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetInfo {
    pub lab: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// Body of `POST /password-reset` ("Forgot password?", no session): the answer is the
/// same 202 whether or not the address has an account; if it has, a link is mailed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

/// Body of `POST /resets/{token}`: the new password. Every session of the user ends; the
/// answer is a new one (`SessionInfo`), its cookie set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub password: String,
}

/// Body of `POST /account/password`: the current password (asked again, so a session left
/// open cannot change it) and the new one. Every other session of the user ends.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Body of `POST /account/name`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameChange {
    pub name: String,
}

/// Body of `POST /account/language`: the dashboard's language for this person.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageChange {
    pub language: crate::Language,
}

/// Body of `POST /users/{id}/role` (managers).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    pub role: Role,
}

/// An invitation not yet accepted, still valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Invited {
    /// For `POST /team/invitations/{id}/resend` and `DELETE /team/invitations/{id}`.
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// Body of `POST /invitations` (managers): who to invite, and as what.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    pub email: String,
    pub role: Role,
}

/// The answer to an invitation: the one-time link's token (shown once; only its hash is
/// kept), for the manager to send until seqhealth sends mail itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationLink {
    pub token: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a password is refused, in words the form shows; `None` when it is accepted.
/// The same rule on both ends: the dashboard says it before sending, the server enforces.
pub fn password_problem(password: &str, email: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters (this one has {chars})"
        ));
    }
    let lower = password.to_ascii_lowercase();
    let email = email.trim().to_ascii_lowercase();
    let local = email.split('@').next().unwrap_or("");
    if lower == email || (local.len() >= 4 && lower.contains(local)) {
        return Some("a password must not be or contain your email address".into());
    }
    if lower
        .chars()
        .all(|c| c == lower.chars().next().unwrap_or(' '))
    {
        return Some("a password must not be one character repeated".into());
    }
    if COMMON
        .iter()
        .any(|c| lower.starts_with(c) && lower.len() <= c.len() + 4)
    {
        return Some("this password is one of the most common ones; choose another".into());
    }
    None
}

/// Stems of the passwords attackers try first, so that the dashboard can say so as one
/// types; the server also checks the published list of the 10,000 most common passwords
/// (`seqhealth-server`'s `domain::passwords`), which is too heavy for the dashboard.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890",
    "qwertyuiop",
    "qwertyuiopasdf",
    "password",
    "passw0rd",
    "iloveyou",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "abcdefghijkl",
    "abc123456789",
    "letmein",
    "welcome",
    "changeme",
    "administrator",
    "sunshine",
    "football",
    "baseball",
    "princess",
    "trustno1",
    "superman",
    "starwars",
    "seqhealth",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_refused_with_a_reason() {
        let e = "ada@northgate.example";
        assert!(password_problem("short", e)
            .unwrap()
            .contains("at least 12"));
        assert!(password_problem("ada@northgate.example", e)
            .unwrap()
            .contains("email"));
        assert!(password_problem("aaaaaaaaaaaaaa", e)
            .unwrap()
            .contains("repeated"));
        assert!(password_problem("Password1234", e)
            .unwrap()
            .contains("common"));
        assert!(password_problem("qwertyuiop12", e)
            .unwrap()
            .contains("common"));
        assert_eq!(password_problem("violet kettle on the moor", e), None);
        assert_eq!(password_problem("correct horse battery", e), None);
    }
}
