//! The comparison every engine makes: a proof-of-work hash, read as a little-endian
//! 256-bit number, must be at most the target (Bitcoin and Bytom agree on this).

/// A target as 32 little-endian bytes, ready for a fast byte-wise comparison in the
/// scanning loops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashTarget([u8; 32]);

impl HashTarget {
    /// The easiest target: every hash meets it.
    pub const MAX: Self = Self([0xff; 32]);

    /// Wraps a target given as little-endian bytes.
    pub const fn from_le_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The target as little-endian bytes.
    pub const fn to_le_bytes(self) -> [u8; 32] {
        self.0
    }

    /// Whether `hash` (raw byte order) is at most the target. Compares from the most
    /// significant byte (the last one), so almost every miss is decided at byte 31.
    pub fn is_met_by(&self, hash: &[u8; 32]) -> bool {
        for (h, t) in hash.iter().rev().zip(self.0.iter().rev()) {
            if h != t {
                return h < t;
            }
        }
        true
    }
}

impl From<ledger::Target> for HashTarget {
    fn from(target: ledger::Target) -> Self {
        Self(target.0.to_le_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn as_number(bytes: &[u8; 32]) -> Vec<u8> {
        bytes.iter().rev().copied().collect()
    }

    proptest! {
        #[test]
        fn matches_big_integer_comparison(hash: [u8; 32], target: [u8; 32]) {
            let expected = as_number(&hash) <= as_number(&target);
            prop_assert_eq!(HashTarget::from_le_bytes(target).is_met_by(&hash), expected);
        }
    }

    proptest! {
        #[test]
        fn agrees_with_ledger_target(hash: [u8; 32], target: [u8; 32]) {
            let ledger_target = ledger::Target(ledger::U256::from_le_bytes(target));
            let ours = HashTarget::from(ledger_target);
            prop_assert_eq!(ours.is_met_by(&hash), ledger_target.is_met_by(hash));
        }
    }

    #[test]
    fn equal_hash_meets_the_target() {
        let t = [0x5a; 32];
        assert!(HashTarget::from_le_bytes(t).is_met_by(&t));
        assert!(HashTarget::MAX.is_met_by(&[0xff; 32]));
    }
}
