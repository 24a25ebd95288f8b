//! Connection secrets (a directory's bind password, an app's token) are
//! sealed before they reach the database, with a key kept outside it: the
//! `MUSTER_SECRET_KEY` setting, or else a key file that Muster makes in its
//! data directory on first start, readable only by its owner. A copied
//! database file alone does not give the secrets away.
//!
//! Sealing is ChaCha20-Poly1305 with a random nonce, bound to the app the
//! secret belongs to, so a sealed value moved to another app's row does not
//! open. Stored as `v1.<nonce hex>.<ciphertext and tag hex>`.

use crate::error::{Error, Result};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use std::path::{Path, PathBuf};

/// The name of the key file in the data directory.
pub const KEY_FILE: &str = "secret.key";

const KEY_LEN: usize = 32;

/// The key that seals and opens connection secrets.
pub struct SecretKey {
    key: LessSafeKey,
    /// Where it came from, for messages.
    origin: String,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.origin)
    }
}

impl SecretKey {
    /// The configured key (64 hex characters), else the data directory's
    /// key file, made on first use.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> Result<SecretKey> {
        if let Some(hex_key) = configured.map(str::trim).filter(|k| !k.is_empty()) {
            return SecretKey::from_hex(hex_key, "MUSTER_SECRET_KEY".into());
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => SecretKey::from_hex(text.trim(), path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => make_key_file(&path),
            Err(e) => Err(Error::Internal(format!(
                "cannot read the secret key file {}: {e}",
                path.display()
            ))),
        }
    }

    fn from_hex(text: &str, origin: String) -> Result<SecretKey> {
        let bytes = hex::decode(text)
            .ok()
            .filter(|b| b.len() == KEY_LEN)
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "The secret key from {origin} is not {} hexadecimal characters",
                    2 * KEY_LEN
                ))
            })?;
        let key = UnboundKey::new(&CHACHA20_POLY1305, &bytes)
            .map_err(|_| Error::Internal("the secret key was refused".into()))?;
        Ok(SecretKey {
            key: LessSafeKey::new(key),
            origin,
        })
    }

    /// Seals `secret` for the app `app_id`.
    pub fn seal(&self, app_id: &str, secret: &str) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::Rng::fill(&mut rand::rngs::OsRng, &mut nonce);
        let mut sealed = secret.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(app_id.as_bytes()),
                &mut sealed,
            )
            .map_err(|_| Error::Internal("a secret could not be sealed".into()))?;
        Ok(format!("v1.{}.{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// Opens what [`SecretKey::seal`] sealed for the app `app_id`.
    pub fn open(&self, app_id: &str, sealed: &str) -> Result<String> {
        let unreadable = || {
            Error::InvalidInput(format!(
                "the stored secrets of app {app_id} cannot be opened with the key from {} \
                 (a different key, or the value was changed): enter them again",
                self.origin
            ))
        };
        let mut parts = sealed.split('.');
        let (Some("v1"), Some(nonce), Some(body), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(unreadable());
        };
        let nonce: [u8; NONCE_LEN] = hex::decode(nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(unreadable)?;
        let mut body = hex::decode(body).map_err(|_| unreadable())?;
        let plain = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(app_id.as_bytes()),
                &mut body,
            )
            .map_err(|_| unreadable())?;
        String::from_utf8(plain.to_vec()).map_err(|_| unreadable())
    }
}

/// Makes a new random key file, readable only by its owner, and loads it.
fn make_key_file(path: &PathBuf) -> Result<SecretKey> {
    let mut bytes = [0u8; KEY_LEN];
    rand::Rng::fill(&mut rand::rngs::OsRng, &mut bytes);
    let text = hex::encode(bytes);
    let failed = |e: std::io::Error| {
        Error::Internal(format!(
            "cannot write the secret key file {}: {e}",
            path.display()
        ))
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(failed)?;
    std::io::Write::write_all(&mut file, format!("{text}\n").as_bytes()).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    tracing::info!(file = %path.display(), "made the key that seals connection secrets; back it up with the database");
    SecretKey::from_hex(&text, path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key_and_for_its_app() {
        let dir = tempfile::tempdir().unwrap();
        let key = SecretKey::load(None, dir.path()).unwrap();
        let sealed = key.seal("0oaA", "bind-password").unwrap();
        assert!(!sealed.contains("bind-password"));
        assert_ne!(
            sealed,
            key.seal("0oaA", "bind-password").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(key.open("0oaA", &sealed).unwrap(), "bind-password");
        assert!(key.open("0oaB", &sealed).is_err(), "bound to its app");

        // The key file is kept: loading again opens what was sealed.
        let again = SecretKey::load(None, dir.path()).unwrap();
        assert_eq!(again.open("0oaA", &sealed).unwrap(), "bind-password");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // Another key (a copied database without its key file) does not.
        let other = tempfile::tempdir().unwrap();
        let stranger = SecretKey::load(None, other.path()).unwrap();
        let e = stranger.open("0oaA", &sealed).unwrap_err().to_string();
        assert!(e.contains("cannot be opened"), "{e}");

        // A configured key wins over the file, and must be 64 hex characters.
        let configured = hex::encode([7u8; 32]);
        let k = SecretKey::load(Some(&configured), dir.path()).unwrap();
        assert!(k.open("0oaA", &sealed).is_err());
        let e = SecretKey::load(Some("abc"), dir.path())
            .unwrap_err()
            .to_string();
        assert!(e.contains("64 hexadecimal characters"), "{e}");
    }
}
