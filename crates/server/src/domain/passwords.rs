//! The password policy as the server enforces it: the shared rules the dashboard also says
//! as one types ([`seqhealth_api::password_problem`]: 12 characters, not the email, not one
//! character repeated), then the published list of the 10,000 most common passwords
//! (`data/common-passwords.txt`, zxcvbn's list from leaked passwords, MIT licence: see
//! `data/common-passwords.LICENSE`), which stays on the server (it would weigh 70 KB in
//! the dashboard).

use std::collections::HashSet;
use std::sync::OnceLock;

const LIST: &str = include_str!("../../data/common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| LIST.lines().filter(|l| !l.is_empty()).collect())
}

/// Why `password` is refused for the person with `email`, in words a form shows.
pub fn problem(password: &str, email: &str) -> Option<String> {
    if let Some(why) = seqhealth_api::password_problem(password, email) {
        return Some(why);
    }
    let lower = password.to_lowercase();
    // A listed password with digits or signs added at the end ("sunshine2026!") is as easy
    // to guess: attackers try those first.
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    let listed =
        common().contains(lower.as_str()) || (stem.chars().count() >= 6 && common().contains(stem));
    listed.then(|| {
        "this password is among the 10,000 most common ones (a published list of leaked \
         passwords), even with digits or signs added; choose another, such as a few \
         unrelated words"
            .into()
    })
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn the_published_list_is_enforced_after_the_shared_rules() {
        let e = "ada@northgate.example";
        assert_eq!(super::common().len(), 10_000);
        assert!(problem("short", e).unwrap().contains("at least 12"));
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
