//! Login and enrollment attempt limits, per account and per client address in a fixed
//! window; past the limit, attempts answer 429 with the same words for everyone, so
//! neither guessing passwords nor probing for accounts scales.
//!
//! An attempt is counted when it is let through, in the same step as the check: sixty
//! wrong passwords sent at once get exactly [`PER_ACCOUNT`] tries, not however many
//! passed the check before the first failure was recorded. A success takes its count back.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;

/// Failed logins allowed per account in one window.
pub const PER_ACCOUNT: u32 = 10;
/// Failed logins (or enrollment codes) allowed per client address in one window (several
/// people may share one).
pub const PER_ADDRESS: u32 = 30;
pub const WINDOW_SECS: i64 = 15 * 60;
/// Entries kept at most; past it, ended windows go, then the oldest windows, so a flood of
/// new addresses cannot grow memory nor wipe everyone's counts.
const MAX_ENTRIES: usize = 100_000;

/// What a count is kept for: parsed values, never raw text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    LoginAddress(IpAddr),
    EnrollAddress(IpAddr),
}

/// The address a limit applies to: an IPv6 client is its /64, which one subscriber gets
/// whole (any of its 2^64 addresses is the same client).
pub fn client_network(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Refused: the caller has used up its attempts in this window.
#[derive(Debug, PartialEq, Eq)]
pub struct Blocked;

#[derive(Default)]
pub struct LoginLimiter {
    counts: Mutex<HashMap<Key, (i64, u32)>>,
}

fn login_keys(email: &str, addr: Option<IpAddr>) -> Vec<(Key, u32)> {
    let mut keys = vec![(Key::Account(email.trim().to_lowercase()), PER_ACCOUNT)];
    if let Some(a) = addr {
        keys.push((Key::LoginAddress(client_network(a)), PER_ADDRESS));
    }
    keys
}

fn enroll_keys(addr: Option<IpAddr>) -> Vec<(Key, u32)> {
    match addr {
        Some(a) => vec![(Key::EnrollAddress(client_network(a)), PER_ADDRESS)],
        // Without an address (tests calling the router directly) one shared count.
        None => vec![(
            Key::EnrollAddress(IpAddr::V4([0, 0, 0, 0].into())),
            PER_ADDRESS,
        )],
    }
}

impl LoginLimiter {
    /// A login attempt for `email` from `addr`: refused if the account or the address has
    /// used up its attempts, else counted.
    pub fn login(&self, email: &str, addr: Option<IpAddr>, now: i64) -> Result<(), Blocked> {
        self.attempt(&login_keys(email, addr), now)
    }

    /// The login succeeded: the account's count is cleared and the address's attempt taken
    /// back.
    pub fn login_succeeded(&self, email: &str, addr: Option<IpAddr>) {
        let mut map = self.lock();
        for (key, _) in login_keys(email, addr) {
            match key {
                Key::Account(_) => {
                    map.remove(&key);
                }
                _ => take_back(&mut map, &key),
            }
        }
    }

    /// An enrollment attempt from `addr` (its own count: enrollment codes are not
    /// passwords, and a flood of them must not lock anyone's login).
    pub fn enroll(&self, addr: Option<IpAddr>, now: i64) -> Result<(), Blocked> {
        self.attempt(&enroll_keys(addr), now)
    }

    /// The code was good: its attempt is taken back.
    pub fn enroll_succeeded(&self, addr: Option<IpAddr>) {
        let mut map = self.lock();
        for (key, _) in enroll_keys(addr) {
            take_back(&mut map, &key);
        }
    }

    /// Entries kept now (for the tests that check memory stays bounded).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, (i64, u32)>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks every key against its limit and counts the attempt on each, in one step.
    fn attempt(&self, keys: &[(Key, u32)], now: i64) -> Result<(), Blocked> {
        let mut map = self.lock();
        let used = |k: &Key| match map.get(k) {
            Some((start, n)) if now - start < WINDOW_SECS => *n,
            _ => 0,
        };
        if keys.iter().any(|(k, limit)| used(k) >= *limit) {
            return Err(Blocked);
        }
        make_room(&mut map, now, keys.len());
        for (k, _) in keys {
            let e = map.entry(k.clone()).or_insert((now, 0));
            if now - e.0 >= WINDOW_SECS {
                *e = (now, 0);
            }
            e.1 += 1;
        }
        Ok(())
    }
}

fn take_back(map: &mut HashMap<Key, (i64, u32)>, key: &Key) {
    if let Some(e) = map.get_mut(key) {
        e.1 = e.1.saturating_sub(1);
        if e.1 == 0 {
            map.remove(key);
        }
    }
}

/// Makes room for `new` entries: ended windows first, then the oldest windows.
fn make_room(map: &mut HashMap<Key, (i64, u32)>, now: i64, new: usize) {
    if map.len() + new <= MAX_ENTRIES {
        return;
    }
    map.retain(|_, (start, _)| now - *start < WINDOW_SECS);
    while map.len() + new > MAX_ENTRIES {
        let Some(oldest) = map.iter().min_by_key(|(_, e)| e.0).map(|(k, _)| k.clone()) else {
            break;
        };
        map.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_account_is_blocked_after_its_failures_until_the_window_passes() {
        let l = LoginLimiter::default();
        for _ in 0..PER_ACCOUNT {
            assert_eq!(l.login("A@x ", ip("192.0.2.1"), 0), Ok(()));
        }
        assert_eq!(l.login("a@x", ip("192.0.2.1"), 10), Err(Blocked));
        assert_eq!(
            l.login("b@x", ip("192.0.2.2"), 10),
            Ok(()),
            "other accounts and addresses are free"
        );
        assert_eq!(
            l.login("a@x", ip("192.0.2.1"), WINDOW_SECS + 1),
            Ok(()),
            "the window passes"
        );
    }

    #[test]
    fn a_success_clears_the_account_and_takes_its_attempt_back_from_the_address() {
        let l = LoginLimiter::default();
        for _ in 0..PER_ACCOUNT - 1 {
            l.login("a@x", ip("192.0.2.1"), 0).unwrap();
        }
        l.login("a@x", ip("192.0.2.1"), 0).unwrap();
        l.login_succeeded("a@x", ip("192.0.2.1"));
        assert_eq!(l.login("a@x", ip("192.0.2.1"), 1), Ok(()));
        // Thirty successful logins from one office never block it.
        let l = LoginLimiter::default();
        for i in 0..100 {
            let email = format!("user{i}@x");
            l.login(&email, ip("192.0.2.7"), 0).unwrap();
            l.login_succeeded(&email, ip("192.0.2.7"));
        }
        assert_eq!(l.login("new@x", ip("192.0.2.7"), 1), Ok(()));
    }

    #[test]
    fn an_address_is_blocked_across_accounts_and_ipv6_by_its_64() {
        let l = LoginLimiter::default();
        for i in 0..PER_ADDRESS {
            l.login(&format!("user{i}@x"), ip("192.0.2.9"), 0).unwrap();
        }
        assert_eq!(l.login("someone-new@x", ip("192.0.2.9"), 1), Err(Blocked));
        assert_eq!(l.login("someone-new@x", None, 1), Ok(()));

        let l = LoginLimiter::default();
        for i in 0..PER_ADDRESS {
            // A new address of the same /64 each time.
            l.login(
                &format!("user{i}@x"),
                ip(&format!("2001:db8:1:2::{:x}", i + 1)),
                0,
            )
            .unwrap();
        }
        assert_eq!(
            l.login("new@x", ip("2001:db8:1:2:ffff::1"), 1),
            Err(Blocked)
        );
        assert_eq!(
            l.login("new@x", ip("2001:db8:1:3::1"), 1),
            Ok(()),
            "another /64 is free"
        );
    }

    #[test]
    fn enrollment_counts_apart_from_logins() {
        let l = LoginLimiter::default();
        for _ in 0..PER_ADDRESS {
            l.enroll(ip("192.0.2.5"), 0).unwrap();
        }
        assert_eq!(l.enroll(ip("192.0.2.5"), 1), Err(Blocked));
        assert_eq!(
            l.login("a@x", ip("192.0.2.5"), 1),
            Ok(()),
            "logins are not locked"
        );
    }

    #[test]
    fn a_full_table_drops_its_oldest_windows_not_every_lockout() {
        let l = LoginLimiter::default();
        for _ in 0..PER_ACCOUNT {
            l.login("victim@x", None, 100).unwrap();
        }
        // A flood of new accounts, all newer than the victim's window... but the flood's
        // own first entries are older still, so the victim's lockout survives it.
        for i in 0..MAX_ENTRIES as i64 + 10 {
            l.login(&format!("flood{i}@x"), None, if i < 20 { 50 } else { 200 })
                .unwrap();
        }
        assert!(l.len() <= MAX_ENTRIES);
        assert_eq!(l.login("victim@x", None, 201), Err(Blocked));
    }
}
