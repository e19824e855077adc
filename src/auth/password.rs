//! Password hashes: argon2id with the library's recommended parameters, computed off the async
//! threads because each takes tens of milliseconds on purpose.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::error::AppError;

/// The PHC-format argon2id hash of `password`.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

fn hash_now(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AppError::Internal(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::Internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// Whether `password` matches `stored`. With no stored hash (an unknown user) the work is done
/// anyway, so the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .unwrap_or(false)
}

/// A valid hash of a random password nobody knows.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3L9ZkbYqkZEvGq5pp3wFhdqGzZ2rKyPcQ3hHAuWhXGo";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_differ() {
        let first = hash("correct horse battery".into()).await.unwrap();
        let second = hash("correct horse battery".into()).await.unwrap();
        assert!(first.starts_with("$argon2id$"));
        assert_ne!(first, second, "salted");
        assert!(verify("correct horse battery".into(), Some(first.clone())).await);
        assert!(!verify("wrong horse battery".into(), Some(first)).await);
        assert!(!verify("anything".into(), None).await);
        assert!(!verify("anything".into(), Some("not a hash".into())).await);
    }
}

#[cfg(test)]
mod dummy_tests {
    use super::*;

    #[test]
    fn the_dummy_hash_parses_so_unknown_users_cost_a_full_check() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
