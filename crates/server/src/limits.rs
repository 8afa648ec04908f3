//! Login attempt limits: failed logins are counted per account and per client address in
//! a fixed window; past the limit, logins answer 429 with the same words for everyone,
//! so neither guessing passwords nor probing for accounts scales.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

/// Failed logins allowed per account in one window.
pub const PER_ACCOUNT: u32 = 10;
/// Failed logins allowed per client address in one window (several people may share one).
pub const PER_ADDRESS: u32 = 30;
pub const WINDOW_SECS: i64 = 15 * 60;
/// Entries kept at most; the oldest windows are dropped first (a flood cannot grow memory).
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (i64, u32)>>,
}

fn keys(email: &str, addr: Option<IpAddr>) -> [(String, u32); 2] {
    [
        (
            format!("account:{}", email.trim().to_lowercase()),
            PER_ACCOUNT,
        ),
        (
            format!(
                "address:{}",
                addr.map(|a| a.to_string()).unwrap_or_default()
            ),
            PER_ADDRESS,
        ),
    ]
}

impl LoginLimiter {
    /// True when this account or address has used up its failures in the current window.
    pub fn blocked(&self, email: &str, addr: Option<IpAddr>, now: i64) -> bool {
        let map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        keys(email, addr).iter().any(|(k, limit)| {
            map.get(k)
                .is_some_and(|(start, n)| now - start < WINDOW_SECS && n >= limit)
        })
    }

    pub fn failed(&self, email: &str, addr: Option<IpAddr>, now: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (start, _)| now - *start < WINDOW_SECS);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        for (k, _) in keys(email, addr) {
            let e = map.entry(k).or_insert((now, 0));
            if now - e.0 >= WINDOW_SECS {
                *e = (now, 0);
            }
            e.1 += 1;
        }
    }

    /// A successful login clears its account's failures (not its address's).
    pub fn succeeded(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&format!("account:{}", email.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_blocked_after_its_failures_until_the_window_passes() {
        let l = LoginLimiter::default();
        let addr = Some("192.0.2.1".parse().unwrap());
        for _ in 0..PER_ACCOUNT {
            assert!(!l.blocked("a@x", addr, 0));
            l.failed("A@x ", addr, 0);
        }
        assert!(l.blocked("a@x", addr, 10));
        assert!(
            !l.blocked("b@x", Some("192.0.2.2".parse().unwrap()), 10),
            "other accounts and addresses are free"
        );
        assert!(
            !l.blocked("a@x", addr, WINDOW_SECS + 1),
            "the window passes"
        );
    }

    #[test]
    fn an_address_is_blocked_across_accounts() {
        let l = LoginLimiter::default();
        let addr = Some("192.0.2.9".parse().unwrap());
        for i in 0..PER_ADDRESS {
            l.failed(&format!("user{i}@x"), addr, 0);
        }
        assert!(l.blocked("someone-new@x", addr, 1));
        assert!(!l.blocked("someone-new@x", None, 1));
    }
}
