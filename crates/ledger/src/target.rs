//! Proof-of-work targets, Bitcoin's compact `bits` encoding, and chain work.
//!
//! A header stores its target in 4 bytes ("bits"): one byte of size and a 3-byte
//! mantissa, like a tiny floating-point number. [`U256::set_compact`] and
//! [`U256::get_compact`] reproduce Bitcoin Core's `arith_uint256::SetCompact` /
//! `GetCompact` bit for bit, including the sign bit and overflow flag, because a
//! different rounding would make a node disagree with the network about which blocks
//! are valid. Chains are compared by *work*: the expected number of hashes needed to
//! meet each target, summed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::uint::U256;

/// What [`U256::set_compact`] reports next to the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// The magnitude.
    pub value: U256,
    /// The sign bit (0x00800000) was set on a non-zero mantissa.
    pub negative: bool,
    /// The value does not fit in 256 bits.
    pub overflow: bool,
}

impl U256 {
    /// Bitcoin Core's `SetCompact`: decodes `bits` and reports sign and overflow.
    pub fn set_compact(compact: u32) -> Decoded {
        let size = compact >> 24;
        let mut word = compact & 0x007f_ffff;
        let value = if size <= 3 {
            word >>= 8 * (3 - size);
            U256::from_u64(u64::from(word))
        } else {
            U256::from_u64(u64::from(word)).shl(8 * (size - 3))
        };
        Decoded {
            value,
            negative: word != 0 && compact & 0x0080_0000 != 0,
            overflow: word != 0
                && (size > 34 || (word > 0xff && size > 33) || (word > 0xffff && size > 32)),
        }
    }

    /// Bitcoin Core's `GetCompact`: the shortest compact form, rounding down.
    pub fn get_compact(self, negative: bool) -> u32 {
        let mut size = self.bits().div_ceil(8);
        let mut compact = if size <= 3 {
            (self.low_u64() << (8 * (3 - size))) as u32
        } else {
            self.shr(8 * (size - 3)).low_u64() as u32
        };
        // The mantissa's top bit is the sign: move to a bigger size instead.
        if compact & 0x0080_0000 != 0 {
            compact >>= 8;
            size += 1;
        }
        compact |= size << 24;
        if negative && compact & 0x007f_ffff != 0 {
            compact |= 0x0080_0000;
        }
        compact
    }
}

/// Why a compact `bits` value is not a usable target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The sign bit is set: targets are never negative.
    #[error("bits {0} encode a negative target")]
    Negative(CompactTarget),
    /// The encoded number is larger than 2^256.
    #[error("bits {0} encode a target too large for 256 bits")]
    Overflow(CompactTarget),
    /// A zero target could never be met.
    #[error("bits {0} encode a zero target, which no hash can meet")]
    Zero(CompactTarget),
}

/// The compact ("bits") form of a target, as stored in block headers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct CompactTarget(u32);

impl CompactTarget {
    /// Wraps the raw header field.
    pub const fn from_consensus(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw header field.
    pub const fn to_consensus(self) -> u32 {
        self.0
    }
}

impl fmt::Display for CompactTarget {
    /// `0x` and 8 lowercase hex digits, the way Bitcoin people write bits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08x}", self.0)
    }
}

impl fmt::Debug for CompactTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CompactTarget({self})")
    }
}

/// Why text could not be read as compact bits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bits are 1 to 8 hex digits with an optional 0x, like 0x1d00ffff; got {0:?}")]
pub struct CompactParseError(String);

impl FromStr for CompactTarget {
    type Err = CompactParseError;

    /// Accepts `0x1d00ffff` or `1d00ffff`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .unwrap_or(s);
        let valid = !digits.is_empty()
            && digits.len() <= 8
            && digits.chars().all(|c| c.is_ascii_hexdigit());
        if !valid {
            return Err(CompactParseError(s.to_string()));
        }
        u32::from_str_radix(digits, 16)
            .map(Self)
            .map_err(|_| CompactParseError(s.to_string()))
    }
}

impl Serialize for CompactTarget {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CompactTarget {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A proof-of-work target: a block is valid when its hash, read as a little-endian
/// 256-bit number, is at most the target.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
pub struct Target(pub U256);

impl Target {
    /// Decodes header bits; negative, overflowing and zero targets are errors.
    pub fn from_compact(bits: CompactTarget) -> Result<Self, TargetError> {
        let decoded = U256::set_compact(bits.0);
        if decoded.negative {
            Err(TargetError::Negative(bits))
        } else if decoded.overflow {
            Err(TargetError::Overflow(bits))
        } else if decoded.value.is_zero() {
            Err(TargetError::Zero(bits))
        } else {
            Ok(Self(decoded.value))
        }
    }

    /// The compact form (rounds the mantissa down to 3 bytes).
    pub fn to_compact(self) -> CompactTarget {
        CompactTarget(self.0.get_compact(false))
    }

    /// Whether a proof-of-work hash (raw byte order) meets this target.
    pub fn is_met_by(self, pow_hash: [u8; 32]) -> bool {
        U256::from_le_bytes(pow_hash) <= self.0
    }

