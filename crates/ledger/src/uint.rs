//! A small unsigned 256-bit integer, just enough for targets and chain work.
//!
//! Bitcoin compares a block hash with its target as a 256-bit little-endian number and
//! sums "work" over whole chains, so the ledger needs exact 256-bit arithmetic. The few
//! operations required (compare, shift, add, subtract, divide) fit in a page, which is
//! lighter than pulling in a general bignum crate. Overflowing operations are explicit.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An unsigned 256-bit integer stored as four 64-bit limbs, least significant first.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct U256([u64; 4]);

impl U256 {
    /// Zero.
    pub const ZERO: Self = Self([0; 4]);
    /// One.
    pub const ONE: Self = Self([1, 0, 0, 0]);
    /// 2^256 - 1.
    pub const MAX: Self = Self([u64::MAX; 4]);

    /// A value that fits in 64 bits.
    pub const fn from_u64(value: u64) -> Self {
        Self([value, 0, 0, 0])
    }

    /// Reads 32 bytes as a little-endian number (how Bitcoin reads a hash as a number).
    pub fn from_le_bytes(bytes: [u8; 32]) -> Self {
        let mut limbs = [0u64; 4];
        for (limb, chunk) in limbs.iter_mut().zip(bytes.chunks_exact(8)) {
            *limb = u64::from_le_bytes(chunk.try_into().expect("8-byte chunk"));
        }
        Self(limbs)
    }

    /// Writes the number as 32 little-endian bytes.
    pub fn to_le_bytes(self) -> [u8; 32] {
        let mut bytes = [0u8; 32];
        for (chunk, limb) in bytes.chunks_exact_mut(8).zip(self.0) {
            chunk.copy_from_slice(&limb.to_le_bytes());
        }
        bytes
    }

    /// Writes the number as 32 big-endian bytes (the usual way to print it).
    pub fn to_be_bytes(self) -> [u8; 32] {
        let mut bytes = self.to_le_bytes();
        bytes.reverse();
        bytes
    }

    /// Reads 32 big-endian bytes.
    pub fn from_be_bytes(mut bytes: [u8; 32]) -> Self {
        bytes.reverse();
        Self::from_le_bytes(bytes)
    }

    /// The lowest 64 bits.
    pub const fn low_u64(self) -> u64 {
        self.0[0]
    }

    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self == Self::ZERO
    }

    /// Number of significant bits (0 for zero).
    pub fn bits(self) -> u32 {
        for i in (0..4).rev() {
            if self.0[i] != 0 {
                return 64 * i as u32 + 64 - self.0[i].leading_zeros();
            }
        }
        0
    }

    fn bit(self, index: u32) -> bool {
        (self.0[(index / 64) as usize] >> (index % 64)) & 1 == 1
    }

    /// Shift left; bits shifted past 2^256 are lost and shifts of 256 or more give zero,
    /// as in Bitcoin Core's `arith_uint256`.
    #[allow(clippy::should_implement_trait)] // called by name across the workspace
    pub fn shl(self, shift: u32) -> Self {
        let mut out = [0u64; 4];
        let limbs = (shift / 64) as usize;
        let bits = shift % 64;
        for i in (limbs..4).rev() {
            out[i] = self.0[i - limbs] << bits;
            if bits > 0 && i > limbs {
                out[i] |= self.0[i - limbs - 1] >> (64 - bits);
            }
        }
        Self(out)
    }

    /// Logical shift right; shifts of 256 or more give zero.
    #[allow(clippy::should_implement_trait)] // called by name across the workspace
    pub fn shr(self, shift: u32) -> Self {
        let mut out = [0u64; 4];
        let limbs = (shift / 64) as usize;
        let bits = shift % 64;
        for (i, slot) in out
            .iter_mut()
            .enumerate()
            .take(4usize.saturating_sub(limbs))
        {
            *slot = self.0[i + limbs] >> bits;
            if bits > 0 && i + limbs + 1 < 4 {
                *slot |= self.0[i + limbs + 1] << (64 - bits);
            }
        }
        Self(out)
    }

    /// Addition, `None` on overflow past 2^256 - 1.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        let mut out = [0u64; 4];
        let mut carry = false;
        for (i, slot) in out.iter_mut().enumerate() {
            let (sum, c1) = self.0[i].overflowing_add(other.0[i]);
            let (sum, c2) = sum.overflowing_add(u64::from(carry));
            *slot = sum;
            carry = c1 || c2;
        }
        (!carry).then_some(Self(out))
    }

    /// Addition that stops at 2^256 - 1 instead of wrapping.
    pub fn saturating_add(self, other: Self) -> Self {
        self.checked_add(other).unwrap_or(Self::MAX)
    }

    /// Subtraction, `None` if `other > self`.
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        if other > self {
            return None;
        }
        let mut out = [0u64; 4];
        let mut borrow = false;
        for (i, slot) in out.iter_mut().enumerate() {
            let (diff, b1) = self.0[i].overflowing_sub(other.0[i]);
            let (diff, b2) = diff.overflowing_sub(u64::from(borrow));
            *slot = diff;
            borrow = b1 || b2;
        }
        Some(Self(out))
    }

    /// Bitwise complement.
    pub fn complement(self) -> Self {
        Self(self.0.map(|limb| !limb))
    }

    /// Quotient and remainder, `None` when dividing by zero. Schoolbook binary long
    /// division: 256 steps, plenty fast for per-block work computations.
    pub fn div_rem(self, divisor: Self) -> Option<(Self, Self)> {
        if divisor.is_zero() {
            return None;
        }
        let mut quotient = Self::ZERO;
        let mut remainder = Self::ZERO;
        for index in (0..self.bits()).rev() {
            remainder = remainder.shl(1);
            remainder.0[0] |= u64::from(self.bit(index));
            if remainder >= divisor {
                remainder = remainder
                    .checked_sub(divisor)
                    .expect("remainder >= divisor");
                quotient.0[(index / 64) as usize] |= 1 << (index % 64);
            }
        }
        Some((quotient, remainder))
    }

    /// `self * mul / div` computed with a 320-bit intermediate so that nothing is lost
    /// (Bitcoin's retarget multiplies a target by a timespan before dividing).
    /// `None` if `div` is zero or the result does not fit in 256 bits.
    pub fn mul_div_u64(self, mul: u64, div: u64) -> Option<Self> {
        if div == 0 {
            return None;
        }
        let mut wide = [0u64; 5];
        let mut carry = 0u128;
        for (i, limb) in self.0.iter().enumerate() {
            let product = u128::from(*limb) * u128::from(mul) + carry;
            wide[i] = product as u64;
            carry = product >> 64;
        }
        wide[4] = carry as u64;
        let mut remainder = 0u128;
        for limb in wide.iter_mut().rev() {
            let current = (remainder << 64) | u128::from(*limb);
            *limb = (current / u128::from(div)) as u64;
            remainder = current % u128::from(div);
        }
        (wide[4] == 0).then_some(Self([wide[0], wide[1], wide[2], wide[3]]))
    }

    /// An approximate floating-point value, for display (e.g. log-scale charts of work).
    pub fn to_f64(self) -> f64 {
        self.0.iter().rev().fold(0.0, |acc, limb| {
            acc * 18_446_744_073_709_551_616.0 + *limb as f64
        })
    }
}

