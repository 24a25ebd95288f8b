//! Identifiers shaped like Okta's: a three-letter prefix and 17
//! alphanumerics (`00u…` users, `0oa…` apps, `ij…` import runs). The first
//! eight encode the creation time in milliseconds and the other nine are
//! random, so ids created later sort later: rows keyed by id are appended to
//! their indexes instead of scattered across them.

use rand::Rng;

const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// The same characters in byte order, for the time part: ids compare as
/// bytes (SQLite, sorting in Rust), so its digits must sort as they count.
const TIME_ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn new_id(prefix: &str) -> String {
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(20);
    id.push_str(prefix);
    let millis = chrono::Utc::now().timestamp_millis().max(0) as u64;
    id.extend(time_part(millis).iter().map(|&b| b as char));
    while id.len() < 20 {
        id.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    id
}

/// Milliseconds as 8 base-62 digits that sort as bytes in time order
/// (62^8 milliseconds is about 6,900 years).
fn time_part(millis: u64) -> [u8; 8] {
    let mut time = [0u8; 8];
    let mut rest = millis;
    for slot in time.iter_mut().rev() {
        *slot = TIME_ALPHABET[(rest % 62) as usize];
        rest /= 62;
    }
    time
}

pub fn user_id() -> String {
    new_id("00u")
}
pub fn app_id() -> String {
    new_id("0oa")
}
pub fn group_id() -> String {
    new_id("00g")
}
pub fn admin_id() -> String {
    new_id("00a")
}
pub fn session_id() -> String {
    new_id("ses")
}
pub fn run_id() -> String {
    new_id("ij0")
}
pub fn upload_id() -> String {
    new_id("upl")
}
pub fn transaction_id() -> String {
    new_id("trx")
}

/// A random version-4 UUID in its usual text form (from the thread's
/// generator: events take one each, thousands per batch).
pub fn uuid() -> String {
    let bytes: [u8; 16] = rand::thread_rng().gen();
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

pub fn import_session_id() -> String {
    new_id("aps")
}
pub fn api_token_id() -> String {
    new_id("00T")
}

/// An API token's value as Okta shapes one: `00` and 40 alphanumerics
/// (238 random bits).
pub fn api_token_value() -> String {
    let mut rng = rand::thread_rng();
    let mut value = String::from("00");
    while value.len() < 42 {
        value.push(ALPHABET[rng.gen_range(0..ALPHABET.len())] as char);
    }
    value
}

/// A secret token for sessions (256 bits, hex).
pub fn secret_token() -> String {
    let b: [u8; 32] = rand::thread_rng().gen();
    hex::encode(b)
}

/// The current time, to the millisecond (as Okta writes it).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::milliseconds(1)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_prefix_and_length() {
        let id = user_id();
        assert!(id.starts_with("00u"));
        assert_eq!(id.len(), 20);
        assert_ne!(user_id(), user_id());
    }

    #[test]
    fn later_ids_sort_later() {
        let a = user_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = user_id();
        assert!(a < b, "{a} {b}");
    }

    #[test]
    fn time_parts_sort_in_time_order_across_every_digit() {
        let now = 1_795_000_000_000u64;
        for n in (now..now + 62 * 62 * 2).chain([61, 62, 3843, 3844]) {
            assert!(time_part(n) < time_part(n + 1), "{n}");
        }
    }

    #[test]
    fn uuid_is_version_4() {
        let u = uuid();
        let parsed = uuid::Uuid::parse_str(&u).unwrap();
        assert_eq!(parsed.get_version(), Some(uuid::Version::Random));
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(u, parsed.hyphenated().to_string(), "lower-case, hyphenated");
        assert_ne!(uuid(), uuid());
    }
}
