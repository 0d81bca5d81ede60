//! Amounts of money, counted in the smallest unit ("sats", 10^-8 of a coin).
//!
//! Amounts are a newtype over `u64` so they cannot be mixed up with heights or
//! timestamps, and all arithmetic is checked: Bitcoin's 2010 value-overflow incident
//! (block 74638 created 184 billion coins) is exactly the bug this prevents.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an amount computation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    /// A sum would exceed [`Amount::MAX_MONEY`] (or 2^64).
    #[error("value overflow: the total would exceed the maximum of {} coins", Amount::MAX_MONEY.0 / Amount::COIN.0)]
    Overflow,
    /// A difference would be negative.
    #[error("value underflow: {minuend} minus {subtrahend} would be negative")]
    Negative {
        /// The amount subtracted from.
        minuend: Amount,
        /// The amount subtracted.
        subtrahend: Amount,
    },
}

/// A non-negative amount in sats, never more than [`Amount::MAX_MONEY`] when built
/// through the checked operations.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Amount(u64);

impl Amount {
    /// Nothing.
    pub const ZERO: Self = Self(0);
    /// One sat.
    pub const SAT: Self = Self(1);
    /// One coin = 100,000,000 sats.
    pub const COIN: Self = Self(100_000_000);
    /// The most money that can ever exist, as in Bitcoin: 21 million coins.
    pub const MAX_MONEY: Self = Self(21_000_000 * 100_000_000);

    /// An amount of sats; `Overflow` above [`Amount::MAX_MONEY`].
    pub const fn from_sat(sats: u64) -> Result<Self, AmountError> {
        if sats > Self::MAX_MONEY.0 {
            Err(AmountError::Overflow)
        } else {
            Ok(Self(sats))
        }
    }

    /// The amount in sats.
    pub const fn to_sat(self) -> u64 {
        self.0
    }

    /// Whether this is a legal amount (at most [`Amount::MAX_MONEY`]). Decoded
    /// transactions may carry any `u64`, so validation asks this.
    pub const fn is_in_range(self) -> bool {
        self.0 <= Self::MAX_MONEY.0
    }

    /// Reinterprets a raw `u64` read from an encoding; range is checked at validation.
    pub(crate) const fn from_raw(sats: u64) -> Self {
        Self(sats)
    }

    /// Sum, failing above [`Amount::MAX_MONEY`].
    pub fn checked_add(self, other: Self) -> Result<Self, AmountError> {
        self.0
            .checked_add(other.0)
            .ok_or(AmountError::Overflow)
            .and_then(Self::from_sat)
    }

    /// Difference, failing if it would be negative.
    pub fn checked_sub(self, other: Self) -> Result<Self, AmountError> {
        self.0
            .checked_sub(other.0)
            .map(Self)
            .ok_or(AmountError::Negative {
                minuend: self,
                subtrahend: other,
            })
    }

    /// Sums amounts, failing on the first overflow.
    pub fn checked_sum<I: IntoIterator<Item = Self>>(amounts: I) -> Result<Self, AmountError> {
        amounts
            .into_iter()
            .try_fold(Self::ZERO, |total, amount| total.checked_add(amount))
    }
}

impl fmt::Display for Amount {
    /// Coins with 8 decimals, e.g. `50.00000000`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:08}", self.0 / Self::COIN.0, self.0 % Self::COIN.0)
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({} sat)", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_arithmetic() {
        let fifty = Amount::from_sat(50 * Amount::COIN.to_sat()).unwrap();
        assert_eq!(fifty.to_string(), "50.00000000");
        assert_eq!(Amount::from_sat(1).unwrap().to_string(), "0.00000001");
        assert_eq!(
            Amount::MAX_MONEY.checked_add(Amount::SAT),
            Err(AmountError::Overflow)
        );
        assert_eq!(Amount::from_sat(u64::MAX), Err(AmountError::Overflow));
        assert!(Amount::ZERO.checked_sub(Amount::SAT).is_err());
        assert_eq!(
            Amount::checked_sum([fifty, fifty]).unwrap().to_sat(),
            100 * Amount::COIN.to_sat()
        );
        assert!(!Amount::from_raw(u64::MAX).is_in_range());
    }
}