impl Ord for U256 {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.iter().rev().cmp(other.0.iter().rev())
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for U256 {
    /// `0x` followed by 64 big-endian hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(self.to_be_bytes()))
    }
}

impl fmt::Debug for U256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for U256 {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for U256 {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        let digits = text.strip_prefix("0x").unwrap_or(&text);
        let bytes = crate::hash::parse_hex32(digits).map_err(serde::de::Error::custom)?;
        Ok(Self::from_be_bytes(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn u128_of(value: U256) -> u128 {
        u128::from(value.0[0]) | (u128::from(value.0[1]) << 64)
    }

    fn from_u128(value: u128) -> U256 {
        U256([value as u64, (value >> 64) as u64, 0, 0])
    }

    #[test]
    fn shifts_and_bits() {
        assert_eq!(U256::ONE.shl(255).bits(), 256);
        assert_eq!(U256::ONE.shl(256), U256::ZERO);
        assert_eq!(U256::ONE.shl(200).shr(200), U256::ONE);
        assert_eq!(U256::MAX.shr(255), U256::ONE);
        assert_eq!(U256::ZERO.bits(), 0);
    }

    #[test]
    fn mul_div_keeps_the_overflowing_middle() {
        let big = U256::ONE.shl(255);
        assert_eq!(big.mul_div_u64(4, 8), Some(U256::ONE.shl(254)));
        assert_eq!(big.mul_div_u64(4, 1), None);
        assert_eq!(big.mul_div_u64(1, 0), None);
    }

    proptest! {
        #[test]
        fn matches_u128_arithmetic(a in any::<u128>(), b in 1..u128::MAX) {
            let (q, r) = from_u128(a).div_rem(from_u128(b)).unwrap();
            prop_assert_eq!(u128_of(q), a / b);
            prop_assert_eq!(u128_of(r), a % b);
            prop_assert_eq!(from_u128(a).cmp(&from_u128(b)), a.cmp(&b));
            prop_assert_eq!(from_u128(a).checked_sub(from_u128(b)).map(u128_of), a.checked_sub(b));
        }

        #[test]
        fn byte_orders_round_trip(bytes in any::<[u8; 32]>()) {
            prop_assert_eq!(U256::from_le_bytes(bytes).to_le_bytes(), bytes);
            prop_assert_eq!(U256::from_be_bytes(bytes).to_be_bytes(), bytes);
        }

        #[test]
        fn division_reconstructs(a in any::<[u8; 32]>(), b in any::<[u8; 32]>()) {
            let (a, b) = (U256::from_le_bytes(a), U256::from_le_bytes(b).shr(7));
            prop_assume!(!b.is_zero());
            let (q, r) = a.div_rem(b).unwrap();
            prop_assert!(r < b);
            // q * b + r == a, with q * b computed by repeated doubling.
            let mut product = U256::ZERO;
            for index in (0..q.bits()).rev() {
                product = product.shl(1);
                if q.bit(index) {
                    product = product.checked_add(b).unwrap();
                }
            }
            prop_assert_eq!(product.checked_add(r), Some(a));
        }
    }
}
