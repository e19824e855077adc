//! Random secrets and their digests. Session ids and API tokens are stored only as SHA-256, so a
//! copy of the database does not let anyone sign in.

use sha2::{Digest, Sha256};

use crate::error::AppError;

/// `bytes` random bytes, hex-encoded.
pub fn random_hex(bytes: usize) -> Result<String, AppError> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(hex::encode(buffer))
}

/// The SHA-256 of a secret, hex-encoded: what the database keeps.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_digests_stable() {
        let a = random_hex(32).unwrap();
        let b = random_hex(32).unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(
            digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(same(&a, &a.clone()));
        assert!(!same(&a, &b));
        assert!(!same("a", "ab"));
    }
}