    /// Expected number of hashes to meet this target: 2^256 / (target + 1).
    pub fn work(self) -> Work {
        // 2^256 does not fit, so use Bitcoin Core's identity
        // 2^256 / (t + 1) == (2^256 - t - 1) / (t + 1) + 1 == !t / (t + 1) + 1.
        match self.0.checked_add(U256::ONE) {
            None => Work(U256::ONE),
            Some(denominator) => {
                let (quotient, _) = self.0.complement().div_rem(denominator).expect("t + 1 > 0");
                Work(quotient.saturating_add(U256::ONE))
            }
        }
    }
}

/// An amount of proof of work (expected hashes). Chains are ranked by total work.
#[derive(
    Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default, Serialize, Deserialize,
)]
pub struct Work(pub U256);

impl Work {
    /// No work.
    pub const ZERO: Self = Self(U256::ZERO);
}

impl std::ops::Add for Work {
    type Output = Self;

    /// Saturating: real chains are nowhere near 2^256 hashes.
    fn add(self, other: Self) -> Self {
        Self(self.0.saturating_add(other.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Vectors from Bitcoin Core's src/test/arith_uint256_tests.cpp (`bignum_SetCompact`).
    #[test]
    fn core_set_compact_vectors() {
        let cases: &[(u32, &str, u32, bool, bool)] = &[
            (0, "00", 0, false, false),
            (0x00123456, "00", 0, false, false),
            (0x01003456, "00", 0, false, false),
            (0x02000056, "00", 0, false, false),
            (0x03000000, "00", 0, false, false),
            (0x04000000, "00", 0, false, false),
            (0x00923456, "00", 0, false, false),
            (0x01803456, "00", 0, false, false),
            (0x02800056, "00", 0, false, false),
            (0x03800000, "00", 0, false, false),
            (0x04800000, "00", 0, false, false),
            (0x01123456, "12", 0x01120000, false, false),
            (0x01fedcba, "7e", 0x01fe0000, true, false),
            (0x02123456, "1234", 0x02123400, false, false),
            (0x03123456, "123456", 0x03123456, false, false),
            (0x04123456, "12345600", 0x04123456, false, false),
            (0x04923456, "12345600", 0x04923456, true, false),
            (0x05009234, "92340000", 0x05009234, false, false),
            (
                0x20123456,
                "1234560000000000000000000000000000000000000000000000000000000000",
                0x20123456,
                false,
                false,
            ),
        ];
        for &(compact, hex_value, back, negative, overflow) in cases {
            let decoded = U256::set_compact(compact);
            let mut expected = [0u8; 32];
            let raw = hex::decode(format!("{hex_value:0>64}")).unwrap();
            expected.copy_from_slice(&raw);
            assert_eq!(decoded.value, U256::from_be_bytes(expected), "{compact:#x}");
            assert_eq!(decoded.negative, negative, "{compact:#x}");
            assert_eq!(decoded.overflow, overflow, "{compact:#x}");
            assert_eq!(
                decoded.value.get_compact(decoded.negative),
                back,
                "{compact:#x}"
            );
        }
        let overflowing = U256::set_compact(0xff123456);
        assert!(!overflowing.negative);
        assert!(overflowing.overflow);
    }

    #[test]
    fn bitcoin_genesis_work_and_errors() {
        let target = Target::from_compact(CompactTarget::from_consensus(0x1d00ffff)).unwrap();
        // Work of a difficulty-1 block: 0x100010001 hashes.
        assert_eq!(target.work().0, U256::from_u64(0x1_0001_0001));
        assert_eq!(target.to_compact().to_consensus(), 0x1d00ffff);
        assert!(matches!(
            Target::from_compact(CompactTarget::from_consensus(0x04923456)),
            Err(TargetError::Negative(_))
        ));
        assert!(matches!(
            Target::from_compact(CompactTarget::from_consensus(0xff123456)),
            Err(TargetError::Overflow(_))
        ));
        assert!(matches!(
            Target::from_compact(CompactTarget::from_consensus(0x01003456)),
            Err(TargetError::Zero(_))
        ));
        assert_eq!(Target(U256::MAX).work().0, U256::ONE);
    }

    #[test]
    fn bits_parse_with_or_without_prefix() {
        assert_eq!(
            "0x1d00ffff"
                .parse::<CompactTarget>()
                .unwrap()
                .to_consensus(),
            0x1d00ffff
        );
        assert_eq!(
            "1d00ffff".parse::<CompactTarget>().unwrap().to_string(),
            "0x1d00ffff"
        );
        assert!("0x1d00ffff0".parse::<CompactTarget>().is_err());
        assert!("xyz".parse::<CompactTarget>().is_err());
    }

    proptest! {
        /// Any compact value produced by `get_compact` decodes and re-encodes unchanged.
        #[test]
        fn compact_round_trips(bytes in any::<[u8; 32]>(), shift in 0u32..256) {
            let value = U256::from_le_bytes(bytes).shr(shift);
            let compact = value.get_compact(false);
            let decoded = U256::set_compact(compact);
            prop_assert!(!decoded.negative && !decoded.overflow);
            prop_assert!(decoded.value <= value);
            prop_assert_eq!(decoded.value.get_compact(false), compact);
        }

        /// More target means less work.
        #[test]
        fn work_decreases_with_target(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
            let (a, b) = (Target(U256::from_le_bytes(a)), Target(U256::from_le_bytes(b)));
            prop_assume!(a < b);
            prop_assert!(a.work() >= b.work());
        }
    }
}
