//! Difficulty as a number of leading zero bits, and what that means for a block.
//!
//! Learners meet difficulty as "the hash must start with k zero bits". A real header
//! stores a target in compact `bits` instead; this module converts between the two with
//! the ledger's target code, so the block widget mines against exactly the target a
//! node would check.

use ledger::{CompactTarget, Target, U256};

/// The target whose hashes start with at least `zero_bits` zero bits: 2^(256-k) - 1.
pub fn target_for_zero_bits(zero_bits: u32) -> Target {
    let big_endian: [u8; 32] = std::array::from_fn(|i| {
        let zeros_here = zero_bits.saturating_sub(8 * i as u32);
        0xffu8.checked_shr(zeros_here).unwrap_or(0)
    });
    Target(U256::from_be_bytes(big_endian))
}

/// Header `bits` for a difficulty of `zero_bits`. The compact form keeps a 3-byte
/// mantissa and rounds down, so the stored target can be slightly harder than
/// 2^(256-k) - 1, never easier.
pub fn compact_for_zero_bits(zero_bits: u32) -> CompactTarget {
    target_for_zero_bits(zero_bits).to_compact()
}

/// Expected hashes to meet a target: 2^256 / (target + 1).
pub fn expected_tries(target: Target) -> f64 {
    target.work().0.to_f64()
}

/// Expected tries for "starts with `zero_bits` zero bits" by plain hashing: 2^k.
pub fn expected_tries_for_zero_bits(zero_bits: u32) -> f64 {
    2f64.powi(zero_bits as i32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bits::leading_zero_bits;
    use crate::widget::{MAX_DIFFICULTY, MIN_DIFFICULTY};

    #[test]
    fn target_is_all_ones_after_k_zero_bits() {
        for k in [0, 1, 7, 8, 9, 16, 255, 256] {
            let mut raw = target_for_zero_bits(k).0.to_le_bytes();
            raw.reverse();
            assert_eq!(leading_zero_bits(&raw), k, "k={k}");
            assert_eq!(
                raw.iter().map(|b| b.count_ones()).sum::<u32>(),
                256 - k,
                "k={k}"
            );
        }
    }

    #[test]
    fn sixteen_bits_is_the_familiar_compact_form() {
        // 0x0000ffff followed by 28 0xff bytes rounds down to mantissa 0x00ffff, size 31.
        assert_eq!(
            compact_for_zero_bits(16),
            CompactTarget::from_consensus(0x1f00_ffff)
        );
        // Bitcoin's genesis difficulty, 0x1d00ffff, is 32 zero bits with a 0xffff mantissa.
        assert_eq!(
            compact_for_zero_bits(32),
            CompactTarget::from_consensus(0x1d00_ffff)
        );
    }

    #[test]
    fn compact_target_is_never_easier_and_costs_about_two_to_the_k() {
        for k in MIN_DIFFICULTY..=MAX_DIFFICULTY {
            let stored = Target::from_compact(compact_for_zero_bits(k)).unwrap();
            assert!(stored <= target_for_zero_bits(k), "k={k}");
            let ratio = expected_tries(stored) / expected_tries_for_zero_bits(k);
            assert!((1.0..1.0001).contains(&ratio), "k={k} ratio={ratio}");
        }
    }

    #[test]
    fn a_hash_meets_the_target_when_its_displayed_form_has_k_zero_bits() {
        let target = Target::from_compact(compact_for_zero_bits(12)).unwrap();
        // Raw order is little-endian: the last raw bytes are the first displayed ones.
        let mut raw = [0xab; 32];
        raw[31] = 0x00;
        raw[30] = 0x0f;
        let mut displayed = raw;
        displayed.reverse();
        assert_eq!(leading_zero_bits(&displayed), 12);
        assert!(target.is_met_by(raw));
        raw[30] = 0x10;
        assert!(!target.is_met_by(raw));
    }
}
