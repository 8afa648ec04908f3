//! The password policy as the server enforces it: the shared rules the dashboard also says
//! as one types ([`seqhealth_api::password_problem`]: 12 characters, not the email, not one
//! character repeated), then the published list of the 10,000 most common passwords
//! (`data/common-passwords.txt`, zxcvbn's list from leaked passwords, MIT licence: see
//! `data/common-passwords.LICENSE`), which stays on the server (it would weigh 70 KB in
//! the dashboard).

use seqhealth_api::people::MIN_PASSWORD_CHARS;
use seqhealth_api::{Figure, Said};
use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().filter(|l| !l.is_empty()).collect())
}

/// Why `password` is refused for the person with `email`, in words a form shows: a code
/// of `seqhealth_api::words::TEMPLATES` (the shared rules' sentences are the dashboard's
/// own, so its catalogs already word them).
pub fn problem(password: &str, email: &str) -> Option<Said> {
    if let Some(why) = seqhealth_api::password_problem(password, email) {
        let (code, figures) = if why.starts_with("a password needs at least") {
            let chars = password.chars().count() as f64;
            (
                "password_short",
                vec![Figure::N(MIN_PASSWORD_CHARS as f64), Figure::N(chars)],
            )
        } else if why.contains("email") {
            ("password_email", Vec::new())
        } else if why.contains("repeated") {
            ("password_repeated", Vec::new())
        } else {
            ("password_common", Vec::new())
        };
        return Some(Said::new(code, figures));
    }
    let lower = password.to_lowercase();
    // A listed password with digits or signs added at the end ("sunshine2026!") is as easy
    // to guess: attackers try those first.
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let listed =
        common().contains(lower.as_str()) || (stem.chars().count() >= 6 && common().contains(stem));
    listed.then(|| Said::new("password_listed", Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::Said;

    fn problem(password: &str, email: &str) -> Option<String> {
        super::problem(password, email).as_ref().map(Said::english)
    }

    #[test]
    fn the_published_list_is_enforced_after_the_shared_rules() {
        let e = "ada@northgate.example";
        assert_eq!(super::common().len(), 10_000);
        assert_eq!(
            problem("short", e).unwrap(),
            seqhealth_api::password_problem("short", e).unwrap()
        );
        assert!(problem("short", e).unwrap().contains("at least 12"));
        for shared in ["ada@northgate.example", "aaaaaaaaaaaaaaa", "password1234"] {
            assert_eq!(
                problem(shared, e),
                seqhealth_api::password_problem(shared, e),
                "{shared}"
            );
        }
        for listed in [
            "leavemealone",
            "FinalFantasy",
            "sunshine2026!",
            "football12345",
            "mustang!!!!!",
        ] {
            assert!(
                problem(listed, e).is_some_and(|w| w.contains("10,000 most common")),
                "{listed}"
            );
        }
        for fine in [
            "violet kettle on the moor",
            "correct horse battery",
            "sun2026shine!x",
        ] {
            assert_eq!(problem(fine, e), None, "{fine}");
        }
    }
}
