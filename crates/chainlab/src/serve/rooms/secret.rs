//! The instructor secret: whoever created a room holds it, and only they may close the
//! room, remove a peer or change the room's parameters.

use rand::Rng;

/// 128 random bits, shown to the instructor as 32 hex digits.
#[derive(Clone, Copy)]
pub struct InstructorSecret([u8; 16]);

impl InstructorSecret {
    pub fn random(rng: &mut impl Rng) -> Self {
        Self(rng.r#gen())
    }

    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    /// Compares in time that does not depend on where the first wrong digit is, so a
    /// student on the LAN cannot recover the secret digit by digit from response times.
    pub fn matches(&self, presented: &str) -> bool {
        let mut bytes = [0u8; 16];
        if hex::decode_to_slice(presented.trim(), &mut bytes).is_err() {
            return false;
        }
        self.0
            .iter()
            .zip(bytes)
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
    }
}

/// Redacted, so that a logged room never gives its secret away.
impl std::fmt::Debug for InstructorSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InstructorSecret(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn matches_only_its_own_hex() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let secret = InstructorSecret::random(&mut rng);
        let other = InstructorSecret::random(&mut rng);
        assert!(secret.matches(&secret.to_hex()));
        assert!(secret.matches(&secret.to_hex().to_uppercase()));
        assert!(!secret.matches(&other.to_hex()));
        assert!(!secret.matches(""));
        assert!(!secret.matches(&secret.to_hex()[..30]));
        assert_eq!(secret.to_hex().len(), 32);
    }
}
