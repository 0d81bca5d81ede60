//! Join codes: short enough to read off a projector and type on a phone.

use std::fmt;

use rand::Rng;
use serde::Serialize;

/// Letters and digits that cannot be mistaken for one another: no 0/O, no 1/I.
const ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const LENGTH: usize = 6;

/// Six characters from a 32-symbol alphabet: about a billion codes, so a guessed code
/// almost never lands in a live room, and the instructor secret guards the rest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JoinCode([u8; LENGTH]);

impl JoinCode {
    pub fn random(rng: &mut impl Rng) -> Self {
        Self(std::array::from_fn(|_| {
            ALPHABET[rng.gen_range(0..ALPHABET.len())]
        }))
    }

    /// Reads a code as a learner types it: case and surrounding spaces do not matter.
    pub fn parse(text: &str) -> Option<Self> {
        let upper = text.trim().to_ascii_uppercase();
        let bytes: [u8; LENGTH] = upper.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|b| ALPHABET.contains(b))
            .then_some(Self(bytes))
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("the alphabet is ASCII")
    }
}

impl fmt::Display for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JoinCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::SeedableRng;

    #[test]
    fn parse_accepts_lower_case_and_spaces() {
        let code = JoinCode::parse(" abc234 ").unwrap();
        assert_eq!(code.as_str(), "ABC234");
    }

    #[test]
    fn parse_rejects_ambiguous_symbols_and_wrong_lengths() {
        for bad in [
            "ABC230", "ABCO23", "ABC1234", "ABCI23", "ABC23", "", "ÄBC234",
        ] {
            assert_eq!(JoinCode::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn random_codes_round_trip(seed: u64) {
            let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
            let code = JoinCode::random(&mut rng);
            prop_assert_eq!(JoinCode::parse(code.as_str()), Some(code));
            prop_assert!(!code.as_str().contains(['0', 'O', '1', 'I']));
        }
    }
}
