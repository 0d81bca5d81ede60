//! The proof-of-work abstraction and Bitcoin's difficulty retargeting.
//!
//! The chain is parameterised by its proof of work ([`PowAlgorithm`] in
//! [`ChainParams`]) and calls a [`PowHasher`] to hash headers, so the same chain code
//! runs Bitcoin's SHA-256d ([`Sha256dHasher`], here) and Bytom's Tensority
//! (implemented in the `pow` crate). Whatever the algorithm, the resulting 32 bytes are
//! read as a little-endian 256-bit number and must be at most the target.

use serde::{Deserialize, Serialize};

use crate::hash::sha3_256;
use crate::header::BlockHeader;
use crate::params::ChainParams;
use crate::target::{CompactTarget, Target};

/// Which proof-of-work function a chain uses.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub enum PowAlgorithm {
    /// Bitcoin: SHA-256d of the 80-byte header (the block hash itself).
    Sha256d,
    /// Bytom's Tensority: a matrix-multiplication hash whose matrices derive from a
    /// seed that changes every `seed_interval` blocks (see [`seed_height`]).
    Tensority {
        /// Blocks between seed changes (Bytom uses 256).
        seed_interval: u32,
    },
}

/// Hashes a header for proof of work. Chain validation calls through this trait.
pub trait PowHasher: Send + Sync {
    /// The proof-of-work hash of `header` under `seed` (SHA-256d ignores the seed).
    /// The bytes are compared with the target as a little-endian number.
    fn pow_hash(&self, header: &BlockHeader, seed: &[u8; 32]) -> [u8; 32];
}

/// Bitcoin's proof of work: the double SHA-256 of the header.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sha256dHasher;

impl PowHasher for Sha256dHasher {
    fn pow_hash(&self, header: &BlockHeader, _seed: &[u8; 32]) -> [u8; 32] {
        header.block_hash().to_byte_array()
    }
}

/// The seed used before the first seed change: SHA3-256 of 32 zero bytes
/// (`9e6291970cb44dd94008c79bcaf9d86f18b4b49ba5b2a04781db7199ed3b9e4e`).
pub fn initial_seed() -> [u8; 32] {
    sha3_256(&[0; 32])
}

/// Bytom's seed schedule: which ancestor's hash seeds the block at `height`.
///
/// For `height >= 1` let `p = height - 1`. While `p < seed_interval` the seed is
/// [`initial_seed`] (`None` here); afterwards it is the raw-order block hash of the
/// ancestor at height `seed_interval * floor(p / seed_interval)`. A seed therefore
/// stays fixed for `seed_interval` blocks, long enough for miners to build the
/// expensive matrix cache once, and is always an already-buried block. Genesis
/// (height 0) and an interval of 0 use the initial seed.
pub fn seed_height(height: u32, seed_interval: u32) -> Option<u32> {
    let p = height.checked_sub(1)?;
    if seed_interval == 0 || p < seed_interval {
        return None;
    }
    Some(seed_interval * (p / seed_interval))
}

/// Bitcoin Core's `CalculateNextWorkRequired`: scale the last target by how long the
/// last retarget period actually took, clamped to a factor of 4 either way, and never
/// easier than the proof-of-work limit.
pub fn calculate_next_work_required(
    params: &ChainParams,
    last_bits: CompactTarget,
    last_time: u32,
    first_time: u32,
) -> CompactTarget {
    let timespan = u64::from(params.pow_target_timespan);
    let actual = (i64::from(last_time) - i64::from(first_time))
        .clamp(timespan as i64 / 4, timespan as i64 * 4) as u64;
    let old = crate::uint::U256::set_compact(last_bits.to_consensus()).value;
    let limit = params.pow_limit.0;
    let new = old
        .mul_div_u64(actual, timespan)
        .filter(|new| *new <= limit)
        .unwrap_or(limit);
    Target(new).to_compact()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initial_seed_is_sha3_of_zeros() {
        assert_eq!(
            hex::encode(initial_seed()),
            "9e6291970cb44dd94008c79bcaf9d86f18b4b49ba5b2a04781db7199ed3b9e4e"
        );
    }

    #[test]
    fn seed_schedule() {
        assert_eq!(seed_height(0, 256), None);
        assert_eq!(seed_height(1, 256), None);
        assert_eq!(seed_height(256, 256), None);
        assert_eq!(seed_height(257, 256), Some(256));
        assert_eq!(seed_height(512, 256), Some(256));
        assert_eq!(seed_height(513, 256), Some(512));
        assert_eq!(seed_height(5, 0), None);
    }

    fn next(last_bits: u32, first_time: u32, last_time: u32) -> u32 {
        calculate_next_work_required(
            &ChainParams::bitcoin_mainnet(),
            CompactTarget::from_consensus(last_bits),
            last_time,
            first_time,
        )
        .to_consensus()
    }

    /// Bitcoin Core src/test/pow_tests.cpp.
    #[test]
    fn bitcoin_core_retarget_vectors() {
        // get_next_work: block 32255.
        assert_eq!(next(0x1d00ffff, 1261130161, 1262152739), 0x1d00d86a);
        // get_next_work_pow_limit: block 2015, too slow, stays at the limit.
        assert_eq!(next(0x1d00ffff, 1231006505, 1233061996), 0x1d00ffff);
        // get_next_work_lower_limit_actual: block 68543, clamped to a quarter.
        assert_eq!(next(0x1c05a3f4, 1279008237, 1279297671), 0x1c0168fd);
        // get_next_work_upper_limit_actual: block 46367, clamped to four times.
        assert_eq!(next(0x1c387f6f, 1263163443, 1269211443), 0x1d00e1fd);
    }

    #[test]
    fn sha256d_hasher_is_the_block_hash() {
        let header = BlockHeader::from_hex(crate::header::tests::GENESIS_HEX).unwrap();
        assert_eq!(
            Sha256dHasher.pow_hash(&header, &[0; 32]),
            header.block_hash().to_byte_array()
        );
        let target = Target::from_compact(header.bits).unwrap();
        assert!(target.is_met_by(Sha256dHasher.pow_hash(&header, &initial_seed())));
    }
}
