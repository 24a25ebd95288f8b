//! Admin passwords (argon2) and session tokens (random, stored as SHA-256).

use crate::error::{Error, Result};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use sha2::{Digest, Sha256};

/// The longest username sign-in reads; a longer one is refused unread.
pub const MAX_USERNAME_CHARS: usize = 256;
/// The longest password hashed; a longer one is refused before hashing.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The shortest password an admin may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Whether a password may be an admin's: long enough, not too long, and
/// not the username.
pub fn check_new_password(username: &str, password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::InvalidInput(format!(
            "The password must be at least {MIN_PASSWORD_CHARS} characters long"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(Error::InvalidInput(format!(
            "The password must be at most {MAX_PASSWORD_BYTES} bytes long"
        )));
    }
    if password.trim().eq_ignore_ascii_case(username.trim()) {
        return Err(Error::InvalidInput(
            "The password must not be the username".into(),
        ));
    }
    Ok(())
}

/// Runs password hashing on the blocking threads, a bounded number at once,
/// so sign-in attempts cannot occupy the workers that serve requests.
#[derive(Debug)]
pub struct Hasher {
    permits: tokio::sync::Semaphore,
}

impl Default for Hasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Hasher {
            permits: tokio::sync::Semaphore::new(cores.clamp(1, 8)),
        }
    }
}

impl Hasher {
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| Error::Internal(format!("password hashing stopped: {e}")))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
    }

    pub async fn hash(&self, password: &str) -> Result<String> {
        let password = password.to_owned();
        self.blocking(move || hash_password(&password)).await?
    }

    /// Checks a password against a stored hash, or against a dummy hash of
    /// the same cost when there is none, so both take the same time.
    pub async fn verify(&self, password: &str, hash: Option<String>) -> Result<bool> {
        let password = password.to_owned();
        self.blocking(move || {
            let matches = verify_password(&password, hash.as_deref().unwrap_or(DUMMY_HASH));
            matches && hash.is_some()
        })
        .await
    }
}

/// A valid argon2 hash of a random password with the default cost, for
/// refusing an unknown username in the time a wrong password takes.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4qhd0Nqo2wq2V8b5x4yOqB3v0Cz3b0oBBZsvy5TBmG0";

pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("password hashing failed: {e}")))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// What is stored of a session or API token: never the token itself.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A password for the first admin when none is configured.
pub fn generate_password() -> String {
    use rand::Rng;
    const CHARS: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20)
        .map(|_| CHARS[rng.gen_range(0..CHARS.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_costs() {
        let real = hash_password("correct horse").unwrap();
        let params = |h: &str| h.split('$').nth(3).map(str::to_owned);
        assert_eq!(params(&real), params(DUMMY_HASH));
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn an_admin_password_is_long_enough_and_not_the_username() {
        assert!(check_new_password("admin", "short").is_err());
        assert!(check_new_password("admin", "Admin").is_err());
        assert!(check_new_password("administrator", "ADMINISTRATOR").is_err());
        assert!(check_new_password("admin", &"x".repeat(MAX_PASSWORD_BYTES + 1)).is_err());
        assert!(check_new_password("admin", "correct horse battery").is_ok());
    }
}
