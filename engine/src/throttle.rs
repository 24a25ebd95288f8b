//! Sign-in throttling: failed attempts are counted per username and per
//! client address; after a few, that username or address is locked for a
//! while, and each further lock lasts twice as long as the one before.
//! The counts live in memory, bounded in number: a restart forgets them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many failures a key may have before it is locked, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures in a row a username may have before it is locked.
    pub username_failures: u32,
    /// Failures in a row an address may have before it is locked.
    pub address_failures: u32,
    /// The first lock's length; each further lock doubles it.
    pub first_lock: Duration,
    /// The longest a lock lasts.
    pub longest_lock: Duration,
    /// How long a key with no failure is remembered.
    pub memory: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            username_failures: 5,
            address_failures: 20,
            first_lock: Duration::from_secs(60),
            longest_lock: Duration::from_secs(60 * 60),
            memory: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// What a failed attempt is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Username(String),
    Address(String),
}

impl Key {
    /// A username compares case-insensitively, as sign-in does.
    pub fn username(username: &str) -> Key {
        Key::Username(username.trim().to_lowercase())
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Key::Username(_) => "username",
            Key::Address(_) => "clientAddress",
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    locks: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

/// A lock that a failure just started.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLock {
    pub key: Key,
    pub failures: u32,
    pub lasts: Duration,
}

/// The most keys remembered at once; past it the oldest is forgotten.
const MOST_KEYS: usize = 100_000;

#[derive(Debug, Default)]
pub struct Throttle {
    policy: ThrottlePolicy,
    entries: Mutex<HashMap<Key, Entry>>,
    /// Failed attempts counted since the process started.
    failures: std::sync::atomic::AtomicI64,
}

impl Throttle {
    pub fn new(policy: ThrottlePolicy) -> Throttle {
        Throttle {
            policy,
            entries: Mutex::default(),
            failures: Default::default(),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The longest wait among the keys' locks, if any is locked now.
    pub fn locked(&self, keys: &[Key], now: Instant) -> Option<Duration> {
        let entries = self.entries();
        keys.iter()
            .filter_map(|k| entries.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a failed attempt against each key; returns the locks it starts.
    pub fn fail(&self, keys: &[Key], now: Instant) -> Vec<NewLock> {
        self.failures
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut entries = self.entries();
        let mut locks = Vec::new();
        for key in keys {
            if !entries.contains_key(key) && entries.len() >= MOST_KEYS {
                self.forget_oldest(&mut entries, now);
            }
            let entry = entries.entry(key.clone()).or_insert(Entry {
                failures: 0,
                locks: 0,
                locked_until: None,
                last_failure: now,
            });
            if now.duration_since(entry.last_failure) > self.policy.memory {
                entry.locks = 0;
            }
            entry.failures += 1;
            entry.last_failure = now;
            let allowed = match key {
                Key::Username(_) => self.policy.username_failures,
                Key::Address(_) => self.policy.address_failures,
            };
            if entry.failures >= allowed {
                let lasts = self
                    .policy
                    .first_lock
                    .saturating_mul(1 << entry.locks.min(16))
                    .min(self.policy.longest_lock);
                entry.locked_until = Some(now + lasts);
                entry.locks += 1;
                locks.push(NewLock {
                    key: key.clone(),
                    failures: entry.failures,
                    lasts,
                });
                entry.failures = 0;
            }
        }
        locks
    }

    /// Failed attempts counted since the process started.
    pub fn failures(&self) -> i64 {
        self.failures.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// A successful sign-in clears its username's failures (not its
    /// address's: one known password must not unlock guessing at others).
    pub fn succeed(&self, username: &Key) {
        self.entries().remove(username);
    }

    fn forget_oldest(&self, entries: &mut HashMap<Key, Entry>, now: Instant) {
        let memory = self.policy.memory;
        entries.retain(|_, e| {
            now.duration_since(e.last_failure) <= memory || e.locked_until.is_some_and(|u| u > now)
        });
        if entries.len() >= MOST_KEYS {
            if let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, e)| e.last_failure)
                .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
    }
}

/// A wait as a person reads it: "45 seconds", "3 minutes", "1 hour".
pub fn wait_text(wait: Duration) -> String {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let (n, unit) = if secs < 60 {
        (secs.max(1), "second")
    } else if secs < 3600 {
        (secs.div_ceil(60), "minute")
    } else {
        (secs.div_ceil(3600), "hour")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> ThrottlePolicy {
        ThrottlePolicy {
            username_failures: 3,
            address_failures: 5,
            first_lock: Duration::from_secs(60),
            longest_lock: Duration::from_secs(300),
            memory: Duration::from_secs(3600),
        }
    }

    #[test]
    fn a_username_is_locked_after_its_failures_and_each_lock_lasts_longer() {
        let t = Throttle::new(policy());
        let ann = [Key::username("Ann")];
        let start = Instant::now();
        assert!(t.fail(&ann, start).is_empty());
        assert!(t.fail(&ann, start).is_empty());
        let locks = t.fail(&ann, start);
        assert_eq!(locks.len(), 1);
        assert_eq!(locks[0].lasts, Duration::from_secs(60));
        assert_eq!(
            t.locked(&[Key::username("ANN ")], start),
            Some(Duration::from_secs(60))
        );
        let later = start + Duration::from_secs(61);
        assert_eq!(t.locked(&ann, later), None);
        for _ in 0..2 {
            assert!(t.fail(&ann, later).is_empty());
        }
        assert_eq!(t.fail(&ann, later)[0].lasts, Duration::from_secs(120));
        let much_later = later + Duration::from_secs(121);
        for _ in 0..6 {
            t.fail(&ann, much_later);
        }
        assert_eq!(
            t.locked(&ann, much_later),
            Some(Duration::from_secs(300)),
            "a lock never lasts longer than the longest"
        );
    }

    #[test]
    fn success_clears_the_username_but_not_the_address() {
        let t = Throttle::new(policy());
        let now = Instant::now();
        let keys = [Key::username("ann"), Key::Address("10.0.0.1".into())];
        t.fail(&keys, now);
        t.fail(&keys, now);
        t.succeed(&keys[0]);
        assert!(t.fail(&keys, now).is_empty(), "ann starts again from zero");
        t.fail(&keys, now);
        let locks = t.fail(&keys, now);
        assert_eq!(
            locks.iter().map(|l| l.key.kind()).collect::<Vec<_>>(),
            ["username", "clientAddress"]
        );
    }

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(wait_text(Duration::from_millis(300)), "1 second");
        assert_eq!(wait_text(Duration::from_secs(45)), "45 seconds");
        assert_eq!(wait_text(Duration::from_secs(61)), "2 minutes");
        assert_eq!(wait_text(Duration::from_secs(3600)), "1 hour");
    }
}
